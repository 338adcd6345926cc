"""GELU and the erf/erfc behind it (tinyframe/_erf.py, tinyframe/_normal32.py): golden values, oracles, gradients,
extremes, config.

Oracles: normal-CDF table values and ``math`` (glibc's erf/erfc, < 1 ulp) for the
exact form, Keras's tanh formula written with ``math.tanh`` for the approximate one,
Keras's documented float32 outputs, and SciPy or PyTorch when they are importable.
Behind a Dense layer and in random stacks GELU is checked by tests/test_gradcheck.py
through ``ELEMENTWISE`` in tests/strategies.py ("GELU", "GELU-tanh").
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinyframe import Sequential, _normal32, gradcheck, load_model
from tinyframe._erf import erf, erfc
from tinyframe.activations import GELU
from tinyframe.layers import Dense

from .strategies import arrays, record

EPS, EPS32 = float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps)
TINY, SUBNORMAL = float(np.finfo(np.float64).tiny), 5e-324
# erf/erfc: the longest path (two degree-8 Horner sums, a division, two exps, three products)
# rounds ~20 times by <= 1/2 ulp, mostly with random signs; math.erf adds < 1 ulp.
RTOL = 8 * EPS
PHI_TABLE = {1.0: 0.8413447460685429, 2.0: 0.9772498680518208, -3.0: 0.0013498980316300946}  # normal CDF tables
SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def gelu_and_slope(x, approximate=False, dtype="float64"):
    """``GELU(x)`` and ``dGELU/dx`` (backward of ones), as copies."""
    layer = GELU(approximate).build(dtype=dtype)
    y = layer.forward(np.asarray(x, dtype=dtype)).copy()
    return y, layer.backward(np.ones_like(y)).copy()


def conditioning(x):
    """How many ulp one rounding of ``x`` (or of ``x / sqrt 2``, or of ``u``) moves the gate, at most.

    Phi's relative slope ``x phi(x) / Phi(x)`` grows like ``x**2`` in the left tail; that
    of ``sigmoid(2u)`` is ``|2u| (1 - g)``, with ``|2u| < 1.6 |x| + 0.072 |x|**3``.
    """
    x = np.abs(np.asarray(x, dtype=np.float64))
    return 1 + x**2 + x**3 / 8


def assert_close(actual, expected, rtol, atol=0.0):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    bad = ~(np.abs(actual - expected) <= rtol * np.abs(expected) + atol)
    assert not bad.any(), f"actual {actual[bad]} expected {expected[bad]}"


def assert_relative(actual, expected, rtol):
    """Relative error <= rtol where ``expected`` is a normal float; a few subnormal steps below that."""
    expected = np.asarray(expected, dtype=np.float64)
    assert_close(actual, expected, rtol, atol=np.where(np.abs(expected) < TINY, 4 * SUBNORMAL, 0.0))


def exact_reference(v):
    """``(GELU(v), GELU'(v))`` from ``math``: ``v Phi(v)`` and ``Phi(v) + v phi(v)``."""
    Phi = 0.5 * math.erfc(-v / math.sqrt(2))
    phi = math.exp(-v * v / 2) / math.sqrt(2 * math.pi)
    return v * Phi, Phi + v * phi, Phi + abs(v * phi)  # the last: the scale of the derivative's terms


# ---------------------------------------------------------------- golden values
def test_exact_golden_values_from_the_normal_table():
    x = [[-3.0, -1.0, 0.0, 1.0, 2.0]]
    Phi = [PHI_TABLE[-3.0], 1 - PHI_TABLE[1.0], 0.5, PHI_TABLE[1.0], PHI_TABLE[2.0]]
    phi = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x[0]]
    y, dy = gelu_and_slope(x)
    assert y[0, 2] == 0.0 and dy[0, 2] == 0.5
    np.testing.assert_allclose(y, [[v * P for v, P in zip(x[0], Phi)]], rtol=RTOL)
    np.testing.assert_allclose(y[0, 3], 0.8413447460685429, rtol=RTOL)  # GELU(1) = Phi(1)
    # at -1 the two terms nearly cancel (0.159 - 0.242): a factor 4 more rounding
    np.testing.assert_allclose(dy, [[P + v * p for v, P, p in zip(x[0], Phi, phi)]], rtol=4 * RTOL)


