"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

from collections.abc import Callable

from .base import Callback

HOOKS = tuple(sorted(name for name in vars(Callback) if name.startswith("on_")))


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given, with Keras's argument conventions.

    Each function is called in place of the hook of the same name, with its arguments:

    - ``on_epoch_begin``, ``on_epoch_end``: ``fn(epoch, logs)``
    - ``on_train_begin``, ``on_train_end``: ``fn(logs)``
    - ``on_train_batch_begin``, ``on_train_batch_end``: ``fn(batch, logs)``

    Any other hook of `Callback` may be given by its name too (``on_test_end=fn(logs)``,
    ``on_batch_end=fn(batch, logs)``). Hooks not given do nothing, and `fit` calls a
    batch hook per step only if one is given. A name that is not a hook, or a value
    that is not callable, is a TypeError (Keras would ignore it silently).

    Example:
        >>> losses = []
        >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
        >>> model.fit(X, y, epochs=5, callbacks=[record])  # doctest: +SKIP
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **hooks: Callable,
    ) -> None:
        super().__init__()
        hooks.update(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
        )
        for name, function in hooks.items():
            if name not in HOOKS:
                raise TypeError(f"LambdaCallback: {name!r} is not a callback hook; expected one of {list(HOOKS)}")
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback: {name} must be callable. Received: {name}={function!r}")
            setattr(self, name, function)  # an instance attribute: called instead of the method
