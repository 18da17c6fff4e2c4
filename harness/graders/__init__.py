"""Graders of stored answers: refusal (rules, then judges), quality checks, identity claims."""
