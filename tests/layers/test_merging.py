"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot): values by hand,
central-difference gradients, Keras 3 as an oracle for shapes and values, refusals, configs."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import registry
from tinyframe.gradcheck import numerical_gradient, relative_error
from tinyframe.layers import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract

from ..strategies import arrays

TOL = 1e-6  # float64 central differences: a right gradient stays far below, a wrong one far above
ELEMENTWISE = {"Add": Add, "Subtract": Subtract, "Multiply": Multiply, "Average": Average}
EXTREMA = {"Maximum": Maximum, "Minimum": Minimum}
INPUT_COUNTS = {"Subtract": (2, 2)}  # the others take 1 or more (tested up to 4)


def as_arrays(values):
    return [np.array(v, dtype=np.float64) for v in values]


def assert_gradients(layer, inputs, seed=0):
    """``backward(r)`` against central differences of ``J = sum(r * forward(inputs))``, input by input."""
    r = np.random.default_rng(seed).standard_normal(layer.forward(inputs).shape)
    analytic = layer.backward(r.copy())

    def J():
        return float(np.sum(r * layer.forward(inputs)))

    J0 = J()
    assert len(analytic) == len(inputs)
    for i, (x, grad) in enumerate(zip(inputs, analytic)):
        assert grad.shape == x.shape and grad.dtype == np.float64
        error = relative_error(grad, numerical_gradient(J, x), J0)
        assert error < TOL, f"{layer!r}, input {i} of shape {x.shape}: relative error {error:.1e}"


def split(flat, m, shapes):
    """``flat`` cut into arrays ``(m, *shape)``, one per shape."""
    sizes = [m * math.prod(s) for s in shapes]
    return [part.reshape(m, *s) for part, s in zip(np.split(np.asarray(flat, float), np.cumsum(sizes)[:-1]), shapes)]


# ----------------------------------------------------------------------------------------- by hand
GOLDEN = [
    # layer, inputs, forward, grad_out, backward
    (Add(), [[[1, 2], [3, 4]], [[10], [20]], [0.5, 0.25]], [[11.5, 12.5], [23.25, 24.25]],
     [[1, 2], [3, 4]], [[[1, 2], [3, 4]], [[3], [7]], [3, 7]]),
    (Add(), [[[[1], [2]]], [[10, 20, 30]]], [[[11, 21, 31], [12, 22, 32]]],
     [[[1, 2, 3], [4, 5, 6]]], [[[[6], [15]]], [[5, 7, 9]]]),
    (Subtract(), [[[5, 1]], [[2, 3]]], [[3, -2]], [[1, 10]], [[[1, 10]], [[-1, -10]]]),
    (Subtract(), [[[5, 1]], [[2]]], [[3, -1]], [[1, 10]], [[[1, 10]], [[-11]]]),
    (Multiply(), [[[2, 3]], [[4, 5]], [[-1, 0.5]]], [[-8, 7.5]], [[1, 2]], [[[-4, 5]], [[-2, 3]], [[8, 30]]]),
    (Multiply(), [[[0, 2]], [[3, 0]]], [[0, 0]], [[1, 1]], [[[3, 0]], [[0, 2]]]),  # zeros: no y / x_i
    (Average(), [[[1, 2]], [[3, 6]], [[5, 1]]], [[3, 3]], [[3, 6]], [[[1, 2]], [[1, 2]], [[1, 2]]]),
    (Maximum(), [[[1, 5, 2]], [[3, 4, 2]]], [[3, 5, 2]], [[10, 20, 30]], [[[0, 20, 30]], [[10, 0, 0]]]),
    (Maximum(), [[[0]], [[7]], [[7]]], [[7]], [[1]], [[[0]], [[1]], [[0]]]),  # a tie: the first of them
    (Maximum(), [[[1, 5, 2]], [[3]]], [[3, 5, 3]], [[10, 20, 30]], [[[0, 20, 0]], [[40]]]),
    (Minimum(), [[[1, 5, 2]], [[3, 4, 2]]], [[1, 4, 2]], [[10, 20, 30]], [[[10, 0, 30]], [[0, 20, 0]]]),
    (Concatenate(), [[[1, 2]], [[3]]], [[1, 2, 3]], [[7, 8, 9]], [[[7, 8]], [[9]]]),
    (Concatenate(axis=1), [[[[1, 2]]], [[[3, 4], [5, 6]]]], [[[1, 2], [3, 4], [5, 6]]],
     [[[10, 20], [30, 40], [50, 60]]], [[[[10, 20]]], [[[30, 40], [50, 60]]]]),
    (Dot(axes=1), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[17], [53]],
     [[1], [2]], [[[5, 6], [14, 16]], [[1, 2], [6, 8]]]),
    (Dot(axes=(2, 1)), [[[[1, 0, 2], [0, 1, 0]]], [[[1, 2], [3, 4], [5, 6]]]], [[[11, 14], [3, 4]]],
     [[[1, 1], [1, 1]]], [[[[3, 7, 11], [3, 7, 11]]], [[[1, 1], [1, 1], [2, 2]]]]),
    (Dot(axes=(1, 2)), [[[1, 2, 3]], [[[1, 0, 0], [0, 1, 1]]]], [[1, 5]], [[1, 10]],
     [[[1, 10, 10]], [[[1, 2, 3], [10, 20, 30]]]]),
    (Dot(axes=-1), [[[[1, 2, 3], [4, 5, 6]]], [[1, 0, -1]]], [[-2, -2]], [[1, 2]],
     [[[[1, 0, -1], [2, 0, -2]]], [[9, 12, 15]]]),
    # cosine: u = (0.6, 0.8), v = (1, 0); dJ/dx = (v - u <u, v>) / |x| = ((1, 0) - 0.6 (0.6, 0.8)) / 5
    (Dot(axes=1, normalize=True), [[[3, 4]], [[1, 0]]], [[0.6]], [[1]], [[[0.128, -0.096]], [[0, 0.8]]]),
    # a norm below eps = 1e-7: u = x / eps, linear, dJ/dx = v / eps
    (Dot(axes=1, normalize=True), [[[1e-8, 0]], [[1, 0]]], [[0.1]], [[1]], [[[1e7, 0]], [[0, 0]]]),
]  # fmt: skip


