"""What the two scikit-learn estimators share: parameters, building and training the network."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import activations, losses, optimizers, regularizers
from ..layers import Dense
from ..model import Sequential
from . import lazy
from .stopping import Convergence

ACTIVATIONS = {
    "relu": activations.ReLU,
    "tanh": activations.Tanh,
    "logistic": activations.Sigmoid,
    "sigmoid": activations.Sigmoid,
    "identity": activations.Identity,
    "leaky_relu": activations.LeakyReLU,
}
FLOATS = (np.float64, np.float32)


class TinyFrameEstimator(BaseEstimator):
    """A `Sequential` multi-layer perceptron behind scikit-learn's estimator API.

    ``Dense(n_features, h1) -> activation -> ... -> Dense(h_last, n_outputs)``; the
    output layer is linear and the loss reads it (logits for classification).
    ``__init__`` only stores its arguments; ``fit`` checks them, builds the network
    (or continues it with ``warm_start=True``) and trains it. The defaults are each
    estimator's own (`TinyFrameClassifier`, `TinyFrameRegressor`), measured on the data
    sets scikit-learn ships (``python -m benchmarks.sklearn_datasets``).

    Args:
        hidden_layer_sizes: widths of the hidden layers, e.g. ``(100,)``.
        activation: ``"relu"``, ``"tanh"``, ``"logistic"``/``"sigmoid"``, ``"identity"``, ``"leaky_relu"``.
        loss: a `tinyframe.losses` name or instance; None picks the task's default.
        optimizer: a `tinyframe.optimizers` name (``"adam"``, ``"sgd"``, ``"momentum"``, ``"rmsprop"``).
        learning_rate: the optimizer's step size.
        alpha: L2 penalty ``alpha * sum(W**2)`` on every hidden and output kernel, added to the mean
            loss of a batch (Keras's convention; scikit-learn's MLP adds ``alpha / 2 * sum(W**2) / batch``).
        epochs: the most passes over the data one ``fit`` makes (MLP's ``max_iter``).
        batch_size: samples per step (None: all of them in one step).
        shuffle: reshuffle the samples each epoch.
        early_stopping: hold out ``validation_fraction`` (at random) and stop on its loss instead of the
            training loss (the rule below), keeping the best epoch's weights.
        validation_fraction: the share of the samples held out with ``early_stopping``.
        patience: epochs in a row without an improvement larger than ``tol`` after which training stops
            (MLP's ``n_iter_no_change``).
        tol: the improvement of the monitored loss (the training loss, or the validation loss with
            ``early_stopping``) over its best so far that counts: ``loss < best - tol``. If the
            ``epochs`` run out first, ``fit`` warns with `sklearn.exceptions.ConvergenceWarning`.
        dtype: ``"float64"`` (default, as scikit-learn's MLP) or ``"float32"``, the network's arithmetic;
            inputs of either are accepted. In float64 a prediction does not depend, beyond
            rounding far below what the checks of scikit-learn notice, on the batch it came in.
        random_state: int, RandomState or None: initial weights, shuffling and the validation split.
        verbose: 0, 1 or 2, as in `Sequential.fit`.
        warm_start: continue from the previous ``fit``'s weights instead of starting again.

    Fitted attributes: ``model_`` (the `Sequential`), ``n_features_in_``, ``history_`` (the last
    ``fit``'s `History` dict), ``n_iter_`` (its epochs), ``loss_`` (its last training loss).
    """

    @staticmethod
    def _default_loss() -> losses.Loss:
        return losses.MeanSquaredError()

    def _store(self, arguments: dict[str, Any]) -> None:
        """Keep a subclass's ``__init__`` arguments as given (scikit-learn's rule: no checks, no changes)."""
        for name in self._get_param_names():
            setattr(self, name, arguments[name])

    # ------------------------------------------------------------------ building
    def _build(self, n_features: int, n_outputs: int) -> Sequential:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"{type(self).__name__}: activation must be one of {sorted(ACTIVATIONS)}. "
                f"Received: activation={self.activation!r}"
            )
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, (int, np.integer)) else tuple(sizes)
        widths = [n_features, *sizes, n_outputs]
        regularizer = regularizers.L2(self.alpha) if self.alpha else None
        layers = []
        for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
            layers.append(Dense(n_in, n_out, kernel_initializer="glorot_uniform", kernel_regularizer=regularizer))
            if i < len(widths) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        seed = self.random_state
        if seed is not None and not isinstance(seed, (int, np.integer)):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        model = Sequential(layers, dtype=self.dtype, seed=seed)
        optimizer = optimizers.get(self.optimizer)
        optimizer.learning_rate = self.learning_rate
        loss = self._default_loss() if self.loss is None else losses.get(self.loss)
        model.compile(loss=loss, optimizer=optimizer)
        return model

    def _fitted(self) -> bool:
        return hasattr(self, "model_")

    def _train(
        self,
        X: np.ndarray,
        targets: np.ndarray,
        n_outputs: int,
        first_call: bool,
        incremental: bool,
        sample_weight: np.ndarray | None = None,
    ) -> None:
        """Build the network unless continuing one, then train it (each sample's loss weighed by ``sample_weight``).

        ``fit`` trains up to ``epochs`` epochs under the stopping rule, and warns if they ran out
        first (`Convergence`); ``partial_fit`` (``incremental``) trains one epoch, without either.
        """
        epochs = 1 if incremental else self.epochs
        rule = Convergence(type(self).__name__, self.tol, self.patience, validation=bool(self.early_stopping))
        keep = not first_call and self._fitted() and self.model_.output_features == n_outputs
        if not keep:
            self.model_ = self._build(X.shape[1], n_outputs)
        targets = self._training_targets(targets, fitted=keep, sample_weight=sample_weight)
        history = self.model_.fit(
            X,
            targets,
            epochs=epochs,
            # always explicit: Sequential.fit's own default is not the estimators' (None means all samples here,
            # or one block of Dask data)
            batch_size=len(X) if self.batch_size is None and not lazy.is_dask(X) else self.batch_size,
            shuffle=self.shuffle,
            validation_split=self.validation_fraction if self.early_stopping and not incremental else 0.0,
            callbacks=[] if incremental else [rule.callback],
            verbose=self.verbose,
            sample_weight=sample_weight,
        )
        self.history_ = history.history
        self.n_iter_ = len(history.epoch)
        self.loss_ = history.history["loss"][-1] if history.epoch else float("nan")
        if not incremental:
            rule.warn_unless_converged(self.n_iter_, epochs)

    def _training_targets(
        self, targets: np.ndarray, fitted: bool, sample_weight: np.ndarray | None = None
    ) -> np.ndarray:
        """What the network learns to output for ``targets``; ``fitted``: the network is continued."""
        return targets

    @staticmethod
    def _weights(sample_weight: Any, X: np.ndarray) -> np.ndarray | None:
        """scikit-learn's check of ``sample_weight`` (one finite, non-negative weight per sample), or None."""
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's raw outputs for ``X``, after scikit-learn's checks of a fitted estimator."""
        check_is_fitted(self, "model_")
        if lazy.is_dask(X):  # a lazy Dask array of the outputs, scored where the blocks are
            return self.model_.predict(lazy.checked_X(self, X, reset=False, lengths=False))
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return self.model_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """The scikit-learn estimator checks these estimators do not pass, each with its reason.

    Pass it to ``check_estimator(est, expected_failed_checks=expected_failed_checks(est))``
    or to ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)``.
    """
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "a weight of 2 is not the same as a repeated sample for mini-batch training: the repeated sample "
            "changes the batches and the number of steps, and the weighted loss is averaged over the batch size "
            "(Keras's rule), as for scikit-learn's own MLP and SGD estimators"
        ),
    }
