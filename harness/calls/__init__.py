"""Calling a model: HTTP, retries, pacing, budget and the one `Caller` every call goes through."""
