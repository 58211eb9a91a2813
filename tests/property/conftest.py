"""Hypothesis profiles: ``ci`` (bounded, chosen when CI=true) and ``local`` (longer).

Set HYPOTHESIS_PROFILE to pick one explicitly (``dev`` is a quick one for editing).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# CI: few examples, no per-example deadline (machines vary), the same examples every run.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=_SLOW_OK
)
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("local", max_examples=200, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "local")
)
