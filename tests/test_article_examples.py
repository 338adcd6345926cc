"""examples/article/: every script runs in its fast mode, prints the article's numbers and writes real PNGs."""

from __future__ import annotations

import importlib.util
import math
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "article"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """Import ``examples/article/<name>.py`` and call its ``main`` with a temporary ``--out``."""
    monkeypatch.syspath_prepend(str(ARTICLE))  # the scripts import their shared _article module

    def run_script(name: str, *args: str) -> tuple[dict, str]:
        spec = importlib.util.spec_from_file_location(f"article_{name}", ARTICLE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result = module.main(["--out", str(tmp_path), *args])
        return result, capsys.readouterr().out

    return run_script


def assert_png(path: pathlib.Path, min_side: int = 150) -> None:
    """A real, non-empty image: PNG signature, decodable, a sensible size, not one flat colour."""
    import matplotlib.image

    assert path.is_file() and path.read_bytes()[:8] == PNG_SIGNATURE, path
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) >= min_side, (path, pixels.shape)
    assert pixels[..., :3].std() > 0.02, f"{path} is (nearly) a single colour"


def truncated(value: float, places: int = 4) -> float:
    """``value`` cut (not rounded) to ``places`` decimals, as the article prints its numbers."""
    return math.floor(value * 10**places) / 10**places


def test_01_neuron_draws_the_three_sigmoid_figures(run, tmp_path):
    result, out = run("01_neuron")
    assert [p.name for p in result["paths"]] == ["sigmoid.png", "sigmoid_weights.png", "sigmoid_bias.png"]
    for path in result["paths"]:
        assert path.parent == tmp_path
        assert_png(path)
    for b, crossing in ((-8, "+1.6"), (0, "+0.0"), (8, "-1.6")):  # f(5x + b) = 1/2 where x = -b/5
        assert f"b = {b:+g}: f(w x + b) = 0.5 at x = -b/w = {crossing}" in out


def test_02_feed_forward_prints_the_articles_numbers_three_ways(run):
    result, out = run("02_feed_forward", "--fast")
    article_hidden, article_output = (0.8909, 0.9677, 0.9909), 0.8354
    # by hand: z = 6.5 * [.2, .4, .6] + .8 = [2.1, 3.4, 4.7]; h = f(z); output f(.5 * sum(h) + .2)
    hidden = 1 / (1 + np.exp(-np.array([2.1, 3.4, 4.7])))
    output = 1 / (1 + np.exp(-(0.5 * hidden.sum() + 0.2)))
    for name in ("the article's loops", "vectorised f(W h + b)", "tinyframe Sequential"):
        line = next(line for line in out.splitlines() if line.startswith(name))
        numbers = [float(v) for v in re.findall(r"\d\.\d{6}", line)]
        assert len(numbers) == 4, line
        assert [truncated(v) for v in numbers] == [*article_hidden, article_output], line
        got_hidden, got_output = result["results"][name]
        np.testing.assert_allclose(got_hidden, hidden, rtol=1e-12)
        assert got_output == pytest.approx(output, rel=1e-12)
    assert re.search(
        r"the article's loops +ours: [\d.]+ µs \(article: 40 µs\) +ours: [\d.]+ µs \(article: 70 µs\)", out
    )
    assert all(t > 0 for times in result["timings"].values() for t in times)
    assert "model.get_weights()[0] == w1.T" in out
    assert_png(result["paths"][0])


def test_03_gradient_descent_finds_2_249965_by_hand_and_with_the_optimizer(run):
    result, out = run("03_gradient_descent")
    assert "The local minimum occurs at 2.249965\n" in out
    assert f"{result['minimum']:f}" == "2.249965"  # the article's "%f"
    assert result["minimum"] == pytest.approx(9 / 4, abs=1e-4)  # f'(x) = 4x^3 - 9x^2 = 0 at 9/4
    assert "the exact minimum: f'(x) = 4x^3 - 9x^2 = 0 at x = 9/4 = 2.25" in out
    assert result["optimizer_minimum"] == result["minimum"] and result["same"]
    assert "GradientDescent(learning_rate=0.01) on w = [6.0]: minimum at 2.249965" in out
    assert_png(result["paths"][0])


def test_04_backprop_article_tinyframe_and_gradcheck_agree(run):
    result, out = run("04_backprop")
    # by hand, for x = [1.5, 2, 3] and target y = 0.5: z(2) = [2.1, 3.4, 4.7]
    f = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h2 = f(np.array([2.1, 3.4, 4.7]))
    h3 = f(0.5 * h2.sum() + 0.2)
    delta3 = -(0.5 - h3) * h3 * (1 - h3)
    delta2 = 0.5 * delta3 * h2 * (1 - h2)
    for deltas in (result["delta"], result["tinyframe_delta"]):
        np.testing.assert_allclose(deltas[3], [delta3], rtol=1e-12)
        np.testing.assert_allclose(deltas[2], delta2, rtol=1e-12)
    assert f"article's formula           {delta3:+.8f}" in out
    article = result["grads"]["article's formula"]
    np.testing.assert_allclose(article[0], np.outer(delta2, [1.5, 2.0, 3.0]), rtol=1e-12)  # dJ/dW(1) = delta(2) x^T
    np.testing.assert_allclose(article[2], np.outer([delta3], h2), rtol=1e-12)  # dJ/dW(2) = delta(3) h(2)^T
    assert result["gap_tinyframe"] < 1e-15 and result["gap_numerical"] < 1e-9 and result["gap_step"] < 1e-15
    J_before, J_after = result["J"]
    assert J_before == pytest.approx(0.5 * (0.5 - h3) ** 2, rel=1e-12) and J_after < J_before
    assert re.search(r"max \|article - tinyframe\| = \S+ +max \|article - numerical\| = \S+", out)
    assert_png(result["paths"][0])


def test_05_digits_trains_the_articles_network_and_draws_four_figures(run):
    result, out = run("05_digits", "--iterations", "50", "--verbose", "0")
    assert len(result["loss"]) == 50 and result["loss"][-1] < result["loss"][0]
    assert f"test accuracy: {result['accuracy']:.4f}  (the article reports about 0.86)" in out
    names = [p.name for p in result["paths"]]
    assert names == ["digits.png", "cost.png", "predictions.png", "confusion.png"]
    for path in result["paths"]:
        assert_png(path)


def test_a_script_runs_from_the_command_line_into_the_default_figures_folder(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ARTICLE / "03_gradient_descent.py")], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "The local minimum occurs at 2.249965" in done.stdout
    assert_png(tmp_path / "figures" / "gradient_descent.png")


@pytest.mark.parametrize(
    "name", ["sigmoid_bias.png", "gradient_descent.png", "cost.png", "predictions.png", "confusion.png"]
)
def test_the_readme_figures_are_committed_and_small(name):
    path = ROOT / "docs" / name
    assert_png(path)
    assert path.stat().st_size < 60_000, f"{path} is {path.stat().st_size} bytes; keep README figures small"
