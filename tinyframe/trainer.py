"""Trainer: what trains a model, as Keras's ``Trainer`` does: compile, fit and its loop, the step, the update.

`Model` inherits it (and `Sequential`, a `Model` whose graph is a line), so every model
trains on this one engine. The loop (`fit`) and the step (`train_step`,
`apply_gradients`) are the trainer's own methods; of the model they use what every model
has: ``forward``, ``backward``, ``layers``, ``build``, ``check_input``/``check_targets``,
``output_shape`` and its evaluation (for the validation data).
Checking fit's arguments and data and cutting batches is `tinyframe.training`'s.

**The parameter store.** The layers own their parameters (views of one block of
memory per build); the optimizer owns its state, per parameter, under the key
``(layer name, parameter name)``. At the start of each fit the trainable parameters are
grouped into runs (stretches contiguous in memory, each updated in one call), and each
step updates them, or undoes the whole step if a weight comes out non-finite; freezing a
layer changes the runs, never a key.
"""

from __future__ import annotations

import math
import reprlib
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import compiling, dask_batches, data, losses, optimizers, streams, training
from ._checks import check_positive_int
from ._fp import silenced
from ._interrupt import DeferredInterrupt
from ._ownership import writing
from ._params import Run, check_state, trainable_runs
from ._scratch import Scratch
from ._snapshot import Snapshot
from ._step import call_step, takes_data
from ._update import GuardedStep, StateGuard
from .callbacks.base import Callback, CallbackList
from .callbacks.console import end_open_line
from .callbacks.history import History
from .callbacks.progress import ProgressBar
from .layers.base import check_held_weights
from .losses.outputs import OutputLosses
from .training import DivergenceWarning, history_logs

NOT_GIVEN: Any = type("NotGiven", (), {"__repr__": lambda self: "<not given>"})()  # None is a value X may be


