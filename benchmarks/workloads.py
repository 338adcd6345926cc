"""The work every program does: the article's digits split and its initial weights, and batch orders.

All programs of a digits case get the *same* arrays: ``X`` already in the case's
dtype, the integer labels, their one-hot rows, and one set of initial weights
drawn like the article's (uniform on [0, 1)), so tinyframe, the hand-written loop
and PyTorch start from identical parameters and compute identical losses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

N_HIDDEN = 30
LEARNING_RATE = 0.25  # the article's alpha


@dataclass
class Digits:
    """One digits case: 1078 training rows of 64 features, 10 classes.

    Attributes:
        X: ``(1078, 64)`` StandardScaler-scaled pixels, in ``dtype``.
        labels: ``(1078,)`` integer classes 0-9.
        Y: ``(1078, 10)`` one-hot rows of ``labels``, in ``dtype``.
        weights: ``[W1 (64, 30), b1 (30,), W2 (30, 10), b2 (10,)]``, Keras layout, in ``dtype``.
        batch_size: rows per gradient step; None is the article's full batch.
        seed: seeds every program's shuffling (and scikit-learn's initial weights).
    """

    X: np.ndarray
    labels: np.ndarray
    Y: np.ndarray
    weights: list[np.ndarray]
    batch_size: int | None
    seed: int = 0

    @property
    def dtype(self) -> np.dtype:
        return self.X.dtype

    @property
    def steps_per_epoch(self) -> int:
        return 1 if self.batch_size is None else -(-self.X.shape[0] // self.batch_size)


def digits(dtype: str, batch_size: int | None, seed: int = 0) -> Digits:
    """The 60% training split of scikit-learn's digits (``test_size=0.4``, as examples/digits.py)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = load_digits()
    X = StandardScaler().fit_transform(data.data)
    X_train, _, y_train, _ = train_test_split(X, data.target, test_size=0.4, random_state=0)
    X_train = np.ascontiguousarray(X_train, dtype=dtype)
    Y = np.zeros((X_train.shape[0], 10), dtype)
    Y[np.arange(X_train.shape[0]), y_train] = 1
    rng = np.random.default_rng(seed)
    shapes = [(64, N_HIDDEN), (N_HIDDEN,), (N_HIDDEN, 10), (10,)]
    weights = [rng.random(shape).astype(dtype) for shape in shapes]
    return Digits(X_train, y_train.astype(np.int64), Y, weights, batch_size, seed)


def batch_rows(n: int, batch_size: int | None, rng: np.random.Generator) -> Iterator[np.ndarray | None]:
    """One epoch of row indices: a fresh permutation cut into batches, or None for a single full batch."""
    if batch_size is None or batch_size >= n:
        yield None
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def epochs_of(work: Digits, step: Callable[[np.ndarray, np.ndarray], float]) -> Callable[[int], float]:
    """``run(epochs) -> the last epoch's mean loss``, calling ``step(x, y) -> loss`` on each batch of ``work``.

    The loop of the hand-written programs: a new order each epoch (mini-batches gathered
    with ``X[rows]``), ``exp`` overflow silenced (``1 / (1 + inf)`` is the right 0).
    """
    X, Y = work.X, work.Y
    rng = np.random.default_rng(work.seed)

    def run(epochs: int) -> float:
        with np.errstate(over="ignore"):
            for _ in range(epochs):
                total = 0.0
                for rows in batch_rows(X.shape[0], work.batch_size, rng):
                    x, y = (X, Y) if rows is None else (X[rows], Y[rows])
                    total += step(x, y) * x.shape[0]
        return total / X.shape[0]  # the last epoch's mean loss, as tinyframe's History

    return run
