"""Merge layers: several inputs in, one output (Keras's ``keras.layers`` merging layers)."""

from .base import Merge
from .concatenate import Concatenate, concatenate
from .dot import Dot, dot
from .elementwise import (
    Add,
    Average,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    maximum,
    minimum,
    multiply,
    subtract,
)

__all__ = ["Merge", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"]
__all__ += ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
