"""Residual connections on the digits: a deep tanh MLP with and without identity skips, same layers, same training.

    python examples/residual_digits.py                  # 22 Dense layers, 30 epochs, seeds 0-4: the table
    python examples/residual_digits.py --out docs/images     # the table and residual_digits.png
    python examples/residual_digits.py --blocks 1       # 4 Dense layers: shallow, the skips change little
    python examples/residual_digits.py --quick          # 3 epochs, 1 seed: a smoke run in a few seconds

scikit-learn's 8x8 digits, pixels scaled to [0, 1], split 60/40 stratified by class with
``random_state=0``. Both models are built with the functional API from the same layers:
``Dense(32, tanh)`` from the 64 pixels, then ``--blocks`` (default 10) blocks of two
``Dense(32, tanh)`` layers, then ``Dense(10)`` giving logits: 22 Dense layers at the default.

* ``plain``: the blocks one after the other, ``x = block(x)``;
* ``residual``: each block's output added to its input, ``x = Add()([x, block(x)])``. The
  activations stay inside the block (``block(x) = tanh(W2 tanh(W1 x + b1) + b2)``) and
  nothing follows the ``Add``, so the identity path runs untouched from the first layer to
  the last, as in He et al.'s pre-activation ResNets (2016).

Both use Keras's defaults (Glorot uniform weights, zero biases), cross-entropy from the
logits, ``Adam(1e-3)``, batches of 32, 30 epochs, float32, the same seed for both (it
fixes the initial weights and the shuffling). The test set is evaluated after every epoch
for the curves; it never steers training. BLAS runs on one thread (these products are
too small to gain from a second).

The script prints, per model, the training loss of the last epoch and the test accuracy,
as the mean over the seeds and [the lowest, the highest], the seconds per seed (training
and the test evaluation after each epoch) and the per-seed test accuracies; ``--out DIR``
(default ``figures``) receives ``residual_digits.png``: the training loss and the test
accuracy per epoch (the mean over the seeds, shaded between the lowest and the highest).
"""

from __future__ import annotations

import argparse
import pathlib
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from tinyframe import Input, Model
from tinyframe.layers import Add, Dense
from tinyframe.losses import SparseCategoricalCrossentropy
from tinyframe.optimizers import Adam

BLOCKS, WIDTH, EPOCHS, BATCH, LEARNING_RATE = 10, 32, 30, 32, 1e-3
KINDS = ("plain", "residual")


def load_split(split_seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, X_test, y_train, y_test)``: the digits scaled to [0, 1], 60/40, stratified by class."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.4, stratify=y, random_state=split_seed)


def build(kind: str, blocks: int = BLOCKS, width: int = WIDTH, seed: int = 0, dtype: str = "float32") -> Model:
    """``Dense(width, tanh)``, ``blocks`` blocks of two more, ``Dense(10)``; ``kind`` says if the blocks skip."""
    if kind not in KINDS:
        raise ValueError(f"expected kind to be one of {KINDS}. Received: kind={kind!r}")
    inputs = Input(shape=(64,))
    x = Dense(width, activation="tanh")(inputs)
    for _ in range(blocks):
        h = Dense(width, activation="tanh")(x)
        h = Dense(width, activation="tanh")(h)
        x = Add()([x, h]) if kind == "residual" else h
    outputs = Dense(10)(x)  # logits: the softmax lives in the loss
    return Model(inputs, outputs, seed=seed, dtype=dtype)


def train(
    kind: str,
    data: tuple,
    seed: int,
    epochs: int = EPOCHS,
    blocks: int = BLOCKS,
    dtype: str = "float32",
    validate: bool = True,
) -> tuple[dict, float]:
    """``(history, seconds)``: one model trained with Adam, batches of `BATCH`; ``val_*`` is the test set."""
    X_train, X_test, y_train, y_test = data
    model = build(kind, blocks=blocks, seed=seed, dtype=dtype)
    model.compile(
        loss=SparseCategoricalCrossentropy(from_logits=True), optimizer=Adam(LEARNING_RATE), metrics=["accuracy"]
    )
    validation = (X_test, y_test) if validate else None
    start = time.perf_counter()
    with threadpool_limits(1, user_api="blas"):  # products of 32 columns: a second thread only waits
        history = model.fit(X_train, y_train, epochs=epochs, batch_size=BATCH, validation_data=validation, verbose=0)
    return history.history, time.perf_counter() - start


