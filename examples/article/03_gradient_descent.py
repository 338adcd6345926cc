"""Article, part 3: gradient descent on f(x) = x^4 - 3x^3 + 2, by hand and with tinyframe's optimizer.

    python examples/article/03_gradient_descent.py --out figures

Runs the article's loop from x = 6 with step gamma = 0.01 until a step moves x by less
than 0.00001, and prints "The local minimum occurs at 2.249965" (the exact minimum,
where f'(x) = 4x^3 - 9x^2 = 0, is x = 9/4 = 2.25). Then makes the same descent with
`tinyframe.optimizers.GradientDescent` on a one-parameter array: the same numbers,
because the optimizer's rule ``w = w - learning_rate * grad`` is the article's.
Draws ``gradient_descent.png``: f with the path of the steps, and x against the step number.
"""

from __future__ import annotations

import numpy as np
from _article import parser, plt, save

from tinyframe.optimizers import GradientDescent

X_START, GAMMA, PRECISION = 6.0, 0.01, 0.00001


def f(x):
    return x**4 - 3 * x**3 + 2


def df(x):
    return 4 * (x * x * x) - 9 * (x * x)  # products, not pow(): numpy on AVX-512 (SVML) rounds x**3 unlike libm


def article_descent() -> list[float]:
    """The article's loop, kept as written; returns every x it visits."""
    x_old = 0  # any value that makes the first difference larger than the precision
    x_new = X_START
    path = [x_new]
    while abs(x_new - x_old) > PRECISION:
        x_old = x_new
        x_new += -GAMMA * df(x_old)
        path.append(x_new)
    return path


def optimizer_descent() -> list[float]:
    """The same loop, with the step taken by tinyframe's GradientDescent on the parameter array w."""
    w = np.array([X_START])
    optimizer = GradientDescent(learning_rate=GAMMA)
    path = [float(w[0])]
    while len(path) < 2 or abs(path[-1] - path[-2]) > PRECISION:
        optimizer.step([w], [df(w)])  # w <- w - learning_rate * df(w), in place
        path.append(float(w[0]))
    return path


def descent_figure(path: list[float]) -> plt.Figure:
    fig, (whole, zoom, steps) = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    p = np.array(path)
    for ax, xs in ((whole, np.linspace(-1.2, 6.2, 400)), (zoom, np.linspace(0.3, 2.8, 200))):
        ax.plot(xs, f(xs), color="0.3", label="f(x) = x⁴ − 3x³ + 2")
        ax.plot(p, f(p), "-o", color="tab:red", ms=3, lw=0.8, label=f"the {len(p) - 1} steps from x = 6")
        ax.plot(2.25, f(2.25), "*", color="gold", mec="k", ms=14, label="the minimum, x = 2.25")
        ax.set(xlabel="x", ylabel="f(x)", xlim=(xs[0], xs[-1]))
    whole.set(title="The steps on f: the first jumps from 6 to 0.6", ylim=(-60, 700))
    whole.legend(loc="upper left", fontsize=8)
    zoom.set(title="Zoom: then small steps down to 2.25", ylim=(-7.5, 2.5))
    steps.plot(p, "-", color="tab:red")
    steps.axhline(2.25, ls="--", color="k", lw=1, label="x = 2.25")
    steps.set(xlabel="step", ylabel="x", title="x after each step")
    steps.legend()
    for ax in (whole, zoom, steps):
        ax.grid(alpha=0.3)
    return fig


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parser(__doc__).parse_args(argv)
    path = article_descent()
    print("The local minimum occurs at %f" % path[-1])  # noqa: UP031 (the article's own print)
    print(f"the exact minimum: f'(x) = 4x^3 - 9x^2 = 0 at x = 9/4 = {9 / 4}")
    print(f"steps taken: {len(path) - 1}")
    tf_path = optimizer_descent()
    same = tf_path == path
    print(f"tinyframe GradientDescent(learning_rate=0.01) on w = [6.0]: minimum at {tf_path[-1]:f}")
    print(f"same {len(tf_path) - 1} steps, bit for bit: {same}")
    fig_path = save(descent_figure(path), args.out, "gradient_descent.png")
    return {"minimum": path[-1], "optimizer_minimum": tf_path[-1], "same": same, "paths": [fig_path]}


if __name__ == "__main__":
    main()
