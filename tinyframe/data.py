"""Input checks, one-hot labels and validation splits: the model's public boundary.

Every check here runs before a model changes any state, and every error says what
was expected and what was received.

Inputs ``X`` are batch-first arrays of any rank, ``(n, d1, ..., dk)``.

Rules for targets ``y`` against a model whose outputs have shape ``(n, *s, k)``
(``s`` empty for the usual ``(n, k)``):

* ``(n, *s, k)``: used as given (one-hot rows, or any regression targets).
* ``(n, *s)`` or ``(n, *s, 1)`` with ``k > 1``: integer class labels in ``[0, k)``,
  one-hot encoded on a new last axis (the article's ``convert_y_to_vect``).
* ``(n, *s)`` with ``k == 1``: one target per position, given the last axis of 1.
* anything else is an error; nothing is ever broadcast.

Accepted inputs are real numbers (integer or floating NumPy dtypes, Python lists,
pandas DataFrames); booleans, strings, objects and complex numbers are refused,
and so are SciPy sparse matrices (call ``.toarray()`` first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._mapped import FilePages
from .layers.shapes import fits

_ACCEPTED = "real numbers (an integer, floating or boolean dtype)"
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
    if type(a) is not np.ndarray:
        _refuse_text_columns(a, name)
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise TypeError(f"{name} must be a rectangular array of {_ACCEPTED}. Received: {error}") from None
    if arr.dtype.kind == "b":  # booleans are the numbers 0 and 1, as Keras takes them (one-hot masks, flags)
        return arr.view(np.uint8)
    if arr.dtype.kind not in "iuf":
        hint = ""
        if arr.dtype.kind in "USO" and name.split(" ")[0] in ("y", "y_val"):
            hint = (
                ". Encode string labels as integers (sklearn.preprocessing.LabelEncoder, or np.unique(y, "
                "return_inverse=True)), or use tinyframe.sklearn.TinyFrameClassifier, which takes them"
            )
        raise TypeError(f"{name} must contain {_ACCEPTED}. Received: dtype {arr.dtype}{hint}")
    return arr


def _refuse_text_columns(a: Any, name: str) -> None:
    """TypeError naming the first column of a pandas DataFrame that does not hold numbers."""
    dtypes = getattr(a, "dtypes", None)
    columns = getattr(a, "columns", None)
    if dtypes is None or columns is None or not hasattr(dtypes, "items"):
        return
    for column, dtype in dtypes.items():
        kind = getattr(dtype, "kind", "O")
        if kind not in "iufb":
            raise TypeError(
                f"{name}: column {column!r} is not numeric (dtype {dtype}); encode it (one-hot or integer codes, "
                f"e.g. pandas.get_dummies) or drop it. Received: a DataFrame with columns {list(columns)[:10]}"
            )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ValueError if ``arr`` holds NaN or infinity (min and max: no temporaries when it does not).

    An array in a memory-mapped file is checked in chunks of rows, each chunk's
    pages given back to the system once checked, so checking
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
    """``X`` as a C-contiguous ``(n_samples, d1, ..., dk)`` array of ``dtype`` (at least 2-D)."""
    arr = _samples(X, name)
    with np.errstate(over="ignore"):  # values too large for dtype become inf and are reported below
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def check_indices(X: Any, name: str = "X", layers: Sequence[Any] = ()) -> np.ndarray:
    """``X`` as a C-contiguous ``(n_samples, d1, ..., dk)`` array of int64 indices, exactly as given.

    For inputs that feed only index-taking ``layers`` (`Embedding`): they never pass through the
    model's float dtype, where float32 would round 16,777,217 to 16,777,216. Each layer first
    checks the values as given (``layer.check_indices``: whole numbers in its range, the first
    bad one named); integers and booleans are then taken as they are, and floats must be
    whole numbers.
    """
    arr = _samples(X, name)
    for layer in layers:
        layer.check_indices(arr, name)
    if arr.dtype.kind == "f" and not layers:  # a layer's check above already found every value whole
        check_finite(arr, name)
        whole = np.floor(arr) == arr
        if not whole.all():
            where = tuple(int(i) for i in np.argwhere(~whole)[0])
            raise ValueError(
                f"{name}: indices must be whole numbers. Received: {arr[where].item()!r} at position {where}"
            )
    limit = np.iinfo(np.int64).max
    if arr.dtype.kind in "uf" and arr.size and arr.max() >= limit:
        raise ValueError(f"{name}: indices must be below 2**63. Received: {arr.max()!r}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _samples(X: Any, name: str) -> np.ndarray:
    """``X`` as a numeric array of at least one sample and one feature (ValueError otherwise)."""
    arr = as_numeric_array(X, name)
    if arr.ndim < 2:
        hint = (
            f" Reshape it: {name}.reshape(-1, 1) if it holds one feature, {name}.reshape(1, -1) if one sample"
            if arr.ndim == 1
            else ""
        )
        raise ValueError(
            f"{name} must be at least 2-D, of shape (n_samples, n_features) or (n_samples, d1, ..., dk). "
            f"Received: shape {arr.shape}.{hint}"
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} is empty: expected at least one sample and one feature. Received: shape {arr.shape}")
    return arr


def one_hot(labels: Any, n_classes: int, dtype: Any = "float64") -> np.ndarray:
    """Integer labels ``(n, ...)`` as one-hot rows ``(n, ..., n_classes)`` (a new last axis).

    The article's ``convert_y_to_vect``: label ``j`` becomes a row of zeros with a
    1 in column ``j``.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    labels = as_numeric_array(labels, "labels")
    if labels.ndim < 1:
        raise ValueError(f"labels must be at least 1-D. Received: shape {labels.shape}")
    if labels.dtype.kind == "f":
        check_finite(labels, "labels")
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels must be whole numbers. Received: {labels[labels != np.round(labels)][:3]}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must be in [0, {n_classes}) for an output of width {n_classes}. "
            f"Received: values from {labels.min()} to {labels.max()}"
        )
    out = np.zeros((*labels.shape, n_classes), dtype)
    np.put_along_axis(out, labels.astype(np.intp)[..., None], 1, axis=-1)
    return out


