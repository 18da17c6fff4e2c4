"""bench's engine, one folder per stage a request passes through.

```
suites/     load and validate a suite            → Suite, Item
execute/    jobs, plan, scheduler, cache, run    → Job, then a finished job
calls/      the one Caller of every model call   → Attempt (limits, retries, budget, journal)
results/    typed rows, schema, run store        → ResponseRow, AttemptRow, GradeRow, Manifest
pricing/    unit prices and the cost of a row    → Quote
grading/    the grader registry and judges       → GradeRow
analysis/   every metric's one definition, stats → Rate, Paired, Diff
reporting/  build → views → md / html / json     → report files
nightly/    bench check, history, query          → CheckReport
simulator/  the loopback vendor simulator
cli/        the `bench` command, one module per command group
```

Vendors and wire protocols live in `providers/`, which knows nothing of this package.
"""
