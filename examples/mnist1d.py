"""MNIST-1D (Greydanus, 2020): the paper's four models trained with tinyframe, beside the paper's figures.

    pip install -e ".[examples]" mnist1d
    python examples/mnist1d.py                 # the paper's logistic regression, MLP, CNN and GRU
    python examples/mnist1d.py --recipe        # tinyframe's best convolutional recipe
    python examples/mnist1d.py --seeds 0 1 2   # mean over seeds

The data set is generated locally by the ``mnist1d`` package with its default arguments
(4,000 training and 1,000 test sequences of length 40, 10 classes). The paper trains every
model with Adam, learning rate 1e-2, batches of 100, for 6,000 steps (150 epochs here), and
reports test accuracy: logistic regression 32%, MLP 68%, CNN 94%, GRU 91%, human expert 96%.
Architecture matters on this data, which is the point of it: the same 4,000 samples give
32% to a linear model and 94% to three small convolutions.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

import numpy as np

from tinyframe import Sequential
from tinyframe.layers import GRU, Conv1D, Dense, Flatten, Input, Reshape
from tinyframe.losses import SparseCategoricalCrossentropy
from tinyframe.optimizers import Adam

PAPER = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94, "gru": 0.91}
STEPS, BATCH, LEARNING_RATE = 6000, 100, 1e-2


def _mnist1d_data():
    """The ``mnist1d.data`` module of the package, not this file (which has the package's name)."""
    here = os.path.dirname(os.path.abspath(__file__))
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if getattr(sys.modules.get("mnist1d"), "__file__", None) == os.path.abspath(__file__):
        del sys.modules["mnist1d"]  # this example, imported under the package's name
    try:
        return importlib.import_module("mnist1d.data")
    finally:
        sys.path[:] = saved


def load(seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, X_test, y_test)`` from ``mnist1d`` (its default arguments; ``seed`` changes the draw)."""
    data_module = _mnist1d_data()
    get_dataset_args, make_dataset = data_module.get_dataset_args, data_module.make_dataset
    args = get_dataset_args()
    if seed is not None:
        args.seed = seed
    data = make_dataset(args)
    return data["x"], data["y"], data["x_test"], data["y_test"]


def paper_models() -> dict[str, list]:
    """The paper's models as layer lists (its MLP's residual connection has no Sequential form: plain here)."""
    return {
        "logistic": [Input((40,)), Dense(10)],
        "mlp": [Input((40,)), Dense(100, activation="relu"), Dense(100, activation="relu"), Dense(10)],
        "cnn": [
            Input((40,)),
            Reshape((40, 1)),  # a sequence of 40 steps of one channel
            Conv1D(25, 5, strides=2, padding="same", activation="relu"),
            Conv1D(25, 3, strides=2, padding="same", activation="relu"),
            Conv1D(25, 3, strides=2, padding="same", activation="relu"),
            Flatten(),
            Dense(10),
        ],
        "gru": [Input((40,)), Reshape((40, 1)), GRU(6, return_sequences=True), Flatten(), Dense(10)],
    }


def train(layers: list, data: tuple, seed: int, epochs: int, verbose: int = 0) -> tuple[float, float, dict]:
    """``(test accuracy, seconds, history)`` of the paper's recipe: Adam(1e-2), batches of 100."""
    X, y, X_test, y_test = data
    model = Sequential(layers, seed=seed)
    model.compile(
        loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(LEARNING_RATE), metrics=["accuracy"]
    )
    start = time.perf_counter()
    history = model.fit(X, y, epochs=epochs, batch_size=BATCH, validation_data=(X_test, y_test), verbose=verbose)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(X_test, y_test, verbose=0)
    return accuracy, seconds, history.history


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="model seeds (default: 0)")
    parser.add_argument("--models", nargs="+", default=list(PAPER), choices=list(PAPER))
    parser.add_argument("--samples", type=int, default=None, help="use only this many training samples (tests)")
    parser.add_argument("--epochs", type=int, default=STEPS * BATCH // 4000, help="default: the paper's 6,000 steps")
    args = parser.parse_args(argv)
    X, y, X_test, y_test = load()
    if args.samples:
        X, y = X[: args.samples], y[: args.samples]
    results: dict[str, list[float]] = {name: [] for name in args.models}
    print(
        f"MNIST-1D: {len(X)} training, {len(X_test)} test sequences; Adam({LEARNING_RATE}), batch {BATCH}, "
        f"{args.epochs} epochs; seeds {args.seeds}"
    )
    print(f"{'model':<10} {'tinyframe':>10} {'paper':>7} {'seconds':>8}")
    for name in args.models:
        times = []
        for seed in args.seeds:
            accuracy, seconds, _ = train(paper_models()[name], (X, y, X_test, y_test), seed, args.epochs)
            results[name].append(accuracy)
            times.append(seconds)
        print(f"{name:<10} {np.mean(results[name]):>10.4f} {PAPER[name]:>7.2f} {np.mean(times):>8.1f}")
    return results


if __name__ == "__main__":
    main()
