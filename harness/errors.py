"""The one exception tree of bench.

```
BenchError                 anything a user can fix; the CLI prints it as one line, exit 2
├── SuiteError             a suite file or items file is broken (names file:line and the fix)
├── ConfigError            bad option, unknown vendor or endpoint, missing API key, bad catalog
└── ResultsError           a results directory is missing, unreadable or from another run
```

Provider failures during a run are not exceptions a user sees: they become typed outcomes
and attempt rows (see `providers.base.Failure`). Messages never carry secrets: callers build
them from names (env var names, file paths), never from values.
"""

from __future__ import annotations


class BenchError(Exception):
    """A problem the user can fix; shown as one line without a traceback."""

    exit_code = 2


class SuiteError(BenchError):
    """A suite or items file cannot be used as written."""


class ConfigError(BenchError):
    """Options, catalog, model references or environment are not usable."""


class ResultsError(BenchError):
    """A results store or run directory cannot be read or written as asked."""


__all__ = ["BenchError", "ConfigError", "ResultsError", "SuiteError"]
