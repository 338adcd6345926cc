"""Article, part 2: feed-forward through the 3-layer example network, with loops, with matrices, with tinyframe.

    python examples/article/02_feed_forward.py --out figures [--fast]

The network: 3 inputs, 3 hidden sigmoid nodes, 1 sigmoid output, with
w1 = [[.2,.2,.2],[.4,.4,.4],[.6,.6,.6]], b1 = [.8,.8,.8], w2 = [[.5,.5,.5]], b2 = [.2]
and x = [1.5, 2.0, 3.0]. Prints the hidden outputs and the output three ways (the
article's loops, the vectorised ``f(W h + b)``, a tinyframe `Sequential`), then times
each as the article did. For its 4-layer timing this script adds a second hidden
layer like the first (3 -> 3 -> 3 -> 1, the second hidden layer also w1 and b1).
Draws ``feed_forward.png``: the network with the value at every node.
``--fast`` times with fewer repetitions (for the tests).
"""

from __future__ import annotations

import timeit

import numpy as np
from _article import b1, b2, draw_network, f, parser, plt, save, tinyframe_network, w1, w2, x

ARTICLE = {"hidden": (0.8909, 0.9677, 0.9909), "output": 0.8354, "us_3_layers": 40, "us_4_layers": 70}


def simple_looped_nn_calc(n_layers, x, w, b):
    """The article's feed-forward, one multiply-add at a time; returns the last layer's outputs."""
    node_in = x  # the first layer reads x, every later layer the outputs of the one before
    for l in range(n_layers - 1):  # noqa: E741 (the article's l, the layer number)
        h = np.zeros((w[l].shape[0],))
        for i in range(w[l].shape[0]):
            f_sum = 0
            for j in range(w[l].shape[1]):
                f_sum += w[l][i][j] * node_in[j]
            f_sum += b[l][i]
            h[i] = f(f_sum)
        node_in = h
    return h


def matrix_feed_forward_calc(n_layers, x, w, b):
    """The article's vectorised feed-forward: ``h = f(W h + b)`` per layer."""
    h = x
    for l in range(n_layers - 1):  # noqa: E741
        h = f(w[l].dot(h) + b[l])
    return h


def microseconds(call, fast: bool) -> float:
    """Best time of one call, in µs (timeit, as the article's %timeit)."""
    timer = timeit.Timer(call)
    number = 20 if fast else timer.autorange()[0]
    return min(timer.repeat(repeat=1 if fast else 5, number=number)) / number * 1e6


def three_ways(model) -> dict[str, tuple[np.ndarray, float]]:
    """(hidden outputs, output) by the article's loops, its matrix form, and tinyframe."""
    w, b = [w1, w2], [b1, b2]
    batch = x[np.newaxis, :]  # tinyframe takes a batch of rows: one sample is shape (1, 3)
    dense, sigmoid = model.layers[:2]  # the hidden layer: h(2) = f(x @ w1.T + b1)
    return {
        "the article's loops": (simple_looped_nn_calc(2, x, w, b), simple_looped_nn_calc(3, x, w, b)[0]),
        "vectorised f(W h + b)": (matrix_feed_forward_calc(2, x, w, b), matrix_feed_forward_calc(3, x, w, b)[0]),
        "tinyframe Sequential": (sigmoid.forward(dense.forward(batch))[0].copy(), model.predict(batch)[0, 0]),
    }


def time_them(model, model4, fast: bool) -> dict[str, list[float]]:
    """µs per sample for the 3-layer network and the 4-layer one (a second hidden layer like the first)."""
    w, b, w4, b4 = [w1, w2], [b1, b2], [w1, w1, w2], [b1, b1, b2]
    batch = x[np.newaxis, :]
    calls = {
        "the article's loops": (lambda: simple_looped_nn_calc(3, x, w, b), lambda: simple_looped_nn_calc(4, x, w4, b4)),
        "vectorised f(W h + b)": (
            lambda: matrix_feed_forward_calc(3, x, w, b),
            lambda: matrix_feed_forward_calc(4, x, w4, b4),
        ),
        "tinyframe predict": (lambda: model.predict(batch), lambda: model4.predict(batch)),
        "  of which forward": (lambda: model.forward(batch), lambda: model4.forward(batch)),
    }
    return {name: [microseconds(call, fast) for call in pair] for name, pair in calls.items()}


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = parser(__doc__)
    p.add_argument("--fast", action="store_true", help="time with few repetitions")
    args = p.parse_args(argv)
    model = tinyframe_network([w1, w2], [b1, b2])
    print("The article's 3-layer network, x =", x)
    print("tinyframe's Dense keeps W as (in, out), the transpose of the article's (out, in):")
    print("model.get_weights()[0] == w1.T ==\n", model.get_weights()[0])

    results = three_ways(model)
    print(f"\n{'':24s}{'hidden h(2)':28s}output h(3)")
    print(f"{'article (printed)':24s}{'  '.join(f'{v:.4f}' for v in ARTICLE['hidden']):28s}{ARTICLE['output']:.4f}")
    for name, (hidden, output) in results.items():
        print(f"{name:24s}{' '.join(f'{v:.6f}' for v in hidden):28s}{output:.6f}")
    hidden, output = results["the article's loops"]
    print(f"(the article cuts to 4 decimals: {hidden[2]:.6f} and {output:.6f} appear there as 0.9909 and 0.8354)")

    timings = time_them(model, tinyframe_network([w1, w1, w2], [b1, b1, b2]), args.fast)
    print(f"\n{'time for one sample':24s}{'3 layers (3-3-1)':32s}4 layers (3-3-3-1)")
    for name, (t3, t4) in timings.items():
        ours = [f"ours: {t3:.1f} µs", f"ours: {t4:.1f} µs"]
        if name == "the article's loops":
            ours = [
                f"{ours[0]} (article: {ARTICLE['us_3_layers']} µs)",
                f"{ours[1]} (article: {ARTICLE['us_4_layers']} µs)",
            ]
        print(f"{name:24s}{ours[0]:32s}{ours[1]}")
    print("(predict checks and copies its input; forward is the bare layer stack)")

    path = save(network_figure(hidden, output), args.out, "feed_forward.png")
    return {"results": results, "timings": timings, "paths": [path]}


def network_figure(hidden: np.ndarray, output: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 3.6), layout="constrained")
    draw_network(
        ax,
        [3, 3, 1],
        [
            [f"x{i + 1} = {v:g}" for i, v in enumerate(x)],
            [f"h{i + 1} = {v:.6f}" for i, v in enumerate(hidden)],
            [f"h = {output:.6f}"],
        ],
        ["input\nx", "hidden\nh = f(W1 x + b1)", "output\nf(W2 h + b2)"],
    )
    ax.set_title("Feed-forward through the article's network")
    ax.text(
        1,
        -0.04,
        "W1 rows: .2 .2 .2 / .4 .4 .4 / .6 .6 .6,  b1 = .8;   W2 = .5 .5 .5,  b2 = .2",
        ha="center",
        fontsize=8,
        color="0.3",
    )
    return fig


if __name__ == "__main__":
    main()
