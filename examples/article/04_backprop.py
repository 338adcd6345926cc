"""Article, part 4: one step of backpropagation on the 3-layer example network, three ways.

    python examples/article/04_backprop.py --out figures

The network of part 2 (3 -> 3 -> 1, sigmoid) sees x = [1.5, 2.0, 3.0] with target
y = 0.5 and cost J = 1/2 (y - h)^2. The script prints, layer by layer:

1. the article's deltas and gradients, from its per-sample formulas
   (layers numbered 1, 2, 3 as in the article; W(l) is (out, in))::

       delta(3) = -(y - h(3)) * f'(z(3))          output layer
       delta(2) = (W(2)^T delta(3)) * f'(z(2))    hidden layer
       dJ/dW(l) = delta(l+1) h(l)^T,   dJ/db(l) = delta(l+1)

2. what tinyframe's layers hand back, walking ``backward`` from the loss to the input
   exactly as `Sequential.backward` does (its ``Dense`` gradients are ``(in, out)``, so
   they are shown transposed; `SquaredError` divides by the batch size m, here 1);
3. `tinyframe.gradcheck.numerical_gradient`, central differences of J.

Then it takes the gradient step W <- W - 0.25 dJ/dW by hand and with ``fit(epochs=1)``.
Draws ``backprop.png``: the deltas on the network, and every gradient three ways.
"""

from __future__ import annotations

import numpy as np
from _article import b1, b2, draw_network, f, f_deriv, parser, plt, save, tinyframe_network, w1, w2, x

from tinyframe.gradcheck import numerical_gradient
from tinyframe.losses import SquaredError
from tinyframe.optimizers import GradientDescent

Y, ALPHA = np.array([0.5]), 0.25
X_BATCH, Y_BATCH = x[np.newaxis, :], Y[np.newaxis, :]  # tinyframe's batch of m = 1 row
NAMES = ["W(1)", "b(1)", "W(2)", "b(2)"]


def article_backprop() -> tuple[float, dict[int, np.ndarray], list[np.ndarray]]:
    """The article's formulas for one sample: the output h, the deltas by layer number, and the
    gradients as [W(1), b(1), W(2), b(2)] in the article's (out, in) layout."""
    z2 = w1 @ x + b1
    h2 = f(z2)
    z3 = w2 @ h2 + b2
    h3 = f(z3)
    delta = {3: -(Y - h3) * f_deriv(z3)}
    delta[2] = (w2.T @ delta[3]) * f_deriv(z2)
    grads = [np.outer(delta[2], x), delta[2], np.outer(delta[3], h2), delta[3]]
    return float(h3[0]), delta, grads


def tinyframe_backprop(model) -> tuple[dict[int, np.ndarray], list[np.ndarray]]:
    """Forward, loss, then each layer's backward in reverse, keeping the deltas on the way."""
    model.loss.forward(model.forward(X_BATCH), Y_BATCH)
    grad = model.loss.backward()  # dJ/dh(3) = (h - y) / m
    dense1, sigmoid1, dense2, sigmoid2 = model.layers
    delta = {3: sigmoid2.backward(grad)[0].copy()}  # dJ/dz(3) = dJ/dh(3) * f'(z(3))
    back = dense2.backward(delta[3][np.newaxis, :])  # sets dJ/dW, dJ/db; returns delta(3) @ W = W(2)^T delta(3)
    delta[2] = sigmoid1.backward(back)[0].copy()  # times f'(z(2))
    dense1.backward(delta[2][np.newaxis, :])
    # model.grads is [W(1), b(1), W(2), b(2)]; Dense keeps W as (in, out), so transpose to the article's (out, in)
    return delta, [g.T.copy() for g in model.grads]


def numerical_backprop(model) -> list[np.ndarray]:
    """Central differences of J in every parameter (each nudged in place, then restored)."""

    def J() -> float:
        return model.loss.forward(model.forward(X_BATCH), Y_BATCH)

    return [numerical_gradient(J, p).T for p in model.params]  # transposed to the article's layout, as above


