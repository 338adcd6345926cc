"""Momentum, RMSProp, Adam, AdamW, Adagrad, Nadam: golden steps by hand, Adam against Kingma & Ba, state, errors.

Adagrad and Nadam against Keras's rules, step by step: tests/test_optimizers_keras_rules.py.
"""

from __future__ import annotations

import doctest
import importlib
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import optimizers
from tinyframe.optimizers import Adagrad, Adam, AdamW, GradientDescent, Momentum, Nadam, RMSProp

NEW = {"Momentum": Momentum, "RMSProp": RMSProp, "Adam": Adam, "AdamW": AdamW, "Adagrad": Adagrad, "Nadam": Nadam}


def steps(optimizer, w0, grads):
    """The value of a float64 parameter after one step per gradient."""
    w = np.array(w0, dtype=np.float64)
    for g in grads:
        optimizer.step([w], [np.array(g, dtype=np.float64)])
    return w


# ---------------------------------------------------------------- golden steps, computed by hand
def test_momentum_golden():
    # v = 0.9 v - 0.1 g: v1 = -0.1, w1 = 0.9; v2 = -0.09 - 0.1 = -0.19, w2 = 0.71
    assert steps(Momentum(0.1, 0.9), [1.0], [[1.0], [1.0]]) == pytest.approx([0.71], abs=1e-15)


def test_nesterov_golden():
    # w += 0.9 v - 0.1 g: w1 = 1 - 0.09 - 0.1 = 0.81; v2 = -0.19, w2 = 0.81 - 0.171 - 0.1 = 0.539
    assert steps(Momentum(0.1, 0.9, nesterov=True), [1.0], [[1.0], [1.0]]) == pytest.approx([0.539], abs=1e-15)


def test_rmsprop_golden():
    # a1 = 0.1 * 4 = 0.4, w1 = 1 - 0.2 / sqrt(0.4); a2 = 0.9 * 0.4 + 0.4 = 0.76, w2 = w1 - 0.2 / sqrt(0.76)
    w = steps(RMSProp(0.1, rho=0.9, epsilon=1e-12), [1.0], [[2.0], [2.0]])
    assert w == pytest.approx([1 - 0.2 / math.sqrt(0.4) - 0.2 / math.sqrt(0.76)], abs=1e-12)
    assert w == pytest.approx([0.4543565], abs=1e-7)


def test_adam_golden():
    # t=1: m = 0.2, v = 0.004, m_hat = 2, v_hat = 4: w1 = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9 (to 5e-10)
    # t=2: m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996,
    #      m_hat = 0.08 / 0.19, v_hat = 0.004996 / 0.001999: w2 = w1 - 0.1 * m_hat / (sqrt(v_hat) + 1e-8)
    w = steps(Adam(0.1, 0.9, 0.999, 1e-8), [1.0], [[2.0], [-1.0]])
    w1 = 1 - 0.1 * 2 / (2 + 1e-8)
    assert w == pytest.approx([w1 - 0.1 * (0.08 / 0.19) / (math.sqrt(0.004996 / 0.001999) + 1e-8)], abs=1e-15)
    assert w == pytest.approx([0.8733663], abs=1e-7)


def test_adamw_decays_before_the_adam_step():
    # w = 2 * (1 - 0.1 * 0.5) = 1.9, then the first Adam step is 0.1 * g / (|g| + eps)
    assert steps(AdamW(0.1, weight_decay=0.5, epsilon=1e-12), [2.0], [[1.0]]) == pytest.approx([1.8], abs=1e-11)
    assert steps(Adam(0.1, weight_decay=0.5, epsilon=1e-12), [2.0], [[1.0]]) == pytest.approx([1.8], abs=1e-11)
    # zero gradient: pure decay, even though Adam's step is then 0
    assert steps(AdamW(0.1, weight_decay=0.5), [2.0], [[0.0]]) == pytest.approx([1.9], abs=1e-15)


