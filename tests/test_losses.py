"""CrossEntropy, BinaryCrossEntropy, MeanSquaredError, MeanAbsoluteError: golden values, gradients, extremes; names."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, losses
from tinyframe.activations import Sigmoid, Softmax
from tinyframe.data import one_hot
from tinyframe.layers import Dense
from tinyframe.losses import (
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    KLDivergence,
    MeanAbsoluteError,
    MeanSquaredError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredError,
)

from .strategies import (
    CHECK_MARGIN,
    arrays,
    batch_sizes,
    checkable,
    record,
    seeds,
    sizes,
    stacks,
)


@st.composite
def one_hot_targets(draw, m, k):
    return one_hot(draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m)), k)


@st.composite
def soft_targets(draw, m, k):
    """Rows of non-negative weights summing to 1 (label smoothing, mixtures)."""
    w = draw(arrays((m, k), 0.0, 1.0)) + 1e-3
    return w / w.sum(axis=1, keepdims=True)


def grad_of(loss, y_pred, y_true):
    value = loss.forward(np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float))
    return value, loss.backward().copy()


# ---------------------------------------------------------------- golden values, by hand
def test_cross_entropy_from_logits_golden():
    # row 1: softmax(0, log 3) = (1/4, 3/4), target 1; row 2: softmax(0, 0) = (1/2, 1/2), target 0
    z, y = [[0.0, math.log(3.0)], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]
    value, grad = grad_of(CrossEntropy(from_logits=True), z, y)
    assert value == pytest.approx(-(math.log(0.75) + math.log(0.5)) / 2, rel=1e-15)
    np.testing.assert_allclose(grad, [[0.25 / 2, -0.25 / 2], [-0.5 / 2, 0.5 / 2]], rtol=1e-14)  # (softmax - y) / m


def test_cross_entropy_from_probabilities_golden():
    # rows summing to 1: q = p, g = y / q; dJ/dp = -(g - sum(g q)) / (m S) with sum(g q) = 1, S = 1
    value, grad = grad_of(CrossEntropy(), [[0.25, 0.75], [0.5, 0.5]], [[0.0, 1.0], [1.0, 0.0]])
    assert value == pytest.approx(-(math.log(0.75) + math.log(0.5)) / 2, rel=1e-15)
    np.testing.assert_allclose(grad, [[(1 - 0) / 2, (1 - 4 / 3) / 2], [(1 - 2) / 2, (1 - 0) / 2]], rtol=1e-14)


def test_cross_entropy_normalises_the_rows_first():
    """Keras's rule: q = p / sum(p). [0.1, 0.3] is read as [0.25, 0.75]; the gradient goes through S = 0.4."""
    value, grad = grad_of(CrossEntropy(), [[0.1, 0.3]], [[0.0, 1.0]])
    assert value == pytest.approx(-math.log(0.75), rel=1e-15)
    # g = [0, 4/3], sum(g q) = 1: dJ/dp = -(g - 1) / S = [1 / 0.4, (1 - 4/3) / 0.4]
    np.testing.assert_allclose(grad, [[2.5, -1 / 3 / 0.4]], rtol=1e-14)
    # scaling a row changes nothing, so the gradient is orthogonal to it: dJ/dp . p = 0
    assert float(grad[0] @ np.array([0.1, 0.3])) == pytest.approx(0.0, abs=1e-15)


def test_binary_cross_entropy_golden():
    # p = 0.8 with y = 1, p = 0.2 with y = 0: both -log(0.8); mean over the m * k = 2 outputs
    value, grad = grad_of(BinaryCrossEntropy(), [[0.8], [0.2]], [[1.0], [0.0]])
    assert value == pytest.approx(-math.log(0.8), rel=1e-14)
    np.testing.assert_allclose(grad, [[-1 / 0.8 / 2], [1 / 0.8 / 2]], rtol=1e-14)
    logit = math.log(0.8 / 0.2)  # sigmoid(logit) = 0.8
    value, grad = grad_of(BinaryCrossEntropy(from_logits=True), [[logit], [-logit]], [[1.0], [0.0]])
    assert value == pytest.approx(-math.log(0.8), rel=1e-14)
    np.testing.assert_allclose(grad, [[-0.2 / 2], [0.2 / 2]], rtol=1e-14)  # (sigmoid(z) - y) / (m k)