def test_approximate_golden_values_from_keras_formula():
    x = [-1.0, 0.0, 0.5, 1.0, 2.0]
    t = [math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v**3)) for v in x]
    y, dy = gelu_and_slope([x], approximate=True)
    np.testing.assert_allclose(y, [[0.5 * v * (1 + tv) for v, tv in zip(x, t)]], rtol=RTOL)
    slope = [0.5 * (1 + tv) + 0.5 * v * (1 - tv**2) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v**2) for v, tv in zip(x, t)]
    np.testing.assert_allclose(dy, [slope], rtol=RTOL)
    assert dy[0, 1] == 0.5


def test_keras_documented_float32_outputs():
    """tf.keras.activations.gelu's docstring example. Keras takes 0.5 x (1 + erf) (or 1 + tanh) in float32,
    exact to about |x| eps32 in absolute terms where the gate is small."""
    x = np.array([[-3.0, -1.0, 0.0, 1.0, 3.0]], dtype=np.float32)
    atol = 2 * np.abs(x) * EPS32
    y, _ = gelu_and_slope(x, dtype="float32")
    assert y.dtype == np.float32
    assert_close(y, [[-0.00404951, -0.15865529, 0.0, 0.8413447, 2.9959507]], 4 * EPS32, atol)
    y, _ = gelu_and_slope(x, approximate=True, dtype="float32")
    assert_close(y, [[-0.00363752, -0.15880796, 0.0, 0.841192, 2.9963627]], 4 * EPS32, atol)


# ---------------------------------------------------------------- erf and erfc
float64s = st.one_of(st.floats(-6, 6), st.floats(-30, 30), st.floats(allow_nan=False, allow_infinity=False))


@given(st.lists(float64s, min_size=1, max_size=40))
def test_erf_and_erfc_match_math(values):
    x = np.array(values)
    assert_relative(erf(x), [math.erf(v) for v in values], RTOL)
    assert_relative(erfc(x), [math.erfc(v) for v in values], RTOL)


def test_erf_accuracy_over_the_real_line():
    """The measured figure: max relative error on a dense grid of every interval and a log grid to 1e308."""
    x = np.concatenate([np.linspace(-30, 30, 60001), np.geomspace(1e-300, 1e308, 6001)])
    x = np.concatenate([x, -x, [0.46875, 4.0, 28.0]])
    worst = {}
    for f, ref in ((erf, math.erf), (erfc, math.erfc)):
        expected = np.array([ref(v) for v in x])
        normal = np.abs(expected) >= TINY
        worst[f.__name__] = (np.abs(f(x) - expected)[normal] / np.abs(expected[normal])).max()
    print(f"\nmax relative error against math: erf {worst['erf']:.2e}, erfc {worst['erfc']:.2e}")
    assert worst["erf"] < 1e-15 and worst["erfc"] < RTOL


def test_erf_limits_and_signed_zero():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.7976931348623157e308, -1.7976931348623157e308])
    with np.errstate(all="raise", under="ignore"):
        e, c = erf(x), erfc(x)
    assert e[:4].tolist() == [0.0, 0.0, 1.0, -1.0] and np.signbit(e[1]) and not np.signbit(e[0])
    assert c[:4].tolist() == [1.0, 1.0, 0.0, 2.0] and np.isnan(e[4]) and np.isnan(c[4])
    assert e[5:].tolist() == [1.0, -1.0] and c[5:].tolist() == [0.0, 2.0]


def test_erf_float32_stays_float32_and_within_a_few_ulp():
    x32 = np.concatenate([np.linspace(-10, 10, 4001), np.geomspace(1e-30, 3e38, 401)]).astype(np.float32)
    x32 = np.concatenate([x32, -x32])
    with np.errstate(all="raise", under="ignore"):
        e, c = erf(x32), erfc(x32)
    assert e.dtype == c.dtype == np.float32
    x = x32.astype(np.float64)
    assert_close(e, [math.erf(v) for v in x], 8 * EPS32, atol=1e-45)
    assert_close(c, [math.erfc(v) for v in x], 8 * EPS32 * (1 + x**2 / 8), atol=1e-45)  # below 1e-38: subnormal


def test_against_scipy():
    special = pytest.importorskip("scipy.special")
    x = np.linspace(-30, 30, 12001)
    assert_relative(erf(x), special.erf(x), RTOL)
    # Cephes' erfc takes exp(-x*x) directly: up to ~x**2 ulp of its own (5.7e-14 at x = 23.4);
    # and it flushes subnormal results (x > 26.55) to 0
    normal = special.erfc(x) >= TINY
    assert_relative(erfc(x)[normal], special.erfc(x)[normal], EPS * (8 + 2 * x[normal] ** 2))
    y, _ = gelu_and_slope(x[None, :])
    assert_relative(y[0], x * special.ndtr(x), EPS * (8 + 2 * x**2))