class Trainer:
    """The training half of every model: ``compile``, ``fit``, ``train_step``, ``train_on_batch``, the update."""

    def _init_trainer(self) -> None:
        """What a model has before it is compiled: no loss, optimizer or metrics; the training scratch."""
        self.loss: losses.Loss | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metrics: dict[str, Any] = {}
        self.stop_training = False
        self.history = None
        self._overflowed = False  # set by a training step whose update overflowed (then undone)
        self._scratch = Scratch()  # the training step's work arrays, reused by every step of every fit
        self._runs: list[Run] = []
        self._state_guard = StateGuard([])  # the layers' state, kept from before each step (see _step_with_state)
        self._prepared_for: list = []  # what the runs were made for (see _prepare_training)

    # ---------------------------------------------------------------- compile
    def compile(self, loss: Any = None, optimizer: Any = None, metrics: Any = None, loss_weights: Any = None) -> None:
        """Choose the loss, the optimizer and the metrics reported during training.

        Defaults are the article's: ``SquaredError()`` and ``GradientDescent(0.25)``.
        Names work too: ``compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])``.
        Positionally the loss comes first (the article's order), but Keras's order, an optimizer
        then a loss or nothing (``compile("adam", "binary_crossentropy")``), is read as Keras
        reads it: no name is both an optimizer and a loss.

        A model of several outputs takes one loss for all, a list (one per output) or a dict
        by output name, ``loss_weights`` likewise, and ``metrics`` as a dict by output name
        or a list of lists; see `tinyframe.compiling`. `fit` then reports ``<output>_loss`` and
        ``<output>_<metric>`` beside the weighted total ``loss``.
        """
        if optimizers.is_optimizer(loss) and (
            optimizer is None or losses.is_loss(optimizer) or isinstance(optimizer, (list, tuple, dict))
        ):
            loss, optimizer = optimizer, loss  # Keras's positional order: compile(optimizer, loss, metrics)
        optimizer = optimizers.GradientDescent(0.25) if optimizer is None else optimizers.get(optimizer)
        if isinstance(self.output_shape, list):  # several outputs: a loss and metrics per output
            loss = compiling.output_losses(loss, loss_weights, self.output_names)
            chosen = compiling.output_metrics(metrics, self.output_names)
        else:
            if loss_weights is not None:
                raise ValueError(
                    f"compile: loss_weights is for a model of several outputs; this one has one. "
                    f"Received: loss_weights={loss_weights!r}"
                )
            loss = losses.SquaredError() if loss is None else losses.get(loss)
            chosen = compiling.metric_dict(metrics)
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
        """``["loss", *each output's loss, *metric names]``: the order of `evaluate`'s list (Keras's attribute)."""
        per_output = [f"{name}_loss" for name in self.loss.names] if isinstance(self.loss, OutputLosses) else []
        return ["loss", *per_output, *self.metrics]

    def _ensure_compiled(self) -> bool:
        """Compile with the defaults if needed (True then); called as `fit` (holding the model) and `evaluate` begin."""
        chosen = self.loss is None
        if chosen:
            optimizer = optimizers.GradientDescent(0.25)
            optimizer.check_dtype(self.dtype)
            several = isinstance(self.output_shape, list)
            loss = compiling.output_losses(None, None, self.output_names) if several else losses.SquaredError()
            self._set_compiled(loss, optimizer, {})
        self._penalized = self._layers_with_penalty()
        return chosen

    # ---------------------------------------------------------------- fit and its loop
    def fit(
        self,
        X: Any = NOT_GIVEN,
        y: Any = None,
        epochs: int = 1,
        batch_size: int | None = 32,
        shuffle: bool = True,
        validation_split: float = 0.0,
        validation_data: tuple | None = None,
        callbacks: Sequence[Callback] | None = None,
        verbose: int = 1,
        initial_epoch: int = 0,
        sample_weight: Any = None,
        class_weight: dict[int, float] | None = None,
        *,
        x: Any = NOT_GIVEN,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
    ) -> History:
        """Train on ``(X, y)``; returns a `History` (also kept as ``model.history``).

        Args:
            X: (or ``x``, Keras's name) ``(n_samples, d1, ..., dk)`` real numbers (arrays, lists,
                DataFrames); ``(n, features)`` for a model that starts with a Dense layer; a list (or
                a dict by input name) of such arrays for a model of several inputs. Or data in
                batches (`tinyframe.streams`): a generator or iterator of ``(x, y)`` /
                ``(x, y, sample_weight)`` batches, or a `tinyframe.utils.PyDataset`; ``y``,
                ``sample_weight``, ``batch_size`` and ``validation_split`` are then not given.
            y: integer class labels (one-hot encoded to the output width) or targets of
                the output's shape; see `tinyframe.data` for the rules.
            epochs: train until this epoch number (from ``initial_epoch``).
            batch_size: samples per gradient step; 32 by default, as in Keras. ``None``
                (or the number of samples) uses every sample in one step, the article's
                full-batch gradient descent.
                The last batch of an epoch may be smaller; the loss gradient is the mean
                over each batch.
            shuffle: draw a new order of the samples each epoch from the model's seeded
                Generator (indices only: batches are gathered one at a time). With a
                single full batch the order cannot matter and no shuffling is done.
            validation_split: fraction of the samples held out, *chosen at random* with
                the model's seed (Keras takes the last rows instead).
            validation_data: ``(X_val, y_val)`` or ``(X_val, y_val, sample_weight_val)``;
                takes precedence over ``validation_split``.
            callbacks: `Callback` instances (a list; a single one is accepted too, as Keras 3 does).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            initial_epoch: the epoch to start from (to resume training).
            sample_weight: ``(n_samples,)`` non-negative weights: each sample's loss (and
                metrics) counts that much (Keras's rule: the weighted losses are averaged
                over the batch size).
            class_weight: ``{class index: weight}``: each sample's weight is that of its
                class (multiplied with ``sample_weight`` if both are given).
            steps_per_epoch: for data in batches: the batches of one epoch (default: the
                length of a PyDataset, or until a generator is exhausted).
            validation_steps: likewise for ``validation_data`` given in batches.

        If the loss becomes NaN or infinite, or the update would leave a weight NaN or
        infinite, or a layer's running statistics overflow, that step is not applied:
        training stops with a `DivergenceWarning` naming the epoch and batch, the weights
        and the layers' state stay those of the last finite step, and the History holds
        every finished epoch.

        Each batch is one call of ``model.train_step(x, y[, sample_weight])``, which a
        subclass may override (Keras's custom training step).

        `fit` owns the model while it runs: ``predict``, ``evaluate`` or another ``fit``
        on it (or on a model sharing a layer, the loss or the optimizer) from another
        thread raise `RuntimeError`; callbacks may call them from this thread. Layers
        with ``trainable = False`` are neither updated nor decayed.

        A call that raises before its first step (bad data, a loss refusing the first
        outputs) leaves the model exactly as it was: weights, optimizer state, Generator,
        history, compiled settings, layer state; a model not built
        yet is built from ``X`` once ``X``, ``y`` and the weights are checked. After that, a
        Ctrl-C (KeyboardInterrupt) or an exception from a callback ends `fit` between
        two steps: the weights are those of the last completed step, never half-updated,
        and ``model.history`` holds every finished epoch. A step that raises after its
        forward pass (a loss refusing the batch, a custom ``train_step``) leaves the layers'
        state (running statistics) as the last completed step left it, as it leaves the weights.

        Example:
            >>> history = model.fit(X, y, epochs=200, batch_size=32, validation_split=0.2)  # doctest: +SKIP
        """
        X = inputs_argument(X, x, "fit")
        if dask_batches.is_dask(X):  # streamed block by block (tinyframe.dask_batches): data in batches from here
            if y is None:
                raise TypeError("fit: give the targets y: fit(x, y), a Dask array (or Series) like x")
            if sample_weight is not None or validation_split:
                raise ValueError(
                    "fit: sample_weight and validation_split are not taken with Dask data yet; give validation_data. "
                    f"Received: sample_weight={type(sample_weight).__name__}, validation_split={validation_split!r}"
                )
            if steps_per_epoch is not None:
                raise ValueError("fit: with Dask data, batch_size sets the steps. Received: steps_per_epoch as well")
            if batch_size is not None:
                check_positive_int(batch_size, "batch_size", "fit")
            X, y = dask_batches.DaskBatches(X, y, batch_size, bool(shuffle), self.rng), None
            shuffle = False  # the blocks' own order (seeded), drawn by DaskBatches as each epoch begins
        in_batches = streams.is_stream(X)
        if in_batches:
            training.check_stream_arguments(y, sample_weight, validation_split, batch_size)
        elif y is None:
            raise TypeError("fit: give the targets y: fit(x, y)")
        elif steps_per_epoch is not None:
            raise ValueError(
                "fit: steps_per_epoch is for data in batches (a generator or a PyDataset); with arrays, "
                f"batch_size sets the steps. Received: steps_per_epoch={steps_per_epoch!r}"
            )
        epochs, batch_size, initial_epoch, validation_split, callbacks = training.checked_arguments(
            epochs, batch_size, verbose, shuffle, validation_split, callbacks, initial_epoch
        )
        with writing(self._owned(), "fit"), self._scratch:  # fit owns the model; the steps' work arrays
            if in_batches:  # the first batch checked (and the model built from it) before anything changes
                stream = training.StreamBatches(self, X, steps_per_epoch, bool(shuffle), class_weight, "fit")
                validation = self._validation_stream(validation_data, validation_steps)
            else:
                checked = training.training_data(
                    self, X, y, sample_weight, class_weight, validation_data, validation_split
                )
            snapshot = Snapshot(self)
            try:
                if self._ensure_compiled() and verbose:  # the design card's model.fit(X, y): said once
                    print(
                        "fit: the model is not compiled, so it trains with the article's defaults: loss "
                        f"{self.loss!r}, optimizer {self.optimizer!r}. Call model.compile(loss=..., "
                        "optimizer=...) to choose (with a softmax output, loss='categorical_crossentropy')",
                        flush=True,
                    )
                if in_batches:
                    return self._train(stream, validation, epochs, callbacks, verbose, initial_epoch)
                checked = training.split(self, checked, validation_split)
                batches = training.Batches(checked.X, checked.Y, batch_size, bool(shuffle), self.rng, checked.W)
                held_out = (checked.X_val, checked.Y_val, None, checked.W_val)
                validation = None if checked.X_val is None else (lambda: self._evaluate(*held_out))
                return self._train(batches, validation, epochs, callbacks, verbose, initial_epoch)
            except BaseException:
                if not snapshot.stepped(self):  # refused before any step: nothing it did stays
                    snapshot.restore(self)
                raise

    def _validation_stream(self, validation_data: Any, steps: Any) -> Any:
        """What evaluates the validation data of a fit on batches: arrays (a tuple) or batches; None if none."""
        if validation_data is None:
            return None
        if streams.is_stream(validation_data):
            held_out = training.StreamBatches(self, validation_data, steps, False, None, "fit(validation_data)")
            return lambda: self._evaluate_batches(held_out.epoch(), None)
        X_val, Y_val, W_val = training.checked_validation(self, validation_data)
        return lambda: self._evaluate(X_val, Y_val, None, W_val)

    def _train(
        self,
        batches: Any,
        validation: Any,
        epochs: int,
        callbacks: list[Callback],
        verbose: int,
        initial_epoch: int,
    ) -> History:
        """The loop of `fit` over ``batches`` (`training.Batches` or `training.StreamBatches`), with the model held.

        ``validation`` is None or a call that evaluates the validation data (its logs).
        """
        keys = self.metrics_names
        params = {
            "epochs": epochs,
            "initial_epoch": initial_epoch,
            "steps": batches.steps,
            "samples": batches.samples,
            "verbose": verbose,
            "do_validation": validation is not None,
            "metrics": keys + (["val_" + k for k in keys] if validation is not None else []),
        }
        history = History()
        progress = ProgressBar(verbose) if verbose else None
        hooks = CallbackList([*callbacks, history, *([progress] if progress else [])], self, params)
        self._prepare_training()
        self.history, self.stop_training = history, False
        try:
            with DeferredInterrupt() as interrupt:
                hooks.on_train_begin()
                for epoch in range(initial_epoch, epochs):
                    hooks.on_epoch_begin(epoch)
                    logs = self._run_epoch(batches, hooks, epoch, interrupt)
                    if batches.ran_dry:
                        end_open_line()
                        warnings.warn(
                            f"fit: the input ran out of data at epoch {epoch + 1}; training stopped there. A "
                            "generator must yield at least steps_per_epoch * epochs batches (Keras's rule): "
                            "make it loop over the data, or give fewer steps_per_epoch",
                            stacklevel=3,
                        )
                        self.stop_training = True
                    if logs is None or (batches.ran_dry and not logs):
                        break
                    if validation is not None:
                        hooks.on_test_begin()
                        validated = validation()
                        hooks.on_test_end(dict(validated))
                        logs.update({"val_" + k: v for k, v in validated.items()})
                    hooks.on_epoch_end(epoch, logs)
                    if self.stop_training:
                        break
                hooks.on_train_end(dict(history_logs(history)))  # Keras passes the last epoch's logs
        finally:
            if progress:
                progress.close()
            hooks.release()  # what callbacks opened is closed however fit ends
        return history

    def _run_epoch(
        self, batches: training.Batches, hooks: CallbackList, epoch: int, interrupt: DeferredInterrupt
    ) -> dict[str, float] | None:
        """One pass over the data; the epoch's mean loss and metrics, or None if the loss diverged."""
        self.reset_metrics()
        totals: dict[str, float] = {}
        seen = 0
        step = self.train_step
        if takes_data(step):  # Keras's train_step(data): the form is read once per epoch, not per batch
            keras_step = step
            step = lambda x, y, w=None: keras_step((x, y) if w is None else (x, y, w))  # noqa: E731
        if type(self).train_step is not Trainer.train_step:  # a user's step: what it returns is checked
            users_step = step
            step = lambda *args: checked_logs(users_step(*args), "train_step")  # noqa: E731
        self._overflowed = False  # set by a step whose update overflowed (and was undone): training stops there
        guard = self._state_guard or None  # a model with state: each step undone whole if it fails
        several = isinstance(self.output_shape, list)  # targets of several outputs; else yb.shape[0] is the size
        for batch, (xb, yb, wb) in enumerate(batches.epoch()):
            if hooks.batch_begin_callbacks:
                hooks.on_batch_begin(batch, {"batch": batch, "size": data.n_samples(yb)})
            if guard is None:
                logs = step(xb, yb) if wb is None else step(xb, yb, wb)
            else:
                logs = self._step_with_state(guard, step, (xb, yb) if wb is None else (xb, yb, wb))
            interrupt.check()
            loss = logs.get("loss", 0.0)  # a user's step may log no loss (Keras's): nothing to check then
            if not math.isfinite(loss):
                end_open_line()  # an unfinished progress line: the warning starts a line of its own
                what = self._divergence(loss)
                warnings.warn(
                    f"Training stopped: {what} at epoch {epoch + 1}, batch {batch + 1}. "
                    "That step was not applied; the weights and the layers' state are those of the last finite step. "
                    "Try a smaller learning rate or scaled inputs.",
                    DivergenceWarning,
                    stacklevel=3,
                )
                self.stop_training = True
                return None
            m = data.n_samples(yb) if several else yb.shape[0]
            seen += m
            for key, value in logs.items():
                totals[key] = totals.get(key, 0.0) + value * m
            if hooks.batch_end_callbacks:
                hooks.on_batch_end(batch, {"batch": batch, "size": m, **{k: t / seen for k, t in totals.items()}})
        if seen == 0:  # data in batches that ran dry before this epoch's first batch
            return {}
        return {**{key: value / seen for key, value in totals.items()}, **self.get_metrics_result()}

    def _step_with_state(self, guard: StateGuard, step: Any, args: tuple) -> dict[str, float]:
        """``step(*args)`` undone whole (state included) if it raises, or its loss or its state is not finite.

        The running statistics a training forward moves are copied before the step and put
        back when it fails; statistics that overflowed undo the update it applied too.
        """
        guard.begin()
        self._step.applied = False
        try:
            logs = step(*args)
        except BaseException:
            guard.restore()
            raise
        loss = logs.get("loss") if isinstance(logs, dict) else None
        if not isinstance(loss, (float, int, np.floating)) or (math.isfinite(loss) and guard.finite()):
            return logs  # kept (or not a loss at all: the loop says what train_step must return)
        if math.isfinite(loss):  # the statistics overflowed: the update goes too
            self._step.undo_applied()
            self._overflowed = "state"
            logs = {**logs, "loss": math.nan}
        guard.restore()
        return logs

    def _divergence(self, loss: float) -> str:
        """What made a step fail, for the warning: the update, the running statistics or the loss."""
        if self._overflowed == "state":
            return f"the layers' running statistics (non-trainable state) overflowed {self.dtype}"
        return f"the update overflowed {self.dtype}" if self._overflowed else f"the loss became {loss}"

    def train_on_batch(
        self, x: Any, y: Any, sample_weight: Any = None, class_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """One gradient step on ``(x, y)`` (Keras's name); returns the step's loss and metrics like `evaluate`.

        The metrics are those of this batch (reset before it). It holds the model as `fit`
        does; a diverging step is not applied and its loss is returned as it is (NaN or inf).
        """
        return keras_result(self._batch_logs(x, y, sample_weight, class_weight), return_dict)

    def _batch_logs(self, x: Any, y: Any, sample_weight: Any, class_weight: Any) -> dict[str, float]:
        """`train_on_batch`: one `train_step` on checked data, holding the model as `fit` does."""
        with writing(self._owned(), "train_on_batch"), self._scratch:
            X, Y, W = training.checked_batch(self, x, y, sample_weight, class_weight, ("x", "y"))
            if not self.built:
                self.build(data.sample_shapes(X))
            self._ensure_compiled()
            self._prepare_training()
            self.reset_metrics()
            self._overflowed = False
            if self._state_guard:
                logs = self._step_with_state(self._state_guard, call_step, (self.train_step, X, Y, W))
            else:
                logs = call_step(self.train_step, X, Y, W)
            if type(self).train_step is not Trainer.train_step:
                logs = checked_logs(logs, "train_step")
            return {**logs, **self.get_metrics_result()}

    # ---------------------------------------------------------------- one step
    def train_step(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> dict[str, float]:
        """One gradient step on a batch; returns its logs (``{"loss": ...}``). Override it as in Keras.

        `fit` calls it for every batch with checked arrays of the model's dtype (``y``
        one-hot encoded, ``sample_weight`` None or ``(m,)``), holding the model. The
        default is forward, loss, backward, a guarded update (undone if a weight comes out non-finite)
        and `compute_metrics`. A subclass may write its own step on the same parts, in
        Keras's form (one argument, ``data``: ``(x, y)`` or ``(x, y, sample_weight)``) or in
        tinyframe's (``x, y, sample_weight=None``)::

            def train_step(self, data):
                x, y, sample_weight = unpack_x_y_sample_weight(data)   # tinyframe.utils
                y_hat = self.forward(x, training=True)
                loss = self.compute_loss(y_hat, y, sample_weight)
                self.backward(self.loss.backward())
                self.optimizer.apply_gradients(zip(self.trainable_gradients, self.trainable_weights))
                self.compute_metrics(x, y, y_hat, sample_weight)
                return {"loss": loss}

        ``apply_gradients`` steps the trainable parameters only (a frozen layer stays as it
        was), as fit's own step does, guarded against divergence. `fit` averages every returned
        value over the epoch (weighted by batch size) and adds the compiled metrics' results;
        a non-finite ``"loss"`` stops training.
        """
        loss, y_hat = self._default_step(x, y, sample_weight)
        if self.metrics and y_hat is not None and math.isfinite(loss):
            self.compute_metrics(x, y, y_hat, sample_weight)
        if y_hat is not None and type(self.loss) is OutputLosses:
            return {"loss": loss, **self.loss.values}  # each output's loss, as Keras logs them
        return {"loss": loss}

    def _default_step(
        self, xb: np.ndarray, yb: np.ndarray, wb: np.ndarray | None = None
    ) -> tuple[float, np.ndarray | None]:
        """Forward, loss, backward, update: one gradient step. Returns the loss and ``y_hat``.

        A step whose loss is not finite changes nothing; one whose update would leave a
        weight non-finite is undone (`tinyframe._update`) and returns ``(nan, None)``
        (and sets ``self._overflowed``). Overflow inside the step is expected to show up
        there, as inf or NaN, so NumPy's warnings about it are silenced for the step and
        the results are checked instead. `fit` calls it (through `train_step`) inside the
        model's training scratch, holding the model.
        """
        with silenced():
            y_hat = self.forward(xb, training=True)
            loss = self.compute_loss(y_hat, yb, wb)
            if not math.isfinite(loss) or not self._runs:
                return loss, y_hat
            self.backward(self.loss.backward(), input_grad=False)
            self._sync()
            if not self._step():
                self._overflowed = True
                return math.nan, None
        return loss, y_hat

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

    def reset_metrics(self) -> None:
        """Reset the state of every compiled metric (Keras's name); `fit` does it at each epoch's start."""
        for metric in self.metrics.values():
            metric.reset_state()

    def get_metrics_result(self) -> dict[str, float]:
        """``{name: result}`` of the compiled metrics over what they have seen since their reset (Keras's name)."""
        return {name: float(metric.result()) for name, metric in self.metrics.items()}

    # ---------------------------------------------------------------- the update and the parameter store
    @property
    def trainable_gradients(self) -> list[np.ndarray]:
        """The gradients of `trainable_weights`, in the same order (set by the last backward)."""
        return [layer.grads[name] for layer in self.layers if layer.trainable for name in layer.params]

    def apply_gradients(self) -> bool:
        """One guarded optimizer step of the trainable parameters from their gradients: fit's own update.

        What ``optimizer.apply_gradients(zip(model.trainable_gradients, model.trainable_weights))``
        does in a custom ``train_step``. Returns False if the step was undone (a weight would have
        become NaN or infinite), as fit's step does; `fit` then stops.
        """
        self._sync()
        if self._step():
            return True
        self._overflowed = True
        return False

    def _prepare_training(self) -> None:
        """Read the trainable flags and penalties, group the trainable parameters into runs (start of fit).

        The runs, the links and the guarded step are kept while the layers' parameter
        dicts, their trainable flags and the optimizer stay the same objects and values.
        """
        prepared = self._prepared_for
        same = (
            len(prepared) == len(self.layers) + 1
            and prepared[0] is self.optimizer
            and all(
                p is layer.params and t == layer._trainable and s is layer.state
                for (p, t, s), layer in zip(prepared[1:], self.layers)
            )
        )
        if not same or not self.optimizer._runs:  # new runs, or state put in since (a file, by hand)
            check_state(self.optimizer, self.layers)
        if not same:
            check_held_weights(self.layers)  # weights no run would hold: refused, not left untrained
            self._plan_backward()
            self._runs = trainable_runs(self.layers)
            self._step = GuardedStep(self.optimizer, self._runs)
            self._state_guard = StateGuard(self.layers)
            self._links = [
                (layer, n, p, layer.grads[n])
                for layer in self.layers
                if not type(layer).__dict__.get("writes_in_place", False)  # declared by the class itself
                for n, p in layer.params.items()
            ]
            self._prepared_for = [
                self.optimizer,
                *((layer.params, layer._trainable, layer.state) for layer in self.layers),
            ]
        self._penalized = self._layers_with_penalty()
        self._scratch.trim()

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

    def _layers_with_penalty(self) -> list[Any]:
        return [layer for layer in self.layers if layer.has_penalty]


def inputs_argument(X: Any, x: Any, owner: str) -> Any:
    """The inputs given as ``X`` (tinyframe's name) or ``x`` (Keras's); a TypeError for neither or both."""
    if X is not NOT_GIVEN and x is not NOT_GIVEN:
        raise TypeError(f"{owner}: give the inputs once, as X or as x (Keras's name), not both")
    if X is NOT_GIVEN and x is NOT_GIVEN:
        raise TypeError(f"{owner}: give the inputs: {owner}(x, ...) or {owner}(x=...)")
    return X if X is not NOT_GIVEN else x


def checked_logs(logs: Any, where: str) -> dict[str, float]:
    """A user's ``train_step``/``test_step`` logs as ``{name: float}``; a TypeError saying what it must return."""
    if not isinstance(logs, dict):
        raise TypeError(
            f"{where} must return a dict of numbers by name, such as {{'loss': loss}} (Keras's convention). "
            f"Received: {type(logs).__name__} {reprlib.repr(logs)}"
        )
    checked = {}
    for key, value in logs.items():
        try:
            checked[str(key)] = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{where} must return a dict of numbers by name; {key!r} is a {type(value).__name__}, not a number "
                f"(a 0-d array or a float; Keras's metrics return one number each). Received: {reprlib.repr(value)}"
            ) from None
    return checked


def keras_result(logs: dict[str, float], return_dict: bool) -> float | list[float] | dict[str, float]:
    """Keras's convention: the dict, or the loss alone without metrics, or ``[loss, *metrics]``."""
    if return_dict:
        return dict(logs)
    return logs["loss"] if len(logs) == 1 else list(logs.values())
