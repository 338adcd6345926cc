"""The article's job: a 64-30-10 sigmoid network learns scikit-learn's 8x8 digits; and a modern recipe.

    python examples/digits.py                       # the article: 3000 full-batch iterations
    python examples/digits.py --batch-size 32 --epochs 200 --learning-rate 0.5
    python examples/digits.py --recipe modern       # ReLU, dropout, cross-entropy from logits, Adam, mini-batches
    python examples/digits.py --recipe modern --compare   # against MLPClassifier() and SVC(), 5 splits

Loads `load_digits`, scales with StandardScaler, splits 60/40 with a fixed seed,
trains, then prints the test accuracy and the time it took.

``--recipe article`` (the default) is the article's network: SquaredError and
GradientDescent from uniform [0, 1) initial weights. ``--recipe modern`` is
``Dropout(0.2)`` on the inputs, ``Dense(64, 256)`` with He initialisation, ``ReLU``,
``Dropout(0.5)``, ``Dense(256, 10)`` giving logits, ``CrossEntropy(from_logits=True,
label_smoothing=0.1)`` and ``Adam(0.005)`` with the learning rate decayed along a
cosine to 5% of it, on mini-batches of 128 for 100 epochs. The flags override either
recipe's settings. ``--compare`` fits the chosen recipe, scikit-learn's default
``MLPClassifier()`` and ``SVC()`` on the same splits (``random_state`` 0 to
``--splits`` - 1) and prints their accuracies and fit times side by side.

BLAS runs on one thread (``--blas-threads 1``, for every model alike): these
matrices are too small to gain from a second thread, and on a busy machine the
threads wait on each other for milliseconds per product. ``--blas-threads 0``
leaves the library's default.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from tinyframe import Sequential
from tinyframe.activations import ReLU, Sigmoid
from tinyframe.callbacks import LearningRateScheduler
from tinyframe.layers import Dense, Dropout
from tinyframe.losses import CrossEntropy, SquaredError
from tinyframe.optimizers import Adam, GradientDescent

# Each recipe's settings; a flag given on the command line overrides them.
RECIPES = {
    "article": {"epochs": 3000, "batch_size": None, "learning_rate": 0.25, "hidden": 30, "verbose": 1},
    "modern": {"epochs": 100, "batch_size": 128, "learning_rate": 0.005, "hidden": 256, "verbose": 0},
}


def load_split(split_seed: int):
    """StandardScaler-scaled digits, split 60/40 (the article's ``test_size=0.4``)."""
    digits = load_digits()
    X = StandardScaler().fit_transform(digits.data)
    return train_test_split(X, digits.target, test_size=0.4, random_state=split_seed)


def article_model(args: argparse.Namespace) -> Sequential:
    """64-hidden-10 sigmoid network, weights and biases uniform on [0, 1) as in the article."""
    init = {"kernel_initializer": "random_sample", "bias_initializer": "random_sample"}
    model = Sequential(
        [Dense(64, args.hidden, **init), Sigmoid(), Dense(args.hidden, 10, **init), Sigmoid()],
        dtype=args.dtype,
        seed=args.seed,
    )
    model.compile(loss=SquaredError(), optimizer=GradientDescent(args.learning_rate), metrics=["accuracy"])
    return model


def modern_model(args: argparse.Namespace) -> Sequential:
    """Input dropout, one wide ReLU layer with dropout, logits out; smoothed cross-entropy from logits, Adam."""
    model = Sequential(
        [
            Dropout(0.2),  # drops pixels: each epoch sees a slightly different digit
            Dense(64, args.hidden, kernel_initializer="he_uniform"),
            ReLU(),
            Dropout(0.5),
            Dense(args.hidden, 10),  # logits: the softmax lives in the loss
        ],
        dtype=args.dtype,
        seed=args.seed,
    )
    loss = CrossEntropy(from_logits=True, label_smoothing=0.1)
    model.compile(loss=loss, optimizer=Adam(args.learning_rate), metrics=["accuracy"])
    return model


def cosine_decay(learning_rate: float, epochs: int, final_fraction: float = 0.05):
    """``schedule(epoch)``: from ``learning_rate`` down a half cosine to ``final_fraction`` of it at the end."""

    def schedule(epoch: int) -> float:
        cosine = 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        return learning_rate * (final_fraction + (1 - final_fraction) * cosine)

    return schedule


class Recipe:
    """A recipe behind scikit-learn's ``fit`` / ``score``, so ``--compare`` times all three alike."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def fit(self, X: np.ndarray, y: np.ndarray) -> Recipe:
        args, callbacks = self.args, []
        if args.recipe == "modern":
            self.model = modern_model(args)
            callbacks.append(LearningRateScheduler(cosine_decay(args.learning_rate, args.epochs)))
        else:
            self.model = article_model(args)
        self.model.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose, callbacks=callbacks)
        return self

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        return self.model.evaluate(X, y, verbose=0, return_dict=True)["accuracy"]


def compare(candidates: dict, n_splits: int) -> dict[str, tuple[list[float], list[float]]]:
    """Fit each ``name -> make_estimator()`` on the same splits; print, and return ``{name: (accuracies, times)}``."""
    results = {name: ([], []) for name in candidates}
    for split in range(n_splits):
        X_train, X_test, y_train, y_test = load_split(split)
        for name, make in candidates.items():
            estimator = make()
            start = time.perf_counter()
            estimator.fit(X_train, y_train)
            results[name][1].append(time.perf_counter() - start)
            results[name][0].append(estimator.score(X_test, y_test))
    print(f"digits, StandardScaler, test_size=0.4, random_state=0..{n_splits - 1}")
    print(f"{'model':<28} {'mean accuracy':>13}  {'mean fit time':>13}  per-split accuracy")
    for name, (accuracies, seconds) in results.items():
        per_split = " ".join(f"{a:.4f}" for a in accuracies)
        print(f"{name:<28} {np.mean(accuracies):>13.4f}  {np.mean(seconds):>11.3f} s  {per_split}")
    return results


def recipe_defaults(key: str) -> str:
    """``"article: 3000, modern: 100"``: each recipe's setting, for the help texts."""
    return ", ".join(f"{name}: {'full batch' if r[key] is None else r[key]}" for name, r in RECIPES.items())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="article", help="which network (default: article)")
    parser.add_argument(
        "--epochs", "--iterations", type=int, help=f"epochs (or iterations); {recipe_defaults('epochs')}"
    )
    parser.add_argument("--batch-size", type=int, help=f"mini-batch size; {recipe_defaults('batch_size')}")
    parser.add_argument("--learning-rate", type=float, help=f"step size; {recipe_defaults('learning_rate')}")
    parser.add_argument("--hidden", type=int, help=f"hidden layer width; {recipe_defaults('hidden')}")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, shuffling and dropout")
    parser.add_argument("--split-seed", type=int, default=0, help="random_state of the 60/40 split")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--verbose", type=int, choices=[0, 1, 2], help=f"progress; {recipe_defaults('verbose')}")
    parser.add_argument("--compare", action="store_true", help="also fit MLPClassifier() and SVC(); print all three")
    parser.add_argument("--splits", type=int, default=5, help="with --compare: random_state 0..splits-1")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads for every model; 0: library default")
    args = parser.parse_args(argv)
    for key, value in RECIPES[args.recipe].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.compare:
        args.verbose = 0
    return args


def main(argv: list[str] | None = None):
    args = parse_args(argv)
    limit = threadpool_limits(args.blas_threads, user_api="blas") if args.blas_threads else contextlib.nullcontext()
    with limit:
        return run(args)


def run(args: argparse.Namespace):
    if args.compare:
        from sklearn.neural_network import MLPClassifier
        from sklearn.svm import SVC

        return compare(
            {f"tinyframe --recipe {args.recipe}": lambda: Recipe(args), "MLPClassifier()": MLPClassifier, "SVC()": SVC},
            args.splits,
        )
    X_train, X_test, y_train, y_test = load_split(args.split_seed)
    start = time.perf_counter()
    recipe = Recipe(args).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = recipe.score(X_test, y_test)
    remark = "  (the article reports about 0.86)" if args.recipe == "article" else ""
    print(f"test accuracy: {accuracy:.4f}{remark}")
    print(f"training time: {seconds:.2f} s for {args.epochs} epochs")
    return accuracy


if __name__ == "__main__":
    main()
