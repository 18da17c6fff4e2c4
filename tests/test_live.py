"""Live smoke tests against real vendors: opt-in with `pytest --live`, skipped without keys.

One tiny request per vendor whose key is set, through the real CLI; an api_block or a refusal
is a valid answer here, a transport or parsing failure is not.
"""

from __future__ import annotations

import pytest

from providers import load_catalog

from .conftest import LIVE_ENV, bench

pytestmark = pytest.mark.live

VENDORS = [v for v in load_catalog().values() if v.check_model]


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.id)
def test_vendor_answers(vendor) -> None:  # type: ignore[no-untyped-def]
    key = LIVE_ENV.get(vendor.api_key_env)
    if not key:
        pytest.skip(f"{vendor.api_key_env} is not set")
    proc = bench("providers", "--check", "--vendor", vendor.id, env={vendor.api_key_env: key})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert key not in proc.stdout + proc.stderr
