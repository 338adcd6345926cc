"""Adagrad and Nadam against Keras 3's update rules, written out one Python float at a time.

The references below are the formulas of ``keras/src/optimizers/adagrad.py`` and
``nadam.py`` (Keras 3), not tinyframe's vectorised code: a different order of
operations, so agreement to ~1e-12 over many steps says both compute the rule.
When PyTorch is installed, its ``Adagrad`` and ``NAdam`` are a third opinion, with
the arguments that make them Keras's rule (see each test).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.optimizers import Adagrad, Nadam


def steps(optimizer, w0, grads):
    w = np.array(w0, dtype=np.float64)
    for g in grads:
        optimizer.step([w], [np.array(g, dtype=np.float64)])
    return w


def keras_adagrad(w, grads, lr, initial, epsilon):
    w, acc = list(w), [initial] * len(w)
    for g in grads:
        for i in range(len(w)):
            acc[i] = acc[i] + g[i] ** 2
            w[i] = w[i] - lr * g[i] / math.sqrt(acc[i] + epsilon)
    return w


def keras_nadam(w, grads, lr, beta_1, beta_2, epsilon, weight_decay=0.0):
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    u_product = 1.0
    for t, g in enumerate(grads, start=1):
        w = [wi - wi * weight_decay * lr for wi in w]  # Keras's _apply_weight_decay, before the update step
        u_t = beta_1 * (1 - 0.5 * 0.96**t)
        u_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product = u_product * u_t
        for i in range(len(w)):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i]
            v[i] = beta_2 * v[i] + (1 - beta_2) * g[i] ** 2
            m_hat = u_next * m[i] / (1 - u_product * u_next) + (1 - u_t) * g[i] / (1 - u_product)
            v_hat = v[i] / (1 - beta_2**t)
            w[i] = w[i] - lr * m_hat / (math.sqrt(v_hat) + epsilon)
    return w


GRADS = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n), min_size=1, max_size=12)
)


def start(grads):
    return [0.5 * (i + 1) for i in range(len(grads[0]))]


# ---------------------------------------------------------------- golden steps, by hand
def test_adagrad_golden():
    # acc = 0.1 + 4 = 4.1: w1 = 1 - 0.1 * 2 / sqrt(4.1 + 1e-7); acc = 4.1 + 1 = 5.1: w2 = w1 + 0.1 / sqrt(5.1 + 1e-7)
    w = steps(Adagrad(0.1), [1.0], [[2.0], [-1.0]])
    assert w == pytest.approx([1 - 0.2 / math.sqrt(4.1000001) + 0.1 / math.sqrt(5.1000001)], abs=1e-15)
    assert w == pytest.approx([0.9455078], abs=1e-7)  # 1 - 0.2 / 2.0248457 + 0.1 / 2.2583180


def test_nadam_golden():
    # t=1: u_1 = 0.9 * (1 - 0.48) = 0.468, u_2 = 0.9 * (1 - 0.4608) = 0.48528; m = 0.2, v = 0.004, v_hat = 4
    #      m_hat = 0.48528 * 0.2 / (1 - 0.468 * 0.48528) + 0.532 * 2 / 0.532
    w1 = 1 - 0.1 * (0.48528 * 0.2 / (1 - 0.468 * 0.48528) + 2.0) / (2.0 + 1e-7)
    # t=2: u_3 = 0.9 * (1 - 0.5 * 0.884736) = 0.5018688, U_2 = 0.468 * 0.48528; m = 0.18 - 0.1 = 0.08,
    #      v = 0.003996 + 0.001 = 0.004996, v_hat = 0.004996 / (1 - 0.998001)
    u_product = 0.468 * 0.48528
    m_hat = 0.5018688 * 0.08 / (1 - u_product * 0.5018688) + (1 - 0.48528) * -1.0 / (1 - u_product)
    w2 = w1 - 0.1 * m_hat / (math.sqrt(0.004996 / 0.001999) + 1e-7)
    assert steps(Nadam(0.1), [1.0], [[2.0], [-1.0]]) == pytest.approx([w2], abs=1e-15)
    assert w2 == pytest.approx(0.9329807, abs=1e-7)  # m_hat = 0.045314 - 0.665967, sqrt(v_hat) = 1.580901


# ---------------------------------------------------------------- against the rules, many steps
@given(GRADS, st.floats(1e-4, 0.5), st.floats(0.0, 1.0), st.sampled_from([1e-7, 1e-3]))
def test_adagrad_matches_keras(grads, lr, initial, epsilon):
    w0 = start(grads)
    expected = keras_adagrad(w0, grads, lr, initial, epsilon)
    got = steps(Adagrad(lr, initial, epsilon), w0, grads)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(
    GRADS,
    st.floats(1e-4, 0.5),
    st.floats(0.0, 0.99),
    st.floats(0.9, 0.9999),
    st.sampled_from([1e-7, 1e-3]),
    st.sampled_from([None, 0.004, 0.1]),
)
def test_nadam_matches_keras(grads, lr, beta_1, beta_2, epsilon, weight_decay):
    w0 = start(grads)
    expected = keras_nadam(w0, grads, lr, beta_1, beta_2, epsilon, weight_decay or 0.0)
    got = steps(Nadam(lr, beta_1, beta_2, epsilon, weight_decay), w0, grads)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_nadam_matches_keras_long_after_the_momentum_product_underflows():
    """U_t = prod u_i reaches 0.0 after ~7000 steps (beta_1 = 0.9); the rule goes on as Keras's does."""
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(7200, 2)).tolist()
    got = steps(Nadam(0.01), [0.5, 1.0], grads)
    np.testing.assert_allclose(got, keras_nadam([0.5, 1.0], grads, 0.01, 0.9, 0.999, 1e-7), rtol=1e-10, atol=1e-10)


