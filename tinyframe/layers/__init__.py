"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .base import Layer
from .dense import Dense

__all__ = ["Layer", "Dense"]
