"""Activations: elementwise (or row-wise) layers without parameters."""

from .base import Activation
from .identity import Identity
from .leaky_relu import LeakyReLU
from .relu import ReLU
from .sigmoid import Sigmoid
from .softmax import Softmax
from .tanh import Tanh

__all__ = ["Activation", "Sigmoid", "ReLU", "LeakyReLU", "Tanh", "Softmax", "Identity"]
