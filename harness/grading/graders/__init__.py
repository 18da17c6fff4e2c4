"""One module per grader; each defines `GRADER` (see harness/grading/registry.py)."""