def spread(values: list[float], spec: str) -> str:
    """``"0.127 [0.0954, 0.177]"``: the mean, then the lowest and the highest value, each formatted by ``spec``."""
    return f"{np.mean(values):{spec}} [{min(values):{spec}}, {max(values):{spec}}]"


def plot_curves(histories: dict[str, list[dict]], title: str, path: str | None = None):
    """Training loss (log scale) and test accuracy per epoch: per model the mean over seeds, shaded min to max.

    ``histories`` maps a model's kind to the histories of its seeds. Returns the matplotlib
    Figure (saved to ``path`` when given).
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4), layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for kind, runs in histories.items():
        for axes, key in ((loss_axes, "loss"), (accuracy_axes, "val_accuracy")):
            curves = np.array([run[key] for run in runs])  # (seeds, epochs)
            epochs = np.arange(1, curves.shape[1] + 1)
            last = f"{curves[:, -1].mean():{'.3g' if key == 'loss' else '.4f'}}"
            (line,) = axes.plot(epochs, curves.mean(axis=0), label=f"{kind}: {last}")
            axes.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=line.get_color(), alpha=0.2)
    loss_axes.set(yscale="log", xlabel="epoch", ylabel="training loss (cross-entropy)", title="training loss")
    accuracy_axes.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy", ylim=(None, 1))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend(title="last epoch, mean of seeds")
    figure.suptitle(title)
    if path:
        figure.savefig(path, dpi=110)
    return figure


def main(argv: list[str] | None = None) -> dict[str, list[dict]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=BLOCKS, help=f"blocks of two Dense layers (default {BLOCKS})")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="model seeds (default 0-4)")
    parser.add_argument("--quick", action="store_true", help="3 epochs, seed 0 only (tests)")
    parser.add_argument(
        "--out", metavar="DIR", default="figures", help="folder for residual_digits.png ('' to draw nothing)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds = 3, [0]
    data = load_split()
    layers = 2 * args.blocks + 2
    print(
        f"digits: {len(data[0])} training, {len(data[1])} test images; {layers} Dense layers "
        f"({layers - 1} of {WIDTH} tanh units, then 10 logits), "
        f"Adam({LEARNING_RATE}), batch {BATCH}, {args.epochs} epochs; seeds {args.seeds}"
    )
    header = f"{'model':<9} {'train loss [min, max]':>26} {'test accuracy [min, max]':>26} {'s/seed':>7}"
    print(f"{header}   test accuracy per seed")
    histories: dict[str, list[dict]] = {}
    for kind in KINDS:
        runs = [train(kind, data, seed, args.epochs, args.blocks) for seed in args.seeds]
        histories[kind] = [history for history, _ in runs]
        losses = [history["loss"][-1] for history in histories[kind]]
        accuracies = [history["val_accuracy"][-1] for history in histories[kind]]
        seconds = np.mean([s for _, s in runs])
        per_seed = " ".join(f"{a:.4f}" for a in accuracies)
        print(f"{kind:<9} {spread(losses, '.3g'):>26} {spread(accuracies, '.4f'):>26} {seconds:>7.2f}   {per_seed}")
    if args.out:
        title = (
            f"digits, {layers} Dense layers ({WIDTH} tanh units), with and without skips "
            f"({len(args.seeds)} seeds: the mean, shaded from min to max)"
        )
        path = pathlib.Path(args.out) / "residual_digits.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        plot_curves(histories, title, str(path))
        print(f"Wrote {path}")
    return histories


if __name__ == "__main__":
    main()