@pytest.mark.parametrize("layer, inputs, forward, grad_out, backward", GOLDEN, ids=lambda v: repr(v)[:40])
def test_values_and_gradients_by_hand(layer, inputs, forward, grad_out, backward):
    y = layer.forward(as_arrays(inputs))
    np.testing.assert_allclose(y, forward, rtol=1e-12)
    assert y.shape == np.shape(forward)
    grads = layer.backward(np.array(grad_out, dtype=float))
    assert len(grads) == len(backward)
    for grad, expected in zip(grads, backward):
        assert grad.shape == np.shape(expected)
        np.testing.assert_allclose(grad, expected, rtol=1e-12, atol=1e-15)


def test_output_shapes_by_hand():
    assert Add().compute_output_shape([(2, 1), (3,)]) == (2, 3)
    assert Multiply().compute_output_shape([(4, 1, 3), (5, 1), (1,)]) == (4, 5, 3)
    assert Maximum().compute_output_shape([(3,)]) == (3,)
    assert Subtract().compute_output_shape([(1,), (2, 3, 4)]) == (2, 3, 4)
    assert Concatenate().compute_output_shape([(2, 3), (2, 1), (2, 4)]) == (2, 8)
    assert Concatenate(axis=-2).compute_output_shape([(2, 3), (5, 3)]) == (7, 3)
    assert Dot(axes=1).compute_output_shape([(3,), (3,)]) == (1,)
    assert Dot(axes=(1, 2)).compute_output_shape([(5, 2), (3, 5)]) == (2, 3)
    assert Dot(axes=(2, -1)).compute_output_shape([(4, 3, 2), (7, 3)]) == (4, 2, 7)


# ------------------------------------------------------------------------------- gradient checks
@st.composite
def broadcast_shapes(draw, counts):
    """``(m, shapes, out)``: per-sample shapes that broadcast to ``out``, with lower ranks and axes of 1 among them."""
    m = draw(st.integers(1, 3))
    full = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).filter(lambda s: math.prod(s) <= 12))
    shapes = []
    for _ in range(draw(st.integers(*counts))):
        rank = draw(st.integers(0, len(full)))  # a trailing part of full: lower ranks broadcast on the left
        shapes.append(tuple(d if draw(st.booleans()) else 1 for d in full[len(full) - rank :]))
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + s for s in shapes]
    out = tuple(max(sizes) for sizes in zip(*padded))  # each axis: the full size if any input has it, else 1
    return m, shapes, out


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_gradients_match_central_differences(name, data):
    m, shapes, out = data.draw(broadcast_shapes(INPUT_COUNTS.get(name, (1, 4))))
    inputs = split(data.draw(arrays((sum(m * math.prod(s) for s in shapes),))), m, shapes)
    layer = ELEMENTWISE[name]()
    assert layer.compute_output_shape(shapes) == out
    assert layer.forward(inputs).shape == (m, *out)
    assert_gradients(layer, inputs)


