"""tinyframe through its public path: ``Sequential`` (or a functional ``Model``), ``compile``, ``fit(..., verbose=0)``.

Nothing is special-cased: the model is built once and each timed call is one
``fit`` (input checks, one-hot labels, the callback machinery and all), so the
cost of that public path is part of what is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .. import workloads as w
from ..workloads import LEARNING_RATE, N_HIDDEN, Digits

if TYPE_CHECKING:
    from tinyframe import Model

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


def mnist1d_cnn(work: w.Mnist1d) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: the MNIST-1D paper's CNN from ``work.weights``, ``steps`` batches in order.

    As examples/mnist1d.py: `ZeroPadding1D` (PyTorch's ``padding=1``) before each valid
    `Conv1D` (stride 2, ReLU inside), `Flatten`, `Dense` logits, sparse cross-entropy,
    Adam(1e-2) with PyTorch's ``epsilon=1e-8``. A call is one ``fit`` epoch over the first
    ``steps * 100`` rows, ``shuffle=False``, continuing from the previous call's weights.
    """
    from tinyframe import Sequential
    from tinyframe.layers import Conv1D, Dense, Flatten, Input, ZeroPadding1D
    from tinyframe.losses import SparseCategoricalCrossentropy
    from tinyframe.optimizers import Adam

    layers = [Input((w.MNIST1D_LENGTH, 1))]
    for kernel_size, _, filters in w.MNIST1D_CONVS:
        conv = Conv1D(filters, kernel_size, strides=w.MNIST1D_STRIDES, activation="relu")
        layers += [ZeroPadding1D(w.MNIST1D_PADDING), conv]
    model = Sequential([*layers, Flatten(), Dense(w.MNIST1D_CLASSES)], dtype="float32", seed=0)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(1e-2, epsilon=1e-8))
    model.set_weights(work.weights)
    X, batch = work.X[..., None], work.batch_size  # (n, 40, 1): steps, one channel

    def run(steps: int) -> float:
        rows = slice(0, steps * batch)
        history = model.fit(X[rows], work.labels[rows], epochs=1, batch_size=batch, shuffle=False, verbose=0)
        return history.history["loss"][-1]

    return run


def conv2d(X: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> Callable[[], float]:
    """``run() -> loss``: one shuffled epoch of the conv2d case's network on ``X`` ``(n, 784)`` seen as 28 x 28 x 1.

    Conv2D(32, 3, ReLU), MaxPooling2D, Conv2D(64, 3, ReLU), MaxPooling2D, Flatten, Dense(10)
    logits (Keras's defaults: valid padding, Glorot kernels), sparse cross-entropy, Adam(1e-3).
    """
    from tinyframe import Sequential
    from tinyframe.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from tinyframe.losses import SparseCategoricalCrossentropy
    from tinyframe.optimizers import Adam

    layers = [Input((w.IMAGE_SIDE, w.IMAGE_SIDE, 1))]
    for filters in w.CONV2D_FILTERS:
        layers += [Conv2D(filters, w.CONV2D_KERNEL, activation="relu"), MaxPooling2D(w.CONV2D_POOL)]
    model = Sequential([*layers, Flatten(), Dense(10)], dtype="float32", seed=seed)
    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(1e-3))
    images = X.reshape(-1, w.IMAGE_SIDE, w.IMAGE_SIDE, 1)  # a view: channels last

    def run() -> float:
        return model.fit(images, labels, epochs=1, batch_size=batch_size, verbose=0).history["loss"][-1]

    return run


def residual_network(seed: int = 0) -> Model:
    """The residual case's network with the functional API, Keras's initial weights drawn from ``seed``.

    ``x = Input((64,))``, then `RESIDUAL_BLOCKS` times ``x = Add()([x, Dense(64, relu)(Dense(64, relu)(x))])``,
    then ``Dense(10)`` logits; float32.
    """
    from tinyframe import Input, Model
    from tinyframe.layers import Add, Dense

    inputs = x = Input((w.RESIDUAL_FEATURES,))
    for _ in range(w.RESIDUAL_BLOCKS):
        h = Dense(w.RESIDUAL_FEATURES, activation="relu")(x)
        x = Add()([x, Dense(w.RESIDUAL_FEATURES, activation="relu")(h)])
    return Model(inputs, Dense(w.RESIDUAL_CLASSES)(x), dtype="float32", seed=seed)