def test_against_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-12, 12, 2401)
    for approximate, name in ((False, "none"), (True, "tanh")):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        out = torch.nn.functional.gelu(t, approximate=name)
        out.backward(torch.ones_like(out))
        y, dy = gelu_and_slope(x[None, :], approximate)
        atol = 4 * EPS * (1 + np.abs(x))  # PyTorch takes 1 + erf (1 + tanh): exact in absolute terms
        assert_close(y[0], out.detach().numpy(), 8 * EPS * conditioning(x), atol)
        assert_close(dy[0], t.grad.numpy(), 8 * EPS * conditioning(x), atol * conditioning(x))


# ---------------------------------------------------------------- GELU against math, any rank
shapes = st.lists(st.integers(1, 3), min_size=2, max_size=4).map(tuple)  # ranks 2, 3, 4


@given(data=st.data(), shape=shapes)
def test_exact_matches_math_at_any_rank(data, shape):
    x = data.draw(arrays(shape, -40.0, 40.0))
    y, dy = gelu_and_slope(x)
    ref = np.array([exact_reference(v) for v in x.ravel()]).reshape(*shape, 3)
    rtol = EPS * (8 + 2 * x**2)  # t = -x/sqrt(2) is rounded differently on each side: x**2 ulp in the tail
    assert_close(y, ref[..., 0], rtol, atol=1e-300)
    assert_close(dy, ref[..., 1], 0, atol=rtol * ref[..., 2] + 1e-300)  # the derivative crosses 0 near -0.75
    flat_y, flat_dy = gelu_and_slope(x.reshape(-1, shape[-1]))
    assert np.array_equal(y.reshape(flat_y.shape), flat_y) and np.array_equal(dy.reshape(flat_dy.shape), flat_dy)


@given(data=st.data(), shape=shapes)
def test_approximate_matches_keras_tanh_formula_at_any_rank(data, shape):
    x = data.draw(arrays(shape, -40.0, 40.0))
    y, dy = gelu_and_slope(x, approximate=True)
    v = x.ravel()
    t = np.array([math.tanh(SQRT_2_OVER_PI * (a + 0.044715 * a**3)) for a in v])
    du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v**2)
    # the formula's 1 + tanh(u) is exact only to eps in absolute terms (y to |x| eps): ours, sigmoid(2u), is tighter
    assert_close(y.ravel(), 0.5 * v * (1 + t), 8 * EPS, atol=2 * EPS * np.abs(v))
    slope = 0.5 * (1 + t) + 0.5 * v * (1 - t**2) * du
    # the same for 1 - t**2; and our gate moves by |2u| ulp when 2u is rounded
    two_u = 2 * SQRT_2_OVER_PI * (v + 0.044715 * v**3)
    assert_close(dy.ravel(), slope, 8 * EPS, atol=4 * EPS * (1 + np.abs(v) * du) * (4 + np.abs(two_u)))


@pytest.mark.parametrize("approximate", [False, True])
@given(data=st.data(), shape=shapes)
def test_gradient_alone_at_any_rank(approximate, data, shape):
    """check_layer: J = sum(r * GELU(x)); up to |x| = 8, so erfc's third interval (|x| > 5.66) is crossed."""
    x = data.draw(arrays(shape, -8.0, 8.0))
    record("GELU-tanh" if approximate else "GELU", gradcheck.check_layer(GELU(approximate).build(dtype="float64"), x))


