"""Shared test set-up: a deterministic Hypothesis profile, Keras 3 as an oracle (a fixture), the worst
gradient errors reported per module (an autouse fixture)."""

from __future__ import annotations

import os

import pytest
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


@pytest.fixture(scope="session")
def keras():
    """The ``keras`` module on the torch backend; the test is skipped without keras or torch, or on another backend."""
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras was imported with the {keras.backend.backend()} backend")
    return keras


WORST: dict[str, float] = {}  # worst relative gradient error per check (tests/strategies.py's record), per session


@pytest.fixture(scope="module", autouse=True)
def report_worst():
    """At the end of each test module that recorded gradient checks, print the worst errors so far."""
    before = dict(WORST)
    yield
    if WORST != before:
        print("\nworst relative gradient errors:", {k: f"{v:.1e}" for k, v in sorted(WORST.items())})
