"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .activation import Activation
from .base import Layer
from .dense import Dense
from .dropout import Dropout
from .input import Input, InputLayer
from .noise import GaussianNoise

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise", "Input", "InputLayer", "Activation"]
