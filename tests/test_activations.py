"""ReLU, LeakyReLU, Tanh, Softmax, Identity: golden values, gradients alone, stability at the extremes.

Behind a Dense layer and in random stacks they are checked by tests/test_gradcheck.py
through ``ELEMENTWISE`` in tests/strategies.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import gradcheck
from tinyframe.activations import ELU, SELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Swish, Tanh

from .strategies import (
    CHECK_MARGIN,
    TOL,
    arrays,
    batch_sizes,
    record,
    sizes,
)

NEW = {
    "ReLU": ReLU,
    "LeakyReLU": lambda: LeakyReLU(0.2),
    "Tanh": Tanh,
    "Softmax": Softmax,
    "Identity": Identity,
    "ELU": lambda: ELU(0.7),
    "SELU": SELU,
    "Swish": Swish,
    "Softplus": Softplus,
}
ALL = {**NEW, "Sigmoid": Sigmoid}


def run(layer, x, grad=None):
    """Forward and backward of a float64 layer; copies, since both return reused buffers."""
    y = layer.forward(np.asarray(x, dtype=layer.dtype)).copy()
    g = None if grad is None else layer.backward(np.asarray(grad, dtype=layer.dtype)).copy()
    return y, g


# ---------------------------------------------------------------- golden values
def test_relu_golden():
    y, g = run(ReLU().build(), [[-2.0, 0.0, 3.0]], [[5.0, 5.0, 5.0]])
    assert y.tolist() == [[0.0, 0.0, 3.0]]
    assert g.tolist() == [[0.0, 0.0, 5.0]]  # the kink takes slope 0


def test_elu_selu_swish_softplus_golden():
    # by hand from the definitions: elu(-1) = alpha (e^-1 - 1); selu = scale * elu_alpha; swish = z / (1 + e^-z)
    e = math.exp(-1.0)
    y, _ = run(ELU(0.7).build(), [[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(y, [[0.7 * (e - 1), 0.0, 2.0]], rtol=1e-15)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    y, g = run(SELU().build(), [[-1.0, 2.0]], [[1.0, 1.0]])
    np.testing.assert_allclose(y, [[scale * alpha * (e - 1), 2 * scale]], rtol=1e-15)
    np.testing.assert_allclose(g, [[scale * alpha * e, scale]], rtol=1e-15)
    y, g = run(Swish().build(), [[0.0, 1.0]], [[1.0, 1.0]])
    s = 1 / (1 + e)
    np.testing.assert_allclose(y, [[0.0, s]], rtol=1e-15)
    np.testing.assert_allclose(g, [[0.5, s * (1 + (1 - s))]], rtol=1e-15)
    y, g = run(Softplus().build(), [[-1.0, 0.0, 1.0, -40.0]], [[1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_allclose(y, [[math.log1p(e), math.log(2), math.log1p(math.e), math.exp(-40.0)]], rtol=1e-15)
    np.testing.assert_allclose(g, [[e / (1 + e), 0.5, 1 / (1 + e), math.exp(-40.0)]], rtol=1e-14)


def test_leaky_relu_golden():
    y, g = run(LeakyReLU(0.1).build(), [[-2.0, 0.0, 3.0]], [[5.0, 5.0, 5.0]])
    np.testing.assert_allclose(y, [[-0.2, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(g, [[0.5, 0.5, 5.0]], rtol=1e-15)  # the kink takes slope alpha
    assert LeakyReLU(0.0).build().forward(np.array([[-3.0, 2.0]])).tolist() == [[0.0, 2.0]]  # alpha 0 is ReLU


def test_tanh_golden():
    y, g = run(Tanh().build(), [[-1.0, 0.0, 0.5]], [[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(y, [[math.tanh(-1.0), 0.0, math.tanh(0.5)]], rtol=1e-15)
    expected = [1 - math.tanh(-1.0) ** 2, 2.0, 3 * (1 - math.tanh(0.5) ** 2)]
    np.testing.assert_allclose(g, [expected], rtol=1e-14)


def test_identity_golden_and_no_aliasing():
    x = np.array([[-1.5, 2.0]])
    y, g = run(Identity().build(), x, [[3.0, -4.0]])
    assert y.tolist() == x.tolist() and g.tolist() == [[3.0, -4.0]]
    assert Identity().build().forward(x) is not x


def test_softmax_golden():
    # exp(0) : exp(log 3) = 1 : 3, so the row is [1/4, 3/4]
    y, _ = run(Softmax().build(), [[0.0, math.log(3.0)], [5.0, 5.0]])
    np.testing.assert_allclose(y, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-15)


@given(arrays((3, 4), -5, 5), arrays((3, 4), -5, 5))
def test_softmax_backward_is_the_jacobian_product(z, grad):
    """Against the explicit Jacobian diag(y) - y y^T of each row, an independent oracle."""
    y, g = run(Softmax().build(), z, grad)
    expected = np.stack([(np.diag(row) - np.outer(row, row)) @ gr for row, gr in zip(y, grad)])
    # sums of k = 4 products in either order: a few ulps of the largest term each, whatever the CPU
    k = z.shape[1]
    np.testing.assert_allclose(g, expected, rtol=0, atol=4 * k * np.finfo(np.float64).eps * max(np.abs(grad).max(), 1))


@given(arrays((4, 5), -50, 50), st.floats(-100, 100))
def test_softmax_rows_sum_to_one_and_ignore_a_shift(z, shift):
    y = Softmax().build().forward(z).copy()
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-14)
    assert np.all(y >= 0)
    np.testing.assert_allclose(Softmax().build().forward(z + shift), y, atol=1e-12)


def test_tanh_is_twice_a_stretched_sigmoid():
    z = np.linspace(-4, 4, 17)[None, :]
    np.testing.assert_allclose(Tanh().build().forward(z), 2 * Sigmoid().build().forward(2 * z) - 1, atol=1e-15)


# ---------------------------------------------------------------- gradients, alone
@pytest.mark.parametrize("name", sorted(NEW))
@given(data=st.data(), width=sizes, m=batch_sizes)
def test_gradient_alone(name, data, width, m):
    """check_layer: J = sum(r * f(x)), so the input gradient is exercised directly."""
    if name in ("ReLU", "LeakyReLU", "ELU", "SELU"):  # at least CHECK_MARGIN from the kink at 0: a step across it
        # measures neither slope
        signs = data.draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=m * width, max_size=m * width))
        x = data.draw(arrays((m, width), CHECK_MARGIN, 3.0)) * np.reshape(signs, (m, width))
    else:
        x = data.draw(arrays((m, width)))
    record(name, gradcheck.check_layer(ALL[name]().build(dtype="float64"), x))


def test_the_check_catches_a_wrong_softmax_backward():
    class ElementwiseSoftmax(Softmax):
        """The classic mistake: y * (1 - y) * grad, the diagonal of the Jacobian only."""

        def derivative(self, x, y, grad, out):
            return np.multiply(y * (1 - y), grad, out=out)

    x = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.5]])
    assert gradcheck.check_layer(ElementwiseSoftmax().build(), x).max_error > 0.1
    assert gradcheck.check_layer(Softmax().build(), x).max_error < TOL


# ---------------------------------------------------------------- stability
EXTREMES = np.array([[-1e4, -1e3, -1.0, 0.0, 1.0, 1e3, 1e4], [1e4, 1e4, -1e4, -1e4, 0.0, 0.0, 1e4]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_finite_and_silent_at_the_extremes(name, dtype):
    layer = ALL[name]().build(dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y = layer.forward(EXTREMES.astype(dtype)).copy()
        g = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and g.dtype == dtype
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g)), (y, g)


def test_saturated_values_are_the_limits():
    z = np.array([[-1e4, 1e4]])
    assert Tanh().build().forward(z).tolist() == [[-1.0, 1.0]]
    assert Softmax().build().forward(z).tolist() == [[0.0, 1.0]]
    assert ReLU().build().forward(z).tolist() == [[0.0, 1e4]]


# ---------------------------------------------------------------- arguments and config
@pytest.mark.parametrize("name", sorted(NEW))
def test_config_round_trip(name):
    layer = ALL[name]()
    clone = type(layer).from_config(layer.get_config())
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()


def test_leaky_relu_arguments():
    assert LeakyReLU().alpha == 0.3 and LeakyReLU(1).get_config() == {"alpha": 1.0}
    assert repr(LeakyReLU(0.1)) == "LeakyReLU(alpha=0.1)"
    with pytest.raises(ValueError, match=r"LeakyReLU: alpha must be in \[0.0, 1.0\]. Received: alpha=-0.1"):
        LeakyReLU(-0.1)
    with pytest.raises(ValueError, match="Received: alpha=1.5"):
        LeakyReLU(1.5)
    with pytest.raises(TypeError, match="LeakyReLU: alpha must be a real number. Received: alpha='0.1'"):
        LeakyReLU("0.1")


@pytest.mark.parametrize("name", sorted(NEW))
def test_forward_leaves_its_input_alone(name):
    x = np.array([[-1.0, 0.5, 2.0]])
    saved = x.copy()
    layer = ALL[name]().build()
    layer.forward(x)
    layer.backward(np.ones_like(x))
    assert np.array_equal(x, saved)
