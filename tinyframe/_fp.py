"""Floating-point errors silenced once around a whole step, in a way the kernels can see.

Inside a training step (and `predict`), overflow is *expected* to be possible and
is detected afterwards, from the loss, the gradients or the outputs being NaN or
infinite; NumPy's warnings about it are silenced for the whole step. A kernel
whose overflow is harmless on its own (Sigmoid's ``exp(-z)`` going to inf gives
exactly 0) must silence it when it runs *outside* such a step too, and entering
``np.errstate`` costs about a microsecond. `overflow_silenced` tells it whether
that is already done, for the price of a context-variable read.

>>> import numpy as np
>>> with silenced():
...     overflow_silenced(), float(np.exp(np.float32(100)))
(True, inf)
>>> overflow_silenced()
False
"""

from __future__ import annotations

from contextvars import ContextVar

import numpy as np

_SILENCED: ContextVar[bool] = ContextVar("tinyframe_fp_silenced", default=False)


class silenced:
    """``np.errstate(all="ignore")`` that also sets the flag `overflow_silenced` reads."""

    __slots__ = ("_errstate", "_token")

    def __enter__(self) -> silenced:
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._token = _SILENCED.set(True)
        return self

    def __exit__(self, *exc: object) -> None:
        _SILENCED.reset(self._token)
        self._errstate.__exit__(*exc)


def overflow_silenced() -> bool:
    """True inside a `silenced` block (of this thread or task)."""
    return _SILENCED.get()