# ---------------------------------------------------------------- Adam against the published rule
def kingma_ba(w, grads, lr, beta_1, beta_2, epsilon):
    """Algorithm 1 of Kingma & Ba (2015), literally, one Python float at a time."""
    w, m, v = list(w), [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        for i in range(len(w)):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i]
            v[i] = beta_2 * v[i] + (1 - beta_2) * g[i] ** 2
            m_hat = m[i] / (1 - beta_1**t)
            v_hat = v[i] / (1 - beta_2**t)
            w[i] = w[i] - lr * m_hat / (math.sqrt(v_hat) + epsilon)
    return w


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(st.floats(-10, 10), min_size=n, max_size=n), min_size=1, max_size=12)
    ),
    st.floats(1e-4, 0.5),
    st.floats(0.0, 0.99),
    st.floats(0.9, 0.9999),
    st.sampled_from([1e-8, 1e-7, 1e-3]),
)
def test_adam_matches_kingma_and_ba(grads, lr, beta_1, beta_2, epsilon):
    w0 = [0.5 * (i + 1) for i in range(len(grads[0]))]
    expected = kingma_ba(w0, grads, lr, beta_1, beta_2, epsilon)
    np.testing.assert_allclose(steps(Adam(lr, beta_1, beta_2, epsilon), w0, grads), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- state, in place, dtypes
@pytest.mark.parametrize("name", sorted(NEW))
def test_state_is_per_parameter(name):
    """Two parameters stepped together move exactly as each stepped alone by its own optimizer."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(4,))
    grads = [(rng.normal(size=(3, 2)), rng.normal(size=(4,))) for _ in range(3)]
    together, (a2, b2) = NEW[name](), (a.copy(), b.copy())
    for ga, gb in grads:
        together.step([a2, b2], [ga, gb])
    a_alone, b_alone = steps(NEW[name](), a, [g[0] for g in grads]), steps(NEW[name](), b, [g[1] for g in grads])
    assert np.array_equal(a2, a_alone) and np.array_equal(b2, b_alone)
    assert sorted(together.state) == [0, 1]
    assert all(s.shape == p.shape for i, p in enumerate([a, b]) for s in together.state[i].values())


@pytest.mark.parametrize("name", sorted(NEW))
def test_updates_in_place_without_parameter_sized_temporaries(name):
    w = np.zeros((400, 400))  # 1.28 MB
    g = np.full_like(w, 0.5)
    optimizer = NEW[name]()
    optimizer.step([w], [g])  # the first step creates the state and the work array
    before = w.copy()
    tracemalloc.start()
    optimizer.step([w], [g])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < w.nbytes / 8, f"{name} allocated {peak} bytes in a step on a {w.nbytes}-byte parameter"
    assert not np.array_equal(w, before)


@pytest.mark.parametrize("name", sorted(NEW))
def test_float32_stays_float32(name):
    w = np.ones(3, np.float32)
    optimizer = NEW[name]()
    optimizer.step([w], [np.full(3, 0.1, np.float32)])
    assert w.dtype == np.float32 and all(s.dtype == np.float32 for s in optimizer.state[0].values())


@pytest.mark.parametrize("name", sorted(NEW))
def test_each_optimizer_minimises_a_quadratic(name):
    """J(w) = 1/2 ||w - target||^2 (gradient w - target) falls by 100x from w = 0."""
    target = np.array([1.0, -2.0, 0.5])
    w = np.zeros(3)
    lr = {"Momentum": 0.05, "RMSProp": 0.02, "Adam": 0.05, "AdamW": 0.05, "Adagrad": 0.5, "Nadam": 0.05}[name]
    optimizer = NEW[name](learning_rate=lr)
    for _ in range(300):
        optimizer.step([w], [w - target])
    assert 0.5 * np.sum((w - target) ** 2) < 0.01 * 0.5 * np.sum(target**2)


# ---------------------------------------------------------------- arguments, names, config
@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: Momentum(momentum=1.0),
            ValueError,
            r"Momentum: momentum must be in \[0.0, 1.0\). Received: momentum=1.0",
        ),
        (
            lambda: Momentum(nesterov="yes"),
            TypeError,
            "Momentum: nesterov must be True or False. Received: nesterov='yes'",
        ),
        (lambda: Momentum(learning_rate=0), ValueError, r"Momentum: learning_rate must be in \(0.0, inf\)"),
        (lambda: RMSProp(rho=-0.1), ValueError, r"RMSProp: rho must be in \[0.0, 1.0\). Received: rho=-0.1"),
        (lambda: RMSProp(epsilon=0), ValueError, "RMSProp: epsilon must be in"),
        (lambda: Adam(beta_1=1), ValueError, r"Adam: beta_1 must be in \[0.0, 1.0\). Received: beta_1=1"),
        (lambda: Adam(beta_2="0.9"), TypeError, "Adam: beta_2 must be a real number. Received: beta_2='0.9'"),
        (lambda: Adam(epsilon=-1e-7), ValueError, "Adam: epsilon must be in"),
        (lambda: Adam(weight_decay=-0.1), ValueError, r"Adam: weight_decay must be in \[0.0, inf\]"),
        (
            lambda: AdamW(weight_decay="1e-2"),
            TypeError,
            "AdamW: weight_decay must be a real number. Received: weight_d",
        ),
        (
            lambda: Adagrad(initial_accumulator_value=-0.1),
            ValueError,
            r"Adagrad: initial_accumulator_value must be in \[0.0, inf\). Received: initial_accumulator_value=-0.1",
        ),
        (lambda: Adagrad(epsilon=0.0), ValueError, r"Adagrad: epsilon must be in \(0.0, inf\). Received: epsilon=0.0"),
        (lambda: Adagrad(learning_rate=-1), ValueError, r"Adagrad: learning_rate must be in \(0.0, inf\)"),
        (lambda: Nadam(beta_1=1.0), ValueError, r"Nadam: beta_1 must be in \[0.0, 1.0\). Received: beta_1=1.0"),
        (lambda: Nadam(beta_2=-0.5), ValueError, r"Nadam: beta_2 must be in \[0.0, 1.0\). Received: beta_2=-0.5"),
        (
            lambda: Nadam(epsilon=float("nan")),
            ValueError,
            r"Nadam: epsilon must be in \(0.0, inf\). Received: epsilon=nan",
        ),
        (lambda: Nadam(beta_1="0.9"), TypeError, "Nadam: beta_1 must be a real number. Received: beta_1='0.9'"),
        (lambda: Nadam(momentum_decay=0.004), TypeError, "unexpected keyword argument 'momentum_decay'"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("name", sorted(NEW))
def test_config_round_trip(name):
    optimizer = NEW[name](learning_rate=0.02)
    clone = type(optimizer).from_config(optimizer.get_config())
    assert clone.get_config() == optimizer.get_config() and clone.learning_rate == 0.02
    assert repr(Momentum(0.1)) == "Momentum(learning_rate=0.1, momentum=0.9, nesterov=False)"
    assert repr(Momentum(0.1, clipnorm=2)) == "Momentum(learning_rate=0.1, momentum=0.9, nesterov=False, clipnorm=2.0)"


@pytest.mark.parametrize(
    "name, cls",
    [
        ("momentum", Momentum),
        ("rmsprop", RMSProp),
        ("adam", Adam),
        ("adamw", AdamW),
        ("sgd", GradientDescent),
        ("gradient_descent", GradientDescent),
        ("adagrad", Adagrad),
        ("nadam", Nadam),
        # Keras's class names
        ("SGD", GradientDescent),
        ("RMSprop", RMSProp),
        ("Adam", Adam),
        ("AdamW", AdamW),
        ("Adagrad", Adagrad),
        ("Nadam", Nadam),
        # tinyframe's class names, any case
        ("GradientDescent", GradientDescent),
        ("RMSProp", RMSProp),
        ("MOMENTUM", Momentum),
    ],
)
def test_names(name, cls):
    assert type(optimizers.get(name)) is cls


def test_sgd_is_keras_sgd_with_its_defaults():
    """Keras's SGD(): learning_rate=0.01, no momentum: w -= 0.01 * g (the article's 0.25 is only compile's default)."""
    sgd = optimizers.get("SGD")
    assert sgd.get_config() == GradientDescent(0.01).get_config()
    assert steps(sgd, [1.0], [[2.0]]) == pytest.approx([0.98], abs=1e-16)


@pytest.mark.parametrize("bad", ["adadelta", "S G D", "", 3, None])
def test_unknown_names_are_refused(bad):
    with pytest.raises(ValueError, match=r"Unknown optimizer: expected an Optimizer instance or one of \['adagrad', "):
        optimizers.get(bad)


NO_CLIPPING = {"clipnorm": None, "clipvalue": None, "global_clipnorm": None}


def test_defaults_are_keras():
    assert Adam().get_config() == {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "weight_decay": None,
        **NO_CLIPPING,
    }
    assert AdamW().weight_decay == 0.004 and RMSProp().rho == 0.9 and Momentum().momentum == 0.9
    # keras.optimizers.Adagrad() and Nadam(), without the arguments tinyframe has no use for (name, ema, ...)
    assert Adagrad().get_config() == {
        "learning_rate": 0.001,
        "initial_accumulator_value": 0.1,
        "epsilon": 1e-7,
        **NO_CLIPPING,
    }
    assert Nadam().get_config() == {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "weight_decay": None,
        **NO_CLIPPING,
    }


@pytest.mark.parametrize(
    "module",
    ["__init__", "adagrad", "nadam", "adam", "adamw", "momentum", "rmsprop", "gradient_descent", "clipping"]
    + [f"schedules.{name}" for name in ("__init__", "base", "exponential_decay", "cosine_decay")]
    + ["schedules.piecewise_constant_decay"],
)
def test_the_docstring_examples_run(module):
    found = importlib.import_module(f"tinyframe.optimizers.{module}".removesuffix(".__init__"))
    result = doctest.testmod(found)
    assert result.attempted > 0 and result.failed == 0
