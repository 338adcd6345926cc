"""Shared test set-up: a deterministic Hypothesis profile, and helpers."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Deterministic in CI (derandomize): the same examples every run, no flaky database.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
