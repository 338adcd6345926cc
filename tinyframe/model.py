"""Sequential: a stack of layers trained by per-layer backpropagation."""

from __future__ import annotations

import copy
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import data, losses, optimizers
from . import metrics as metrics_module
from ._checks import check_positive_int
from ._fp import silenced
from ._mapped import FilePages
from ._ownership import reading, writing
from ._params import Run, build_layers, repack, trainable_runs
from ._scratch import Scratch
from ._update import GuardedStep
from .layers.base import Layer

_DTYPES = ("float32", "float64")


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype if it is one a model computes in; ValueError otherwise."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"Sequential: dtype must be one of {_DTYPES}. Received: dtype={dtype!r}")
    return np.dtype(name)


class Sequential:
    """Layers applied one after another; the gradient flows back through them in reverse.

    Forward: ``y_hat = layer[-1].forward(... layer[0].forward(X))``.
    Backward, given ``dJ/dy_hat`` from the loss: each layer's ``backward`` turns the
    gradient of its output into the gradient of its input (the article's deltas)
    and stores its own parameter gradients on the way.

    Args:
        layers: the `Layer` instances, input side first. Adjacent widths must agree.
            Each instance may appear once. A layer already built (by hand, or by
            another model) keeps its weights and *shares* them with every model it
            is in, as in Keras; its dtype must be the model's.
        dtype: ``"float32"`` (default, as Keras and PyTorch) or ``"float64"``; inputs
            are cast to it.
        seed: an int, a ``numpy.random.Generator`` or None. It drives the initial
            weights, shuffling, validation splits and dropout, so the same seed gives
            bit-identical training.

    **Who owns what.** The layers own their parameters, gradients and state; the
    layers built by this model have their parameters in one block of memory, so
    that the optimizer updates them all in one call (`tinyframe._params`). The model
    owns its training scratch (the work arrays of a step, reused step after step).
    `fit` owns the model while it runs: ``predict``/``evaluate`` from another thread
    raise `RuntimeError` meanwhile. Inference owns nothing across calls (each call
    has its own scratch), so any number of ``predict``/``evaluate`` calls may run at
    once, in any threads, each giving the single-threaded answer bit for bit
    (`tinyframe._ownership`, `tinyframe._scratch`).

    Example:
        >>> from tinyframe.layers import Dense
        >>> from tinyframe.activations import Sigmoid
        >>> model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
        >>> model
        Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype='float32')
    """

    def __init__(self, layers: Sequence[Layer], dtype: str = "float32", seed: int | np.random.Generator | None = None):
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"Sequential expects a non-empty list of layers. Received: {layers!r}")
        seen: dict[int, int] = {}
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: layer {i} must be a tinyframe Layer instance. Received: {layer!r}")
            if id(layer) in seen:
                raise ValueError(
                    f"Sequential: layer {i} is the same {type(layer).__name__} instance as layer {seen[id(layer)]}; "
                    "a layer instance may appear once in a model (its forward keeps one input for its backward). "
                    "Use a second layer, or share a layer between two models"
                )
            seen[id(layer)] = i
        dtype_name = check_dtype(dtype).name
        for i, layer in enumerate(layers):
            if layer.built and layer.dtype != np.dtype(dtype_name):
                raise ValueError(
                    f"Sequential: layer {i} ({layer!r}) is already built with dtype {layer.dtype} and shares its "
                    f"weights; the model's dtype must match. Received: dtype={dtype!r}"
                )
        if seed is not None and not isinstance(seed, np.random.Generator):
            seed = check_positive_int(seed, "seed", "Sequential", allow_zero=True)
        self.layers = list(layers)
        self.output_features = self._trace_features(None)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)
        build_layers([layer for layer in self.layers if not layer.built], self.dtype, self.rng)
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metrics: dict[str, metrics_module.Metric] = {}
        self.stop_training = False
        self.history = None
        self._scratch = Scratch()  # the training step's work arrays, reused by every step of every fit
        self._runs: list[Run] = []
        self._prepared_for: list = []  # what the runs were made for (see _prepare_training)
        self._penalized = self._layers_with_penalty()
        self._plan_backward()

    @property
    def params(self) -> list[np.ndarray]:
        """Every parameter array (trainable or frozen), in Keras order: ``[W0, b0, W1, b1, ...]``."""
        return [p for layer in self.layers for p in layer.params.values()]

    @property
    def grads(self) -> list[np.ndarray]:
        """Parameter gradients, parallel to ``params`` (set by the last backward)."""
        return [g for layer in self.layers for g in layer.grads.values()]

    def _trace_features(self, n_features: int | None) -> int | None:
        """Width after every layer for an input of ``n_features`` columns; errors name the layer."""
        for i, layer in enumerate(self.layers):
            try:
                n_features = layer.output_features(n_features)
            except ValueError as error:
                raise ValueError(f"layer {i}: {error}") from None
        return n_features

    # --------------------------------------------------------------- the maths
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``y_hat`` for a checked ``(m, n_features)`` array of the model's dtype (no input checks)."""
        for layer in self.layers:
            X = layer.forward(X, training=training)
        return X

    def backward(self, grad: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Propagate ``dJ/dy_hat`` back through the layers; returns ``dJ/dX`` (None if not asked)."""
        if input_grad:
            for layer in reversed(self.layers):
                grad = layer.backward(grad)
            return grad
        # Without dJ/dX, backprop stops at the first trainable layer with parameters: layers in front of it
        # (an input Dropout, a frozen Dense) have no gradients to set, and its own dJ/dx would be discarded.
        if self._first_trainable is None:
            return None
        for layer in self._backward_layers:
            grad = layer.backward(grad)
        self._first_trainable.backward_params(grad)
        return None

    def _plan_backward(self) -> None:
        """Which layers a training step runs backward through (trainable flags are read here)."""
        first = next((i for i, layer in enumerate(self.layers) if layer.params and layer.trainable), None)
        self._first_trainable = None if first is None else self.layers[first]
        self._backward_layers = [] if first is None else self.layers[first + 1 :][::-1]

    def _prepare_training(self) -> None:
        """Read the trainable flags and penalties, group the trainable parameters into runs (start of fit).

        The runs, the links and the guarded step are kept while the layers' parameter
        dicts, their trainable flags and the optimizer stay the same objects and values.
        """
        prepared = self._prepared_for
        same = (
            len(prepared) == len(self.layers) + 1
            and prepared[0] is self.optimizer
            and all(p is layer.params and t == layer._trainable for (p, t), layer in zip(prepared[1:], self.layers))
        )
        if not same:
            self._plan_backward()
            self._runs = trainable_runs(self.layers)
            self._run_keys = {run.key for run in self._runs}
            self._sizes = [p.size for p in self.params]
            self._step = GuardedStep(self.optimizer, self._runs)
            self._links = [
                (layer, n, p, layer.grads[n])
                for layer in self.layers
                if not type(layer).__dict__.get("writes_in_place", False)  # declared by the class itself
                for n, p in layer.params.items()
            ]
            self._prepared_for = [self.optimizer, *((layer.params, layer._trainable) for layer in self.layers)]
        self._penalized = self._layers_with_penalty()
        self._scratch.trim()
        if any(key not in self._run_keys for key in self.optimizer.state):
            from ._training_state import align_state

            align_state(self.optimizer, self._runs, self._sizes)

    def _sync(self) -> None:
        """Take in any array a custom layer *rebound* instead of writing in place, and restore the link.

        Built-in layers write with ``out=`` and say so (``writes_in_place = True`` in
        their own class body, so a subclass that may rebind is still watched); a custom
        layer may well do ``self.grads["W"] = x.T @ delta``. This keeps that layer correct.
        """
        for layer, name, p, g in self._links:
            params, grads = layer.params, layer.grads
            if params[name] is not p:
                p[...], params[name] = params[name], p
            if grads[name] is not g:
                g[...], grads[name] = grads[name], g

    def _owned(self) -> list[Any]:
        """What `fit` changes, so holds exclusively: the layers, the loss and the optimizer."""
        return [*self.layers, *(obj for obj in (self.loss, self.optimizer) if obj is not None)]

    def penalty(self) -> float:
        """The sum of the layers' regularisation terms, added to the loss.

        Only layers whose ``has_penalty`` is True are asked (the list is refreshed at
        the start of every `fit` and `evaluate`).
        """
        return sum(layer.penalty() for layer in self._penalized) if self._penalized else 0.0

    def _layers_with_penalty(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.has_penalty]

    # ---------------------------------------------------------------- training
    def compile(self, loss: Any = None, optimizer: Any = None, metrics: Sequence[Any] | None = None) -> None:
        """Choose the loss, the optimizer and the metrics reported during training.

        Defaults are the article's: ``SquaredError()`` and ``GradientDescent(0.25)``.
        Names work too: ``compile(loss="squared_error", optimizer="sgd", metrics=["accuracy"])``.
        """
        loss = losses.SquaredError() if loss is None else losses.get(loss)
        optimizer = optimizers.GradientDescent(0.25) if optimizer is None else optimizers.get(optimizer)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(f"compile: metrics must be a list of names or callables. Received: {metrics!r}")
        chosen = {metric.name: metric for metric in map(metrics_module.get, metrics or [])}
        optimizer.check_dtype(self.dtype)
        user = getattr(optimizer, "_model", lambda: None)()
        if user is not None and user is not self:
            raise ValueError(
                f"compile: this {type(optimizer).__name__} already trains another model; its state belongs to "
                "that model's parameters. Give each model its own optimizer"
            )
        with writing(self.layers, "compile"):  # not while a fit (which uses the old ones) runs
            self._set_compiled(loss, optimizer, chosen)

    def _set_compiled(self, loss: Any, optimizer: Any, metrics: dict[str, Any]) -> None:
        optimizer._model = weakref.ref(self)
        self.loss, self.optimizer, self.metrics = loss, optimizer, metrics

    def _ensure_compiled(self) -> None:
        """Compile with the defaults if needed; called as `fit` (holding the model) and `evaluate` begin."""
        if self.loss is None:
            optimizer = optimizers.GradientDescent(0.25)
            optimizer.check_dtype(self.dtype)
            self._set_compiled(losses.SquaredError(), optimizer, {})
        self._penalized = self._layers_with_penalty()

    def fit(self, X: Any, y: Any, epochs: int = 1, batch_size: int | None = None, **kwargs: Any):
        """Train; see `tinyframe.training.fit` for every argument. Returns a `History`."""
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, **kwargs)

    # --------------------------------------------------------------- inference
    def check_input(self, X: Any, name: str = "X") -> np.ndarray:
        """``X`` checked and cast to the model's dtype; its width checked against the layers."""
        X = data.check_features(X, self.dtype, name)
        self._trace_features(X.shape[1])
        return X

    def check_targets(self, y: Any, n_samples: int, name: str = "y") -> np.ndarray:
        return data.prepare_targets(y, n_samples, self.output_features, self.dtype, name)

    def predict(self, X: Any, batch_size: int | None = None) -> np.ndarray:
        """The outputs ``(n_samples, n_outputs)`` for ``X``, ``batch_size`` rows at a time (None: all).

        Safe to call from many threads at once; raises `RuntimeError` while `fit` runs in another thread.
        """
        X = self.check_input(X)
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "predict")
        with reading(self.layers, "predict"):
            return self._predict(X, batch_size)

    def _predict(self, X: np.ndarray, batch_size: int | None) -> np.ndarray:
        n = X.shape[0]
        step = n if batch_size is None else batch_size
        out = np.empty((n, self._trace_features(X.shape[1])), self.dtype)
        pages = FilePages.of(X)  # an X mapped from a file: its pages are given back chunk by chunk
        with silenced(), Scratch():  # overflow shows up as inf or NaN, reported below; work arrays of this call
            for start in range(0, n, step):
                out[start : start + step] = self.forward(X[start : start + step])
                if pages is not None:
                    pages.release()
        if not (np.isfinite(out.min()) and np.isfinite(out.max())):
            raise ValueError(
                f"The model's outputs are not finite for this X: its values overflow {self.dtype} arithmetic in "
                f"this network; scale the inputs (or use dtype='float64'). Received: |X| up to {np.abs(X).max():.3g}"
            )
        return out

    def evaluate(self, X: Any, y: Any, batch_size: int | None = None) -> dict[str, float]:
        """``{"loss": ..., <metric>: ...}`` on ``(X, y)``, without training (an uncompiled model: the defaults).

        A call that raises leaves the model as it was (it is not left compiled with the defaults).
        """
        X = self.check_input(X)
        Y = self.check_targets(y, X.shape[0])
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "evaluate")
        compiled = (self.loss, self.optimizer, self.metrics)
        self._ensure_compiled()
        try:
            with reading([*self.layers, self.loss], "evaluate"):
                return self._evaluate(X, Y, batch_size)
        except BaseException:
            self.loss, self.optimizer, self.metrics = compiled
            raise

    def _evaluate(self, X: np.ndarray, Y: np.ndarray, batch_size: int | None) -> dict[str, float]:
        y_hat = self._predict(X, batch_size)
        loss = copy.copy(self.loss)  # this call's own: what its forward records is not another thread's
        with np.errstate(all="ignore"), Scratch():  # a loss too large for the dtype is reported as inf
            logs = {"loss": loss.forward(y_hat, Y) + self.penalty()}
        logs.update({name: fn(Y, y_hat) for name, fn in self.metrics.items()})
        return logs

    # ----------------------------------------------------------------- weights
    @property
    def weights(self) -> list[np.ndarray]:
        """Every parameter and state array, Keras order: each layer's parameters, then its state."""
        return [w for layer in self.layers for w in (*layer.params.values(), *layer.state.values())]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and state array, Keras order and layout: ``[W0, b0, W1, b1, ...]``."""
        with reading(self.layers, "get_weights"):
            return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite every parameter and state array in place; all are checked before any is changed."""
        targets = self.weights
        if not isinstance(weights, (list, tuple)) or len(weights) != len(targets):
            got = f"{len(weights)} arrays" if isinstance(weights, (list, tuple)) else repr(type(weights).__name__)
            raise ValueError(f"set_weights expects a list of {len(targets)} arrays. Received: {got}")
        checked = []
        for i, (w, p) in enumerate(zip(weights, targets)):
            arr = data.as_numeric_array(w, f"weights[{i}]")
            if arr.shape != p.shape:
                raise ValueError(f"set_weights: weights[{i}] must have shape {p.shape}. Received: shape {arr.shape}")
            with np.errstate(over="ignore"):
                arr = arr.astype(self.dtype, copy=False)
            data.check_finite(arr, f"weights[{i}]")
            checked.append(arr)
        with writing(self.layers, "set_weights"):
            for p, arr in zip(targets, checked):
                p[...] = arr

    def load_weights(self, path: Any) -> None:
        """Copy the weights from a file written by `save` (same parameter shapes); see `tinyframe.saving`."""
        from .saving import load_weights

        load_weights(self, path)

    # --------------------------------------------------------- saving, summary
    def save(self, path: Any, include_optimizer: bool = True) -> None:
        """Write the model to one ``.npz`` file (a str or Path), atomically; read it with `tinyframe.load_model`.

        The file holds the architecture as JSON, the weights as arrays and, with
        ``include_optimizer=True``, the loss, the optimizer's state and the metric
        names, so `fit(..., initial_epoch=k)` resumes exactly. Loading it never runs
        code. See `tinyframe.saving`.
        """
        from .saving import save_model

        save_model(self, path, include_optimizer=include_optimizer)

    def summary(self, print_fn: Any = print) -> None:
        """Print a Keras-style table: each layer, its output shape and parameter count, and the totals."""
        from .summary import summary_table

        print_fn(summary_table(self))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for key in ("_runs", "_links", "_step", "_prepared_for"):  # views of the old block: made anew by fit
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After unpickling or deepcopy: pack the copied parameters into one block again (`_params.repack`)."""
        self.__dict__.update(state)
        self._runs, self._links, self._prepared_for = [], [], []
        repack(self.layers, self.dtype)
        if self.optimizer is not None:
            self.optimizer._model = weakref.ref(self)

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(map(repr, self.layers))}], dtype='{self.dtype}')"
