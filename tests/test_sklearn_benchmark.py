"""benchmarks/sklearn_datasets.py runs both estimators on the same folds and prints a well-formed table.

No score or time is asserted here (tests/test_sklearn_defaults.py holds the score claims; times
depend on the machine); what is: the folds, the records of each side, the table, the arguments.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline

from benchmarks import sklearn_datasets as bench


def dummies(dataset: str, seed: int):
    """Two predictable 'estimators': the majority class and a uniform guess."""
    return (
        make_pipeline(DummyClassifier(strategy="most_frequent")),
        make_pipeline(DummyClassifier(strategy="uniform", random_state=seed)),
    )


def test_compare_scores_both_sides_on_the_same_folds():
    row = bench.compare("iris", folds=3, seed=0, make=dummies)
    assert row["dataset"] == "iris" and row["metric"] == "accuracy" and row["samples"] == 150
    # stratified thirds of iris (50 per class) test 17 + 17 + 16 samples and train on 33 + 33 + 34: the
    # training majority is the class with 16 test samples, so the majority guess scores 16 / 50 on each fold
    np.testing.assert_allclose(row["tinyframe"]["scores"], [16 / 50] * 3)
    assert row["tinyframe"]["misclassified"] == 3 * 34 and row["tinyframe"]["tested"] == [50, 50, 50]
    assert len(row["mlp"]["scores"]) == 3 and row["mlp"]["convergence_warnings"] == 0
    assert row["tinyframe"]["seconds"] > 0 and row["tinyframe"]["summary"] == "0.3200 ± 0.0000"


def test_the_table_has_a_row_per_data_set_and_says_whether_it_holds():
    side = {"scores": [0.9, 0.8], "seconds": 1.0, "convergence_warnings": 0, "summary": "0.8500 ± 0.0500"}
    side |= {"misclassified": 3}
    slower = side | {"seconds": 2.0}
    worse = side | {"scores": [0.5, 0.5], "summary": "0.5000 ± 0.0000", "misclassified": 10}
    same_errors = side | {"scores": [0.9, 0.79]}  # as many wrong, in folds of other sizes
    regression = side | {"misclassified": None}
    rows = [
        {"dataset": "iris", "metric": "accuracy", "tinyframe": side, "mlp": slower},
        {"dataset": "wine", "metric": "accuracy", "tinyframe": worse, "mlp": slower},
        {"dataset": "digits", "metric": "accuracy", "tinyframe": same_errors, "mlp": slower},
        {"dataset": "diabetes", "metric": "R^2", "tinyframe": regression | {"seconds": 3.0}, "mlp": regression},
    ]
    lines = bench.table(rows).splitlines()
    assert lines[0].startswith("| data set | metric | tinyframe (defaults) | MLP (max_iter=2000) |")
    assert len(lines) == 2 + 4
    assert lines[2] == "| iris | accuracy | 0.8500 ± 0.0500 | 0.8500 ± 0.0500 | 1.00 s | 2.00 s | 3 / 3 | 0 / 0 | yes |"
    assert lines[3].endswith("| 10 / 3 | 0 / 0 | NO |")  # a lower score
    assert lines[4].endswith("| 3 / 3 | 0 / 0 | tie |")  # lower by the folds' sizes only
    assert lines[5].endswith("| 3.00 s | 1.00 s | – | 0 / 0 | NO |")  # slower


def test_main_runs_the_real_defaults_and_prints_the_table(capsys):
    assert bench.main(["--datasets", "iris", "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "| iris | accuracy |" in out and "2-fold cross-validation, seed 0" in out and "Machine:" in out


def test_unknown_data_sets_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(["--datasets", "iris,mnist"])
    assert "unknown data sets ['mnist']" in capsys.readouterr().err
