"""Ctrl-C during `fit` takes effect between steps, never halfway through an update."""

from __future__ import annotations

import signal
import threading


class DeferredInterrupt:
    """Hold SIGINT until the training loop reaches a step boundary.

    Inside the ``with`` block a first Ctrl-C only sets ``pending``; the loop calls
    `check()` after each step, which raises KeyboardInterrupt there, so the
    parameters are always those of a completed step. A second Ctrl-C before that
    raises at once (a way out of a hung callback). Outside the main thread, where
    signal handlers cannot be set, this does nothing.

    >>> with DeferredInterrupt() as interrupt:
    ...     interrupt.check()  # no Ctrl-C pressed: nothing happens
    """

    def __init__(self) -> None:
        self.pending = False
        self._previous = None

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame) -> None:
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def check(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
