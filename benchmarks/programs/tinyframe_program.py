"""tinyframe through its public path: ``Sequential``, ``compile``, ``fit(..., verbose=0)``.

Nothing is special-cased: the model is built once and each timed call is one
``fit`` (input checks, one-hot labels, the callback machinery and all), so the
cost of that public path is part of what is measured.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..workloads import LEARNING_RATE, N_HIDDEN, Digits

LARGE_NEEDS = "tinyframe.activations.ReLU, tinyframe.losses.CrossEntropy, tinyframe.optimizers.Adam"


def digits(work: Digits) -> Callable[[int], float]:
    """``run(epochs) -> last epoch's loss``: the article's network, starting from ``work.weights``."""
    from tinyframe import Sequential
    from tinyframe.activations import Sigmoid
    from tinyframe.layers import Dense
    from tinyframe.losses import SquaredError
    from tinyframe.optimizers import GradientDescent

    model = Sequential(
        [Dense(64, N_HIDDEN), Sigmoid(), Dense(N_HIDDEN, 10), Sigmoid()], dtype=work.dtype.name, seed=work.seed
    )
    model.compile(loss=SquaredError(), optimizer=GradientDescent(LEARNING_RATE))
    model.set_weights(work.weights)

    def run(epochs: int) -> float:
        history = model.fit(work.X, work.labels, epochs=epochs, batch_size=work.batch_size, verbose=0)
        return history.history["loss"][-1]

    return run


def large_missing() -> str | None:
    """Why the large case cannot run tinyframe (a missing building block), or None."""
    try:
        from tinyframe.activations import ReLU  # noqa: F401
        from tinyframe.losses import CrossEntropy  # noqa: F401
        from tinyframe.optimizers import Adam  # noqa: F401
    except ImportError:
        return f"needs {LARGE_NEEDS}"
    return None


def large(X: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> Callable[[], float]:
    """``run() -> loss``: one epoch of the 784-256-10 ReLU network, CrossEntropy from logits, Adam."""
    from tinyframe import Sequential
    from tinyframe.activations import ReLU
    from tinyframe.layers import Dense
    from tinyframe.losses import CrossEntropy
    from tinyframe.optimizers import Adam

    model = Sequential([Dense(X.shape[1], 256), ReLU(), Dense(256, 10)], dtype="float32", seed=seed)
    model.compile(loss=CrossEntropy(from_logits=True), optimizer=Adam(learning_rate=1e-3))

    def run() -> float:
        return model.fit(X, labels, epochs=1, batch_size=batch_size, verbose=0).history["loss"][-1]

    return run