def prepare_targets(
    y: Any, n_samples: int, output_shape: tuple[int, ...] | None, dtype: Any, name: str = "y"
) -> np.ndarray:
    """``y`` as a ``(n_samples, *output_shape)`` array of ``dtype``, by the rules above.

    ``output_shape`` is the model's output shape without the batch dimension (None:
    unknown, then ``y`` is taken as given, a 1-D ``y`` as one target per sample).
    """
    arr = as_numeric_array(y, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be 1-D labels or targets of the output's shape. Received: a scalar")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X and {name} must have the same number of samples. Received: {n_samples} and {arr.shape[0]}")
    if output_shape is None:
        output_shape = arr.shape[1:] if arr.ndim > 1 else (1,)
    positions, k = tuple(output_shape[:-1]), output_shape[-1]
    if k > 1 and (fits(arr.shape[1:], positions) or fits(arr.shape[1:], (*positions, 1))):
        return one_hot(arr.reshape((n_samples, *arr.shape[1 : len(positions) + 1])), k, dtype)
    if k == 1 and fits(arr.shape[1:], positions):
        arr = arr[..., None]
    if not fits(arr.shape[1:], tuple(output_shape)):
        full = (n_samples, *output_shape)
        labels = f" or be class labels of shape {(n_samples, *positions)}" if k > 1 else ""
        raise ValueError(
            f"{name} must have shape {full} to match the model's output{labels}. Received: shape {arr.shape}"
        )
    with np.errstate(over="ignore"):
        arr = np.ascontiguousarray(arr, dtype=dtype)
    check_finite(arr, name)
    return arr


def validation_count(n_samples: int, fraction: float) -> int:
    """``floor(n * fraction)``, the number of validation rows; ValueError if either side would be empty."""
    n_val = int(n_samples * fraction)
    if n_val < 1 or n_val >= n_samples:
        raise ValueError(
            f"validation_split={fraction} of {n_samples} samples leaves {n_val} for validation and "
            f"{n_samples - n_val} for training; expected at least one of each"
        )
    return n_val


def validation_rows(n_samples: int, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (seeded) ``(train_rows, val_rows)``; ``val`` holds ``floor(n * fraction)`` rows.

    Unlike Keras, which holds out the *last* rows (keras#6422), the held-out rows
    are drawn at random from the model's Generator, so sorted data still gives a
    representative validation set. Both index arrays are sorted.
    """
    n_val = validation_count(n_samples, fraction)
    perm = rng.permutation(n_samples)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def checked_weights(
    weights: Any, targets: list[np.ndarray], dtype: Any, where: str, nonnegative: dict[int, str] | None = None
) -> list[np.ndarray]:
    """``weights`` checked against ``targets`` (count, shapes, finite values) and cast to ``dtype``; writes nothing.

    ``nonnegative`` names the arrays (by index) that must be >= 0: variances.
    """
    if not isinstance(weights, (list, tuple)) or len(weights) != len(targets):
        got = f"{len(weights)} arrays" if isinstance(weights, (list, tuple)) else repr(type(weights).__name__)
        raise ValueError(f"{where} expects a list of {len(targets)} arrays. Received: {got}")
    checked = []
    for i, (w, p) in enumerate(zip(weights, targets)):
        arr = as_numeric_array(w, f"weights[{i}]")
        if arr.shape != p.shape:
            raise ValueError(f"{where}: weights[{i}] must have shape {p.shape}. Received: shape {arr.shape}")
        with np.errstate(over="ignore"):
            arr = arr.astype(dtype, copy=False)
        check_finite(arr, f"weights[{i}]")
        if nonnegative and i in nonnegative and arr.size and arr.min() < 0:
            raise ValueError(
                f"{where}: weights[{i}] ({nonnegative[i]}) must be >= 0: it is a variance or a count. "
                f"Received: a minimum of {arr.min():.4g}"
            )
        checked.append(arr)
    return checked


def sample_weights(
    sample_weight: Any, class_weight: Any, Y: np.ndarray, dtype: Any, name: str = "sample_weight"
) -> np.ndarray | None:
    """One weight per sample, ``(n,)`` in ``dtype``, from Keras's ``sample_weight`` and ``class_weight`` (or None).

    ``sample_weight`` is ``(n,)`` finite, non-negative numbers. ``class_weight`` maps a
    class index to a weight: a sample's class is the arg-max of its (one-hot) target on
    the last axis (for one output, the target rounded: 0 or 1), and samples of classes
    not in the dict weigh 1. Both given: the product. With targets of higher rank,
    the class weight of each sample is that of its first position (Keras weighs per sample).

    >>> sample_weights(None, {1: 3.0}, np.eye(2)[[0, 1, 1]], "float64")
    array([1., 3., 3.])
    """
    n = Y.shape[0]
    weights = None
    if sample_weight is not None:
        weights = as_numeric_array(sample_weight, name)
        if weights.shape not in ((n,), (n, 1)):
            raise ValueError(f"{name} must have shape ({n},), one weight per sample. Received: shape {weights.shape}")
        with np.errstate(over="ignore"):
            weights = np.ascontiguousarray(weights.reshape(n), dtype=dtype)
        check_finite(weights, name)
        if weights.size and weights.min() < 0:
            raise ValueError(f"{name} must be non-negative. Received: a weight of {weights.min():.4g}")
    if class_weight is not None:
        if not isinstance(class_weight, dict) or not all(
            isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in class_weight
        ):
            raise TypeError(f"class_weight must be a dict {{class index: weight}}. Received: {class_weight!r}")
        first = Y.reshape(n, -1, Y.shape[-1])[:, 0, :]
        classes = first.argmax(axis=-1) if Y.shape[-1] > 1 else np.rint(first[:, 0]).astype(np.intp)
        n_classes = Y.shape[-1] if Y.shape[-1] > 1 else 2  # one output: the classes 0 and 1
        table = np.ones(max(n_classes, int(classes.max(initial=0)) + 1), dtype)
        for k, w in class_weight.items():
            if not 0 <= k < n_classes:
                raise ValueError(
                    f"class_weight: class {k} is not one the model outputs (its classes are 0 to {n_classes - 1}). "
                    f"Received: class_weight with keys {sorted(class_weight)[:10]}"
                )
            if not isinstance(w, (int, float, np.integer, np.floating)) or isinstance(w, (bool, np.bool_)):
                raise TypeError(
                    f"class_weight: the weight of class {k} must be a number. Received: {type(w).__name__} {w!r:.50}"
                )
            table[k] = float(w)
        check_finite(table, "class_weight")
        if table.min() < 0:
            raise ValueError(f"class_weight must be non-negative. Received: a weight of {table.min():.4g}")
        by_class = table[classes]
        weights = by_class if weights is None else weights * by_class
    return weights


def adjust_rank(X: np.ndarray, sample_shape: tuple[int, ...]) -> np.ndarray:
    """``X`` with a last axis of 1 added when the model takes one and ``X`` lacks only it (Keras's rule).

    Images of shape ``(n, 28, 28)`` for a model of ``Input(shape=(28, 28, 1))`` are read as
    ``(n, 28, 28, 1)``, as Keras reads them; any other shape is left for the shape check to refuse.

    >>> adjust_rank(np.zeros((5, 28, 28)), (28, 28, 1)).shape
    (5, 28, 28, 1)
    """
    if sample_shape and sample_shape[-1] == 1 and fits(X.shape[1:], tuple(sample_shape[:-1])):
        return X[..., None]
    return X


def n_samples(X: np.ndarray | list[np.ndarray]) -> int:
    """The number of samples of checked inputs: one array, or a list of arrays for a model of several inputs."""
    return (X[0] if isinstance(X, list) else X).shape[0]


def rows_of(X: np.ndarray | list[np.ndarray], rows: Any) -> np.ndarray | list[np.ndarray]:
    """``X[rows]``, of each array for a list."""
    return [x[rows] for x in X] if isinstance(X, list) else X[rows]


def sample_shapes(X: np.ndarray | list[np.ndarray]) -> Any:
    """The shape of one sample (batch excluded); a list of them for a list of arrays."""
    return [x.shape[1:] for x in X] if isinstance(X, list) else X.shape[1:]
