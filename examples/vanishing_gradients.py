"""Vanishing gradients, measured: six sigmoid layers on the article's digits, against ReLU and BatchNormalization.

    python examples/vanishing_gradients.py                 # 30 epochs each, prints the table, draws the figure
    python examples/vanishing_gradients.py --epochs 10 --out /tmp/figures

Three networks of six hidden layers of 32 units on scikit-learn's 8x8 digits (pixels
scaled to [0, 1], 60/40 split, ``random_state=0``), each ending in ``Dense(10)`` and
``Softmax`` with cross-entropy, trained alike (``GradientDescent(0.1)``, batches of 32,
seed 0):

* ``sigmoid``: ``Dense -> Sigmoid`` six times (Glorot uniform weights, Keras's default);
* ``relu``: ``Dense -> ReLU`` six times, He uniform weights;
* ``sigmoid + BN``: ``Dense -> BatchNormalization -> Sigmoid`` six times.

A `LayerStats` callback measures, after each epoch on 256 training rows, the norm of
the gradient of every weight matrix. Backpropagation multiplies the gradient by
``sigmoid'(z) <= 1/4`` at every sigmoid layer, so in the sigmoid network it shrinks by
orders of magnitude from the output back to the first layer and the first layers
barely learn. The script prints, per network, ``||dJ/dW_1|| / ||dJ/dW_7||`` (first
weight matrix over the output layer's) after the first and the last epoch, and the
test accuracy; ``--out DIR`` (default ``figures``) receives ``vanishing-gradients.png``:
the gradient norm per layer, the test accuracy per epoch and the activations' spread
per layer.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from tinyframe import Sequential
from tinyframe.activations import ReLU, Sigmoid, Softmax
from tinyframe.callbacks import LayerStats
from tinyframe.layers import BatchNormalization, Dense
from tinyframe.optimizers import GradientDescent

KINDS = ("sigmoid", "relu", "sigmoid + BN")


def network(kind: str, depth: int = 6, width: int = 32, seed: int = 0) -> Sequential:
    """``depth`` hidden layers of ``width`` units of the given kind, then ``Dense(10)`` and ``Softmax``."""
    hidden = {
        "sigmoid": lambda: [Dense(width), Sigmoid()],
        "relu": lambda: [Dense(width, kernel_initializer="he_uniform"), ReLU()],
        "sigmoid + BN": lambda: [Dense(width), BatchNormalization(), Sigmoid()],
    }[kind]
    layers = [layer for _ in range(depth) for layer in hidden()]
    model = Sequential([*layers, Dense(10), Softmax()], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=GradientDescent(0.1), metrics=["accuracy"])
    return model


def digits(seed: int = 0):
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.4, random_state=seed)


def run(kind: str, epochs: int, data=None) -> dict:
    """Train one network; its LayerStats, History, and the gradient norms of its weight matrices, first to last."""
    X_train, X_test, y_train, y_test = digits() if data is None else data
    model = network(kind)
    stats = LayerStats(X_train[:256], y_train[:256])
    history = model.fit(
        X_train, y_train, epochs=epochs, batch_size=32, validation_data=(X_test, y_test), verbose=0, callbacks=[stats]
    )
    weights = [key for key in stats.grad_norm if key.endswith("/W")]
    norms = np.array([stats.grad_norm[key] for key in weights])  # (layers, epochs)
    return {"kind": kind, "model": model, "stats": stats, "history": history.history, "norms": norms}


def ratio(result: dict, epoch: int) -> float:
    """``||dJ/dW_first|| / ||dJ/dW_last||`` after ``epoch`` (an index into the recorded epochs)."""
    norms = result["norms"]
    return float(norms[0, epoch] / norms[-1, epoch])


def draw(results: list[dict], path: str) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 3.8), layout="constrained")
    grads, accuracy, spread = figure.subplots(1, 3)
    for result in results:
        norms, history, stats = result["norms"], result["history"], result["stats"]
        layers = np.arange(1, norms.shape[0] + 1)
        grads.plot(layers, norms[:, 0], marker="o", label=f"{result['kind']} (epoch 1)")
        grads.plot(layers, norms[:, -1], marker=".", linestyle=":", color=grads.lines[-1].get_color())
        epochs = np.arange(1, len(history["val_accuracy"]) + 1)
        accuracy.plot(epochs, history["val_accuracy"], label=result["kind"])
        outputs = [name for name in stats.activation_std if name.startswith(("sigmoid", "re_lu"))]
        spread.plot(np.arange(1, len(outputs) + 1), [stats.activation_std[n][0] for n in outputs], marker="o")
    grads.set(yscale="log", xlabel="weight matrix (1 = first, 7 = output)", ylabel="||dJ/dW||")
    grads.set_title("||dJ/dW|| per layer (solid: epoch 1, dotted: last)")
    grads.legend(fontsize=8)
    accuracy.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy", ylim=(0, 1))
    accuracy.legend(fontsize=8)
    spread.set(xlabel="hidden layer", ylabel="std of its outputs", title="activations' spread after epoch 1")
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument(
        "--out", metavar="DIR", default="figures", help="folder for vanishing-gradients.png ('' for none)"
    )
    args = parser.parse_args(argv)
    data = digits()
    results = [run(kind, args.epochs, data) for kind in KINDS]
    print(f"{'network':<14} {'first/last grad, epoch 1':>24} {'last epoch':>11} {'test accuracy':>14}")
    for result in results:
        accuracy = result["history"]["val_accuracy"][-1]
        print(f"{result['kind']:<14} {ratio(result, 0):>24.2e} {ratio(result, -1):>11.2e} {accuracy:>14.4f}")
    if args.out:
        path = pathlib.Path(args.out) / "vanishing-gradients.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        draw(results, str(path))
        print(f"Wrote {path}")
    return results


if __name__ == "__main__":
    main()
