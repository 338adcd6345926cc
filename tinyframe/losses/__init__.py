"""Losses: costs ``J(y_pred, y_true)`` with their gradients, for outputs of any rank ``(m, d1, ..., k)``.

Every loss reduces as Keras's default ``"sum_over_batch_size"``: the mean of the
per-position losses (a class loss reads the last axis as the classes, so a position
is everything but the last axis; an elementwise loss averages every element).
The article's `SquaredError` is the exception: ``1/(2m)`` times the summed squares.
``forward(y_pred, y_true, sample_weight=None)`` takes optional per-sample weights
(see `Loss`).
"""

from __future__ import annotations

from .base import Loss
from .binary_cross_entropy import BinaryCrossEntropy
from .cross_entropy import CrossEntropy
from .function import FunctionLoss  # noqa: F401  (compile(loss=fn); not in __all__: a file never names it)
from .hinge import Hinge
from .huber import Huber
from .kl_divergence import KLDivergence
from .mean_absolute_error import MeanAbsoluteError
from .mean_squared_error import MeanSquaredError
from .poisson import Poisson
from .sparse_categorical_crossentropy import SparseCategoricalCrossentropy
from .squared_error import SquaredError

__all__ = [
    "Loss",
    "SquaredError",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "CrossEntropy",
    "BinaryCrossEntropy",
    "SparseCategoricalCrossentropy",
    "Huber",
    "KLDivergence",
    "Hinge",
    "Poisson",
    "CategoricalCrossentropy",
    "BinaryCrossentropy",
    "get",
    "is_loss",
]

CategoricalCrossentropy = CrossEntropy  # Keras's spellings of the same classes
BinaryCrossentropy = BinaryCrossEntropy

# Names give the default settings: the cross-entropies then read probabilities (from_logits=False), as in Keras.
_BY_NAME = {
    "squared_error": SquaredError,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "cross_entropy": CrossEntropy,
    "categorical_crossentropy": CrossEntropy,
    "binary_cross_entropy": BinaryCrossEntropy,
    "binary_crossentropy": BinaryCrossEntropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "huber": Huber,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "hinge": Hinge,
    "poisson": Poisson,
}
# Any case; with the class names, tinyframe's and Keras's ("CategoricalCrossentropy", "BinaryCrossentropy").
_BY_LOWER_NAME = {
    **_BY_NAME,
    **{cls.__name__.lower(): cls for cls in _BY_NAME.values()},
    "categoricalcrossentropy": CrossEntropy,
}


def get(identifier: str | Loss) -> Loss:
    """A `Loss` instance from an instance, a name such as ``"huber"``, or a class name such as ``"Huber"``.

    Names are Keras's (``"categorical_crossentropy"``, ``"kld"``, ...) and give the
    default settings; they and the class names (tinyframe's or Keras's, e.g.
    ``"MeanSquaredError"``, ``"CategoricalCrossentropy"``) are matched in any case.

    >>> get("Huber")
    Huber(delta=1.0)
    """
    if isinstance(identifier, Loss):
        return identifier
    cls = _named(identifier)
    if cls is not None:
        return cls()
    if callable(identifier) and not isinstance(identifier, type):  # Keras's loss=fn(y_true, y_pred) of ops
        return FunctionLoss(identifier)
    raise ValueError(
        f"Unknown loss: expected a Loss instance or one of {sorted(_BY_NAME)} (or a class name such as "
        f"'CategoricalCrossentropy'). Received: {identifier!r}"
    )


def _named(identifier: object) -> type[Loss] | None:
    """The loss class a name or class name stands for (any case), or None."""
    return _BY_LOWER_NAME.get(identifier.lower()) if isinstance(identifier, str) else None


def is_loss(identifier: object) -> bool:
    """Whether `get` would accept ``identifier``: a `Loss` or a loss's name.

    >>> is_loss("binary_crossentropy"), is_loss("adam")
    (True, False)
    """
    return isinstance(identifier, Loss) or _named(identifier) is not None