def test_nadam_recomputes_its_momentum_product_bit_for_bit_when_the_count_moves_back():
    """U_t is a cache of a function of t: a rewound or loaded `iterations` gives the very same floats."""
    straight, jumped = Nadam(), Nadam()
    for t in range(1, 40):
        straight.momentum_schedule(t)
    jumped.momentum_schedule(50)  # further than asked next: multiplied up again from 1
    assert jumped.momentum_schedule(39) == straight.momentum_schedule(39)


# ---------------------------------------------------------------- state
def test_adagrad_accumulator_starts_at_its_initial_value_wherever_state_is_made(tmp_path):
    """A fresh slot, a parameter without state when the file is written, and after unfreezing: all 0.1."""
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float64", seed=0)
    model.layers[2].trainable = False
    model.compile(optimizer=Adagrad(0.1, initial_accumulator_value=0.1))
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    model.fit(X, y, epochs=1, verbose=0, batch_size=None)
    assert list(model.optimizer.state) == [("dense", "W"), ("dense", "b")]  # the first Dense only
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert list(loaded.optimizer.state) == [("dense", "W"), ("dense", "b")]  # the frozen layer has none yet

    for each in (model, loaded):
        each.layers[2].trainable = True
        each.fit(X, y, epochs=1, batch_size=4, verbose=0)
    # The second Dense's first step started from 0.1: its accumulator is 0.1 + g**2, from its gradient.
    grads = model.layers[2].grads
    for name in ("W", "b"):
        state = model.optimizer.state[("dense_1", name)]["accumulator"]
        np.testing.assert_array_equal(state, 0.1 + grads[name] ** 2)
    for key, slots in model.optimizer.state.items():
        np.testing.assert_array_equal(loaded.optimizer.state[key]["accumulator"], slots["accumulator"])
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


# ---------------------------------------------------------------- PyTorch, a third opinion
def torch_steps(make, w0, grads):
    """``w0`` after ``grads``, by a torch optimizer, every number in float64.

    torch keeps an optimizer's scalars (the step count, NAdam's product of the momentum
    factors) in its default dtype, float32 unless told otherwise: 2e-10 relative off
    after 20 NAdam steps. The default dtype is float64 for the run, so the oracle is exact.
    """
    torch = pytest.importorskip("torch")
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        optimizer = make(torch.optim, [w])
        for g in grads:
            w.grad = torch.tensor(g, dtype=torch.float64)
            optimizer.step()
        return w.detach().numpy()
    finally:
        torch.set_default_dtype(saved)


def test_adagrad_matches_torch():
    """torch's eps is outside the square root: eps=0 there, and 1e-300 (no effect on >= 0.1) under it here."""
    grads = np.random.default_rng(1).normal(size=(20, 3)).tolist()
    expected = torch_steps(
        lambda optim, ws: optim.Adagrad(ws, lr=0.1, initial_accumulator_value=0.1, eps=0.0), [0.5, 1, 2], grads
    )
    np.testing.assert_allclose(steps(Adagrad(0.1, 0.1, 1e-300), [0.5, 1, 2], grads), expected, rtol=1e-12, atol=1e-12)


def test_nadam_matches_torch_with_keras_momentum_decay():
    """torch's u_t is beta_1 * (1 - 0.5 * 0.96**(t * momentum_decay)); Keras's is momentum_decay = 1."""
    grads = np.random.default_rng(2).normal(size=(20, 3)).tolist()
    expected = torch_steps(
        lambda optim, ws: optim.NAdam(ws, lr=0.01, betas=(0.9, 0.999), eps=1e-7, momentum_decay=1.0), [0.5, 1, 2], grads
    )
    np.testing.assert_allclose(steps(Nadam(0.01), [0.5, 1, 2], grads), expected, rtol=1e-12, atol=1e-12)