# ---------------------------------------------------------------- float32, extremes
@pytest.mark.parametrize("approximate", [False, True])
def test_float32_agrees_with_float64(approximate):
    x32 = np.concatenate([np.linspace(-14, 14, 2801), np.geomspace(1e-30, 1e3, 301)]).astype(np.float32)[None, :]
    y32, dy32 = gelu_and_slope(x32, approximate, "float32")
    assert y32.dtype == dy32.dtype == np.float32
    x = x32.astype(np.float64)
    y, dy = gelu_and_slope(x, approximate)
    assert_close(y32, y, 8 * EPS32 * conditioning(x), atol=1e-37)
    assert_close(dy32, dy, 0, atol=8 * EPS32 * conditioning(x))


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finite_silent_and_exact_limits_up_to_the_largest_float(dtype, approximate):
    big = float(np.finfo(dtype).max)
    x = np.array([[-big, -1e30, -1e4, -40.0, -1.0, 0.0, 1.0, 40.0, 1e4, 1e30, big]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y, dy = gelu_and_slope(x, approximate, dtype)
    assert y.dtype == dy.dtype == dtype and np.all(np.isfinite(y)) and np.all(np.isfinite(dy))
    assert y[0, :4].tolist() == [0.0] * 4 and dy[0, :4].tolist() == [0.0] * 4
    assert np.array_equal(y[0, 7:], x[0, 7:]) and dy[0, 7:].tolist() == [1.0] * 4


# ---------------------------------------------------------------- float32: tinyframe/_normal32.py
ULP32 = 4  # the stated bound on Phi, in float32 ulp where Phi is a normal float (measured: 3.15, at z = -0.7085)
TINY32, SUBNORMAL32 = float(np.finfo(np.float32).tiny), 2.0**-149


def float32_grid():
    """Every 997th float32 from 1e-6 to 16, both signs (~400,000 points), the left edge, then special values.

    16 is past both ends: 1 - Phi(16) rounds to 0, Phi(-16) and phi(16) underflow to 0.
    """
    bits = np.arange(np.float32(1e-6).view(np.int32), np.float32(16).view(np.int32), 997, dtype=np.int32)
    edges = np.array([0.0, 1e-45, 1e-38, 0.75, 5.4, 12.9, 13.0, 13.2, 14.1, 14.2, 14.4, 14.5, 14.6, 3e38], np.float32)
    x = np.concatenate([bits.view(np.float32), np.linspace(-14.6, -12.8, 20001, dtype=np.float32), edges])
    return np.concatenate([x, -x])


def ulps32(actual, expected):
    """``|actual - expected|`` in float32 ulp of ``expected``; in smallest-subnormal steps where it is not normal."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    unit = np.where(np.abs(expected) >= TINY32, np.spacing(np.abs(expected).astype(np.float32)), SUBNORMAL32)
    return np.abs(actual - expected) / unit.astype(np.float64)


def normal_cdf_and_pdf(x):
    """Phi and phi at float64 ``x`` from ``math`` (``v * v`` is exact for a float32 ``v``)."""
    Phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    return Phi, np.array([math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in x])


def test_float32_phi_and_its_slope_within_a_few_ulp_over_the_line():
    """Against math.erfc and math.exp per element (float64, < 1 ulp: 1e-16 far below a float32 ulp).

    The gate Phi within ULP32 ulp where it is a normal float (about z > -13.0), within 2
    subnormal steps below; the slope phi within 1 ulp (one rounding of a float64 value).
    """
    x32 = float32_grid()
    layer = GELU().build(dtype="float32")
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        layer.forward(x32[None, :])
    g, pdf = layer._g[0].astype(np.float64), layer._pdf[0].astype(np.float64)
    x = x32.astype(np.float64)
    Phi, phi = normal_cdf_and_pdf(x)
    normal = Phi >= TINY32
    err = ulps32(g, Phi)
    worst = np.argmax(np.where(normal, err, 0))
    print(f"\nfloat32 Phi: {err[normal].max():.2f} ulp at z = {x[worst]!r}; phi: {ulps32(pdf, phi).max():.2f} ulp")
    assert err[normal].max() <= ULP32 and err[~normal].max() <= 2
    assert ulps32(pdf, phi).max() <= 1
    assert set(g[x == 0]) == {0.5} and set(pdf[x == 0]) == {float(np.float32(1 / math.sqrt(2 * math.pi)))}


def test_float32_gelu_and_its_derivative_against_math():
    """y = z Phi(z) within ULP32 + 1 ulp; dJ/dz = Phi + z phi within a few ulp of the larger of its two terms
    (they cancel near z = -0.75); below the normal floats, within a few subnormal steps times |z|."""
    x32 = float32_grid()
    y, dy = gelu_and_slope(x32[None, :], dtype="float32")
    assert y.dtype == dy.dtype == np.float32
    ref = np.array([exact_reference(v) for v in x32.astype(np.float64)])
    x = x32.astype(np.float64)
    finite = np.abs(x) < 1e38  # the reference's z phi(z) underflows; 3e38 Phi(3e38) is 3e38 exactly
    # where Phi is subnormal (z < -13), its 2 subnormal steps become 2 |z| in y
    bound = np.where(normal_cdf_and_pdf(x)[0] >= TINY32, ULP32 + 1, 2 * np.abs(x) + 1)
    assert (ulps32(y[0], ref[:, 0]) <= bound)[finite].all()
    assert_close(dy[0], ref[:, 1], 0, atol=(ULP32 + 2) * EPS32 * ref[:, 2] + 2 * (1 + np.abs(x)) * SUBNORMAL32)
    assert np.array_equal(y[0, ~finite], np.where(x32[~finite] > 0, x32[~finite], 0))


def test_float32_special_values_as_the_float64_kernel():
    """+-inf and nan give what the float64 path (and the float32 path before it) gives; +-0 give 0 and 1/2."""
    x = [[np.inf, -np.inf, np.nan, 0.0, -0.0]]
    with np.errstate(invalid="ignore"):  # inf * 0
        y32, dy32 = gelu_and_slope(np.array(x, dtype=np.float32), dtype="float32")
        y64, dy64 = gelu_and_slope(x)
    np.testing.assert_array_equal(y32, y64.astype(np.float32))  # [inf, nan, nan, 0, -0]: nan == nan here
    np.testing.assert_array_equal(dy32, dy64.astype(np.float32))  # [nan, nan, nan, 0.5, 0.5]
    assert np.signbit(y32[0, 4]) and y32[0, 0] == np.inf


def test_float32_blocks_give_what_one_row_at_a_time_gives():
    """The kernel goes by blocks of BLOCK elements: an array of several blocks (and a partial one), row by row."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, _normal32.BLOCK // 2 + 7)) * 4).astype(np.float32)
    y, dy = gelu_and_slope(x, dtype="float32")
    for row, y_row, dy_row in zip(x, y, dy):
        one = gelu_and_slope(row[None, :], dtype="float32")
        assert np.array_equal(one[0][0], y_row) and np.array_equal(one[1][0], dy_row)


def test_the_mills_ratio_fit_reproduces_the_coefficients():
    """benchmarks/fit_mills_ratio.py derives P and Q (to float32 rounding: other BLAS builds may move an ulp)."""
    fit_mills_ratio = pytest.importorskip("benchmarks.fit_mills_ratio")
    P, Q, err = fit_mills_ratio.fit()
    assert err < 3.2e-8  # half of it from rounding c = sqrt(2 / pi) to float32
    np.testing.assert_allclose(P, _normal32.P, rtol=1e-6)
    np.testing.assert_allclose(Q, _normal32.Q, rtol=1e-6)


def test_the_left_tail_keeps_its_relative_accuracy():
    """Phi(-30) ~ 5e-198: erfc keeps it, where 0.5 (1 + erf) would round to 0."""
    y, dy = gelu_and_slope([[-30.0, -10.0]])
    for got, slope, v in zip(y[0], dy[0], (-30.0, -10.0)):
        ref = exact_reference(v)
        np.testing.assert_allclose([got, slope], ref[:2], rtol=EPS * (8 + 2 * v * v))
        assert got != 0.0


# ---------------------------------------------------------------- arguments, config, saving
def test_config_and_repr():
    assert GELU().get_config() == {"approximate": False} and repr(GELU()) == "GELU(approximate=False)"
    layer = GELU(approximate=np.True_)
    assert layer.get_config() == {"approximate": True} and type(layer.approximate) is bool
    clone = GELU.from_config(layer.get_config())
    assert clone.approximate is True and clone.get_config() == layer.get_config()


@pytest.mark.parametrize("bad", ["tanh", 1, None, 0.0])
def test_approximate_must_be_a_bool(bad):
    with pytest.raises(TypeError, match=rf"GELU: approximate must be True or False. Received: approximate={bad!r}"):
        GELU(bad)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_and_load_keep_approximate(dtype, tmp_path):
    model = Sequential([Dense(3, 4), GELU(approximate=True), Dense(4, 2), GELU()], dtype=dtype, seed=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [layer.get_config() for layer in loaded.layers[1::2]] == [{"approximate": True}, {"approximate": False}]
    X = np.linspace(-3, 3, 15).reshape(5, 3)
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_forward_and_backward_leave_the_input_alone():
    x = np.linspace(-5, 5, 24).reshape(2, 3, 4)
    saved = x.copy()
    for approximate in (False, True):
        gelu_and_slope(x, approximate)
    assert np.array_equal(x, saved)
