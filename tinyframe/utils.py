"""Keras's ``keras.utils`` helpers that Keras code calls before it reaches the model."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from ._checks import check_positive_int
from .data import as_numeric_array, one_hot
from .streams import PyDataset, Sequence

__all__ = [
    "PyDataset",
    "Sequence",
    "to_categorical",
    "plot_model",
    "unpack_x_y_sample_weight",
    "pack_x_y_sample_weight",
    "set_random_seed",
]

_seeds: np.random.SeedSequence | None = None  # set_random_seed's sequence, once it has been called


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Keras's ``keras.utils.to_categorical``: integer class labels as one-hot rows (float64).

    ``x`` of shape ``(n, ...)`` (a trailing axis of 1, as in ``(n, 1)``, is dropped, as
    Keras does) becomes ``(n, ..., num_classes)``; ``num_classes`` defaults to
    ``max(x) + 1``. `Sequential.fit` one-hot encodes integer labels by itself, so this is
    only needed by code written for Keras.

    >>> to_categorical([2, 0, 1])
    array([[0., 0., 1.],
           [1., 0., 0.],
           [0., 1., 0.]])
    >>> to_categorical([[1], [0]], num_classes=3).shape
    (2, 3)
    """
    labels = as_numeric_array(x, "to_categorical: x")
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        if labels.size == 0:
            raise ValueError("to_categorical: x is empty, so num_classes cannot be inferred; give num_classes")
        num_classes = int(labels.max()) + 1
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be an integer >= 1. Received: num_classes={num_classes!r}")
    return one_hot(np.atleast_1d(labels), int(num_classes), "float64").reshape(*labels.shape, int(num_classes))


def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = True, **options: Any) -> Any:
    """Keras's ``keras.utils.plot_model``: draw the model (`tinyframe.plot.plot_model`) and save it to ``to_file``.

    Keras draws with pydot and graphviz; tinyframe with matplotlib (the ``plot`` extra), shapes
    and parameter counts always shown. Keras's other display options (``show_dtype``,
    ``show_layer_names``, ``rankdir``, ``dpi``, ...) are accepted and change nothing but ``dpi``.
    Returns the matplotlib Figure.
    """
    from .plot import plot_model as draw

    figure = draw(model)
    figure.savefig(to_file, dpi=options.get("dpi", 100))
    return figure


def unpack_x_y_sample_weight(data: Any) -> tuple[Any, Any, Any]:
    """Keras's: ``(x, y, sample_weight)`` from a batch of ``(x,)``, ``(x, y)`` or ``(x, y, w)`` (None filled in).

    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return (*data, *(None,) * (3 - len(data)))
    raise ValueError(
        f"unpack_x_y_sample_weight: expected (x,), (x, y) or (x, y, sample_weight). Received: {data!r:.80}"
    )


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    """Keras's: the batch tuple ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if y is None:
        return (x,)
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def set_random_seed(seed: int | None) -> None:
    """Keras's ``keras.utils.set_random_seed``: make what follows reproducible, run after run.

    It seeds Python's ``random`` and NumPy's global (legacy) generator, as Keras does, and
    tinyframe's own default: every model made afterwards without ``seed=`` (`Sequential`,
    `Model`, a subclassed model) takes the next seed of a sequence started from ``seed``
    (``numpy.random.SeedSequence(seed).spawn``), which drives its initial weights,
    shuffling, validation split and dropout. So a program that calls
    ``set_random_seed(1)`` first builds and trains the same models every time it runs;
    two models made one after the other still differ, as in Keras. A model's own
    ``seed=`` takes precedence. Layers built by hand outside a model (``layer.build(shape)``)
    draw from their ``rng=``, not from this. ``None`` (not Keras's) undoes it: fresh
    entropy again.

    >>> from tinyframe import Sequential
    >>> from tinyframe.layers import Dense
    >>> set_random_seed(1)
    >>> first = Sequential([Dense(2, 3)]).get_weights()[0]
    >>> set_random_seed(1)
    >>> bool((Sequential([Dense(2, 3)]).get_weights()[0] == first).all())
    True
    >>> set_random_seed(None)
    """
    global _seeds
    if seed is not None:
        seed = check_positive_int(seed, "seed", "set_random_seed", allow_zero=True)
        if seed >= 2**32:
            raise ValueError(f"set_random_seed: seed must be below 2**32 (NumPy's limit). Received: seed={seed}")
    random.seed(seed)
    np.random.seed(seed)
    _seeds = None if seed is None else np.random.SeedSequence(seed)


def model_seed(seed: Any) -> Any:
    """``seed`` itself, or for None after `set_random_seed`, the next seed of its sequence (a model's default)."""
    if seed is not None or _seeds is None:
        return seed
    return _seeds.spawn(1)[0]


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: float = 0.0,
) -> np.ndarray:
    """Keras's ``pad_sequences``: lists of different lengths as one array ``(n, maxlen)``.

    Shorter sequences are padded with ``value`` and longer ones cut, at the front (``"pre"``, Keras's
    default) or the back (``"post"``); ``maxlen`` defaults to the longest.

    >>> pad_sequences([[1, 2], [3, 4, 5, 6]], maxlen=3)
    array([[0, 1, 2],
           [4, 5, 6]], dtype=int32)
    """
    for name, where in (("padding", padding), ("truncating", truncating)):
        if where not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post'. Received: {where!r}")
    rows = [np.asarray(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(r) for r in rows), default=0)
    tail = next((r.shape[1:] for r in rows if len(r)), ())
    out = np.full((len(rows), maxlen, *tail), value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or maxlen == 0:
            continue
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, maxlen - len(kept) :] = kept
    return out
