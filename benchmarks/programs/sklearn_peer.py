"""scikit-learn's MLPClassifier set up to do the article's work (its loss is log-loss, not squared error).

``hidden_layer_sizes=(30,)``, logistic hidden units, plain SGD (no momentum, no L2
penalty, constant rate 0.25), ``batch_size`` the case's (all rows for the full
batch). It never stops early: ``tol=0`` and ``n_iter_no_change`` beyond
``max_iter``, so ``fit`` runs exactly ``max_iter`` epochs (checked). Its output
layer is a softmax with log-loss, the only choice MLPClassifier offers: the same
matrix work per step, a slightly different loss. It shuffles only with mini-batches
(with one full batch the order cannot matter, and tinyframe does not shuffle it
either). Each ``fit`` starts from fresh weights, drawn with ``random_state=seed``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from ..workloads import LEARNING_RATE, N_HIDDEN, Digits


def digits(work: Digits) -> Callable[[int], float]:
    """``run(epochs) -> last loss``: one ``MLPClassifier.fit`` of exactly ``epochs`` epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    n = work.X.shape[0]
    batch_size = n if work.batch_size is None else work.batch_size

    def run(epochs: int) -> float:
        model = MLPClassifier(
            hidden_layer_sizes=(N_HIDDEN,),
            activation="logistic",
            solver="sgd",
            batch_size=batch_size,
            learning_rate="constant",
            learning_rate_init=LEARNING_RATE,
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            early_stopping=False,
            shuffle=batch_size < n,
            random_state=work.seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter reached: that is the point
            model.fit(work.X, work.labels)
        if model.n_iter_ != epochs:
            raise RuntimeError(f"MLPClassifier ran {model.n_iter_} epochs instead of {epochs}")
        return float(model.loss_)

    return run
