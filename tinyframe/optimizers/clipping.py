"""Gradient clipping, Keras's ``clipnorm``, ``clipvalue`` and ``global_clipnorm``: applied to a copy.

Every optimizer takes one of these keyword arguments (Keras 3 refuses two at once,
and so does tinyframe)::

    clipnorm=c          each parameter's gradient g:  g * c / max(||g||, c)
    global_clipnorm=c   every gradient g_i:           g_i * c / max(sqrt(sum_i ||g_i||**2), c)
    clipvalue=v         each element:                 min(max(g, -v), v)

``||g||`` is the L2 norm over all of a parameter's elements, whatever its shape.
A run (what `fit` hands the optimizer) holds several parameters end to end; its ``sizes`` says
where each one's segment is, so ``clipnorm`` still clips each parameter on its own.
As in Keras, the clipped gradients are a copy (kept in the optimizer's work arrays,
allocated once): the model's gradient arrays still hold the gradients of the loss
after the step. A non-finite norm gives NaN gradients (as in Keras), which `fit`
answers by undoing the step.

>>> import numpy as np
>>> clip = Clipping("SGD", clipnorm=1.0)
>>> g = np.array([3.0, 4.0])
>>> clip.clip([g], [np.empty(2)], [None])[0], g        # norm 5, scaled to 1; g is left alone
(array([0.6, 0.8]), array([3., 4.]))
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._checks import check_float

ARGUMENTS = ("clipnorm", "clipvalue", "global_clipnorm")


class Clipping:
    """One of Keras's three clipping rules, checked: each value finite and > 0, at most one given."""

    def __init__(
        self,
        owner: str,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        given = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = {name: value for name, value in given.items() if value is not None}
        if len(given) > 1:
            raise ValueError(
                f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set (as in Keras). "
                f"Received: {', '.join(f'{k}={v!r}' for k, v in given.items())}"
            )
        self.config = dict.fromkeys(ARGUMENTS) | {
            name: check_float(value, name, owner, 0.0, math.inf, high_open=True) for name, value in given.items()
        }
        self.kind, self.limit = next(((k, v) for k, v in self.config.items() if v is not None), (None, math.inf))
        self.active = self.kind is not None

    def clip(
        self, grads: Sequence[np.ndarray], outs: Sequence[np.ndarray], sizes: Sequence[Sequence[int] | None]
    ) -> Sequence[np.ndarray]:
        """``outs`` filled with the clipped ``grads``; ``sizes[i]`` splits a flat ``grads[i]`` into parameters.

        ``sizes[i]`` None means ``grads[i]`` is one parameter (any shape).
        """
        with np.errstate(over="ignore"):  # a sum of squares may overflow: `l2_norm` handles it
            return self._clip(grads, outs, sizes)

    def _clip(self, grads: Sequence[np.ndarray], outs: Sequence[np.ndarray], sizes: Sequence) -> Sequence[np.ndarray]:
        limit = self.limit
        if self.kind == "clipvalue":
            for grad, out in zip(grads, outs):
                np.clip(grad, -limit, limit, out=out)
        elif self.kind == "global_clipnorm":
            total = math.hypot(*(l2_norm(grad) for grad in grads))
            scale = limit / max(total, limit) if math.isfinite(total) else math.nan
            for grad, out in zip(grads, outs):
                np.multiply(grad, scale, out=out)
        else:
            for grad, out, split in zip(grads, outs, sizes):
                for g, o in _segments(grad, out, split):
                    norm = l2_norm(g)
                    if norm > limit:  # NaN is not: a NaN gradient goes through as it is
                        np.multiply(g, limit / norm, out=o)
                    else:
                        np.copyto(o, g)
        return outs


def _segments(grad: np.ndarray, out: np.ndarray, sizes: Sequence[int] | None):
    """``(gradient, out)`` views of each parameter in a flat run (or the one parameter if ``sizes`` is None)."""
    if sizes is None:
        yield grad, out
        return
    if sum(sizes) != grad.size:
        raise ValueError(f"clipnorm: parameter sizes {tuple(sizes)} do not add up to the run's {grad.size} elements")
    start = 0
    for size in sizes:
        yield grad[start : start + size], out[start : start + size]
        start += size


def l2_norm(x: np.ndarray) -> float:
    """``sqrt(sum(x**2))`` as a Python float, also when ``sum(x**2)`` would overflow the dtype.

    In float32 the sum of squares overflows for norms above about 1.8e19 (exploding
    gradients: just when clipping matters); then ``x`` is scaled by its largest
    magnitude first (one temporary, in that rare case only). NaN or inf in ``x``
    give a NaN or inf norm. Call it under ``np.errstate(over="ignore")``, as
    `Clipping.clip` does once for all parameters: the overflow is expected.

    >>> with np.errstate(over="ignore"):
    ...     round(l2_norm(np.array([3e30, 4e30], np.float32)) / 1e30, 6)   # 2.5e61 overflows float32
    5.0
    """
    flat = x.reshape(-1)
    squares = float(np.dot(flat, flat))
    if math.isfinite(squares):
        return math.sqrt(squares)
    largest = float(np.max(np.abs(flat)))
    if not math.isfinite(largest):
        return largest
    scaled = flat / largest
    return largest * math.sqrt(float(np.dot(scaled, scaled)))
