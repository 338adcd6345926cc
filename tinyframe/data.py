"""Input checks, one-hot labels and validation splits: the model's public boundary.

Every check here runs before a model changes any state, and every error says what
was expected and what was received.

Rules for targets ``y`` against a model whose output has width ``k``:

* ``(n, k)``: used as given (one-hot rows, or any regression targets).
* ``(n,)`` or ``(n, 1)`` with ``k > 1``: integer class labels in ``[0, k)``,
  one-hot encoded (the article's ``convert_y_to_vect``).
* ``(n,)`` with ``k == 1``: one target per sample, reshaped to ``(n, 1)``.
* anything else is an error; nothing is ever broadcast.

Accepted inputs are real numbers (integer or floating NumPy dtypes, Python lists,
pandas DataFrames); booleans, strings, objects and complex numbers are refused,
and so are SciPy sparse matrices (call ``.toarray()`` first).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._mapped import FilePages

_ACCEPTED = "real numbers (an integer or floating dtype)"
_CHUNK_BYTES = 8 * 2**20  # a memory-mapped array is checked this much at a time


def as_numeric_array(a: Any, name: str) -> np.ndarray:
    """``a`` as a NumPy array of real numbers, or a TypeError saying what it was."""
    if hasattr(a, "tocsr") and hasattr(a, "nnz"):
        raise TypeError(
            f"{name}: sparse matrices are not supported; pass {name}.toarray(). Received: {type(a).__name__}"
        )
    if np.ma.isMaskedArray(a):
        masked = int(np.ma.getmaskarray(a).sum())
        if masked:
            raise ValueError(
                f"{name} is a masked array with {masked} masked value(s); tinyframe cannot ignore them. Fill them "
                f"({name}.filled(value)) or drop those rows. Received: {masked} of {a.size} values masked"
            )
        a = np.ma.getdata(a)
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular array of {_ACCEPTED}. Received: {error}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must contain {_ACCEPTED}. Received: dtype {arr.dtype}")
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` holds NaN or infinity (min and max: no temporaries when it does not).

    An array in a memory-mapped file is checked in chunks of rows, each chunk's
    pages given back to the system once checked (`tinyframe._mapped`), so checking
    a file larger than memory does not make it all resident.
    """
    if arr.dtype.kind != "f" or not arr.size:
        return
    pages = FilePages.of(arr)
    if pages is None:
        finite = np.isfinite(arr.min()) and np.isfinite(arr.max())
    else:
        rows = max(1, _CHUNK_BYTES // arr[:1].nbytes)
        chunks = (arr[start : start + rows] for start in range(0, arr.shape[0], rows))
        finite = all(_finite_then_release(chunk, pages) for chunk in chunks)
    if not finite:
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains NaN or infinity: expected finite values. Received: {int(bad.sum())} non-finite "
            f"value(s) after casting to {arr.dtype}, the first at index {first}"
        )


def _finite_then_release(chunk: np.ndarray, pages: FilePages) -> bool:
    finite = bool(np.isfinite(chunk.min()) and np.isfinite(chunk.max()))
    pages.release()
    return finite


def check_features(X: Any, dtype: Any, name: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous ``(n_samples, n_features)`` array of ``dtype``."""
    arr = as_numeric_array(X, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, of shape (n_samples, n_features). Received: shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty: expected at least one sample and one feature. Received: shape {arr.shape}")
    with np.errstate(over="ignore"):  # values too large for dtype become inf and are reported below
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def one_hot(labels: Any, n_classes: int, dtype: Any = "float64") -> np.ndarray:
    """Integer labels ``(n,)`` as one-hot rows ``(n, n_classes)``.

    The article's ``convert_y_to_vect``: label ``j`` becomes a row of zeros with a
    1 in column ``j``.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = as_numeric_array(labels, "labels")
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D. Received: shape {labels.shape}")
    if labels.dtype.kind == "f":
        check_finite(labels, "labels")
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels must be whole numbers. Received: {labels[labels != np.round(labels)][:3]}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must be in [0, {n_classes}) for an output of width {n_classes}. "
            f"Received: values from {labels.min()} to {labels.max()}"
        )
    out = np.zeros((labels.shape[0], n_classes), dtype)
    out[np.arange(labels.shape[0]), labels.astype(np.intp)] = 1
    return out


def prepare_targets(y: Any, n_samples: int, n_outputs: int | None, dtype: Any, name: str = "y") -> np.ndarray:
    """``y`` as a ``(n_samples, n_outputs)`` array of ``dtype``, by the rules above."""
    arr = as_numeric_array(y, name)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D labels or 2-D targets. Received: shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X and {name} must have the same number of samples. Received: {n_samples} and {arr.shape[0]}")
    if n_outputs is None:
        n_outputs = arr.shape[1] if arr.ndim == 2 else 1
    if n_outputs > 1 and (arr.ndim == 1 or arr.shape[1] == 1):
        return one_hot(arr.reshape(-1), n_outputs, dtype)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_outputs:
        raise ValueError(
            f"{name} must have shape ({n_samples}, {n_outputs}) to match the model's output, "
            f"or be class labels of shape ({n_samples},). Received: shape {arr.shape}"
        )
    with np.errstate(over="ignore"):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def validation_rows(n_samples: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (seeded) ``(train_rows, val_rows)``; ``val`` holds ``floor(n * fraction)`` rows.

    Unlike Keras, which holds out the *last* rows (keras#6422), the held-out rows
    are drawn at random from the model's Generator, so sorted data still gives a
    representative validation set. Both index arrays are sorted.
    """
    n_val = int(n_samples * fraction)
    if n_val < 1 or n_val >= n_samples:
        raise ValueError(
            f"validation_split={fraction} of {n_samples} samples leaves {n_val} for validation and "
            f"{n_samples - n_val} for training; expected at least one of each"
        )
    perm = rng.permutation(n_samples)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])
