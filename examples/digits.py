"""The article's job: a 64-30-10 sigmoid network learns scikit-learn's 8x8 digits.

    python examples/digits.py                       # the article: 3000 full-batch iterations
    python examples/digits.py --batch-size 32 --epochs 200 --learning-rate 0.5

Loads `load_digits`, scales with StandardScaler, splits 60/40 with a fixed seed,
trains with SquaredError and GradientDescent from the article's uniform [0, 1)
initial weights, then prints the test accuracy and the time it took.
"""

from __future__ import annotations

import argparse
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent


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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", "--iterations", type=int, default=3000, help="epochs (full batch: iterations)")
    parser.add_argument("--batch-size", type=int, default=None, help="mini-batch size (default: full batch)")
    parser.add_argument("--learning-rate", type=float, default=0.25, help="gradient-descent step alpha")
    parser.add_argument("--hidden", type=int, default=30, help="hidden layer width")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffling")
    parser.add_argument("--split-seed", type=int, default=0, help="random_state of the 60/40 split")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> float:
    args = parse_args(argv)
    X_train, X_test, y_train, y_test = load_split(args.split_seed)
    model = article_model(args)
    start = time.perf_counter()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose)
    seconds = time.perf_counter() - start
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    print(f"test accuracy: {accuracy:.4f}  (the article reports about 0.86)")
    print(f"training time: {seconds:.2f} s for {args.epochs} epochs")
    return accuracy


if __name__ == "__main__":
    main()