@pytest.mark.parametrize("name", sorted(EXTREMA))
@given(data=st.data())
def test_maximum_and_minimum_gradients_match_central_differences(name, data):
    """Values 0.1 apart at least (a permutation of a grid), so no tie is near: the winner never changes."""
    m, shapes, out = data.draw(broadcast_shapes((1, 4)))
    n = sum(m * math.prod(s) for s in shapes)
    inputs = split(0.1 * np.array(data.draw(st.permutations(range(n)))) - 0.05 * n, m, shapes)
    layer = EXTREMA[name]()
    y = layer.forward(inputs)
    assert y.shape == (m, *out)
    assert_gradients(layer, inputs)


@given(st.data(), st.integers(1, 3))
def test_concatenate_gradients_match_central_differences(data, m):
    rank = data.draw(st.integers(1, 3))
    base = data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    a = data.draw(st.integers(1, rank))  # the axis, counted with the batch
    axis = data.draw(st.sampled_from([a, a - rank - 1]))  # as Keras counts it, from the start or the end
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    shapes = [tuple(base[: a - 1]) + (k,) + tuple(base[a:]) for k in sizes]
    inputs = split(data.draw(arrays((sum(m * math.prod(s) for s in shapes),))), m, shapes)
    layer = Concatenate(axis=axis)
    out = tuple(base[: a - 1]) + (sum(sizes),) + tuple(base[a:])
    assert layer.compute_output_shape(shapes) == out
    assert layer.forward(inputs).shape == (m, *out)
    assert_gradients(layer, inputs)


nonzero = st.floats(0.1, 3.0) | st.floats(-3.0, -0.1)  # norms far above eps: normalize stays smooth


@st.composite
def dot_cases(draw):
    """``(axes, shape_x, shape_y, out)``: per-sample ranks 1..3, the dot axes anywhere, axes spelled every way."""
    d = draw(st.integers(1, 3))
    sides = []
    for _ in range(2):
        rest = draw(st.lists(st.integers(1, 3), max_size=2))
        position = draw(st.integers(0, len(rest)))
        sides.append((tuple(rest[:position]) + (d,) + tuple(rest[position:]), position + 1, rest))
    (shape_x, a, rest_x), (shape_y, b, rest_y) = sides
    spellings = [(a, b), (a - len(shape_x) - 1, b - len(shape_y) - 1), [a, b - len(shape_y) - 1]]
    spellings += [a] if a == b else []
    spellings += [a - len(shape_x) - 1] if len(shape_x) - a == len(shape_y) - b else []
    return draw(st.sampled_from(spellings)), shape_x, shape_y, (tuple(rest_x) + tuple(rest_y)) or (1,)


@given(dot_cases(), st.booleans(), st.integers(1, 3), st.data())
def test_dot_gradients_match_central_differences(case, normalize, m, data):
    axes, shape_x, shape_y, out = case
    n = m * (math.prod(shape_x) + math.prod(shape_y))
    flat = data.draw(st.lists(nonzero, min_size=n, max_size=n) if normalize else arrays((n,)))
    inputs = split(flat, m, [shape_x, shape_y])
    layer = Dot(axes=axes, normalize=normalize)
    assert layer.compute_output_shape([shape_x, shape_y]) == out
    y = layer.forward(inputs)
    assert y.shape == (m, *out)
    # Nearly parallel vectors: a cosine near +-1 has a gradient near 0, below what central differences resolve
    # (exactly parallel ones of one element are exact: +-1, gradient 0).
    assume(not normalize or bool(np.all((np.abs(y) < 0.99) | (np.abs(y) == 1.0))))
    assert_gradients(layer, inputs)


