"""examples/digits.py --recipe and --compare: the modern recipe learns, the comparison prints its table.

The full claim (mean accuracy >= 0.978 over 5 splits, faster than MLPClassifier())
takes a minute and is measured with ``python examples/digits.py --recipe modern
--compare``, not here. These tests keep to one split and a few epochs.
"""

from __future__ import annotations

import re

import pytest
from sklearn.svm import SVC

from tinyframe.activations import ReLU
from tinyframe.layers import Dense, Dropout
from tinyframe.losses import CrossEntropy
from tinyframe.optimizers import Adam

from .test_examples import load

digits = load("digits")


def test_recipe_defaults_and_overrides():
    article = digits.parse_args([])
    assert (article.recipe, article.epochs, article.batch_size, article.learning_rate) == ("article", 3000, None, 0.25)
    assert (article.hidden, article.verbose) == (30, 1)
    modern = digits.parse_args(["--recipe", "modern", "--epochs", "7"])
    assert (modern.epochs, modern.batch_size, modern.learning_rate, modern.hidden) == (7, 128, 0.005, 256)
    assert digits.parse_args(["--compare", "--verbose", "2"]).verbose == 0
    with pytest.raises(SystemExit):
        digits.parse_args(["--recipe", "fancy"])


def test_modern_model_is_built_from_the_toolbox():
    model = digits.modern_model(digits.parse_args(["--recipe", "modern"]))
    assert [type(layer) for layer in model.layers] == [Dropout, Dense, ReLU, Dropout, Dense]
    assert isinstance(model.loss, CrossEntropy) and model.loss.from_logits and model.loss.label_smoothing == 0.1
    assert isinstance(model.optimizer, Adam) and model.optimizer.learning_rate == 0.005


def test_cosine_decay():
    schedule = digits.cosine_decay(0.002, 100)
    assert schedule(0) == 0.002 and schedule(50) == pytest.approx(0.002 * (0.05 + 0.95 * 0.5))
    assert schedule(100) == pytest.approx(0.002 * 0.05) and schedule(99) > schedule(100)


def test_modern_recipe_learns_one_split_in_a_few_epochs(capsys):
    accuracy = digits.main(["--recipe", "modern", "--epochs", "15"])
    out = capsys.readouterr().out
    assert accuracy >= 0.95, accuracy  # 10 classes: chance is 0.1; the full recipe reaches about 0.98
    assert f"test accuracy: {accuracy:.4f}\n" in out and "training time:" in out and "article" not in out


def test_compare_prints_every_model_on_the_same_splits(capsys):
    args = digits.parse_args(["--recipe", "modern", "--epochs", "5", "--compare", "--splits", "2"])
    results = digits.compare({"tinyframe": lambda: digits.Recipe(args), "SVC()": SVC}, args.splits)
    out = capsys.readouterr().out
    assert "random_state=0..1" in out
    for name, (accuracies, seconds) in results.items():
        assert len(accuracies) == len(seconds) == 2 and all(0.8 < a <= 1 for a in accuracies)
        row = re.search(
            rf"^{re.escape(name)} +(\d\.\d{{4}}) +(\d+\.\d{{3}}) s +(\d\.\d{{4}}) (\d\.\d{{4}})$", out, re.M
        )
        assert row, out
        assert float(row.group(1)) == pytest.approx(sum(accuracies) / 2, abs=5e-5)
        assert [float(row.group(3)), float(row.group(4))] == pytest.approx(accuracies, abs=5e-5)
