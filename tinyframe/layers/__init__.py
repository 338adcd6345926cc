"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .activation import Activation
from .base import Layer
from .conv import Conv1D, Conv2D
from .dense import Dense
from .dropout import Dropout
from .input import Input, InputLayer
from .noise import GaussianNoise
from .reshaping import Flatten, Reshape

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise", "Input", "InputLayer", "Activation"]
__all__ += ["Flatten", "Reshape", "Conv1D", "Conv2D"]
