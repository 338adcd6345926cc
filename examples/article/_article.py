"""What the article's scripts share: its sigmoid, its example network, the --out folder, figure saving.

The numbered scripts import this module by name (``python examples/article/02_feed_forward.py``
puts this folder first on ``sys.path``). Nothing here is tinyframe: it is the article's own
NumPy, kept apart so that each script can set it beside the framework.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
from types import ModuleType

import matplotlib
import numpy as np

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

matplotlib.use("Agg")  # write PNG files; never open a window (CI has no display)
import matplotlib.pyplot as plt  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
DPI = 90  # small files: the README embeds some of them

# The article's 3-layer example (3 inputs, 3 hidden, 1 output). Its W is (out, in): z = W x + b.
x = np.array([1.5, 2.0, 3.0])
w1 = np.array([[0.2, 0.2, 0.2], [0.4, 0.4, 0.4], [0.6, 0.6, 0.6]])
b1 = np.array([0.8, 0.8, 0.8])
w2 = np.array([[0.5, 0.5, 0.5]])
b2 = np.array([0.2])


def f(z: np.ndarray | float) -> np.ndarray | float:
    """The article's activation, the sigmoid ``f(z) = 1 / (1 + exp(-z))``."""
    return 1 / (1 + np.exp(-z))


def f_deriv(z: np.ndarray | float) -> np.ndarray | float:
    """Its derivative, ``f'(z) = f(z) (1 - f(z))``."""
    return f(z) * (1 - f(z))


def tinyframe_network(ws: list[np.ndarray], bs: list[np.ndarray]) -> Sequential:
    """A float64 sigmoid `Sequential` holding the article's weights.

    The article's ``W`` is ``(out, in)`` and multiplies a column: ``z = W x + b``. tinyframe's
    `Dense` keeps ``W`` as ``(in, out)`` and multiplies a batch of rows: ``z = x @ W + b``.
    So each article matrix goes in transposed.
    """
    layers = []
    for w in ws:
        layers += [Dense(w.shape[1], w.shape[0]), Sigmoid()]
    model = Sequential(layers, dtype="float64")
    model.set_weights([p for w, b in zip(ws, bs) for p in (w.T, b)])
    return model


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the ``--out`` folder every script writes its figures to."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=pathlib.Path, default=pathlib.Path("figures"), help="folder for the PNG files")
    return p


def save(fig: plt.Figure, out: pathlib.Path, name: str) -> pathlib.Path:
    """Write ``fig`` to ``out/name`` (creating ``out``), close it, print and return the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    fig.savefig(path, dpi=DPI)  # the figures use constrained layout, so nothing is cut off
    plt.close(fig)
    print(f"wrote {path}")
    return path


def draw_network(ax: plt.Axes, sizes: list[int], labels: list[list[str]], titles: list[str]) -> None:
    """Draw a fully connected network: a column of circles per layer, ``labels[k][i]`` beside node i of layer k."""
    ys = [np.linspace(1, 0, n + 2)[1:-1] for n in sizes]
    for k in range(len(sizes) - 1):
        for y0 in ys[k]:
            for y1 in ys[k + 1]:
                ax.plot([k, k + 1], [y0, y1], color="0.8", lw=1, zorder=1)
    box = {"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    for k, (column, texts) in enumerate(zip(ys, labels)):
        ax.scatter(np.full(len(column), k), column, s=500, color="tab:blue", edgecolor="k", zorder=2)
        for y, text in zip(column, texts):
            ax.text(k, y - 0.09, text, ha="center", va="top", fontsize=9, bbox=box, zorder=3)
        ax.text(k, 0.98, titles[k], ha="center", va="bottom", fontsize=9, weight="bold")
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(0.0, 1.12)
    ax.axis("off")


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (one folder up), e.g. the digits job's data and model."""
    spec = importlib.util.spec_from_file_location(f"tinyframe_example_{name}", HERE.parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
