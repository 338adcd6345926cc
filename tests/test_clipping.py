"""Gradient clipping (clipnorm, clipvalue, global_clipnorm), Keras's semantics, on every optimizer.

Golden values by hand with ``GradientDescent(learning_rate=1)`` (the update is then
minus the clipped gradient); the two paths (``step`` on separate arrays and
``apply`` on a flat run) must agree; the model's own gradients are never changed.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, load_model
from tinyframe._params import Run
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.optimizers import Adagrad, Adam, AdamW, GradientDescent, Momentum, Nadam, RMSProp
from tinyframe.optimizers.clipping import l2_norm

ALL = [GradientDescent, Momentum, RMSProp, Adam, AdamW, Adagrad, Nadam]
SHAPES = [(2,), (3, 4), (2, 3, 2), (2, 1, 3, 2)]  # ranks 1 (a bias) to 4 (a convolution kernel)


def step_with(optimizer, params, grads):
    """Apply ``optimizer.step`` to copies; return the new parameters."""
    params = [np.array(p, dtype=np.float64) for p in params]
    optimizer.step(params, [np.array(g, dtype=np.float64) for g in grads])
    return params


def flat_run(parts, grads):
    """The parameters as one flat `Run` (how fit hands them over) and the gradients to match."""
    sizes = tuple(np.size(p) for p in parts)
    params = np.concatenate([np.ravel(p) for p in parts]).astype(np.float64)
    grads = np.concatenate([np.ravel(g) for g in grads]).astype(np.float64)
    return Run(tuple(range(len(parts))), params, grads, sizes)


# ---------------------------------------------------------------- golden values
def test_clipnorm_clips_each_parameter_on_its_own():
    # norms 5 and 3: clipped to 1 each; a third gradient of norm 0.5 is left alone
    new = step_with(GradientDescent(1.0, clipnorm=1.0), [[0, 0], [0, 0, 0], [0]], [[3, 4], [1, 2, 2], [0.5]])
    np.testing.assert_allclose(new[0], [-0.6, -0.8], rtol=1e-15)
    np.testing.assert_allclose(new[1], [-1 / 3, -2 / 3, -2 / 3], rtol=1e-15)
    assert new[2].tolist() == [-0.5]


def test_clipnorm_finds_each_parameter_inside_a_flat_run():
    run = flat_run([[0, 0], [0, 0, 0], [0]], [[3, 4], [1, 2, 2], [0.5]])
    GradientDescent(1.0, clipnorm=1.0).apply([run])
    np.testing.assert_allclose(run.params, [-0.6, -0.8, -1 / 3, -2 / 3, -2 / 3, -0.5], rtol=1e-15)


def test_global_clipnorm_scales_all_gradients_together():
    # global norm sqrt(25 + 9) = sqrt(34): every gradient times 1 / sqrt(34), directions kept
    expected = -np.array([3, 4, 1, 2, 2]) / math.sqrt(34)
    new = step_with(GradientDescent(1.0, global_clipnorm=1.0), [[0, 0], [0, 0, 0]], [[3, 4], [1, 2, 2]])
    np.testing.assert_allclose(np.concatenate(new), expected, rtol=1e-15)
    # over several runs (a frozen layer in between): still one global norm
    runs = [flat_run([[0, 0]], [[3, 4]]), flat_run([[0, 0, 0]], [[1, 2, 2]])]
    runs[1].key = (2,)
    GradientDescent(1.0, global_clipnorm=1.0).apply(runs)
    np.testing.assert_allclose(np.concatenate([r.params for r in runs]), expected, rtol=1e-15)
    # below the threshold nothing changes
    assert step_with(GradientDescent(1.0, global_clipnorm=6.0), [[0, 0]], [[3, 4]])[0].tolist() == [-3, -4]


def test_clipvalue_clips_each_element():
    new = step_with(GradientDescent(1.0, clipvalue=0.5), [[0, 0, 0, 0]], [[-2, -0.25, 0.5, 3]])
    assert new[0].tolist() == [0.5, 0.25, -0.5, -0.5]


# ---------------------------------------------------------------- properties, every optimizer
@pytest.mark.parametrize("optimizer", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("clip", [{"clipnorm": 0.7}, {"clipvalue": 0.3}, {"global_clipnorm": 1.1}], ids=str)
def test_step_on_arrays_and_apply_on_a_run_agree_for_every_rank(optimizer, clip):
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in range(3)]
    one_by_one, flat = optimizer(0.05, **clip), optimizer(0.05, **clip)
    run = flat_run(parts, grads[0])
    for g in grads:
        one_by_one.step(parts, g)
        run.grads[...] = np.concatenate([x.ravel() for x in g])
        flat.apply([run])
    np.testing.assert_allclose(run.params, np.concatenate([p.ravel() for p in parts]), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("optimizer", ALL, ids=lambda c: c.__name__)
def test_clipping_above_every_norm_changes_nothing(optimizer):
    rng = np.random.default_rng(1)
    parts = [rng.normal(size=s) for s in SHAPES]
    grads = [rng.normal(size=s) for s in SHAPES]
    for clip in ({"clipnorm": 100.0}, {"clipvalue": 100.0}, {"global_clipnorm": 100.0}):
        clipped, plain = step_with(optimizer(0.1, **clip), parts, grads), step_with(optimizer(0.1), parts, grads)
        assert all(np.array_equal(a, b) for a, b in zip(clipped, plain)), clip


@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=4),
    st.floats(1e-3, 1e3),
    st.floats(1e-3, 1e3),
    st.randoms(use_true_random=False),
)
def test_clipnorm_gives_each_parameter_min_of_its_norm_and_the_limit(sizes, scale, clipnorm, random):
    rng = np.random.default_rng(random.randrange(2**32))
    grads = [scale * rng.normal(size=n) for n in sizes]
    run = flat_run([np.zeros(n) for n in sizes], grads)
    GradientDescent(1.0, clipnorm=clipnorm).apply([run])
    start = 0
    for g in grads:
        moved = -run.params[start : start + g.size]
        start += g.size
        norm = np.linalg.norm(g)
        np.testing.assert_allclose(np.linalg.norm(moved), min(norm, clipnorm), rtol=1e-12)
        np.testing.assert_allclose(moved * norm, g * np.linalg.norm(moved), rtol=1e-12, atol=1e-300)  # same direction


def test_the_users_gradients_are_not_changed_by_clipping():
    grads = [np.array([3.0, 4.0]), np.array([[10.0, -10.0]])]
    copies = [g.copy() for g in grads]
    for clip in ({"clipnorm": 1.0}, {"clipvalue": 0.1}, {"global_clipnorm": 1.0}):
        Adam(0.1, **clip).step([np.zeros(2), np.zeros((1, 2))], grads)
        run = flat_run([[0, 0]], [[3.0, 4.0]])
        Momentum(0.1, **clip).apply([run])
        assert run.grads.tolist() == [3.0, 4.0]
    assert all(np.array_equal(g, c) for g, c in zip(grads, copies))


def test_in_fit_the_layers_keep_the_loss_gradient_and_the_step_uses_the_clipped_one():
    """Keras clips a copy: after fit, layer.grads is dJ/dw; the step moved each parameter by lr * clip(dJ/dw)."""
    X, y = np.random.default_rng(0).normal(size=(8, 3)) * 5, np.ones((8, 2))

    def model(**clip):
        net = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float64", seed=0)
        net.compile(optimizer=GradientDescent(0.5, **clip))
        return net

    clipped, plain = model(clipnorm=0.01), model()
    before = clipped.get_weights()
    for net in (clipped, plain):
        net.fit(X, y, epochs=1, verbose=0, batch_size=None)  # one full-batch step
    grads = [g for layer in clipped.layers for g in layer.grads.values()]
    plain_grads = [g for layer in plain.layers for g in layer.grads.values()]
    assert all(np.array_equal(a, b) for a, b in zip(grads, plain_grads))  # the gradient of the loss, unclipped
    for w0, w1, g in zip(before, clipped.get_weights(), grads):
        assert np.linalg.norm(g) > 0.01
        rounding = 4 * np.finfo(np.float64).eps * np.abs(w0).max()  # w0 - w1 cancels: an ulp or two of w
        np.testing.assert_allclose(w0 - w1, 0.5 * 0.01 * g / np.linalg.norm(g), rtol=1e-12, atol=rounding)


# ---------------------------------------------------------------- numerics at the edges
def test_clipnorm_of_a_float32_gradient_whose_square_sum_overflows():
    g = np.full(4, 1e20, np.float32)  # norm 2e20: its sum of squares, 4e40, is beyond float32
    with np.errstate(over="ignore"):
        assert l2_norm(g) == pytest.approx(2e20, rel=1e-6)
    w = np.zeros(4, np.float32)
    GradientDescent(1.0, clipnorm=1.0).step([w], [g])
    np.testing.assert_allclose(w, [-0.5] * 4, rtol=1e-6)  # clipped, not zeroed


def test_non_finite_gradients_give_nan_as_in_keras():
    with np.errstate(invalid="ignore"):  # inf * 0: what fit answers by undoing the step
        for clip in ({"clipnorm": 1.0}, {"global_clipnorm": 1.0}):
            w = np.zeros(3)
            GradientDescent(1.0, **clip).step([w], [np.array([np.inf, 1.0, 0.0])])
            assert np.isnan(w[0]), clip
        w = np.zeros(2)
        GradientDescent(1.0, global_clipnorm=1.0).step([w], [np.array([np.nan, 1.0])])
    assert np.isnan(w).all()  # Keras: a non-finite global norm makes every gradient NaN


def test_clipping_allocates_its_copy_once():
    w, g = np.zeros((400, 400)), np.full((400, 400), 0.5)
    optimizer = Adam(clipnorm=1.0)
    optimizer.step([w], [g])
    tracemalloc.start()
    optimizer.step([w], [g])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < w.nbytes / 8, f"a clipped step allocated {peak} bytes on a {w.nbytes}-byte parameter"


# ---------------------------------------------------------------- arguments, config, saving
@pytest.mark.parametrize("optimizer", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"clipnorm": -1.0}, ValueError, r"clipnorm must be in \(0.0, inf\). Received: clipnorm=-1.0"),
        ({"clipnorm": 0}, ValueError, r"clipnorm must be in \(0.0, inf\). Received: clipnorm=0"),
        ({"clipvalue": float("nan")}, ValueError, r"clipvalue must be in \(0.0, inf\). Received: clipvalue=nan"),
        ({"global_clipnorm": float("inf")}, ValueError, r"global_clipnorm must be in \(0.0, inf\)"),
        ({"clipvalue": "1"}, TypeError, "clipvalue must be a real number. Received: clipvalue='1'"),
        (
            {"clipnorm": 1.0, "global_clipnorm": 2.0},
            ValueError,
            "only one of clipnorm, clipvalue and global_clipnorm can .* Received: clipnorm=1.0, global_clipnorm=2.0",
        ),
        ({"clipnorm": 1.0, "clipvalue": 2.0}, ValueError, "only one of clipnorm, clipvalue and global_clipnorm"),
    ],
)
def test_bad_clipping_arguments_are_refused(optimizer, kwargs, error, match):
    with pytest.raises(error, match=f"{optimizer.__name__}: {match}"):
        optimizer(**kwargs)


@pytest.mark.parametrize("optimizer", ALL, ids=lambda c: c.__name__)
def test_clipping_is_in_the_config_and_survives_saving(optimizer, tmp_path):
    made = optimizer(clipvalue=0.5)
    assert made.get_config()["clipvalue"] == 0.5 and made.clipvalue == 0.5 and made.clipnorm is None
    assert type(made).from_config(made.get_config()).get_config() == made.get_config()
    model = Sequential([Dense(2, 2)], seed=0)
    model.compile(optimizer=optimizer(global_clipnorm=0.25))
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz").optimizer
    assert (loaded.global_clipnorm, loaded.clipnorm, loaded.clipvalue) == (0.25, None, None)
