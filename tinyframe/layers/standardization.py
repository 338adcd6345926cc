"""What BatchNormalization and LayerNormalization share: standardise over some axes, then scale and shift."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import initializers
from .._checks import check_float
from .base import Layer
from .shapes import fixed_axis


class Standardization(Layer):
    """Standardise ``x`` over the *reduced* axes R, then scale by ``gamma`` and shift by ``beta``.

    The base of `BatchNormalization` (R: every axis but ``axis``) and `LayerNormalization`
    (R: the ``axis`` axes); ``gamma`` and ``beta`` span the ``axis`` axes in both. Axes
    count the batch as axis 0, as in Keras (``-1`` is the last one). Forward, with the N
    values of x that share a position outside R::

        mu   = mean_R(x)          var = mean_R((x - mu)**2)     (biased: divided by N)
        s    = 1 / sqrt(var + epsilon)
        xhat = (x - mu) * s
        y    = gamma * xhat + beta                               (broadcast over the other axes)

    Backward, given ``g = dJ/dy`` (the shape of x), with S the axes outside ``axis``::

        dJ/dbeta  = sum_S(g)             dJ/dgamma = sum_S(g * xhat)
        d = g * gamma                                           (dJ/dxhat)
        dJ/dx = s * (d - mean_R(d) - xhat * mean_R(d * xhat))   the statistics of this batch
        dJ/dx = s * d                                           fixed statistics (inference)

    The first form, derived: ``dmu/dx_j = 1/N`` and ``dvar/dx_j = 2 (x_j - mu) / N``, so
    ``ds/dx_j = -s**3 (x_j - mu) / N = -s**2 xhat_j / N`` and
    ``dxhat_i/dx_j = s (delta_ij - 1/N) - s xhat_i xhat_j / N``; summing ``d_i`` times it
    over i gives ``s (d_j - mean(d) - xhat_j mean(d xhat))``. Sums over leading or trailing
    axes run as products with a vector of ones (BLAS), several times faster than ``np.sum``.
    """

    writes_in_place = True  # backward writes self.grads in place
    reduces_over_axis = False  # LayerNormalization: the statistics are taken over ``axis``
    single_axis = True  # BatchNormalization takes one axis (Keras); LayerNormalization a list too

    def __init__(
        self,
        axis: int | Sequence[int],
        epsilon: float,
        center: bool,
        scale: bool,
        beta_initializer: str | Callable,
        gamma_initializer: str | Callable,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        listed = isinstance(axis, (list, tuple)) and not self.single_axis
        axes = list(axis) if listed else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
            kind = "an integer" if self.single_axis else "an integer or a non-empty list of integers"
            raise TypeError(f"{owner}: axis must be {kind}. Received: axis={axis!r}")
        if 0 in axes or len(set(axes)) != len(axes):
            raise ValueError(f"{owner}: axis must name distinct axes other than the batch axis 0. Received: {axis!r}")
        self._axes = [int(a) for a in axes]
        self.axis: int | list[int] = list(self._axes) if listed else self._axes[0]
        self.epsilon = check_float(epsilon, "epsilon", owner)
        for name, flag in (("center", center), ("scale", scale)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{owner}: {name} must be True or False. Received: {name}={flag!r}")
        self.center, self.scale = bool(center), bool(scale)
        initializers.get(beta_initializer), initializers.get(gamma_initializer)  # unknown names: refused now
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer

    # ------------------------------------------------------------------ shapes
    def _positive_axes(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``axis`` as sorted axes of x (batch = 0), or ValueError if the input has no such axis."""
        n = len(input_shape) + 1
        if any(not -n < a < n for a in self._axes):
            raise ValueError(
                f"{self!r} normalises axis {self.axis} (the batch is axis 0), so it expects inputs with at least "
                f"{max(abs(a) for a in self._axes)} axes besides the batch. Received: input shape {tuple(input_shape)}"
            )
        axes = sorted({a % n for a in self._axes})
        if len(axes) != len(self._axes):
            raise ValueError(
                f"{self!r}: axis {self.axis} names one axis twice for inputs of rank {n} (batch included). "
                f"Received: input shape {tuple(input_shape)}"
            )
        return tuple(axes)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        self._positive_axes(input_shape)
        return tuple(input_shape)

    def build(self, input_shape: tuple[int, ...]) -> None:
        axes, n = self._positive_axes(input_shape), len(input_shape) + 1
        others = tuple(i for i in range(n) if i not in axes)
        self._param_axes = axes
        for a in axes:
            fixed_axis(input_shape[a - 1], self, f"axis {a} (normalised: gamma and beta span it)", input_shape)
        self._shape = tuple(input_shape[a - 1] for a in axes)  # gamma, beta (and the running statistics)
        self._broadcast = tuple(input_shape[i - 1] if i in axes else 1 for i in range(n))
        self._reduced = axes if self.reduces_over_axis else others
        self._summed = others  # the axes summed for dJ/dgamma and dJ/dbeta
        if self.scale:
            self.add_param("gamma", self._shape, self.gamma_initializer)
        if self.center:
            self.add_param("beta", self._shape, self.beta_initializer)

    # ---------------------------------------------------------------- the maths
    def _fixed_statistics(self, training: bool) -> tuple[np.ndarray, np.ndarray] | None:
        """The (mean, variance) to use instead of the batch's, broadcastable to x; None: the batch's own."""
        return None

    def _observe(self, mean: np.ndarray, var: np.ndarray) -> None:
        """Called with the batch statistics in a forward that used them (BatchNormalization keeps a running average)."""

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if x.ndim != len(self._broadcast) or any(x.shape[a] != d for a, d in zip(self._param_axes, self._shape)):
            expected = tuple(d if a in self._param_axes else None for a, d in enumerate(self._broadcast))
            raise ValueError(
                f"{self!r} was built for inputs of shape {expected} (None: any size). Received: shape {x.shape}"
            )
        fixed = self._fixed_statistics(training)
        xhat, y = self.buffer("xhat", x.shape), self.buffer("y", x.shape)
        if fixed is None:
            mean = self._mean(x, self._reduced)
            np.subtract(x, mean, out=xhat)
            var = self._mean(np.square(xhat, out=y), self._reduced)
            self._observe(mean, var)
        else:
            mean, var = fixed
            np.subtract(x, mean, out=xhat)
        inv = 1.0 / np.sqrt(var + self.epsilon)
        xhat *= inv
        self._xhat, self._inv, self._batch_statistics = xhat, inv, fixed is None
        if self.scale:
            np.multiply(xhat, self.params["gamma"].reshape(self._broadcast), out=y)
        else:
            np.copyto(y, xhat)
        if self.center:
            y += self.params["beta"].reshape(self._broadcast)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        g, xhat = grad_out, self._xhat
        work = np.multiply(g, xhat, out=self.buffer("g_xhat", g.shape))
        sum_g_xhat, sum_g = self._sum(work, self._summed), self._sum(g, self._summed)  # keepdims
        if self.scale:
            self.grads["gamma"][...] = sum_g_xhat.reshape(self._shape)
        if self.center:
            self.grads["beta"][...] = sum_g.reshape(self._shape)
        gamma = self.params["gamma"].reshape(self._broadcast) if self.scale else 1.0
        dx = self.buffer("grad_in", g.shape)
        if not self._batch_statistics:
            return np.multiply(g, gamma * self._inv, out=dx)
        if self._reduced == self._summed:
            # BatchNormalization: gamma is constant over R, so mean_R(d) = gamma sum_g / N and
            # mean_R(d xhat) = gamma sum_g_xhat / N come from the sums above: two passes fewer.
            n = g.size / sum_g.size
            np.multiply(xhat, sum_g_xhat / n, out=dx)
            np.subtract(g, dx, out=dx)
            dx -= sum_g / n
            dx *= gamma * self._inv
            return dx
        d = np.multiply(g, gamma, out=self.buffer("d", g.shape)) if self.scale else g
        np.multiply(xhat, self._mean(np.multiply(d, xhat, out=work), self._reduced), out=dx)
        np.subtract(d, dx, out=dx)
        dx -= self._mean(d, self._reduced)
        dx *= self._inv
        return dx

    def _sum(self, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        """``a`` summed over ``axes`` (keepdims); leading or trailing axes as a product with ones."""
        k, n = len(axes), a.ndim
        kept = tuple(1 if i in axes else a.shape[i] for i in range(n))
        if axes == tuple(range(k)):  # leading: (M, K) -> ones(M) @ A
            rows = math.prod(a.shape[:k])
            return (self.buffer("ones", (rows,), fill=1) @ a.reshape(rows, -1)).reshape(kept)
        if axes == tuple(range(n - k, n)):  # trailing: (M, K) -> A @ ones(K)
            cols = math.prod(a.shape[n - k :])
            return (a.reshape(-1, cols) @ self.buffer("ones", (cols,), fill=1)).reshape(kept)
        return a.sum(axis=axes, keepdims=True)

    def _mean(self, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        total = self._sum(a, axes)
        total *= total.size / a.size  # 1 / N, N = the number of values averaged
        return total

    def get_config(self) -> dict[str, Any]:
        config = {"axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
        return {**config, **self._initializer_names("beta_initializer", "gamma_initializer")}

    def _initializer_names(self, *keys: str) -> dict[str, str]:
        """The initializer arguments as JSON: a name as given, a callable by its ``__name__``."""
        values = {key: getattr(self, key) for key in keys}
        return {k: v if isinstance(v, str) else getattr(v, "__name__", repr(v)) for k, v in values.items()}