def residual(work: w.Residual) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: the residual MLP from ``work.weights``, ``steps`` batches in order.

    Sparse cross-entropy on the logits, Adam(1e-3) with PyTorch's ``epsilon=1e-8``. A call is one
    ``fit`` epoch over the first ``steps * 128`` rows, ``shuffle=False``, continuing from the last call.
    """
    return _in_order(residual_network(), work)


def recurrent_network(model: str, seed: int = 0) -> Model:
    """``Sequential([Input((50, 8)), <model>(64), Dense(10)])`` for one of `workloads.RECURRENT_MODELS`, float32."""
    from tinyframe import Input, Sequential
    from tinyframe.layers import GRU, LSTM, Bidirectional, Dense, SimpleRNN

    layers = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
    if model.startswith("Bidirectional("):
        layer = Bidirectional(layers[model[len("Bidirectional(") : -1]](w.SEQUENCE_UNITS))
    else:
        layer = layers[model](w.SEQUENCE_UNITS)
    inputs = Input((w.SEQUENCE_STEPS, w.SEQUENCE_FEATURES))
    return Sequential([inputs, layer, Dense(w.SEQUENCE_CLASSES)], dtype="float32", seed=seed)


def recurrent(work: w.Sequences) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: ``work.model`` from ``work.weights``, ``steps`` batches in order, as `residual`."""
    return _in_order(recurrent_network(work.model), work)


def _in_order(model: Model, work: w.Residual | w.Sequences) -> Callable[[int], float]:
    """``run(steps)``: ``model`` from ``work.weights``, sparse cross-entropy on the logits, Adam(1e-3, epsilon=1e-8).

    A call is one ``fit`` epoch over the first ``steps * batch_size`` rows, ``shuffle=False``, continuing from
    the last call.
    """
    from tinyframe.losses import SparseCategoricalCrossentropy
    from tinyframe.optimizers import Adam

    model.compile(loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(1e-3, epsilon=1e-8))
    model.set_weights(work.weights)
    batch = work.batch_size

    def run(steps: int) -> float:
        rows = slice(0, steps * batch)
        history = model.fit(work.X[rows], work.labels[rows], epochs=1, batch_size=batch, shuffle=False, verbose=0)
        return history.history["loss"][-1]

    return run


def transformer(work: w.Transformer) -> tuple[Callable[[int], float], Callable[[np.ndarray, np.ndarray], float]]:
    """``run(steps) -> mean loss`` on the next ``steps`` batches of ``work``, and ``evaluate(X, y) -> loss``.

    examples/char_transformer.py's ``gpt`` model and ``compile_for`` (sparse cross-entropy on the
    logits; AdamW, warm-up and cosine decay over ``work.schedule_steps``, global-norm clipping at 1),
    from ``work.weights``. A call is one ``fit`` epoch over its batches, ``shuffle=False``,
    continuing from the previous call's weights and batch.
    """
    model = work.size.model()
    w.char_transformer().compile_for(
        model, work.schedule_steps, w.TRANSFORMER_RATE, w.TRANSFORMER_MIN_RATE, w.TRANSFORMER_WARMUP
    )
    model.set_weights(work.weights)
    done, batch = 0, work.size.batch_size

    def run(steps: int) -> float:
        nonlocal done
        rows = work.rows(done, steps)
        done += steps
        history = model.fit(work.X[rows], work.y[rows], epochs=1, batch_size=batch, shuffle=False, verbose=0)
        return history.history["loss"][-1]

    def evaluate(X: np.ndarray, y: np.ndarray) -> float:
        return model.evaluate(X, y, batch_size=batch, verbose=0)

    return run, evaluate
