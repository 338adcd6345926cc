"""The estimators' defaults beside scikit-learn's MLP on every data set scikit-learn ships.

    python -m benchmarks.sklearn_datasets [--folds 5] [--seed 0] [--threads N] [--datasets iris,wine]

For each of load_diabetes, load_linnerud (regression; linnerud has three targets), load_iris,
load_wine, load_breast_cancer and load_digits (classification), it cross-validates
``make_pipeline(StandardScaler(), TinyFrameRegressor/TinyFrameClassifier(random_state=seed))``
and ``make_pipeline(StandardScaler(), MLPRegressor/MLPClassifier(max_iter=2000, random_state=seed))``
on the same shuffled (Stratified)KFold folds: R^2 for regression, accuracy for classification (each
estimator's ``score``). The two are fitted fold by fold in turn, so a change in the machine's load
falls on both; a row's time is the sum over its folds of fit + score. It prints a Markdown table,
then the machine. BLAS threads are left as they are unless ``--threads N`` pins them, for both
alike (`benchmarks.run.pin_threads`).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import machine, report
from .run import pin_threads

DATASETS = ("diabetes", "linnerud", "iris", "wine", "breast_cancer", "digits")
REGRESSION = ("diabetes", "linnerud")


@dataclass
class Side:
    """One estimator's record over the folds of one data set."""

    scores: list[float] = field(default_factory=list)
    tested: list[int] = field(default_factory=list)
    seconds: float = 0.0
    convergence_warnings: int = 0

    def run(self, pipeline: Any, X: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        """Fit on ``train``, score on ``test``, timing both and counting ConvergenceWarnings."""
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            pipeline.fit(X[train], y[train])
            self.scores.append(float(pipeline.score(X[test], y[test])))
            self.seconds += time.perf_counter() - start
        self.tested.append(len(test))
        self.convergence_warnings += sum(issubclass(w.category, ConvergenceWarning) for w in caught)

    def summary(self) -> str:
        return f"{np.mean(self.scores):.4f} ± {np.std(self.scores):.4f}"

    def misclassified(self) -> int:
        """Test samples predicted wrong over all folds (each sample is tested once): sum of (1 - accuracy) * size."""
        return round(sum((1 - score) * size for score, size in zip(self.scores, self.tested)))


def pipelines(dataset: str, seed: int) -> tuple[Any, Any]:
    """``(tinyframe, MLP)`` pipelines with default settings but the seed (and MLP's max_iter=2000)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor

    ours, theirs = (TinyFrameRegressor, MLPRegressor) if dataset in REGRESSION else (TinyFrameClassifier, MLPClassifier)
    return (
        make_pipeline(StandardScaler(), ours(random_state=seed)),
        make_pipeline(StandardScaler(), theirs(max_iter=2000, random_state=seed)),
    )


def compare(dataset: str, folds: int, seed: int, make: Callable[[str, int], tuple[Any, Any]] = pipelines) -> dict:
    """Cross-validate both pipelines of ``make(dataset, seed)`` on the same folds; a JSON-friendly row."""
    from sklearn import datasets
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    regression = dataset in REGRESSION
    splitter = (KFold if regression else StratifiedKFold)(n_splits=folds, shuffle=True, random_state=seed)
    ours, theirs = make(dataset, seed)
    sides = {"tinyframe": Side(), "mlp": Side()}
    for train, test in splitter.split(X, y):
        sides["tinyframe"].run(clone(ours), X, y, train, test)
        sides["mlp"].run(clone(theirs), X, y, train, test)
    return {
        "dataset": dataset,
        "metric": "R^2" if regression else "accuracy",
        "samples": int(X.shape[0]),
        **{
            name: vars(side)
            | {"summary": side.summary(), "misclassified": None if regression else side.misclassified()}
            for name, side in sides.items()
        },
    }


def verdict(ours: dict, theirs: dict) -> str:
    """``yes``, ``tie`` (as many misclassified, faster) or ``NO``: see `table`."""
    if ours["seconds"] >= theirs["seconds"]:
        return "NO"
    if np.mean(ours["scores"]) >= np.mean(theirs["scores"]):
        return "yes"
    tie = ours.get("misclassified") is not None and ours["misclassified"] == theirs["misclassified"]
    return "tie" if tie else "NO"


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table.

    A row holds (``yes``) when tinyframe's mean score is at least the MLP's and its time is lower.
    For classification the misclassified samples are shown too: with the same count the mean of
    the fold accuracies can still differ in the fifth decimal (folds differ in size by one), which
    the last column calls a ``tie`` (still faster) rather than a win or a loss.
    """
    lines = [
        "| data set | metric | tinyframe (defaults) | MLP (max_iter=2000) | tinyframe time | MLP time "
        "| misclassified (tinyframe / MLP) | ConvergenceWarnings (tinyframe / MLP) | holds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ours, theirs = row["tinyframe"], row["mlp"]
        errors = "–" if ours.get("misclassified") is None else f"{ours['misclassified']} / {theirs['misclassified']}"
        lines.append(
            f"| {row['dataset']} | {row['metric']} | {ours['summary']} | {theirs['summary']} "
            f"| {ours['seconds']:.2f} s | {theirs['seconds']:.2f} s | {errors} "
            f"| {ours['convergence_warnings']} / {theirs['convergence_warnings']} | {verdict(ours, theirs)} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sklearn_datasets", description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="the folds' shuffle and both estimators' random_state")
    parser.add_argument("--threads", type=int, help="pin the BLAS threads of both (default: as is)")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated, from: " + ", ".join(DATASETS))
    args = parser.parse_args(argv)
    args.datasets = args.datasets.split(",")
    unknown = sorted(set(args.datasets) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; expected some of {list(DATASETS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.threads:
        pin_threads(args.threads)
    start = time.perf_counter()
    rows = [compare(dataset, args.folds, args.seed) for dataset in args.datasets]
    print(table(rows))
    print(
        f"\n{args.folds}-fold cross-validation, seed {args.seed}, load average "
        f"{machine.load_average()}; {time.perf_counter() - start:.0f} s in all."
    )
    print(report.machine_line(machine.machine_info()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