# ---------------------------------------------------------------------------- the caller's contract
CASES = [  # a layer and per-sample input shapes
    (Add(), [(3,)]),
    (Add(), [(2, 3), (2, 3), (2, 3)]),
    (Add(), [(2, 3), (3,), (2, 1)]),
    (Subtract(), [(3,), (3,)]),
    (Average(), [(3,), (3,), (3,)]),
    (Multiply(), [(3,), (3,), (1,)]),
    (Maximum(), [(3,), (3,)]),
    (Minimum(), [(2, 3), (3,)]),
    (Concatenate(), [(3,)]),
    (Concatenate(axis=1), [(1, 2), (2, 2)]),
    (Concatenate(), [(2, 3), (2, 1)]),
    (Dot(axes=-1), [(3,), (3,)]),
    (Dot(axes=(1, 2), normalize=True), [(3, 2), (4, 3)]),
]


@pytest.mark.parametrize("layer, shapes", CASES, ids=lambda v: repr(v))
def test_backward_hands_out_distinct_arrays_and_writes_into_nothing_it_is_given(layer, shapes):
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((4, *s)) for s in shapes]
    saved = [x.copy() for x in inputs]
    y = layer.forward(inputs)
    assert not any(np.may_share_memory(y, x) for x in inputs)  # the output is the layer's own array
    grad_out = rng.standard_normal(y.shape)
    saved_grad = grad_out.copy()
    grads = layer.backward(grad_out)
    assert [g.shape for g in grads] == [x.shape for x in inputs]
    assert len({id(g) for g in grads}) == len(grads)
    for i, g in enumerate(grads):  # each may be changed in place by the caller without touching another
        assert not any(np.may_share_memory(g, h) for h in grads[i + 1 :])
    for x, before in zip(inputs, saved):
        np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(grad_out, saved_grad)


@pytest.mark.parametrize("layer, shapes", CASES, ids=lambda v: repr(v))
def test_float32_stays_float32_and_an_empty_batch_goes_through(layer, shapes):
    inputs = [np.ones((2, *s), np.float32) for s in shapes]
    y = layer.forward(inputs)
    assert y.dtype == np.float32 and y.shape == (2, *layer.compute_output_shape(shapes))
    assert all(g.dtype == np.float32 for g in layer.backward(np.ones_like(y)))
    empty = layer.forward([np.ones((0, *s)) for s in shapes])
    assert empty.shape == (0, *layer.compute_output_shape(shapes))
    assert [g.shape for g in layer.backward(empty)] == [(0, *s) for s in shapes]


@pytest.mark.parametrize("layer", [Add(), Subtract(), Multiply(), Average(), Maximum(), Minimum()] + [
    Concatenate(), Concatenate(axis=2), Dot(axes=1), Dot(axes=[1, -1], normalize=True), Dot(-2, name="sim")
], ids=repr)  # fmt: skip
def test_the_config_rebuilds_the_layer_and_its_class_is_found_by_name(layer):
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config
    assert type(layer).from_config(config).get_config() == config
    assert registry.lookup(type(layer).__name__, "layer") is type(layer)
    assert registry.name_of(layer) == type(layer).__name__


def test_configs_are_keras_arguments():
    assert Add().get_config() == {} and Maximum(name="top").name == "top"
    assert Concatenate().get_config() == {"axis": -1} and Concatenate(axis=1).get_config() == {"axis": 1}
    assert Dot(axes=(1, 2)).get_config() == {"axes": [1, 2], "normalize": False}
    assert Dot(-1, normalize=True).get_config() == {"axes": -1, "normalize": True}


