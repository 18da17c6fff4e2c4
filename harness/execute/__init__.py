"""Executing a suite: jobs, the run plan, the scheduler, the answer cache and the run itself."""
