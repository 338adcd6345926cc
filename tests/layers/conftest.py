"""Fixtures of the layer tests: Keras 3 (torch backend) as an oracle, skipped cleanly where it is missing."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def keras():
    """The ``keras`` module on the torch backend; the test is skipped without keras or torch, or on another backend."""
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras was imported with the {keras.backend.backend()} backend")
    return keras
