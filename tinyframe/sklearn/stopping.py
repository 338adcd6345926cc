"""When the estimators stop training, and the warning when they stop before the loss has settled.

As scikit-learn's MLP: training ends early once the monitored loss (the training loss, or the
validation loss with ``early_stopping=True``) has not improved on its best by more than ``tol`` for
``patience`` epochs in a row (MLP calls this ``n_iter_no_change``). If the epochs run out before
that happens, the loss was still falling by more than ``tol`` within the last ``patience`` epochs:
the fit did not converge, and a `sklearn.exceptions.ConvergenceWarning` says so.
"""

from __future__ import annotations

import warnings

from sklearn.exceptions import ConvergenceWarning

from .._checks import check_float, check_positive_int
from ..callbacks import EarlyStopping


class Convergence:
    """The stopping rule of one ``fit``: a callback for `Sequential.fit`, then the verdict.

    ``improved`` means ``loss < best - tol`` (Keras's ``EarlyStopping(min_delta=tol)``, which is
    what MLP's ``tol`` means too); after ``patience`` epochs in a row without it, training stops.
    With a validation split (``early_stopping=True``) the best epoch's weights are put back.

    Example:
        >>> rule = Convergence("TinyFrameRegressor", tol=1e-4, patience=10, validation=False)
        >>> rule.callback.tracker.monitor
        'loss'
    """

    def __init__(self, owner: str, tol: float, patience: int, validation: bool) -> None:
        self.owner = owner
        self.tol = check_float(tol, "tol", owner, low=0.0, low_open=False)
        self.patience = check_positive_int(patience, "patience", owner)
        self.monitor = "val_loss" if validation else "loss"
        self.callback = EarlyStopping(
            monitor=self.monitor, min_delta=self.tol, patience=self.patience, restore_best_weights=validation
        )

    def converged(self) -> bool:
        """Whether the last fit stopped because the monitored loss stopped improving by more than ``tol``."""
        return self.callback.stopped_epoch is not None

    def warn_unless_converged(self, epochs_run: int, epochs: int) -> None:
        """Warn if all ``epochs`` ran without the rule stopping them (a divergence stop is warned elsewhere)."""
        if epochs_run < epochs or self.converged():
            return
        warnings.warn(
            f"{self.owner}: the {epochs} epochs (epochs={epochs}) ran out before training converged: "
            f"{self.monitor} still improved by more than tol={self.tol:g} within the last "
            f"patience={self.patience} epochs. Raise epochs (or tol), or use early_stopping=True.",
            ConvergenceWarning,
            stacklevel=5,  # the caller of fit: fit -> _fit -> _train -> here
        )