# ------------------------------------------------------------------------------------------ refusals
REFUSALS = [
    (lambda: Add().compute_output_shape((4,)), r"Add\(\): expected a list of input shapes .* Received: \(4,\)"),
    (lambda: Add().compute_output_shape([4, 4]), r"expected a list of input shapes .* Received: \[4, 4\]"),
    (lambda: Add().compute_output_shape([]), r"Add\(\): expected at least 1 input. Received: 0 input shapes \[\]"),
    (lambda: Subtract().compute_output_shape([(3,)]), r"Subtract\(\): expected exactly 2 inputs. Received: 1 input"),
    (lambda: Subtract().compute_output_shape([(3,)] * 3), r"expected exactly 2 inputs. Received: 3 input shapes"),
    (lambda: Multiply().compute_output_shape([(3,), (4,)]), r"Multiply\(\): expected shapes that broadcast .*"
     r"Received: input shapes \[\(3,\), \(4,\)\]"),
    (lambda: Maximum().compute_output_shape([(2, 3), (3,), (2, 2)]), r"Maximum\(\): expected shapes that broadcast"),
    (lambda: Average().compute_output_shape([(2, 3), (3, 2)]), r"Average\(\): expected shapes that broadcast"),
    (lambda: Minimum().compute_output_shape(None), r"Minimum\(\): expected a list of input shapes"),
    (lambda: Concatenate().compute_output_shape([(2, 3), (3,)]), r"Concatenate\(axis=-1\): expected inputs of one "
     r"rank. Received: input shapes \[\(2, 3\), \(3,\)\]"),
    (lambda: Concatenate().compute_output_shape([(2, 3), (3, 3)]), r"expected the same sizes on every axis but the "
     r"concatenation axis. Received: input shapes \[\(2, 3\), \(3, 3\)\]"),
    (lambda: Concatenate(axis=1).compute_output_shape([(2, 3), (2, 4)]), r"Concatenate\(axis=1\): expected the same"),
    (lambda: Concatenate(axis=-3).compute_output_shape([(2, 3), (2, 3)]), r"Concatenate\(axis=-3\): expected axis to "
     r"name an axis of the inputs other than the batch axis 0, i.e. 1..2 or -2..-1 .* Received: axis=-3"),
    (lambda: Concatenate(axis=3).compute_output_shape([(2, 3)]), r"other than the batch axis 0.* Received: axis=3"),
    (lambda: Concatenate(axis=-4).compute_output_shape([(2, 3)]), r"1..2 or -2..-1 .* Received: axis=-4"),
    (lambda: Concatenate(axis=0), r"Concatenate: axis 0 is the batch axis.* Received: axis=0"),
    (lambda: Concatenate().compute_output_shape([]), r"Concatenate\(axis=-1\): expected at least 1 input"),
    (lambda: Dot(1).compute_output_shape([(3,)]), r"Dot\(axes=1, normalize=False\): expected exactly 2 inputs"),
    (lambda: Dot(1).compute_output_shape([(3,)] * 3), r"expected exactly 2 inputs. Received: 3 input shapes"),
    (lambda: Dot(1).compute_output_shape((3,)), r"Dot\(axes=1, normalize=False\): expected a list of input shapes"),
    (lambda: Dot(1).compute_output_shape([(3,), (4,)]), r"expected the two dot axes to have one size. Received: "
     r"size 3 on axis 1 of input shape \(3,\) and size 4 on axis 1 of input shape \(4,\)"),
    (lambda: Dot((2, 1)).compute_output_shape([(2, 3), (2, 3)]), r"size 3 on axis 2 .* size 2 on axis 1"),
    (lambda: Dot(-2).compute_output_shape([(3,), (2, 3)]), r"expected axes to name an axis .* Received: axes=-2"),
    (lambda: Dot((1, 3)).compute_output_shape([(3,), (3, 2)]), r"expected axes\[1\] to name an axis .* 1..2 or -2..-1"),
    (lambda: Dot((-2, 1)).compute_output_shape([(3,), (3, 2)]), r"axes\[0\] .* Received: axes\[0\]=-2"),
    (lambda: Dot(0), r"Dot: axis 0 is the batch axis.* Received: axes=0"),
    (lambda: Dot((1, 0)), r"Dot: axis 0 is the batch axis.* Received: axes=\(1, 0\)"),
    (lambda: Dot((1,)), r"Dot: axes must be an int or a pair of two ints.* Received: axes=\(1,\)"),
    (lambda: Dot([1, 2, 3]), r"pair of two ints.* Received: axes=\[1, 2, 3\]"),
    (lambda: Dot((1, 2.0)), r"pair of two ints.* Received: axes=\(1, 2.0\)"),
    (lambda: Add().forward(np.ones((2, 3))), r"Add\(\): expected a list of arrays.* Received: an array of shape"),
    (lambda: Concatenate().forward(np.ones((2, 3))), r"Concatenate\(axis=-1\): expected a list of arrays"),
    (lambda: Add().forward([np.ones((2, 3)), np.ones((3, 3))]), r"Add\(\): expected inputs with one batch size .*"
     r"Received: shapes \[\(2, 3\), \(3, 3\)\]"),
    (lambda: Dot(1).forward([np.ones((2, 3)), np.ones((1, 3))]), r"Dot\(.*\): expected inputs with one batch size"),
    (lambda: Add().forward([np.ones((2, 3)), np.ones((2, 4))]), r"Add\(\): expected shapes that broadcast"),
    (lambda: Subtract().forward([np.ones((2, 3))]), r"Subtract\(\): expected exactly 2 inputs"),
    (lambda: Concatenate().forward([np.ones((2, 3)), np.ones((2, 3, 1))]), r"expected inputs of one rank"),
    (lambda: Dot(-1).forward([np.ones((2, 3)), np.ones((2, 4))]), r"expected the two dot axes to have one size"),
]  # fmt: skip


