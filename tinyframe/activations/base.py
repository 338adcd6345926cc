"""Activation: the shared pattern of layers that apply a function to each row; `apply` runs one on an array."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..layers.base import Layer


class Activation(Layer):
    """A parameter-free layer ``y = f(x)`` whose backward is ``grad_in = grad_out * f'(x)``.

    Subclasses write the two kernels as a matched pair, each into a preallocated
    ``out`` buffer of the input's shape (so training allocates nothing per step):

    * ``function(x, out) -> out``            the forward value ``f(x)``
    * ``derivative(x, y, grad, out) -> out`` ``dJ/dx`` given ``y = f(x)`` and ``grad = dJ/dy``

    The forward input ``x`` and output ``y`` are both handed to ``derivative``, so
    no forward value is ever recomputed in backward (Sigmoid uses ``y``, ReLU ``x``).
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        y = self.function(x, self.buffer("y", x.shape))
        self._x, self._y = x, y  # for backward; the local is returned (another thread's predict may rebind these)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return self.derivative(self._x, self._y, grad_out, self.buffer("grad_in", grad_out.shape))

    def function(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray, y: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def apply(layer: Activation, x: Any) -> np.ndarray:
    """``layer``'s forward kernel on an array of any shape, into a new array: the activation functions' body.

    ``x`` keeps its dtype when it is float32 or float64; anything else (ints, lists) is read as float64.
    """
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float64)
    layer.dtype = x.dtype  # the kernel's work buffers in x's dtype
    return layer.function(x, np.empty_like(x))
