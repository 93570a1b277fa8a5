"""Hypothesis settings profiles shared by the property tests and the fuzz runner.

``ci`` (the default) keeps every property test small enough for the normal test run;
``fuzz`` multiplies each test's example count (by ``PREFLIGHT_FUZZ_SCALE``, default 50)
for long runs::

    PREFLIGHT_HYPOTHESIS_PROFILE=fuzz python -m pytest tests/test_never_raises.py

Nothing here changes Hypothesis' global default profile, so other test modules are
not affected by importing it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE_ENV = "PREFLIGHT_HYPOTHESIS_PROFILE"
SCALE_ENV = "PREFLIGHT_FUZZ_SCALE"

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.large_base_example]

settings.register_profile("preflight-ci", deadline=None, suppress_health_check=_SLOW_OK, print_blob=True)
settings.register_profile("preflight-fuzz", deadline=None, suppress_health_check=_SLOW_OK, print_blob=True,
                          database=None)


def profile_name() -> str:
    name = os.environ.get(PROFILE_ENV, "ci").strip().lower()
    return name if name in ("ci", "fuzz") else "ci"


def scale() -> int:
    if profile_name() != "fuzz":
        return 1
    try:
        return max(1, int(os.environ.get(SCALE_ENV, "50")))
    except ValueError:
        return 50


def examples(count: int) -> int:
    """``count`` examples under the ``ci`` profile, ``count * scale()`` under ``fuzz``."""
    return count * scale()


def property_settings(count: int, **overrides: object) -> settings:
    """Settings for one property test: the active profile with ``examples(count)`` examples."""
    parent = settings.get_profile(f"preflight-{profile_name()}")
    return settings(parent, max_examples=examples(count), **overrides)  # type: ignore[arg-type]
