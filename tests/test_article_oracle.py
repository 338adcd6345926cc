"""The article's training loop, written as the article writes it, is the oracle for Sequential.

Per sample: feed forward, output delta -(y - h) f'(z), hidden deltas (W^T delta) f'(z),
accumulate Delta W and Delta b. Per iteration: W <- W - alpha (1/m) Delta W.
Weights are stored the article's way, W of shape (out, in).
"""

from __future__ import annotations

import numpy as np

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense


def f(z):
    return 1 / (1 + np.exp(-z))


def f_deriv(z):
    return f(z) * (1 - f(z))


def article_train(W, b, X, y, iterations, alpha):
    """The article's train_nn, per sample, with its dicts indexed by layer number from 1."""
    W, b = {k: v.copy() for k, v in W.items()}, {k: v.copy() for k, v in b.items()}
    n_layers = len(W) + 1
    m = len(y)
    for _ in range(iterations):
        tri_W = {k: np.zeros_like(v) for k, v in W.items()}
        tri_b = {k: np.zeros_like(v) for k, v in b.items()}
        for i in range(m):
            h, z = {1: X[i, :]}, {}
            for l in range(1, n_layers):
                z[l + 1] = W[l].dot(h[l]) + b[l]
                h[l + 1] = f(z[l + 1])
            delta = {}
            for l in range(n_layers, 0, -1):
                if l == n_layers:
                    delta[l] = -(y[i, :] - h[l]) * f_deriv(z[l])
                else:
                    if l > 1:
                        delta[l] = np.dot(np.transpose(W[l]), delta[l + 1]) * f_deriv(z[l])
                    tri_W[l] += np.dot(delta[l + 1][:, np.newaxis], np.transpose(h[l][:, np.newaxis]))
                    tri_b[l] += delta[l + 1]
        for l in range(n_layers - 1, 0, -1):
            W[l] += -alpha * (1.0 / m * tri_W[l])
            b[l] += -alpha * (1.0 / m * tri_b[l])
    return W, b


def test_sequential_matches_the_articles_per_sample_algorithm():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(40, 8))
    labels = rng.integers(0, 4, size=40)
    Y = np.eye(4)[labels]
    init = {"kernel_initializer": "random_sample", "bias_initializer": "random_sample"}
    model = Sequential([Dense(8, 6, **init), Sigmoid(), Dense(6, 4, **init), Sigmoid()], dtype="float64", seed=3)
    W0, b0, W1, b1 = model.get_weights()

    # the article stores W as (out, in): the transpose of tinyframe's (in, out)
    W, b = article_train({1: W0.T, 2: W1.T}, {1: b0, 2: b1}, X, Y, iterations=6, alpha=0.25)
    model.fit(
        X, labels, epochs=6, verbose=0, batch_size=None
    )  # defaults: SquaredError, GradientDescent(0.25), full batch

    got = model.get_weights()
    expected = [W[1].T, b[1], W[2].T, b[2]]
    for g, e, start in zip(got, expected, [W0, b0, W1, b1]):
        assert not np.allclose(g, start)  # training moved the weights
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0)
