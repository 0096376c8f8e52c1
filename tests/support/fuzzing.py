"""How many examples the generated-input tests run: a bounded number in CI, more on demand.

CI runs each fuzz target with its ``ci`` count, derandomised so a run is reproducible (a
failure there is a defect, not bad luck). ``WEERBAAR_FUZZ_LONG=1`` (set by
``bench/fuzz.py``) multiplies the counts and draws fresh random examples each run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("WEERBAAR_FUZZ_LONG", "") not in ("", "0")
LONG_FACTOR = 20


def fuzz_settings(ci: int) -> settings:
    """Hypothesis settings for a fuzz target that runs ``ci`` examples in CI."""
    return settings(
        max_examples=ci * LONG_FACTOR if LONG else ci,
        derandomize=not LONG,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=LONG,
    )
