"""tinyframe inside scikit-learn: 5-fold cross-validation on digits, beside MLPClassifier.

    python examples/sklearn_digits.py

Both run as ``make_pipeline(StandardScaler(), <estimator>)`` with their default
settings on the same folds, one after the other in this process.
"""

from __future__ import annotations

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tinyframe.sklearn import TinyFrameClassifier


def main() -> dict[str, float]:
    X, y = load_digits(return_X_y=True)
    results = {}
    for name, estimator in [
        ("TinyFrameClassifier(random_state=0)", TinyFrameClassifier(random_state=0)),
        ("MLPClassifier(random_state=0)", MLPClassifier(random_state=0)),
    ]:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores = cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=5)
        seconds = time.perf_counter() - start
        results[name] = scores.mean()
        print(f"{name:38s} mean accuracy {scores.mean():.4f}  folds {scores.round(3)}  {seconds:.1f} s")
    return results


if __name__ == "__main__":
    main()