def test_mean_squared_and_absolute_error_golden():
    y_pred, y_true = [[1.0, -2.0], [0.5, 0.0]], [[0.0, 0.0], [0.0, 0.0]]
    value, grad = grad_of(MeanSquaredError(), y_pred, y_true)
    assert value == pytest.approx((1 + 4 + 0.25) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, [[2 / 4, -4 / 4], [1 / 4, 0.0]], rtol=1e-15)
    value, grad = grad_of(MeanAbsoluteError(), y_pred, y_true)
    assert value == pytest.approx((1 + 2 + 0.5) / 4, rel=1e-15)
    assert grad.tolist() == [[0.25, -0.25], [0.25, 0.0]]  # sign / (m k), 0 where equal


@given(arrays((3, 4)), arrays((3, 4)))
def test_mean_squared_error_is_squared_error_times_two_over_k(y_pred, y_true):
    mse, se = grad_of(MeanSquaredError(), y_pred, y_true), grad_of(SquaredError(), y_pred, y_true)
    assert mse[0] == pytest.approx(se[0] * 2 / 4, rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(mse[1], se[1] * 2 / 4, rtol=1e-14)


@given(arrays((4, 3), -5, 5), st.data())
def test_logits_and_probabilities_agree(z, data):
    """CE(z, from_logits) == CE(softmax(z)), and BCE likewise with the sigmoid (|z| <= 5: no clipping)."""
    y = data.draw(one_hot_targets(4, 3))
    p = Softmax().build().forward(z).copy()
    assert CrossEntropy(from_logits=True).forward(z, y) == pytest.approx(CrossEntropy().forward(p, y), rel=1e-12)
    s = Sigmoid().build().forward(z).copy()
    b = BinaryCrossEntropy(from_logits=True).forward(z, y)
    assert b == pytest.approx(BinaryCrossEntropy().forward(s, y), rel=1e-9)


def test_label_smoothing():
    # s = 0.3, k = 2: the target [0, 1] becomes [0.15, 0.85]
    z, smoothed = np.array([[0.0, math.log(3.0)]]), np.array([[0.15, 0.85]])
    for from_logits, y_pred in ((True, z), (False, np.array([[0.25, 0.75]]))):
        value, grad = grad_of(CrossEntropy(from_logits, label_smoothing=0.3), y_pred, [[0.0, 1.0]])
        assert value == pytest.approx(-(0.15 * math.log(0.25) + 0.85 * math.log(0.75)), rel=1e-14)
        assert np.allclose(grad, grad_of(CrossEntropy(from_logits), y_pred, smoothed)[1], rtol=1e-14)
    assert CrossEntropy(True, 0.3).forward(z, np.array([1])) == pytest.approx(value, rel=1e-14)  # labels too
    record("CrossEntropy(smoothed)", gradcheck.check_loss(CrossEntropy(True, 0.2), z, [[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"CrossEntropy: label_smoothing must be in \[0.0, 1.0\]. Received: "):
        CrossEntropy(label_smoothing=1.5)


def test_integer_labels_are_one_hot_encoded():
    z = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, 0.1]])
    loss = CrossEntropy(from_logits=True)
    assert loss.forward(z, np.array([2, 0])) == loss.forward(z, one_hot([2, 0], 3))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        loss.forward(z, np.array([3, 0]))


# ---------------------------------------------------------------- gradients of the losses alone
@given(st.data(), sizes, batch_sizes)
def test_cross_entropy_gradients(data, k, m):
    z = data.draw(arrays((m, k), -10, 10))
    for y in (data.draw(one_hot_targets(m, k)), data.draw(soft_targets(m, k))):
        p = data.draw(arrays((m, k), 0.05, 0.95))  # the check's steps stay inside [0, 1]
        # Where the normalised p (or softmax(z)) equals y the gradient is exactly 0, below what central
        # differences resolve (see checkable in tests/strategies.py); uniform targets hit that point.
        assume(k == 1 or np.abs(p / p.sum(axis=1, keepdims=True) - y).max() > CHECK_MARGIN)
        record("CrossEntropy(probs)", gradcheck.check_loss(CrossEntropy(), p, y))
        assume(k == 1 or np.abs(Softmax().build().forward(z) - y).max() > CHECK_MARGIN)
        record("CrossEntropy(logits)", gradcheck.check_loss(CrossEntropy(from_logits=True), z, y))


@given(st.data(), sizes, batch_sizes)
def test_binary_cross_entropy_gradients(data, k, m):
    y = data.draw(arrays((m, k), 0.0, 1.0))
    record(
        "BCE(logits)", gradcheck.check_loss(BinaryCrossEntropy(from_logits=True), data.draw(arrays((m, k), -10, 10)), y)
    )
    record("BCE(probs)", gradcheck.check_loss(BinaryCrossEntropy(), data.draw(arrays((m, k), 0.05, 0.95)), y))


@given(st.data(), sizes, batch_sizes)
def test_regression_loss_gradients(data, k, m):
    y_pred, y_true = data.draw(arrays((m, k))), data.draw(arrays((m, k)))
    record("MeanSquaredError", gradcheck.check_loss(MeanSquaredError(), y_pred, y_true))
    assume(np.all(np.abs(y_pred - y_true) >= CHECK_MARGIN))  # |d| has a kink at 0
    record("MeanAbsoluteError", gradcheck.check_loss(MeanAbsoluteError(), y_pred, y_true))


# ---------------------------------------------------------------- gradients behind layers
def model_with(layers, loss, seed):
    model = Sequential(layers, dtype="float64", seed=seed)
    model.compile(loss=loss)
    return model


@given(st.data(), sizes, sizes, batch_sizes, seeds)
def test_classification_losses_behind_dense(data, n_in, k, m, seed):
    """Dense in front so dJ/dX exercises the loss gradient; the Softmax + CE(probs) stack must be right too."""
    X = data.draw(arrays((m, n_in)))
    y = data.draw(one_hot_targets(m, k))
    cases = {
        "CrossEntropy(logits)": ([Dense(n_in, k)], CrossEntropy(from_logits=True)),
        "Softmax+CrossEntropy(probs)": ([Dense(n_in, k), Softmax()], CrossEntropy(from_logits=False)),
        "BCE(logits)": ([Dense(n_in, k)], BinaryCrossEntropy(from_logits=True)),
        "Sigmoid+BCE(probs)": ([Dense(n_in, k), Sigmoid()], BinaryCrossEntropy(from_logits=False)),
    }
    for name, (layers, loss) in cases.items():
        model = model_with(layers, loss, seed)
        if isinstance(layers[-1], Softmax):
            assume(checkable(model, X))
        record(name, gradcheck.check_model(model, X, y))


@given(st.data(), sizes, batch_sizes, seeds)
def test_regression_losses_behind_dense(data, k, m, seed):
    X, y = data.draw(arrays((m, k))), data.draw(arrays((m, k)))
    record("MeanSquaredError", gradcheck.check_model(model_with([Dense(k, k)], MeanSquaredError(), seed), X, y))
    model = model_with([Dense(k, k)], MeanAbsoluteError(), seed)
    residual = model.forward(X) - y
    assume(np.all(np.abs(residual) >= CHECK_MARGIN))
    # A column whose signs cancel has a bias gradient of exactly 0, where J is flat in b up to rounding:
    # the central difference then measures ~1e-12 * |J| of noise, above gradcheck's floor (1e-9 * |J|) times TOL.
    assume(np.all(np.sign(residual).sum(axis=0) != 0))
    record("MeanAbsoluteError", gradcheck.check_model(model, X, y))


@given(st.data(), stacks(), batch_sizes)
def test_cross_entropy_behind_random_stacks(data, stack, m):
    model, n_in, n_out = stack
    model.compile(loss=CrossEntropy(from_logits=True))
    X = data.draw(arrays((m, n_in)))
    y = data.draw(soft_targets(m, n_out))
    assume(checkable(model, X))
    # the loss's own symmetric point (softmax(z) == y, an exact zero gradient): see test_cross_entropy_gradients
    assume(n_out == 1 or np.abs(Softmax().build().forward(model.predict(X).astype(float)) - y).max() > CHECK_MARGIN)
    record("stack+CrossEntropy", gradcheck.check_model(model, X, y))


def test_softmax_then_probabilities_gives_the_fused_gradient():
    """dJ/dz through Softmax.backward equals CrossEntropy(from_logits=True)'s (softmax(z) - y) / m."""
    z = np.array([[1.0, -2.0, 0.5], [3.0, 3.0, -1.0]])
    y = one_hot([0, 2], 3)
    fused = grad_of(CrossEntropy(from_logits=True), z, y)[1]
    softmax = Softmax().build()
    p = softmax.forward(z).copy()
    separate = softmax.backward(grad_of(CrossEntropy(), p, y)[1])
    np.testing.assert_allclose(separate, fused, rtol=1e-12)
    np.testing.assert_allclose(fused, (p - y) / 2, rtol=1e-14)


# ---------------------------------------------------------------- stability at the extremes
def finite_and_silent(loss, y_pred, y_true):
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        value = loss.forward(y_pred, y_true)
        grad = loss.backward()
    assert math.isfinite(value) and np.all(np.isfinite(grad)), (loss, value, grad)
    assert grad.dtype == y_pred.dtype
    return value


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_logits(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype)
    for y in (one_hot([0, 1, 2], 3, dtype), one_hot([1, 0, 0], 3, dtype)):
        for loss in (CrossEntropy(from_logits=True), BinaryCrossEntropy(from_logits=True)):
            finite_and_silent(loss, z, y)
        for loss in (MeanSquaredError(), MeanAbsoluteError()):
            finite_and_silent(loss, z, y)
    # a confident right answer costs nothing; a confident wrong one costs its margin, 2e4
    assert finite_and_silent(CrossEntropy(from_logits=True), z[:1], one_hot([0], 3, dtype)) == 0.0
    assert finite_and_silent(CrossEntropy(from_logits=True), z[:1], one_hot([1], 3, dtype)) == pytest.approx(2e4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_probabilities_of_exactly_zero_and_one(dtype):
    p = np.array([[0.0, 1.0], [1.0, 0.0]], dtype)
    for y in (np.array([[0.0, 1.0], [1.0, 0.0]], dtype), np.array([[1.0, 0.0], [0.0, 1.0]], dtype)):
        for loss in (CrossEntropy(), BinaryCrossEntropy(), MeanSquaredError(), MeanAbsoluteError()):
            finite_and_silent(loss, p, y)
    loss = CrossEntropy()
    assert finite_and_silent(loss, p, np.array([[0.0, 1.0], [1.0, 0.0]], dtype)) == 0.0
    wrong = finite_and_silent(loss, p, np.array([[1.0, 0.0], [0.0, 1.0]], dtype))
    assert wrong == pytest.approx(-math.log(np.finfo(dtype).eps))  # log clipped at machine epsilon
    assert loss.backward()[0, 0] < 0  # a confidently wrong output is still pushed the right way


# ---------------------------------------------------------------- arguments, names, config
def test_probabilities_out_of_range_are_refused():
    with pytest.raises(
        ValueError, match=r"CrossEntropy\(from_logits=False, label_smoothing=0.0\) expects probabilities in \[0, 1\]"
    ):
        CrossEntropy().forward(np.array([[2.0, -1.0]]), np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="Received: values from -1 to 2. If the last layer outputs raw scores"):
        BinaryCrossEntropy().forward(np.array([[2.0, -1.0]]), np.array([[1.0, 0.0]]))


def test_bad_arguments():
    with pytest.raises(TypeError, match="CrossEntropy: from_logits must be True or False. Received: 'yes'"):
        CrossEntropy(from_logits="yes")
    with pytest.raises(TypeError, match="BinaryCrossEntropy: from_logits must be True or False. Received: 1"):
        BinaryCrossEntropy(from_logits=1)
    with pytest.raises(ValueError, match=r"y_pred and y_true must have the same shape"):
        MeanAbsoluteError().forward(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match=r"call forward\(y_pred, y_true\) before backward"):
        CrossEntropy().backward()


@pytest.mark.parametrize(
    "name, cls",
    [
        ("cross_entropy", CrossEntropy),
        ("categorical_crossentropy", CrossEntropy),
        ("binary_cross_entropy", BinaryCrossEntropy),
        ("binary_crossentropy", BinaryCrossEntropy),
        ("mse", MeanSquaredError),
        ("mean_squared_error", MeanSquaredError),
        ("mae", MeanAbsoluteError),
        ("mean_absolute_error", MeanAbsoluteError),
        ("sparse_categorical_crossentropy", SparseCategoricalCrossentropy),
        ("huber", Huber),
        ("kl_divergence", KLDivergence),
        ("kld", KLDivergence),
        ("hinge", Hinge),
        ("poisson", Poisson),
        # class names, any case: tinyframe's and Keras's
        ("Huber", Huber),
        ("HUBER", Huber),
        ("CategoricalCrossentropy", CrossEntropy),
        ("BinaryCrossentropy", BinaryCrossEntropy),
        ("SparseCategoricalCrossentropy", SparseCategoricalCrossentropy),
        ("MeanSquaredError", MeanSquaredError),
        ("KLDivergence", KLDivergence),
        ("squarederror", SquaredError),
    ],
)
def test_names(name, cls):
    loss = losses.get(name)
    assert type(loss) is cls
    assert getattr(loss, "from_logits", False) is False  # names give Keras's defaults


@pytest.mark.parametrize(
    "loss",
    [
        CrossEntropy(True, 0.1),
        BinaryCrossEntropy(),
        MeanSquaredError(),
        SparseCategoricalCrossentropy(from_logits=True),
        Huber(0.5),
        KLDivergence(),
        Hinge(),
        Poisson(),
    ],
    ids=repr,
)
def test_config_round_trip(loss):
    clone = type(loss).from_config(loss.get_config())
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
    assert type(loss).__name__ in losses.__all__  # how saving finds the class by name
    assert repr(CrossEntropy(from_logits=True)) == "CrossEntropy(from_logits=True, label_smoothing=0.0)"
