"""Dense: the fully connected layer, ``y = x @ W + b``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import initializers, regularizers
from .._checks import check_positive_int
from .base import Layer


class Dense(Layer):
    """Fully connected layer: every output is a weighted sum of every input plus a bias.

    Forward, for a batch ``x`` of shape ``(m, in)``::

        z = x @ W + b                     W: (in, out), b: (out,), z: (m, out)

    Backward, given ``delta = dJ/dz`` of shape ``(m, out)``::

        dJ/dW = x.T @ delta               (in, out)   the article's sum of delta h^T
        dJ/db = 1 @ delta                 (out,)      delta summed over the batch
        dJ/dx = delta @ W.T               (m, in)     what the layer before receives

    The article writes one sample as ``z = W' h + b`` with ``W'`` of shape
    ``(out, in)``; tinyframe (like Keras) stores ``W = W'.T`` so a batch multiplies
    on the right.

    Args:
        in_features: width of the input.
        out_features: width of the output (number of neurons).
        kernel_initializer: name in `tinyframe.initializers` or a callable;
            ``"glorot_uniform"`` by default, ``"random_sample"`` is the article's [0, 1).
        bias_initializer: likewise; ``"zeros"`` by default.
        kernel_regularizer: a penalty on ``W`` such as ``L2(1e-4)`` from
            `tinyframe.regularizers` (or ``"l2"``, ``"l1"``, ``"l1_l2"``); None by
            default. Its value is part of the loss that training reports and
            minimises (``penalty()``), and its gradient is added to ``dJ/dW``.

    Example:
        >>> import numpy as np
        >>> layer = Dense(64, 30).build("float32", np.random.default_rng(0))
        >>> layer.forward(np.zeros((5, 64), "float32")).shape
        (5, 30)
    """

    writes_in_place = True  # backward writes self.grads with out=; never rebinds (see Sequential._sync)

    def __init__(
        self,
        in_features: int,
        out_features: int,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        kernel_regularizer: regularizers.L1L2 | str | dict | None = None,
    ) -> None:
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Dense")
        self.out_features = check_positive_int(out_features, "out_features", "Dense")
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        initializers.get(kernel_initializer), initializers.get(bias_initializer)  # unknown names: refused now
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._x: np.ndarray | None = None  # this step's input, kept by forward for backward

    def create_params(self) -> None:
        self.add_param("W", (self.in_features, self.out_features), self.kernel_initializer)
        self.add_param("b", (self.out_features,), self.bias_initializer)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = x
        z = np.matmul(x, self.params["W"], out=self.buffer("z", (x.shape[0], self.out_features)))
        z += self.params["b"]
        return z

    def backward_params(self, grad_out: np.ndarray) -> None:
        np.matmul(self._x.T, grad_out, out=self.grads["W"])
        # A matrix-vector product with ones sums over the batch faster than .sum(0).
        ones = self.buffer("ones", (grad_out.shape[0],), fill=1)
        np.matmul(ones, grad_out, out=self.grads["b"])
        if self.kernel_regularizer is not None:
            W = self.params["W"]
            self.kernel_regularizer.add_gradient(W, self.grads["W"], self.buffer("penalty_grad", W.shape))

    def penalty(self) -> float:
        if self.kernel_regularizer is None:
            return 0.0
        return self.kernel_regularizer(self.params["W"])

    @property
    def has_penalty(self) -> bool:
        """True only with a kernel regularizer: a plain Dense stays off the per-step penalty path."""
        return self.kernel_regularizer is not None

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        grad_in = self.buffer("grad_in", (grad_out.shape[0], self.in_features))
        return np.matmul(grad_out, self.params["W"].T, out=grad_in)

    def output_features(self, in_features: int | None) -> int:
        if in_features is not None and in_features != self.in_features:
            raise ValueError(f"{self!r} expects {self.in_features} input features. Received: {in_features}")
        return self.out_features

    def get_config(self) -> dict:
        config = {"in_features": self.in_features, "out_features": self.out_features}
        for key in ("kernel_initializer", "bias_initializer"):
            value = getattr(self, key)
            config[key] = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
        config["kernel_regularizer"] = regularizers.serialize(self.kernel_regularizer)
        return config

    def __repr__(self) -> str:
        extra = "" if self.kernel_regularizer is None else f", kernel_regularizer={self.kernel_regularizer!r}"
        return f"Dense({self.in_features}, {self.out_features}{extra})"
