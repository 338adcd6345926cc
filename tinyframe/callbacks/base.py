"""Callback: hooks into the training loop, Keras style."""

from __future__ import annotations

import sys
from typing import Any


class Callback:
    """Override any hook; ``self.model`` is the model being trained.

    Hooks, in the order `fit` calls them (Keras 3's names)::

        on_train_begin(logs)
          on_epoch_begin(epoch, logs)
            on_train_batch_begin(batch, logs)   logs: {"batch", "size"}
            on_train_batch_end(batch, logs)     logs: {"batch", "size", "loss"} (the epoch's running mean)
            on_test_begin(logs)                 with validation data, after the epoch's batches
            on_test_end(logs)                   logs: loss, metrics on the validation data (no prefix)
          on_epoch_end(epoch, logs)             logs: loss, metrics, val_loss, val_<metric>
        on_train_end(logs)
        release()                               however fit ends (after on_train_end, or an exception)

    ``on_batch_begin``/``on_batch_end`` are the older names of the train-batch hooks
    (as in Keras: the default ``on_train_batch_end`` calls ``on_batch_end``), so a
    callback may override either. Only callbacks that override a batch hook (in
    their class, or as a function set on the instance, as `LambdaCallback` does) are
    called per step. As in Keras 3, every hook receives a dict (``{}`` when `fit` has
    nothing to log), and the batch hooks receive it as the keyword ``logs=``.

    ``self.params`` holds ``epochs``, ``initial_epoch``, ``steps`` (batches per
    epoch), ``samples``, ``verbose``, ``do_validation`` and ``metrics`` (the keys
    the epoch logs will carry). Setting ``self.model.stop_training = True`` ends
    training after the current epoch.

    Example:
        >>> class PrintLoss(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, logs["loss"])
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...

    def on_train_end(self, logs: dict | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs: dict | None = None) -> None: ...

    def on_test_end(self, logs: dict | None = None) -> None: ...

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_predict_begin(self, logs: dict | None = None) -> None: ...

    def on_predict_end(self, logs: dict | None = None) -> None: ...

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def release(self) -> None:
        """Close what the callback opened (files, writers): `fit` calls it however it ends.

        ``on_train_end`` is not called when an exception ends `fit` (Keras's rule); this is,
        after it, so a resource is closed once either way. The default does nothing.
        """


def _overrides(callback: Callback, *hooks: str) -> bool:
    """Whether any of ``hooks`` is not `Callback`'s own: a subclass's method, or a function set on the instance."""
    return any(getattr(getattr(callback, hook), "__func__", None) is not getattr(Callback, hook) for hook in hooks)


class CallbackList:
    """Calls a hook on every callback in order (internal to `fit`)."""

    def __init__(self, callbacks: list[Callback], model: Any, params: dict[str, Any]) -> None:
        self.callbacks = callbacks
        # Only callbacks that override a batch hook are called per step (fit skips building the logs if none do).
        self.batch_begin_callbacks = [c for c in callbacks if _overrides(c, "on_train_batch_begin", "on_batch_begin")]
        self.batch_end_callbacks = [c for c in callbacks if _overrides(c, "on_train_batch_end", "on_batch_end")]
        for callback in callbacks:
            callback.set_model(model)
            callback.set_params(params)

    def release(self) -> None:
        """`Callback.release` on every callback; one that raises does not keep the others from closing."""
        failure = None
        for callback in self.callbacks:
            try:
                callback.release()
            except Exception as error:  # raised after the others are closed (not over an exception in flight)
                failure = failure or error
        if failure is not None and sys.exc_info()[1] is None:
            raise failure

    def on_train_begin(self, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_begin({} if logs is None else logs)

    def on_train_end(self, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_train_end({} if logs is None else logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, {} if logs is None else logs)

    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        for callback in self.batch_begin_callbacks:
            callback.on_train_batch_begin(batch, logs={} if logs is None else logs)

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        for callback in self.batch_end_callbacks:
            callback.on_train_batch_end(batch, logs={} if logs is None else logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_test_begin({} if logs is None else logs)

    def on_test_end(self, logs: dict | None = None) -> None:
        for callback in self.callbacks:
            callback.on_test_end({} if logs is None else logs)

    def call(self, hook: str, *args: Any) -> None:
        """``hook(*args, logs)`` on every callback: the hooks of `evaluate` and `predict` (Keras's test and predict)."""
        *positional, logs = args if args else (None,)
        for callback in self.callbacks:
            getattr(callback, hook)(*positional, {} if logs is None else logs)
