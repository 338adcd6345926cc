"""Normalization: standardises each feature with a mean and variance taken once from the data (Keras's `adapt`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_values
from .._ownership import writing
from .base import Layer


class Normalization(Layer):
    """``y = (x - mean) / max(sqrt(variance), 1e-7)`` per feature, with fixed statistics (Keras 3's ``Normalization``).

    The statistics are either computed from data by ``adapt(data)`` (the mean and the
    population variance, divided by N as ``np.var``, of each index of ``axis`` over
    every other axis, the batch included) or given as ``mean=`` and ``variance=``.
    They are non-trainable state: saved, loaded, listed in ``get_weights`` (mean,
    variance, then ``count``, the number of values behind them, 0 before any, as Keras
    keeps it: so ``set_weights``/``load_weights`` into an un-adapted twin make it ready),
    never changed by ``fit``. With ``s = max(sqrt(variance), epsilon)``,
    ``epsilon = 1e-7`` (Keras's ``backend.epsilon()``, so a constant feature gives 0,
    not a division by zero)::

        y     = (x - mean) / s            dJ/dx = dJ/dy / s
        y     = x * s + mean              dJ/dx = dJ/dy * s        (invert=True: undoes the above)

    Shapes: ``x`` and ``y`` are ``(m, d1, ..., dk)``; ``mean`` and ``variance`` have one
    value per index of ``axis`` (``(dk,)`` for the default last axis), or one value
    for all (``axis=None``). Keras's usual order works: ``adapt`` first, then the layer
    goes into a model, whose input must have the adapted number of features; ``adapt``
    on a layer already in a model overwrites its statistics in place. Using the layer
    before either is refused.

    Args:
        axis: the feature axis, counting the batch as axis 0 (``-1``, the last, by
            default), or None for one mean and variance over everything.
        mean, variance: the statistics, numbers or flat lists (one value per feature),
            both or neither; the variance >= 0. None: ``adapt`` computes them.
        invert: if True, map normalised values back: ``x * s + mean`` (False).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))     # means 1 and 8, variances 1 and 1
        >>> layer.build((2,), dtype="float64").forward(np.array([[0.0, 10.0]]))
        array([[-1.,  2.]])
    """

    nonnegative_state = ("variance", "count")
    epsilon = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by

    def __init__(
        self,
        axis: int | None = -1,
        mean: float | Sequence[float] | None = None,
        variance: float | Sequence[float] | None = None,
        invert: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if axis is not None and (isinstance(axis, bool) or not isinstance(axis, (int, np.integer))):
            raise TypeError(f"Normalization: axis must be an integer or None. Received: axis={axis!r}")
        if axis == 0:
            raise ValueError("Normalization: axis must not be the batch axis 0. Received: axis=0")
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both mean and variance, or neither. Received: {mean=}, {variance=}")
        if not isinstance(invert, (bool, np.bool_)):
            raise TypeError(f"Normalization: invert must be True or False. Received: invert={invert!r}")
        self.axis, self.invert = None if axis is None else int(axis), bool(invert)
        self._given: tuple[np.ndarray, np.ndarray] | None = None  # statistics not yet in state (given or adapted)
        if mean is not None:
            mean = check_values(mean, "mean", "Normalization")
            variance = check_values(variance, "variance", "Normalization")
            if np.shape(mean) != np.shape(variance) or np.min(variance) < 0:
                raise ValueError(
                    "Normalization: mean and variance must have the same length and the variance must be >= 0. "
                    f"Received: {mean=}, {variance=}"
                )
            self._given = np.asarray(mean, np.float64), np.asarray(variance, np.float64)
        self._given_count = 1  # the count of statistics given as arguments (adapt sets the real one)

    # ------------------------------------------------------------------ shapes
    def _kept_axis(self, rank: int) -> int | None:
        """``axis`` as an axis of x (batch = 0) of ``rank`` axes, or ValueError if x has no such axis."""
        if self.axis is None:
            return None
        if not -rank < self.axis < rank or self.axis % rank == 0:
            raise ValueError(
                f"{self!r} keeps statistics on axis {self.axis} (the batch is axis 0), so it expects inputs with at "
                f"least {abs(self.axis) + 1} axes, the batch included. Received: "
                f"{rank} axes"
            )
        return self.axis % rank

    def _features(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the statistics for inputs of ``input_shape``; ValueError if the known ones do not fit."""
        kept = self._kept_axis(len(input_shape) + 1)
        shape = () if kept is None else (input_shape[kept - 1],)
        known = self.state["mean"].shape if self.built else None if self._given is None else self._given[0].shape
        if known is not None and known not in (shape, (), (1,)):
            raise ValueError(
                f"{self!r} holds statistics of {known[0]} features on axis {self.axis}, but its input has "
                f"{shape[0] if shape else 'one value'} there. Received: input shape {tuple(input_shape)}"
            )
        return shape

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        self._features(input_shape)
        return tuple(input_shape)

    def build(self, input_shape: tuple[int, ...]) -> None:
        shape = self._features(input_shape)
        mean, variance = (np.zeros(()), np.ones(())) if self._given is None else self._given  # Keras's 0 and 1
        self._check_fits(mean, variance, self.dtype, "build")
        self.add_state("mean", shape, lambda s, rng, dtype: _filled(mean, s))
        self.add_state("variance", shape, lambda s, rng, dtype: _filled(variance, s))
        # How many values the statistics come from (Keras keeps it too); 0: none yet, and forward refuses.
        # In the state, so set_weights and load_weights carry it with the statistics.
        ready = 0.0 if self._given is None else max(float(self._given_count), 1.0)
        self.add_state("count", (), lambda s, rng, dtype: np.full(s, ready))

    @property
    def _ready(self) -> bool:
        """Whether the layer has statistics: adapted or given (before build), or a count > 0 in its state."""
        return bool(self.state["count"] > 0) if self.built else self._given is not None

    # ------------------------------------------------------------------- adapt
    def adapt(self, data: Any) -> None:
        """Compute ``mean`` and ``variance`` of ``data`` (samples first) per index of ``axis``, over all other axes.

        Before the layer is built they wait for ``build``; after, they overwrite the
        state in place (the data must then have the built number of features).
        """
        X = np.asarray(data)
        if X.dtype.kind not in "iuf":
            raise TypeError(f"{self!r}.adapt: data must be an array of numbers. Received: dtype {X.dtype}")
        if X.ndim < 1 or X.shape[0] == 0 or not np.isfinite(X).all():
            raise ValueError(f"{self!r}.adapt: data must be a non-empty array of finite numbers, samples first")
        kept = self._kept_axis(X.ndim)
        if self.built:
            self._features(X.shape[1:])
        reduced = tuple(i for i in range(X.ndim) if i != kept)
        with np.errstate(over="ignore"):  # a variance beyond float64 is refused just below
            mean, variance = X.mean(axis=reduced, dtype=np.float64), X.var(axis=reduced, dtype=np.float64)
        self._check_fits(mean, variance, self.dtype if self.built else np.float64, "adapt")
        count = X.size // max(mean.size, 1)  # the values behind each statistic
        if self.built:
            with writing([self], "adapt"):
                self.state["mean"][...], self.state["variance"][...] = mean, variance
                self.state["count"][...] = count
        self._given, self._given_count = (mean, variance), count

    def _check_fits(self, mean: np.ndarray, variance: np.ndarray, dtype: Any, where: str) -> None:
        """ValueError, naming the first such feature, unless every mean and variance is finite in ``dtype``."""
        with np.errstate(over="ignore"):
            cast = [np.asarray(s, dtype=np.float64).astype(dtype).ravel() for s in (mean, variance)]
        for what, values, given in zip(("mean", "variance"), cast, (mean, variance)):
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                k = int(bad[0])
                value = float(np.ravel(np.asarray(given, dtype=np.float64))[k])
                raise ValueError(
                    f"{self!r}.{where}: the {what} of feature {k} is {value:.4g}, beyond {np.dtype(dtype).name} "
                    f"(largest {np.finfo(dtype).max:.4g}), where that feature would silently become 0 or NaN. "
                    "Scale the data first, or build the model in float64"
                )

    # ---------------------------------------------------------------- the maths
    def _std(self, ndim: int) -> np.ndarray:
        """``max(sqrt(variance), epsilon)`` shaped to broadcast against inputs of ``ndim`` axes."""
        if not self._ready:
            raise ValueError(
                f"{self!r} (layer {self.name!r}) has no mean and variance yet: call its adapt(data) first, "
                "or pass mean= and variance="
            )
        s = np.maximum(np.sqrt(self.state["variance"]), self.dtype.type(self.epsilon))
        return s.reshape(self._shape_for(ndim))

    def _shape_for(self, ndim: int) -> tuple[int, ...]:
        # The built rank or another (Dense-like, the stack may run on (m, ..., features)): the kept axis counts.
        kept, n = self._kept_axis(ndim), self.state["mean"].size
        return tuple(n if i == kept else 1 for i in range(ndim))

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        s, shape = self._std(x.ndim), self._shape_for(x.ndim)
        if any(d > 1 and x.shape[i] != d for i, d in enumerate(shape)):
            raise ValueError(
                f"{self!r} holds statistics of {self.state['mean'].size} features on axis {self.axis}. "
                f"Received: inputs of shape {x.shape[1:]} (batch excluded)"
            )
        mean, y = self.state["mean"].reshape(shape), self.buffer("y", x.shape)
        if self.invert:
            np.multiply(x, s, out=y)
            y += mean
        else:
            np.subtract(x, mean, out=y)
            y /= s
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        op = np.multiply if self.invert else np.divide
        return op(grad_out, self._std(grad_out.ndim), out=self.buffer("grad_in", grad_out.shape))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """Keras's arguments; ``mean`` and ``variance`` are the statistics held now (None before any)."""
        held = None
        if self._ready:
            held = (self.state["mean"], self.state["variance"]) if self.built else self._given
        mean, variance = (None, None) if held is None else (a.tolist() for a in held)
        return {"axis": self.axis, "mean": mean, "variance": variance, "invert": self.invert}

    def __repr__(self) -> str:
        config = self.get_config()  # the statistics as counts: a repr goes into error messages
        held = {k: f"<{len(v)} values>" if isinstance(v, list) else v for k, v in config.items()}
        return f"Normalization({', '.join(f'{k}={v}' for k, v in held.items())})"


def _filled(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A new array of ``shape`` holding ``values``: one value fills it all, else ``values`` has the shape."""
    return np.array(np.broadcast_to(values.reshape(()) if values.size == 1 else values, shape))
