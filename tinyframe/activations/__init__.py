"""Activations: elementwise (or row-wise) layers without parameters."""

from .base import Activation
from .elu import ELU, SELU
from .gelu import GELU
from .identity import Identity
from .leaky_relu import LeakyReLU
from .relu import ReLU
from .sigmoid import Sigmoid
from .softmax import Softmax
from .softplus import Softplus
from .swish import Swish
from .tanh import Tanh

__all__ = [
    "Activation",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Softmax",
    "Identity",
    "ELU",
    "SELU",
    "Swish",
    "Softplus",
    "GELU",
]
