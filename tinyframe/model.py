"""Sequential: a stack of layers trained by per-layer backpropagation."""

from __future__ import annotations

import copy
import math
import time
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
from ._params import Run, repack, trainable_runs
from ._scratch import Scratch
from ._stack import LayerStack
from ._step import train_step as guarded_step
from ._update import GuardedStep
from .layers.base import Layer
from .layers.input import InputLayer
from .layers.shapes import batch_shape

_DTYPES = ("float32", "float64")


def _check_verbose(verbose: Any, owner: str, auto: int) -> int:
    """Keras's ``verbose``: ``"auto"`` (``auto``), 0, 1 or 2 (2 counts as 1 here)."""
    if isinstance(verbose, str) and verbose == "auto":
        return auto
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{owner}: verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def _keras_result(logs: dict[str, float], return_dict: bool) -> float | list[float] | dict[str, float]:
    """Keras's convention: the dict, or the loss alone without metrics, or ``[loss, *metrics]``."""
    if return_dict:
        return dict(logs)
    return logs["loss"] if len(logs) == 1 else list(logs.values())


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype if it is one a model computes in; ValueError otherwise."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"Sequential: dtype must be one of {_DTYPES}. Received: dtype={dtype!r}")
    return np.dtype(name)


class Sequential(LayerStack):
    """Layers applied one after another; the gradient flows back through them in reverse.

    Forward: ``y_hat = layer[-1].forward(... layer[0].forward(X))``.
    Backward, given ``dJ/dy_hat`` from the loss: each layer's ``backward`` turns the
    gradient of its output into the gradient of its input (the article's deltas)
    and stores its own parameter gradients on the way.

    Args:
        layers: the `Layer` instances, input side first (or none, then `add` them).
            Each instance may appear once. A layer already built (by hand, or by
            another model) keeps its weights and *shares* them with every model it
            is in, as in Keras; its dtype must be the model's. The first entry may be
            an `Input(shape)`, which gives the model's input shape and is not kept in
            ``layers`` (Keras's rule).
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

    **Shapes.** A model is *built* (its layers create their weights) once it knows the
    shape of one input sample: from an `Input` layer, a first layer's ``input_shape=``,
    a first ``Dense(in, out)`` (the design card's spelling), `build`, or else the first
    array that `fit`, `predict`, `evaluate` or a call sees (as Keras builds on first
    call). Shapes are then traced through the layers (`Layer.compute_output_shape`).

    Example:
        >>> from tinyframe.layers import Dense
        >>> from tinyframe.activations import Sigmoid
        >>> model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
        >>> model
        Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype='float32')
        >>> model.input_shape, model.output_shape
        ((64,), (10,))
    """

    def __init__(
        self,
        layers: Sequence[Layer] | None = None,
        dtype: str = "float32",
        seed: int | np.random.Generator | None = None,
        name: str | None = None,
    ):
        if layers is None:
            layers = []
        if not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential expects a list of layers. Received: {layers!r}")
        self.dtype = check_dtype(dtype)
        if seed is not None and not isinstance(seed, np.random.Generator):
            seed = check_positive_int(seed, "seed", "Sequential", allow_zero=True)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Sequential: name must be a string. Received: {name!r}")
        self.name = name or "sequential"
        layers = list(layers)
        self._input_shape: tuple[int, ...] | None = None
        if layers and isinstance(layers[0], InputLayer):
            self._input_shape = layers.pop(0).shape
        for i, layer in enumerate(layers):
            self._check_new_layer(layer, layers[:i], i)
        self.layers: list[Layer] = layers
        self._name_layers()
        self.output_shape: tuple[int, ...] | None = None
        self.built = False
        self.rng = np.random.default_rng(seed)
        self._build_if_known()
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metrics: dict[str, metrics_module.Metric] = {}
        self.stop_training = False
        self.history = None
        self._overflowed = False  # set by a training step whose update overflowed (then undone)
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
        Names work too: ``compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])``.
        Positionally the loss comes first (the article's order), but Keras's order, an optimizer
        then a loss or nothing (``compile("adam", "binary_crossentropy")``), is read as Keras
        reads it: no name is both an optimizer and a loss.
        """
        if optimizers.is_optimizer(loss) and (optimizer is None or losses.is_loss(optimizer)):
            loss, optimizer = optimizer, loss  # Keras's positional order: compile(optimizer, loss, metrics)
        loss = losses.SquaredError() if loss is None else losses.get(loss)
        optimizer = optimizers.GradientDescent(0.25) if optimizer is None else optimizers.get(optimizer)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(f"compile: metrics must be a list of names or callables. Received: {metrics!r}")
        chosen = {}
        for identifier in metrics or []:
            metric = metrics_module.get(identifier)
            if metric.name == "loss" or metric.name in chosen:
                raise ValueError(
                    f"compile: metric names must be unique and not 'loss'. Received: {metric.name!r} twice"
                )
            chosen[metric.name] = metric
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

    @property
    def metrics_names(self) -> list[str]:
        """``["loss", *metric names]``: the order of `evaluate`'s list (Keras's attribute)."""
        return ["loss", *self.metrics]

    def _ensure_compiled(self) -> None:
        """Compile with the defaults if needed; called as `fit` (holding the model) and `evaluate` begin."""
        if self.loss is None:
            optimizer = optimizers.GradientDescent(0.25)
            optimizer.check_dtype(self.dtype)
            self._set_compiled(losses.SquaredError(), optimizer, {})
        self._penalized = self._layers_with_penalty()

    def fit(self, X: Any, y: Any, epochs: int = 1, batch_size: int | None = 32, **kwargs: Any):
        """Train; see `tinyframe.training.fit` for every argument. Returns a `History`.

        ``batch_size=32`` by default, as in Keras; the article's full-batch gradient
        descent is ``batch_size=None`` (or the number of samples).
        """
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, **kwargs)

    def train_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> dict[str, float]:
        """One gradient step on a batch; returns its logs (``{"loss": ...}``). Override it as in Keras.

        `fit` calls it for every batch with checked arrays of the model's dtype (``y``
        one-hot encoded, ``sample_weight`` None or ``(m,)``), holding the model. The
        default is forward, loss, backward, a guarded update (`tinyframe._step.train_step`)
        and `compute_metrics`. A subclass may write its own step on the same parts::

            def train_step(self, x, y, sample_weight=None):
                y_hat = self.forward(x, training=True)
                loss = self.compute_loss(y_hat, y, sample_weight)
                self.backward(self.loss.backward())
                self.optimizer.step(self.params, self.grads)
                self.compute_metrics(x, y, y_hat, sample_weight)
                return {"loss": loss}

        `fit` averages every returned value over the epoch (weighted by batch size)
        and adds the compiled metrics' results; a non-finite ``"loss"`` stops training.
        """
        loss, y_hat = guarded_step(self, x, y, sample_weight)
        if self.metrics and y_hat is not None and math.isfinite(loss):
            self.compute_metrics(x, y, y_hat, sample_weight)
        return {"loss": loss}

    def test_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> dict[str, float]:
        """The loss of a batch without training, and the compiled metrics updated with it (override as in Keras)."""
        y_hat = self.forward(x)
        loss = self.compute_loss(y_hat, y, sample_weight)
        self.compute_metrics(x, y, y_hat, sample_weight)
        return {"loss": loss}

    def compute_loss(
        self, y_pred: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, *, x: Any = None
    ) -> float:
        """The compiled loss (weighted when ``sample_weight`` is given) plus the layers' penalties.

        Positional ``(y_pred, y, sample_weight)``, or Keras's keywords
        ``compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=w)`` (``x`` is not used).
        """
        if sample_weight is None:
            return self.loss.forward(y_pred, y) + self.penalty()
        return self.loss.forward(y_pred, y, sample_weight=sample_weight) + self.penalty()

    def compute_metrics(
        self, x: np.ndarray, y: np.ndarray, y_hat: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> dict[str, float]:
        """Update the compiled metrics with a batch (Keras's name); returns nothing costly: ``{}``.

        The results are read once per epoch (``metric.result()``), so metrics that are
        not means of per-batch values (AUC, precision) are exact over the epoch.
        """
        for metric in self.metrics.values():
            metric.update_state(y, y_hat, sample_weight=sample_weight)
        return {}

    def _reset_metrics(self) -> None:
        for metric in self.metrics.values():
            metric.reset_state()

    def _metric_results(self) -> dict[str, float]:
        return {name: float(metric.result()) for name, metric in self.metrics.items()}

    # --------------------------------------------------------------- inference
    def check_input(self, X: Any, name: str = "X", build: bool = True) -> np.ndarray:
        """``X`` checked and cast to the model's dtype, its shape against the model's (built from it if ``build``)."""
        X = data.check_features(X, self.dtype, name)
        if not self.built:
            if build:
                self.build(X.shape[1:])
            else:
                self._trace(X.shape[1:])  # a shape the layers cannot take is refused here
        elif X.shape[1:] != self._input_shape:
            raise ValueError(
                f"{name}: the model takes inputs of shape {batch_shape(self._input_shape)}. "
                f"Received: shape {batch_shape(X.shape[1:])} ({X.shape[0]} samples)"
            )
        return X

    def check_targets(self, y: Any, n_samples: int, name: str = "y") -> np.ndarray:
        return data.prepare_targets(y, n_samples, self.output_shape, self.dtype, name)

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """The forward pass on ``x`` (Keras's ``model(x)``), in one batch; builds the model if needed.

        Unlike `predict` it does not split ``x`` into batches; like it, it is safe in threads.
        """
        X = self.check_input(x, "x")
        with reading(self.layers, "model(x)"), silenced(), Scratch():
            return self.forward(X, training=training).copy()

    def predict(self, X: Any, batch_size: int | None = None, verbose: Any = "auto") -> np.ndarray:
        """The outputs ``(n_samples, *output_shape)`` for ``X``, ``batch_size`` rows at a time (None: all).

        ``verbose=1`` prints one line when done (``"auto"`` and 0 print nothing: Keras
        prints a bar by default; tinyframe's predict is quiet unless asked).
        Safe to call from many threads at once; raises `RuntimeError` while `fit` runs in another thread.
        """
        X = self.check_input(X)
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "predict")
        verbose = _check_verbose(verbose, "predict", auto=0)
        start = time.perf_counter()
        with reading(self.layers, "predict"):
            out = self._predict(X, batch_size)
        if verbose:
            steps = 1 if batch_size is None else math.ceil(X.shape[0] / batch_size)
            print(f"{steps}/{steps} - {time.perf_counter() - start:.3g}s", flush=True)
        return out

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The outputs for one batch ``x`` (Keras's name): `predict` in one batch, quietly."""
        return self.predict(x, verbose=0)

    def _predict(self, X: np.ndarray, batch_size: int | None) -> np.ndarray:
        n = X.shape[0]
        step = n if batch_size is None else batch_size
        out = np.empty((n, *self.output_shape), self.dtype)
        pages = FilePages.of(X)  # an X mapped from a file: its pages are given back chunk by chunk
        with silenced(), Scratch():  # overflow shows up as inf or NaN, reported below; work arrays of this call
            for start in range(0, n, step):
                y_hat = self.forward(X[start : start + step])
                if y_hat.shape[1:] != self.output_shape:
                    raise self._shape_error(y_hat)
                out[start : start + step] = y_hat
                if pages is not None:
                    pages.release()
        if not (np.isfinite(out.min()) and np.isfinite(out.max())):
            raise ValueError(
                f"The model's outputs are not finite for this X: its values overflow {self.dtype} arithmetic in "
                f"this network; scale the inputs (or use dtype='float64'). Received: |X| up to {np.abs(X).max():.3g}"
            )
        return out

    def _shape_error(self, y_hat: np.ndarray) -> ValueError:
        """A layer's forward disagreed with its compute_output_shape: find which one and say so."""
        shapes = self._trace(self._input_shape)
        return ValueError(
            f"Sequential: the model's output has shape {batch_shape(y_hat.shape[1:])} but its layers' "
            f"compute_output_shape traced {[batch_shape(s) for s in shapes[1:]]}; a layer that changes the shape "
            "must override compute_output_shape(input_shape)"
        )

    def evaluate(
        self,
        X: Any,
        y: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss (and metrics) on ``(X, y)`` without training; an uncompiled model uses the defaults.

        Returns, as Keras does: the loss alone (a float) when no metrics are compiled,
        the list ``[loss, *metrics]`` (in `metrics_names` order) when some are, and a
        dict ``{"loss": ..., <metric>: ...}`` with ``return_dict=True``. ``sample_weight``
        ``(n,)`` weighs each sample's loss and metrics. ``verbose`` 1 (and ``"auto"``) prints
        one line with the results, 0 nothing. A call that raises leaves the model as it was.
        """
        X = self.check_input(X)
        Y = self.check_targets(y, X.shape[0])
        W = data.sample_weights(sample_weight, None, Y, self.dtype)
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "evaluate")
        verbose = _check_verbose(verbose, "evaluate", auto=1)
        if not isinstance(return_dict, (bool, np.bool_)):
            raise TypeError(f"evaluate: return_dict must be True or False. Received: {return_dict!r}")
        compiled = (self.loss, self.optimizer, self.metrics)
        self._ensure_compiled()
        try:
            with reading([*self.layers, self.loss], "evaluate"):
                logs = self._evaluate(X, Y, batch_size, W)
        except BaseException:
            self.loss, self.optimizer, self.metrics = compiled
            raise
        if verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()), flush=True)
        return _keras_result(logs, return_dict)

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """`evaluate` on one batch, quietly (Keras's name); same return convention."""
        return self.evaluate(x, y, verbose=0, sample_weight=sample_weight, return_dict=return_dict)

    def _evaluate(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int | None, W: np.ndarray | None = None
    ) -> dict[str, float]:
        if type(self).test_step is not Sequential.test_step:
            return self._evaluate_by_steps(X, Y, batch_size, W)
        y_hat = self._predict(X, batch_size)
        loss = copy.copy(self.loss)  # this call's own: what its forward records is not another thread's
        with np.errstate(all="ignore"), Scratch():  # a loss too large for the dtype is reported as inf
            value = loss.forward(y_hat, Y) if W is None else loss.forward(y_hat, Y, sample_weight=W)
            logs = {"loss": value + self.penalty()}
        for name, metric in self.metrics.items():
            metric = copy.deepcopy(metric)  # this call's own state: evaluations may run in several threads
            metric.reset_state()
            metric.update_state(Y, y_hat, sample_weight=W)
            logs[name] = float(metric.result())
        return logs

    def _evaluate_by_steps(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int | None, W: np.ndarray | None
    ) -> dict[str, float]:
        """`evaluate` through a subclass's own ``test_step``, batch by batch (Keras's rule).

        Its logs are averaged over the batches, weighted by their sizes, and the compiled
        metrics' results added. It uses the model's own loss and metrics, so unlike the
        default path it is not meant for several threads at once.
        """
        n, totals = X.shape[0], {}
        step = n if batch_size is None else batch_size
        self._reset_metrics()
        with np.errstate(all="ignore"), Scratch():
            for start in range(0, n, step):
                rows = slice(start, start + step)
                x, y, w = X[rows], Y[rows], None if W is None else W[rows]
                logs = self.test_step(x, y) if w is None else self.test_step(x, y, w)
                for key, value in logs.items():
                    totals[key] = totals.get(key, 0.0) + float(value) * x.shape[0]
        return {**{key: value / n for key, value in totals.items()}, **self._metric_results()}

    def train_on_batch(
        self, x: Any, y: Any, sample_weight: Any = None, class_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """One gradient step on ``(x, y)`` (Keras's name); returns the step's loss and metrics like `evaluate`.

        The metrics are those of this batch (reset before it). It holds the model as `fit`
        does; a diverging step is not applied and its loss is returned as it is (NaN or inf).
        """
        from .training import batch_logs

        return _keras_result(batch_logs(self, x, y, sample_weight, class_weight), return_dict)

    # ----------------------------------------------------------------- weights
    @property
    def weights(self) -> list[np.ndarray]:
        """Every parameter and state array, Keras order: each layer's parameters, then its state."""
        return [w for layer in self.layers for w in (*layer.params.values(), *layer.state.values())]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """The parameters of the trainable layers (Keras's split; the arrays themselves, not copies)."""
        return [w for layer in self.layers if layer.trainable for w in layer.params.values()]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """The parameters of frozen layers, then every layer's state (running statistics), in layer order."""
        return [
            w
            for layer in self.layers
            for w in (*(() if layer.trainable else layer.params.values()), *layer.state.values())
        ]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and state array, Keras order and layout: ``[W0, b0, W1, b1, ...]``."""
        self._require_built("get_weights")
        with reading(self.layers, "get_weights"):
            return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite every parameter and state array in place; all are checked before any is changed."""
        self._require_built("set_weights")
        targets = self.weights
        checked = data.checked_weights(weights, targets, self.dtype, "set_weights")
        with writing(self.layers, "set_weights"):
            for p, arr in zip(targets, checked):
                p[...] = arr

    def save_weights(self, path: Any) -> None:
        """Write the weights (with the architecture, without the optimizer) for `load_weights`: Keras's verb.

        ``model.save(path, include_optimizer=False)``: one ``.npz`` file, written atomically,
        that `load_weights` copies into a model of the same parameter shapes.
        """
        self.save(path, include_optimizer=False)

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

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain JSON values (Keras's ``get_config``): name, dtype, input shape, layers.

        What a saved file's ``model`` entry holds (`tinyframe.saving.model_config`); no
        weights. The model must be built. `Sequential.from_config` makes a new model from it.
        """
        from .saving import model_config

        self._require_built("get_config")
        return model_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], seed: Any = None) -> Sequential:
        """A new model from `get_config`'s dict: the same layers and shapes, new weights drawn from ``seed``.

        Layer classes are chosen by registered name, so a config never runs code (Keras's
        ``from_config``; ``keras.models.clone_model`` is ``from_config(model.get_config())``).

        Example:
            >>> from tinyframe.layers import Dense, Input
            >>> model = Sequential([Input((4,)), Dense(3)], seed=0)
            >>> Sequential.from_config(model.get_config(), seed=1).output_shape
            (3,)
        """
        from .saving import model_from_config

        return model_from_config(config, seed)

    def export(self, filepath: Any, format: str = "onnx", opset: int | None = None) -> None:
        """Write the model for serving outside tinyframe (Keras 3's verb): an ONNX file, atomically.

        ``format="onnx"`` is the only format; ``filepath`` must end in ``.onnx``. Needs the
        ``onnx`` extra (``pip install "tinyframe[onnx]"``); see `tinyframe.onnx.to_onnx` for
        the graph written. A layer that cannot be exported is refused before anything is written.
        """
        if format != "onnx":
            raise ValueError(f"export: the only format is 'onnx' (Keras's others need TF). Received: {format!r}")
        from .onnx import export

        export(self, filepath, opset=opset)

    def summary(self, print_fn: Any = print) -> None:
        """Print a Keras-style table: each layer, its output shape and parameter count, and the totals."""
        from .summary import summary_table

        self._require_built("summary")
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
