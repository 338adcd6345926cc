"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .base import Layer
from .dense import Dense
from .dropout import Dropout
from .noise import GaussianNoise

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise"]
