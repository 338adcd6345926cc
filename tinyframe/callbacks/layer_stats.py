"""LayerStats: a look inside the layers while a model trains (gradients, updates, activations, saturation)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import data
from .._scratch import Scratch
from ..activations import Sigmoid, Tanh
from .base import Callback

# |z| above which a unit counts as saturated: there sigmoid'(z) < 0.018 (7% of its peak 1/4),
# tanh'(z) < 0.071 (7% of its peak 1): the gradient through it has all but stopped.
SATURATION_THRESHOLDS = {"sigmoid": 4.0, "tanh": 2.0}


def _norm(a: np.ndarray) -> float:
    """The Euclidean norm of every element, summed in float64."""
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


class LayerStats(Callback):
    """Record, at the end of every epoch, how the signal and the gradient pass through each layer.

    On a fixed batch ``(X, y)`` (given once; a few hundred rows are plenty) it runs one
    forward and one backward pass at the epoch's final weights and records, per epoch:

    * ``grad_norm[key]``: ``||dJ/dw||`` of each trainable parameter (key ``"dense/W"``),
      ``J`` the compiled loss (plus penalties) averaged over the batch, as in training;
    * ``update_ratio[key]``: ``||w_end - w_start|| / ||w_start||``, how far the epoch moved
      each parameter relative to its size (NaN where ``w_start`` is all zeros);
    * ``activation_mean[name]``, ``activation_std[name]``: mean and standard deviation of
      each layer's output over the batch and every unit;
    * ``saturation[name]``: for each `Sigmoid` and `Tanh` layer, the fraction of its inputs
      ``z`` with ``|z| > threshold``, where the derivative has fallen below 7% of its peak
      (``sigmoid_threshold=4``: sigmoid'(4) = 0.018; ``tanh_threshold=2``: tanh'(2) = 0.071).
      An activation fused into a Dense layer (``Dense(30, activation="sigmoid")``) is not counted.

    The layers run as in training (Dropout drops, BatchNormalization uses the batch's
    statistics), but nothing of the model changes: the random Generators, the layers'
    state (running statistics) and their gradient arrays are put back, and the work
    arrays are the call's own. Training with or without this callback gives the same
    weights, bit for bit. ``epochs`` lists the epochs recorded.

    Args:
        X, y: the batch to measure on, as ``fit`` takes them (labels or targets).
        sigmoid_threshold, tanh_threshold: ``|z|`` above which a unit counts as saturated.

    Example:
        >>> stats = LayerStats(X[:256], y[:256])                          # doctest: +SKIP
        >>> model.fit(X, y, epochs=5, callbacks=[stats])                   # doctest: +SKIP
        >>> stats.grad_norm["dense/W"], stats.saturation["sigmoid"]        # doctest: +SKIP
    """

    def __init__(self, X: Any, y: Any, sigmoid_threshold: float = 4.0, tanh_threshold: float = 2.0) -> None:
        super().__init__()
        for name, value in (("sigmoid_threshold", sigmoid_threshold), ("tanh_threshold", tanh_threshold)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"LayerStats: {name} must be a positive number. Received: {name}={value!r}")
        self.X, self.y = X, y
        self.thresholds = {Sigmoid: float(sigmoid_threshold), Tanh: float(tanh_threshold)}
        self._reset()

    def _reset(self) -> None:
        self.epochs: list[int] = []
        self.grad_norm: dict[str, list[float]] = {}
        self.update_ratio: dict[str, list[float]] = {}
        self.activation_mean: dict[str, list[float]] = {}
        self.activation_std: dict[str, list[float]] = {}
        self.saturation: dict[str, list[float]] = {}
        self._start: dict[str, np.ndarray] = {}

    def _trainable(self) -> list[tuple[str, np.ndarray]]:
        return [
            (f"{layer.name}/{name}", p)
            for layer in self.model.layers
            if layer.trainable
            for name, p in layer.params.items()
        ]

    def on_train_begin(self, logs: dict | None = None) -> None:
        model = self.model
        self._X = model.check_input(self.X, "LayerStats X", build=False)
        self._Y = model.check_targets(self.y, data.n_samples(self._X), "LayerStats y")
        self._reset()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = {key: p.copy() for key, p in self._trainable()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs.append(epoch)
        for key, p in self._trainable():
            start = self._start.get(key)
            size = _norm(start) if start is not None else 0.0
            ratio = _norm(p - start) / size if size > 0 else float("nan")
            self.update_ratio.setdefault(key, []).append(ratio)
        with _Untouched(self.model), Scratch():
            self._measure()

    def _measure(self) -> None:
        """One forward (recording the activations) and one backward (the gradient norms) on the batch."""
        model = self.model
        calls: dict[int, int] = {}

        def observe(layer: Any, x: Any, y: np.ndarray) -> None:
            k = calls[id(layer)] = calls.get(id(layer), -1) + 1
            name = layer.name if k == 0 else f"{layer.name}[{k}]"  # a shared layer: each call of it apart
            threshold = next((t for cls, t in self.thresholds.items() if isinstance(layer, cls)), None)
            if threshold is not None:
                saturated = np.count_nonzero(np.abs(x) > threshold) / max(x.size, 1)
                self.saturation.setdefault(name, []).append(float(saturated))
            self.activation_mean.setdefault(name, []).append(float(np.mean(y, dtype=np.float64)))
            self.activation_std.setdefault(name, []).append(float(np.std(y, dtype=np.float64)))

        model.compute_loss(model.forward(self._X, training=True, observe=observe), self._Y)
        model.backward(model.loss.backward())
        for layer in model.layers:
            if layer.trainable:
                for name, g in layer.grads.items():
                    self.grad_norm.setdefault(f"{layer.name}/{name}", []).append(_norm(g))


class _Untouched:
    """Puts back what a measuring forward/backward changes: Generators, layer state, gradient arrays."""

    def __init__(self, model: Any) -> None:
        layers = model.layers
        generators = [model.rng, *(getattr(layer, "rng", None) for layer in layers)]
        self.generators = {id(g): (g, g.bit_generator.state) for g in generators if isinstance(g, np.random.Generator)}
        self.state = [(layer.state, dict(layer.state), [a.copy() for a in layer.state.values()]) for layer in layers]
        self.grads = [(layer.grads, dict(layer.grads), [g.copy() for g in layer.grads.values()]) for layer in layers]

    def __enter__(self) -> _Untouched:
        return self

    def __exit__(self, *exc: object) -> None:
        for g, state in self.generators.values():
            g.bit_generator.state = state
        for owner, arrays, values in (*self.state, *self.grads):
            owner.update(arrays)  # the same array objects (a custom layer may have rebound one) ...
            for a, v in zip(arrays.values(), values):
                a[...] = v  # ... holding the same values