def max_gap(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    """The largest absolute difference between two lists of arrays."""
    return max(float(np.max(np.abs(p - q))) for p, q in zip(a, b))


def show(label: str, values: np.ndarray) -> None:
    """One labelled line per row of ``values`` (a matrix prints as its rows)."""
    for i, row in enumerate(np.atleast_2d(values)):
        print(f"  {label if i == 0 else '':28s}" + " ".join(f"{v:+.8f}" for v in row))


def backprop_figure(h: float, delta: dict[int, np.ndarray], grads: dict[str, list[np.ndarray]]) -> plt.Figure:
    fig = plt.figure(figsize=(11, 7), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1])
    net = top.subplots()
    draw_network(
        net,
        [3, 3, 1],
        [
            [f"x{i + 1} = {v:g}" for i, v in enumerate(x)],
            [f"δ{i + 1}(2) = {d:+.5f}" for i, d in enumerate(delta[2])],
            [f"h = {h:.4f}, y = {Y[0]:g}\nδ(3) = {delta[3][0]:+.5f}"],
        ],
        ["input x", "hidden: δ(2) = (W(2)ᵀ δ(3)) f′(z(2))", "output: δ(3) = −(y − h) f′(z(3))"],
    )
    top.suptitle("Backpropagation: the deltas, from the output back")
    bottom.suptitle("Every gradient, three ways: the bars agree")
    axes = bottom.subplots(1, 4, gridspec_kw={"width_ratios": [9, 3, 3, 1.6]})
    colors = {"article's formula": "tab:blue", "tinyframe backward": "tab:orange", "numerical (gradcheck)": "tab:green"}
    for ax, name, *arrays in zip(axes, NAMES, *grads.values()):
        rows, cols = np.atleast_2d(arrays[0]).shape
        for k, (method, values) in enumerate(zip(colors, arrays)):
            offsets = np.arange(rows * cols) + (k - 1) * 0.27
            ax.bar(offsets, np.ravel(values), width=0.27, color=colors[method], label=method)
        ticks = [f"{r + 1},{c + 1}" if name.startswith("W") else f"{c + 1}" for r in range(rows) for c in range(cols)]
        ax.set_xticks(np.arange(rows * cols), ticks)
        ax.set_title(f"dJ/d{name}")
        ax.axhline(0, color="k", lw=0.6)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=8)
    axes[0].set(xlabel="entry (row, column)", ylabel="gradient")
    return fig


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parser(__doc__).parse_args(argv)
    model = tinyframe_network([w1, w2], [b1, b2])
    model.compile(loss=SquaredError(), optimizer=GradientDescent(learning_rate=ALPHA))
    h, delta, article = article_backprop()
    tf_delta, tf_grads = tinyframe_backprop(model)
    numerical = numerical_backprop(model)
    print(f"x = {x}, target y = {Y[0]}, output h(3) = {h:.6f}, J = 1/2 (y - h)^2 = {0.5 * (Y[0] - h) ** 2:.6f}")
    print("\nDeltas, from the output back (layers 1 input, 2 hidden, 3 output):")
    for layer, formula in ((3, "-(y - h(3)) f'(z(3))"), (2, "(W(2)^T delta(3)) f'(z(2))")):
        print(f" delta({layer}) = {formula}")
        show("article's formula", delta[layer])
        show("tinyframe Sigmoid.backward", tf_delta[layer])
    print("\nGradients, in the article's (out, in) layout (dJ/dW(l) = delta(l+1) h(l)^T, dJ/db(l) = delta(l+1)):")
    for i, name in enumerate(NAMES):
        print(f" dJ/d{name}")
        show("article's formula", article[i])
        show("tinyframe Dense.backward", tf_grads[i])
        show("gradcheck, numerical", numerical[i])
    gap_tf, gap_num = max_gap(article, tf_grads), max_gap(article, numerical)
    print(f"\nmax |article - tinyframe| = {gap_tf:.1e}   max |article - numerical| = {gap_num:.1e}")

    by_hand = [p - ALPHA * g for p, g in zip([w1, b1, w2, b2], article)]  # W(l) <- W(l) - alpha dJ/dW(l)
    J_before = model.evaluate(X_BATCH, Y_BATCH, verbose=0, return_dict=True)["loss"]
    model.fit(X_BATCH, Y_BATCH, epochs=1, verbose=0, batch_size=None)  # forward, backward, GradientDescent(0.25).step
    gap_step = max_gap(by_hand, [p.T for p in model.get_weights()])
    J_after = model.evaluate(X_BATCH, Y_BATCH, verbose=0, return_dict=True)["loss"]
    print(f"one step with alpha = {ALPHA}: J {J_before:.6f} -> {J_after:.6f};  max |by hand - fit| = {gap_step:.1e}")
    grads = {"article's formula": article, "tinyframe backward": tf_grads, "numerical (gradcheck)": numerical}
    path = save(backprop_figure(h, delta, grads), args.out, "backprop.png")
    return {
        "delta": delta,
        "tinyframe_delta": tf_delta,
        "grads": grads,
        "gap_tinyframe": gap_tf,
        "gap_numerical": gap_num,
        "gap_step": gap_step,
        "J": (J_before, J_after),
        "paths": [path],
    }


if __name__ == "__main__":
    main()
