"""The examples run, and the article's job reaches the article's accuracy."""

from __future__ import annotations

import importlib.util
import pathlib
import re

import numpy as np
import pytest

from tinyframe import gradcheck

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_main_job_reaches_the_articles_accuracy(capsys):
    accuracy = load("digits").main(["--verbose", "0"])
    out = capsys.readouterr().out
    assert accuracy >= 0.85
    assert f"test accuracy: {accuracy:.4f}" in out and "training time:" in out


def test_custom_layer_example_trains_and_passes_gradcheck(capsys):
    module = load("custom_layer")
    assert module.main() > 0.8
    assert "gradient check: worst relative error" in capsys.readouterr().out
    layer = module.Scale().build((3,), dtype="float64", rng=0)
    layer.params["g"][...] = [0.5, -2.0, 3.0]
    result = gradcheck.check_layer(layer, np.random.default_rng(0).normal(size=(4, 3)))
    assert result.max_error < 1e-8, result


def test_mnist1d_example_trains_the_papers_models_on_a_subset(capsys):
    pytest.importorskip("mnist1d")
    results = load("mnist1d").main(["--samples", "1000", "--epochs", "6", "--models", "logistic", "cnn", "gru"])
    out = capsys.readouterr().out
    for name, paper in (("logistic", "0.32"), ("cnn", "0.94"), ("gru", "0.91")):
        assert re.search(rf"^{name} +[0-9.]+ +{paper} ", out, flags=re.M), out
    assert results["cnn"][0] > 0.3 and results["logistic"][0] > 0.15  # chance is 0.1 on 10 balanced classes
