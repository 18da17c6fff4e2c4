"""The errors `providers` raises for a user to fix; it imports nothing from `harness`.

```
ProviderError          a user can fix it; the CLI prints it as one line, exit 2
├── CatalogError       a catalog file (shipped or $BENCH_CATALOG_PATH) is not usable
└── ModelRefError      a model reference, endpoint, protocol or API key is not usable
```

A vendor failing during a run is not an exception: it is a typed `Failure` value
(`providers.base`). Messages name variables and files, never a secret's value.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A problem the user can fix; shown as one line without a traceback."""

    exit_code = 2


class CatalogError(ProviderError):
    """A catalog entry or catalog directory cannot be used as written."""


class ModelRefError(ProviderError):
    """A model reference does not resolve to a usable target."""


__all__ = ["CatalogError", "ModelRefError", "ProviderError"]