@pytest.mark.parametrize("refused, message", REFUSALS)
def test_what_cannot_merge_is_refused_with_the_layer_named(refused, message):
    with pytest.raises(ValueError, match=message):
        refused()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Concatenate(axis=1.0), r"Concatenate: axis must be an integer. Received: axis=1.0"),
        (lambda: Concatenate(axis=True), r"Received: axis=True"),
        (lambda: Dot("1"), r"Dot: axes must be an int or a pair of ints.* Received: axes='1'"),
        (lambda: Dot(None), r"Received: axes=None"),
        (lambda: Dot(1, normalize=1), r"Dot: normalize must be True or False. Received: normalize=1"),
    ],
)
def test_arguments_of_the_wrong_type_are_refused(make, message):
    with pytest.raises(TypeError, match=message):
        make()


# ---------------------------------------------------------------------------------- Keras 3 oracle
@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


ORACLE = [  # class name, constructor arguments, per-sample input shapes
    *[(name, {}, [(3,), (3,)]) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")],
    *[(name, {}, [(2, 1), (3,)]) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")],
    *[(name, {}, [(2, 3), (3,), (1, 3)]) for name in ("Add", "Multiply", "Average", "Maximum", "Minimum")],
    ("Add", {}, [(4, 1, 2), (3, 1)]),
    ("Maximum", {}, [(4,)]),
    ("Concatenate", {}, [(2,), (3,)]),
    ("Concatenate", {"axis": 1}, [(2, 5), (3, 5)]),
    ("Concatenate", {"axis": -2}, [(4, 2, 3), (4, 1, 3), (4, 5, 3)]),
    ("Concatenate", {"axis": 2}, [(2, 1, 3), (2, 2, 3)]),
    ("Dot", {"axes": 1}, [(3,), (3,)]),
    ("Dot", {"axes": -1, "normalize": True}, [(4, 3), (3,)]),
    ("Dot", {"axes": (1, 2)}, [(5, 2), (3, 5)]),
    ("Dot", {"axes": (2, 1), "normalize": True}, [(2, 3), (3, 4)]),
    ("Dot", {"axes": -1}, [(2, 3), (4, 3)]),
    ("Dot", {"axes": [1, -2], "normalize": True}, [(3,), (3, 2)]),
]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's torch-to-NumPy copy
@pytest.mark.parametrize("name, kwargs, shapes", ORACLE, ids=str)
def test_outputs_and_shapes_are_keras_s(keras, name, kwargs, shapes):
    ours, theirs = registry.lookup(name, "layer")(**kwargs), getattr(keras.layers, name)(**kwargs)
    rng = np.random.default_rng(3)
    inputs = [rng.uniform(-2, 2, (5, *s)) for s in shapes]
    expected = keras.ops.convert_to_numpy(theirs([x.astype(np.float32) for x in inputs]))
    np.testing.assert_allclose(ours.forward(inputs), expected, rtol=1e-5, atol=1e-6)
    expected_shape = theirs.compute_output_shape([(None, *s) for s in shapes])
    assert (None, *ours.compute_output_shape(shapes)) == tuple(expected_shape)


@pytest.mark.parametrize(
    "shapes",
    [[(3,), (4,)], [(2, 3), (3, 2)], [(2, 3), (2,)], [(1,), (5,)], [(2, 1), (1, 3)], [(4, 3, 2), (3, 1), (1,)]],
    ids=str,
)
def test_the_broadcasting_rule_is_keras_s(keras, shapes):
    """Keras refuses exactly the shapes we refuse, and agrees on the rest."""
    try:
        expected = tuple(keras.layers.Add().compute_output_shape([(None, *s) for s in shapes]))[1:]
    except ValueError:
        with pytest.raises(ValueError, match="expected shapes that broadcast"):
            Add().compute_output_shape(shapes)
    else:
        assert Add().compute_output_shape(shapes) == expected
