"""Data governance: which endpoints a suite's data may reach, checked before anything is sent."""
