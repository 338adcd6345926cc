"""What the two scikit-learn estimators share: parameters, building and training the network."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import activations, losses, optimizers, regularizers
from ..callbacks import EarlyStopping
from ..layers import Dense
from ..model import Sequential

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
    (or continues it with ``warm_start=True``) and trains it.

    Args:
        hidden_layer_sizes: widths of the hidden layers, e.g. ``(100,)``.
        activation: ``"relu"``, ``"tanh"``, ``"logistic"``/``"sigmoid"``, ``"identity"``, ``"leaky_relu"``.
        loss: a `tinyframe.losses` name or instance; None picks the task's default.
        optimizer: a `tinyframe.optimizers` name (``"adam"``, ``"sgd"``, ``"momentum"``, ``"rmsprop"``).
        learning_rate: the optimizer's step size.
        alpha: L2 penalty ``alpha * sum(W**2)`` on every hidden and output kernel (Keras convention).
        epochs: passes over the data per ``fit``.
        batch_size: samples per step (None: all of them).
        shuffle: reshuffle the samples each epoch.
        early_stopping: hold out ``validation_fraction`` (at random) and stop when its loss has not
            improved for ``patience`` epochs, keeping the best epoch's weights.
        dtype: ``"float64"`` (default, as scikit-learn's MLP) or ``"float32"``, the network's arithmetic;
            inputs of either are accepted. In float64 a prediction does not depend, beyond
            rounding far below what the checks of scikit-learn notice, on the batch it came in.
        random_state: int, RandomState or None: initial weights, shuffling and the validation split.
        verbose: 0, 1 or 2, as in `Sequential.fit`.
        warm_start: continue from the previous ``fit``'s weights instead of starting again.
    """

    @staticmethod
    def _default_loss() -> losses.Loss:
        return losses.MeanSquaredError()

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        loss: Any = None,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        alpha: float = 0.0,
        epochs: int = 100,
        batch_size: int | None = 32,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        dtype: str = "float64",
        random_state: Any = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

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

    def _train(self, X: np.ndarray, targets: np.ndarray, n_outputs: int, epochs: int, first_call: bool) -> None:
        """Build the network unless continuing one, then train it for ``epochs`` epochs."""
        keep = not first_call and hasattr(self, "model_") and self.model_.output_features == n_outputs
        if not keep:
            self.model_ = self._build(X.shape[1], n_outputs)
        callbacks, split = [], 0.0
        if self.early_stopping:
            callbacks = [EarlyStopping(monitor="val_loss", patience=self.patience, restore_best_weights=True)]
            split = self.validation_fraction
        history = self.model_.fit(
            X,
            targets,
            epochs=epochs,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            validation_split=split,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = history.history
        self.n_iter_ = len(history.epoch)
        self.loss_ = history.history["loss"][-1] if history.epoch else float("nan")

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's raw outputs for ``X``, after scikit-learn's checks of a fitted estimator."""
        check_is_fitted(self, "model_")
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
    return {}
