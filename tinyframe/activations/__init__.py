"""Activations: elementwise (or row-wise) layers without parameters."""

from .base import Activation
from .sigmoid import Sigmoid

__all__ = ["Activation", "Sigmoid"]
