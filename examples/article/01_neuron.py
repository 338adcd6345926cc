"""Article, part 1: the artificial neuron, its sigmoid activation, its weight and its bias.

    python examples/article/01_neuron.py --out figures

Draws the article's three figures:

* ``sigmoid.png``          the sigmoid f(x) = 1 / (1 + exp(-x)) on [-8, 8)
* ``sigmoid_weights.png``  f(w x) for w = 0.5, 1.0, 2.0: the weight sets the steepness
* ``sigmoid_bias.png``     f(w x + b) for w = 5 and b = -8, 0, 8: the bias moves the step sideways

and prints where each biased curve crosses 0.5 (at x = -b / w).
"""

from __future__ import annotations

import numpy as np
from _article import f, parser, plt, save

X = np.arange(-8, 8, 0.1)  # the article's x axis


def sigmoid_figure() -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    ax.plot(X, f(X))
    ax.set(xlabel="x", ylabel="f(x)", title="The sigmoid f(x) = 1 / (1 + exp(-x))")
    ax.grid(alpha=0.3)
    return fig


def weights_figure(weights: tuple[float, ...] = (0.5, 1.0, 2.0)) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    for w in weights:
        ax.plot(X, f(w * X), label=f"w = {w}")
    ax.set(xlabel="x", ylabel="h_w(x)", title="The weight sets the steepness: f(w x)")
    ax.legend(loc=2)  # upper left, as in the article
    ax.grid(alpha=0.3)
    return fig


def bias_figure(w: float = 5.0, biases: tuple[float, ...] = (-8.0, 0.0, 8.0)) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
    for b in biases:
        (line,) = ax.plot(X, f(w * X + b), label=f"b = {b:g}")
        ax.plot(0.0 - b / w, 0.5, "o", color=line.get_color())  # the middle of the step, x = -b/w
    ax.set(xlabel="x", ylabel="h_wb(x)", title=f"The bias moves the step: f({w:g} x + b)")
    ax.legend(loc=2)
    ax.grid(alpha=0.3)
    return fig


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parser(__doc__).parse_args(argv)
    w, biases = 5.0, (-8.0, 0.0, 8.0)
    for b in biases:
        print(f"w = {w:g}, b = {b:+g}: f(w x + b) = 0.5 at x = -b/w = {0.0 - b / w:+.1f}")
    paths = [
        save(sigmoid_figure(), args.out, "sigmoid.png"),
        save(weights_figure(), args.out, "sigmoid_weights.png"),
        save(bias_figure(w, biases), args.out, "sigmoid_bias.png"),
    ]
    return {"paths": paths}


if __name__ == "__main__":
    main()
