"""Dense: the fully connected layer, ``y = activation(x @ W + b)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import activations, initializers, regularizers
from .._checks import check_positive_int
from .base import KernelAndBias, Layer
from .shapes import fixed_axis


class Dense(KernelAndBias, Layer):
    """Fully connected layer: every output is a weighted sum of every input plus a bias.

    Forward, for a batch ``x`` of shape ``(m, in)``::

        z = x @ W + b                     W: (in, out), b: (out,), z: (m, out)

    Backward, given ``delta = dJ/dz`` of shape ``(m, out)``::

        dJ/dW = x.T @ delta               (in, out)   the article's sum of delta h^T
        dJ/db = 1 @ delta                 (out,)      delta summed over the batch
        dJ/dx = delta @ W.T               (m, in)     what the layer before receives

    The article writes one sample as ``z = W' h + b`` with ``W'`` of shape
    ``(out, in)``; tinyframe (like Keras) stores ``W = W'.T`` so a batch multiplies
    on the right. Inputs of higher rank ``(m, d1, ..., in)`` are multiplied on their
    last axis, as in Keras: the leading axes are flattened into rows, so the same
    formulas hold with ``m * d1 * ...`` rows.

    **Two spellings.** ``Dense(64, 30)`` is the design card's (in, out); ``Dense(30)``
    is Keras's (units only): the input width comes from the layer before, an `Input`
    layer, ``input_shape=``, or the first array the model sees.

    Args:
        in_features: width of the input, or, given alone, the number of units (Keras).
        out_features: width of the output (number of neurons).
        activation: applied to ``z`` inside the layer (Keras's argument): a name such as
            ``"relu"`` or ``"sigmoid"`` (`tinyframe.activations.get`), an `Activation`,
            or None (linear, the default). Its backward runs inside this layer's.
        use_bias: whether the layer has ``b`` (True by default).
        kernel_initializer: name in `tinyframe.initializers` or a callable;
            ``"glorot_uniform"`` by default, ``"random_sample"`` is the article's [0, 1).
        bias_initializer: likewise; ``"zeros"`` by default.
        kernel_regularizer: a penalty on ``W`` such as ``L2(1e-4)`` from
            `tinyframe.regularizers` (or ``"l2"``, ``"l1"``, ``"l1_l2"``); None by
            default. Its value is part of the loss that training reports and
            minimises (``penalty()``), and its gradient is added to ``dJ/dW``.
        bias_regularizer: likewise, on ``b``.
        units: Keras's keyword for the number of units (``Dense(units=30)``).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Dense(64, 30).build(dtype="float32", rng=0)
        >>> layer.forward(np.zeros((5, 64), "float32")).shape
        (5, 30)
        >>> Dense(30, activation="relu").build((40, 64)).forward(np.ones((2, 40, 64))).shape
        (2, 40, 30)
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    supports_masking = True  # a mask passes through unchanged (tinyframe.layers.masks)

    writes_in_place = True  # backward writes self.grads with out=; never rebinds (see Sequential._sync)

    def __init__(
        self,
        in_features: int | None = None,
        out_features: int | str | Any | None = None,
        activation: str | Any | None = None,
        use_bias: bool = True,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        kernel_regularizer: regularizers.L1L2 | str | dict | None = None,
        bias_regularizer: regularizers.L1L2 | str | dict | None = None,
        *,
        units: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if out_features is not None and not isinstance(out_features, (int, np.integer)):
            if activation is not None:  # Dense(30, "relu") is Keras's (units, activation)
                raise TypeError(f"Dense: out_features must be an integer. Received: out_features={out_features!r}")
            out_features, activation = None, out_features
        if units is not None:
            if out_features is not None:
                raise TypeError("Dense: give units= or out_features=, not both (they are one number)")
            out_features = units  # Dense(units=30), or Dense(in_features=64, units=30) as get_config writes it
        elif out_features is None:  # one number: Keras's units
            in_features, out_features = None, in_features
        if out_features is None:
            raise TypeError("Dense: the number of units is needed, e.g. Dense(30) or Dense(64, 30). Received none")
        self.out_features = check_positive_int(
            out_features, "units" if in_features is None else "out_features", "Dense"
        )
        self.in_features = None if in_features is None else check_positive_int(in_features, "in_features", "Dense")
        self._given_in = self.in_features  # what the constructor was told (None: learnt at build)
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"Dense: use_bias must be True or False. Received: use_bias={use_bias!r}")
        self.use_bias = bool(use_bias)
        self.activation = activations.get(activation)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        initializers.get(kernel_initializer), initializers.get(bias_initializer)  # unknown names: refused now
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        if self.in_features is not None:
            if self.declared_input_shape is None:
                self.declared_input_shape = (self.in_features,)
            self.compute_output_shape(self.declared_input_shape)
        self._x: np.ndarray | None = None  # this step's input as rows (m, in), kept by forward for backward

    @property
    def units(self) -> int:
        """The number of outputs (Keras's name for ``out_features``)."""
        return self.out_features

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        fixed_axis(input_shape[-1], self, "the last axis (the features)", input_shape)
        if self.in_features is not None and input_shape[-1] != self.in_features:
            raise ValueError(
                f"{self!r} expects inputs whose last axis has {self.in_features} features, shape "
                f"(..., {self.in_features}). Received: input shape {tuple(input_shape)}"
            )
        return (*input_shape[:-1], self.out_features)

    def build(self, input_shape: tuple[int, ...] | None) -> None:
        if input_shape is None and self.in_features is None:
            raise ValueError(f"{self!r}: the input width is unknown; build((in_features,)) or give Dense(in, out)")
        if input_shape is not None:
            self.compute_output_shape(input_shape)
            self.in_features = input_shape[-1]
        self.add_param("W", (self.in_features, self.out_features), self.kernel_initializer)
        if self.use_bias:
            self.add_param("b", (self.out_features,), self.bias_initializer)
        if self.activation is not None:
            self.activation.build((self.out_features,), dtype=self.dtype)

    # ---------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if x.ndim != 2:  # (m, ..., in): the rows of the last axis, and the shape restored on the way out
            return self.forward(x.reshape(-1, x.shape[-1]), training).reshape(*x.shape[:-1], self.out_features)
        self._x = x
        z = np.matmul(x, self.params["W"], out=self.buffer("z", (x.shape[0], self.out_features)))
        if self.use_bias:
            z += self.params["b"]
        if self.activation is not None:
            return self.activation.forward(z, training)
        return z

    def backward_params(self, grad_out: np.ndarray) -> None:
        if grad_out.ndim != 2:
            grad_out = grad_out.reshape(-1, self.out_features)
        if self.activation is not None:
            grad_out = self.activation.backward(grad_out)  # dJ/dz, through the layer's own activation
        self._delta = grad_out  # backward reads it after calling this (a subclass may override this method)
        np.matmul(self._x.T, grad_out, out=self.grads["W"])
        if self.use_bias:
            # A matrix-vector product with ones sums over the batch faster than .sum(0).
            ones = self.buffer("ones", (grad_out.shape[0],), fill=1)
            np.matmul(ones, grad_out, out=self.grads["b"])
        if self.kernel_regularizer is not None or self.bias_regularizer is not None:
            for name, regularizer in (("W", self.kernel_regularizer), ("b", self.bias_regularizer)):
                if regularizer is not None and name in self.params:
                    p = self.params[name]
                    regularizer.add_gradient(p, self.grads[name], self.buffer(f"penalty_grad_{name}", p.shape))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        delta = self._delta
        grad_in = np.matmul(delta, self.params["W"].T, out=self.buffer("grad_in", (delta.shape[0], self.in_features)))
        return grad_in if grad_out.ndim == 2 else grad_in.reshape(*grad_out.shape[:-1], self.in_features)

    def penalty(self) -> float:
        total = 0.0
        for name, regularizer in (("W", self.kernel_regularizer), ("b", self.bias_regularizer)):
            if regularizer is not None and name in self.params:
                total += regularizer(self.params[name])
        return total

    @property
    def has_penalty(self) -> bool:
        """True only with a regularizer: a plain Dense stays off the per-step penalty path."""
        return self.kernel_regularizer is not None or (self.bias_regularizer is not None and self.use_bias)

    def get_config(self) -> dict:
        config: dict[str, Any] = {"units": self.out_features}  # Keras's key (files with out_features still load)
        if self.declared_in_features() is not None:
            config["in_features"] = self.declared_in_features()
        if self.activation is not None:
            config["activation"] = activations.serialize(self.activation)
        if not self.use_bias:
            config["use_bias"] = False
        for key in ("kernel_initializer", "bias_initializer"):
            value = getattr(self, key)
            config[key] = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
        config["kernel_regularizer"] = regularizers.serialize(self.kernel_regularizer)
        if self.bias_regularizer is not None:
            config["bias_regularizer"] = regularizers.serialize(self.bias_regularizer)
        return config

    def declared_in_features(self) -> int | None:
        """The input width given to the constructor (None for Keras's ``Dense(units)``)."""
        return self._given_in

    def __repr__(self) -> str:
        given = self.declared_in_features()
        args = [str(self.out_features)] if given is None else [str(given), str(self.out_features)]
        if self.activation is not None:
            args.append(f"activation={activations.serialize(self.activation)!r}")
        if not self.use_bias:
            args.append("use_bias=False")
        if self.kernel_regularizer is not None:
            args.append(f"kernel_regularizer={self.kernel_regularizer!r}")
        if self.bias_regularizer is not None:
            args.append(f"bias_regularizer={self.bias_regularizer!r}")
        return f"Dense({', '.join(args)})"
