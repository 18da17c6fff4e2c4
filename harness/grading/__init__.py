"""Grading stored answers: a registry of graders (refusal, quality, identity) and LLM judges."""
