"""Nightly use: `bench check` (rules against a baseline), `bench history`, `bench query`."""
