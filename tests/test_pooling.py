"""Pooling layers: plain-loop references (1e-12 in float64), central differences, golden values, Keras's shapes."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinyframe import Sequential, gradcheck, load_model
from tinyframe.activations import ReLU, Softmax
from tinyframe.layers import (
    AveragePooling1D,
    AveragePooling2D,
    Dense,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    Input,
    MaxPooling1D,
    MaxPooling2D,
    global_pooling,
    pooling,
)
from tinyframe.losses import CrossEntropy, MeanSquaredError
from tinyframe.optimizers import Adam

from .strategies import (
    CHECK_MARGIN,
    arrays,
    record,
    seeds,
)

WINDOWED = {1: (MaxPooling1D, AveragePooling1D), 2: (MaxPooling2D, AveragePooling2D)}
GLOBAL = {1: (GlobalMaxPooling1D, GlobalAveragePooling1D), 2: (GlobalMaxPooling2D, GlobalAveragePooling2D)}
EVERY = [cls for classes in (*WINDOWED.values(), *GLOBAL.values()) for cls in classes]  # windowed first


# ------------------------------------------------------------ the direct definition, in loops
def same_padding(n, k, s):
    """TensorFlow's "same" along one axis: (outputs, padding before)."""
    out = -(-n // s)
    return out, max((out - 1) * s + k - n, 0) // 2


def window_cells(h, w, pool, strides, padding):
    """The output size, and for each output position (i, j) its window's real cells (r, q) in row-major order."""
    (kh, kw), (sh, sw) = pool, strides
    if padding == "valid":
        (oh, top), (ow, left) = ((h - kh) // sh + 1, 0), ((w - kw) // sw + 1, 0)
    else:
        (oh, top), (ow, left) = same_padding(h, kh, sh), same_padding(w, kw, sw)
    cells = {}
    for i in range(oh):
        for j in range(ow):
            rows = [i * sh - top + a for a in range(kh)]
            cols = [j * sw - left + b for b in range(kw)]
            cells[i, j] = [(r, q) for r in rows for q in cols if 0 <= r < h and 0 <= q < w]
    return (oh, ow), cells


def reference(x, g, pool, strides, padding, mode):
    """y and dJ/dx (given dJ/dy = g) of 2-D pooling: loops over batch, output positions, channels, window cells."""
    m, h, w, c = x.shape
    (oh, ow), cells = window_cells(h, w, pool, strides, padding)
    y, dx = np.zeros((m, oh, ow, c)), np.zeros_like(x)
    for b in range(m):
        for (i, j), window in cells.items():
            for ch in range(c):
                if mode == "max":
                    best = window[0]
                    for r, q in window[1:]:
                        if x[b, r, q, ch] > x[b, best[0], best[1], ch]:  # strict: a tie stays with the first
                            best = (r, q)
                    y[b, i, j, ch] = x[b, best[0], best[1], ch]
                    dx[b, best[0], best[1], ch] += g[b, i, j, ch]
                else:
                    total = 0.0
                    for r, q in window:
                        total += x[b, r, q, ch]
                    y[b, i, j, ch] = total / len(window)
                    for r, q in window:
                        dx[b, r, q, ch] += g[b, i, j, ch] / len(window)
    return y, dx


def reference_nd(x, g, pool, strides, padding, mode):
    """`reference` for 1-D inputs too: steps become rows of one column."""
    if x.ndim == 4:
        return reference(x, g, pool, strides, padding, mode)
    y, dx = reference(x[:, :, None], g[:, :, None], (*pool, 1), (*strides, 1), padding, mode)
    return y[:, :, 0], dx[:, :, 0]


def reference_global(x, g, mode):
    """Global pooling by loops over batch, channels and cells; a max held by several cells shares its gradient."""
    m, c = x.shape[0], x.shape[-1]
    cells = x.reshape(m, -1, c)
    y, dx = np.zeros((m, c)), np.zeros_like(cells)
    for b in range(m):
        for ch in range(c):
            values = [cells[b, p, ch] for p in range(cells.shape[1])]
            y[b, ch] = max(values) if mode == "max" else sum(values) / len(values)
            chosen = [p for p, v in enumerate(values) if v == y[b, ch]] if mode == "max" else range(len(values))
            for p in chosen:
                dx[b, p, ch] += g[b, ch] / len(chosen)
    return y, dx.reshape(x.shape)


def separated(z, pool, strides, padding, margin=CHECK_MARGIN):
    """True if every window's largest value leads the next by ``margin``: small steps cannot change the arg-max."""
    z4 = z if z.ndim == 4 else z[:, :, None]
    pool, strides = (pool, strides) if z.ndim == 4 else ((*pool, 1), (*strides, 1))
    _, cells = window_cells(z4.shape[1], z4.shape[2], pool, strides, padding)
    for window in cells.values():
        values = np.sort(np.stack([z4[:, r, q] for r, q in window]), axis=0)
        if len(window) > 1 and np.min(values[-1] - values[-2]) < margin:
            return False
    return True


# ---------------------------------------------------------------- Hypothesis strategies
@st.composite
def windowed_cases(draw, cls=None):
    """(class, constructor arguments, one sample's shape), valid ones only: 'valid' pools fit in the input."""
    cls = draw(st.sampled_from(EVERY[:4])) if cls is None else cls
    padding = draw(st.sampled_from(["same", "valid"]))
    spatial = draw(st.lists(st.integers(1, 6), min_size=cls.rank, max_size=cls.rank))
    pool = [draw(st.integers(1, n if padding == "valid" else n + 2)) for n in spatial]
    strides = draw(st.one_of(st.none(), st.lists(st.integers(1, 4), min_size=cls.rank, max_size=cls.rank)))
    return cls, {"pool_size": tuple(pool), "strides": strides, "padding": padding}, (*spatial, draw(st.integers(1, 3)))


def distinct(shape, permutation, gap=0.05):
    """Values ``gap`` apart, no two equal, in the order of ``permutation``: central differences see each arg-max."""
    return (np.array(permutation, dtype=np.float64).reshape(shape) - len(permutation) / 2) * gap


def built(layer, shape, dtype="float64"):
    return layer.build(shape, dtype=dtype)


# ------------------------------------------------------------------ against the loops
def compare(layer, x, g, expected_y, expected_dx):
    y = layer.forward(x).copy()
    dx = layer.backward(g)
    assert y.shape == expected_y.shape and dx.shape == x.shape
    assert np.max(np.abs(y - expected_y), initial=0) <= 1e-12
    assert np.max(np.abs(dx - expected_dx), initial=0) <= 1e-12


@pytest.mark.parametrize("windowed", EVERY[:4])
@given(st.integers(1, 3), st.booleans(), st.data())
def test_windowed_pooling_matches_the_loops(windowed, m, ties, data):
    cls, kwargs, shape = data.draw(windowed_cases(windowed))
    layer = built(cls(**kwargs), shape)
    # Small integers give many ties (the first cell must take the gradient); floats give few.
    x = data.draw(arrays((m, *shape), 0, 2).map(np.round) if ties else arrays((m, *shape)))
    g = data.draw(arrays((m, *layer.compute_output_shape(shape))))
    strides = kwargs["strides"] or kwargs["pool_size"]
    mode = "max" if cls in (MaxPooling1D, MaxPooling2D) else "average"
    compare(layer, x, g, *reference_nd(x, g, kwargs["pool_size"], strides, kwargs["padding"], mode))


EDGES = {  # name: (class, arguments, sample shape, batch)
    "pool larger than stride": (MaxPooling2D, {"pool_size": (3, 2), "strides": 1}, (5, 4, 2), 2),
    "pool equal to the input": (AveragePooling2D, {"pool_size": (4, 3)}, (4, 3, 2), 2),
    "pool equal to the input, same": (MaxPooling1D, {"pool_size": 5, "padding": "same"}, (5, 3), 2),
    "stride larger than pool": (AveragePooling1D, {"pool_size": 2, "strides": 3}, (8, 1), 3),
    "same, overlapping": (AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (6, 5, 1), 2),
    "same, pool beyond the input": (MaxPooling2D, {"pool_size": (4, 3), "strides": 1, "padding": "same"}, (2, 2, 1), 1),
    "batch size 1": (MaxPooling2D, {"pool_size": 2, "padding": "same"}, (5, 5, 3), 1),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_cases_match_the_loops(name):
    cls, kwargs, shape, m = EDGES[name]
    layer = built(cls(**kwargs), shape)
    rng = np.random.default_rng(7)
    x, g = rng.normal(size=(m, *shape)), rng.normal(size=(m, *layer.compute_output_shape(shape)))
    rank = len(shape) - 1
    pool = layer.pool_size
    strides = pool if kwargs.get("strides") is None else (kwargs["strides"],) * rank
    mode = "max" if cls in (MaxPooling1D, MaxPooling2D) else "average"
    compare(layer, x, g, *reference_nd(x, g, pool, strides, kwargs.get("padding", "valid"), mode))


@given(st.sampled_from([1, 2]), st.booleans(), st.booleans(), st.integers(1, 3), st.data())
def test_global_pooling_matches_the_loops(rank, use_max, keepdims, m, data):
    shape = (*data.draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)), data.draw(st.integers(1, 3)))
    layer = built(GLOBAL[rank][0 if use_max else 1](keepdims=keepdims), shape)
    x = data.draw(arrays((m, *shape), 0, 2).map(np.round) | arrays((m, *shape)))
    g = data.draw(arrays((m, shape[-1])))
    y, dx = reference_global(x, g, "max" if use_max else "average")
    out = (m, *(1,) * rank, shape[-1]) if keepdims else (m, shape[-1])
    compare(layer, x, g.reshape(out), y.reshape(out), dx)


# ----------------------------------------------------------------- golden values by hand
def test_max_ties_go_to_the_first_cell_and_overlaps_add_up():
    layer = built(MaxPooling1D(3, strides=1), (4, 1))
    x = np.array([1.0, 3.0, 3.0, 2.0]).reshape(1, 4, 1)
    assert layer.forward(x).ravel().tolist() == [3.0, 3.0]  # windows [1, 3, 3] and [3, 3, 2]
    assert layer.backward(np.array([[[10.0], [1.0]]])).ravel().tolist() == [0.0, 11.0, 0.0, 0.0]
    square = built(MaxPooling2D(2, strides=1), (3, 3, 1))
    x = np.array([[1.0, 2, 3], [4, 9, 5], [6, 7, 8]]).reshape(1, 3, 3, 1)
    assert square.forward(x).ravel().tolist() == [9.0] * 4
    assert square.backward(np.ones((1, 2, 2, 1)))[0, :, :, 0].tolist() == [[0, 0, 0], [0, 4, 0], [0, 0, 0]]


def test_average_same_divides_by_the_real_cells():
    layer = built(AveragePooling2D(2, padding="same"), (3, 3, 1))
    x = np.arange(9.0).reshape(1, 3, 3, 1)  # windows of 4, 2, 2 and 1 real cells (one row and column padded after)
    assert layer.forward(x)[0, :, :, 0].tolist() == [[2.0, 3.5], [6.5, 8.0]]
    grad = layer.backward(np.ones((1, 2, 2, 1)))[0, :, :, 0]
    assert grad.tolist() == [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]


def test_same_padding_puts_the_odd_cell_after_as_tensorflow():
    # 5 steps, pool 4, stride 2: 3 outputs, 3 cells of padding, 1 before and 2 after. The windows start at
    # -1, 1, 3 and hold the real cells {0, 1, 2}, {1, 2, 3, 4}, {3, 4} (2 before would give {0, 1}, {0..3}, {2, 3, 4}).
    x = np.array([5.0, 1, 2, 3, 4]).reshape(1, 5, 1)
    assert built(MaxPooling1D(4, 2, "same"), (5, 1)).forward(x).ravel().tolist() == [5.0, 4.0, 4.0]
    averages = built(AveragePooling1D(4, 2, "same"), (5, 1)).forward(x).ravel()
    assert averages.tolist() == pytest.approx([8 / 3, 2.5, 3.5], rel=1e-15, abs=0)


def test_global_max_shares_a_tied_gradient_as_keras():
    layer = built(GlobalMaxPooling1D(), (3, 2))
    x = np.array([[[2.0, 1.0], [5.0, 0.0], [5.0, -1.0]]])
    assert layer.forward(x).tolist() == [[5.0, 1.0]]
    assert layer.backward(np.array([[4.0, 3.0]])).tolist() == [[[0.0, 3.0], [2.0, 0.0], [2.0, 0.0]]]
    average = built(GlobalAveragePooling2D(keepdims=True), (2, 2, 1))
    assert average.forward(np.arange(4.0).reshape(1, 2, 2, 1)).tolist() == [[[[1.5]]]]
    assert average.backward(np.full((1, 1, 1, 1), 2.0)).ravel().tolist() == [0.5] * 4


# --------------------------------------------------------------- central differences (float64)
@pytest.mark.parametrize("windowed", EVERY[:4])
@given(st.integers(1, 2), st.data())
def test_windowed_gradients_by_central_differences(windowed, m, data):
    cls, kwargs, shape = data.draw(windowed_cases(windowed))
    n = m * int(np.prod(shape))
    x = distinct((m, *shape), data.draw(st.permutations(range(n))))
    record(cls.__name__, gradcheck.check_layer(built(cls(**kwargs), shape), x, seed=data.draw(seeds)))


@given(st.sampled_from(EVERY[4:]), st.booleans(), st.integers(1, 2), st.data())
def test_global_gradients_by_central_differences(cls, keepdims, m, data):
    rank = 1 if cls in GLOBAL[1] else 2
    shape = (*data.draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)), data.draw(st.integers(1, 3)))
    x = distinct((m, *shape), data.draw(st.permutations(range(m * int(np.prod(shape))))))
    record(cls.__name__, gradcheck.check_layer(built(cls(keepdims=keepdims), shape), x, seed=data.draw(seeds)))


@given(windowed_cases(), st.integers(1, 3), st.integers(1, 2), seeds, st.data())
def test_gradients_through_a_model_with_a_layer_in_front(case, features, m, seed, data):
    cls, kwargs, shape = case
    rank = len(shape) - 1
    model = Sequential(
        [Input((*shape[:-1], features)), Dense(shape[-1]), cls(**kwargs), GLOBAL[rank][data.draw(st.integers(0, 1))]()]
        + [Dense(2)],
        dtype="float64",
        seed=seed,
    )
    model.compile(loss=MeanSquaredError())
    X = data.draw(arrays((m, *shape[:-1], features)))
    z = model.layers[0].forward(X)  # the Input layer is not among model.layers
    strides = kwargs["strides"] or kwargs["pool_size"]
    # A max (windowed or global) is differentiable where its arg-max cannot move under the check's steps.
    assume(cls not in (MaxPooling1D, MaxPooling2D) or separated(z, kwargs["pool_size"], strides, kwargs["padding"]))
    pooled = model.layers[1].forward(z)
    assume(not isinstance(model.layers[2], (GlobalMaxPooling1D, GlobalMaxPooling2D)) or global_separated(pooled))
    y = data.draw(arrays((m, 2)))
    record(f"model with {cls.__name__}", gradcheck.check_model(model, X, y))


def global_separated(z, margin=CHECK_MARGIN):
    """True if each sample's and channel's largest value leads the next by ``margin``."""
    values = np.sort(z.reshape(z.shape[0], -1, z.shape[-1]), axis=1)
    return values.shape[1] == 1 or np.min(values[:, -1] - values[:, -2]) >= margin


# ------------------------------------------------------------------------ in a model
def images(n=120, seed=0):
    """Images of 6x6x2 whose class (0, 1, 2) is where a bright spot lies: top half, bottom half, or nowhere."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(0, 0.3, (n, 6, 6, 2)), rng.integers(0, 3, n)
    rows = np.where(y == 0, rng.integers(0, 3, n), rng.integers(3, 6, n))
    spot = y < 2
    X[spot, rows[spot], rng.integers(0, 6, n)[spot], 0] += 3.0
    return X, y


def pooling_models(seed=0):
    """A 2-D and a 1-D network that use every pooling layer, each with the data it learns from."""
    X, y = images(seed=seed)
    two_d = Sequential(
        [Input((6, 6, 2)), Dense(8), ReLU(), MaxPooling2D(), AveragePooling2D(padding="same"), GlobalMaxPooling2D()]
        + [Dense(3), Softmax()],
        seed=seed,
    )
    one_d = Sequential(
        [Input((36, 2)), Dense(8), ReLU(), MaxPooling1D(3, 2, "same"), AveragePooling1D(2, 1), GlobalAveragePooling1D()]
        + [Dense(3), Softmax()],
        seed=seed,
    )
    rows = X.reshape(len(X), 36, 2)
    spotted = rows.max(axis=(1, 2)) > 2  # in 1-D the class is: a spot anywhere or none (with the same labels)
    return [(two_d, X, y), (one_d, rows, np.where(spotted, 0, 2))]


@pytest.mark.parametrize("index", [0, 1])
def test_a_short_fit_lowers_the_loss_then_save_and_load_predict_identically(index, tmp_path):
    model, X, y = pooling_models()[index]
    model.compile(loss=CrossEntropy(), optimizer=Adam(0.01))
    history = model.fit(X, y, epochs=15, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    assert np.array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_summary_shows_each_output_shape():
    lines = []
    pooling_models()[0][0].summary(print_fn=lines.append)
    text = "\n".join(lines)
    for shape in ["(None, 3, 3, 8)", "(None, 2, 2, 8)", "(None, 8)"]:
        assert shape in text
    lines.clear()
    Sequential([Input((7, 4)), MaxPooling1D(3, 2, "same"), GlobalMaxPooling1D(keepdims=True)]).summary(lines.append)
    assert "(None, 4, 4)" in lines[0] and "(None, 1, 4)" in lines[0]


@pytest.mark.parametrize("cls", EVERY)
def test_float32_in_float32_out_agrees_with_float64(cls):
    shape = (5, 4, 3) if cls.rank == 2 else (5, 3)
    x = distinct((2, *shape), np.random.default_rng(1).permutation(2 * int(np.prod(shape))))
    outputs = {}
    for dtype in ("float32", "float64"):
        layer = built(cls() if cls in EVERY[4:] else cls(padding="same"), shape, dtype)
        y = layer.forward(x.astype(dtype)).copy()
        grad = layer.backward(np.ones_like(y))
        assert y.dtype == grad.dtype == dtype
        outputs[dtype] = y, grad
    for low, high in zip(outputs["float32"], outputs["float64"]):
        assert np.allclose(low, high, rtol=1e-6, atol=1e-6)  # float32 rounding of values of size ~1


def test_forward_is_the_same_in_training_and_inference_and_takes_any_batch():
    layer = built(MaxPooling2D(3, 2, "same"), (5, 5, 2))
    x = np.random.default_rng(2).normal(size=(4, 5, 5, 2))
    assert np.array_equal(layer.forward(x, training=True).copy(), layer.forward(x))
    assert np.array_equal(layer.forward(x[:1]).copy(), layer.forward(x)[:1])


# ------------------------------------------------------------------ Keras's arguments
def test_keras_defaults_and_config():
    assert MaxPooling2D().get_config() == {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}
    assert AveragePooling1D(3, padding="SAME").get_config() == {"pool_size": (3,), "strides": (3,), "padding": "same"}
    layer = MaxPooling2D(pool_size=[3, 2], strides=(1, 2), data_format="channels_last")
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    assert GlobalMaxPooling2D().get_config() == {"keepdims": False}
    assert MaxPooling2D((2, 3)).compute_output_shape((7, 7, 5)) == (3, 2, 5)  # floor((7 - k) / k) + 1
    assert MaxPooling2D((2, 3), padding="same").compute_output_shape((7, 7, 5)) == (4, 3, 5)  # ceil(7 / s)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda: MaxPooling2D(0),
            ValueError,
            r"MaxPooling2D: pool_size must be 2 integer\(s\) >= 1. Received: pool_size=0",
        ),
        (lambda: MaxPooling2D((2, 2, 2)), ValueError, r"pool_size must be 2 integer.*Received: pool_size=\(2, 2, 2\)"),
        (lambda: MaxPooling1D(2.0), TypeError, r"MaxPooling1D: pool_size must be an integer or a tuple of 1"),
        (lambda: AveragePooling2D(strides=True), TypeError, r"AveragePooling2D: strides must be an integer.*True"),
        (lambda: AveragePooling1D(2, -1), ValueError, r"strides must be 1 integer\(s\) >= 1. Received: strides=-1"),
        (
            lambda: MaxPooling2D(padding="full"),
            ValueError,
            r"padding must be 'valid' or 'same'. Received: padding='full'",
        ),
        (lambda: MaxPooling2D(data_format="channels_first"), ValueError, r"only data_format='channels_last'"),
        (lambda: GlobalMaxPooling1D(data_format="channels_first"), ValueError, r"GlobalMaxPooling1D: only data_format"),
        (
            lambda: GlobalAveragePooling2D(keepdims=1),
            TypeError,
            r"keepdims must be True or False. Received: keepdims=1",
        ),
    ],
)
def test_bad_arguments_are_refused_naming_the_layer(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_shapes_are_refused_naming_the_layer_and_the_shape():
    with pytest.raises(ValueError, match=r"MaxPooling2D\(.*\) expects samples of shape \(height, width, channels\)"):
        MaxPooling2D().compute_output_shape((6, 6))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D\(.*\) expects samples of shape \(steps, channels\)"):
        GlobalAveragePooling1D().compute_output_shape((6, 6, 2))
    with pytest.raises(
        ValueError, match=r"expects spatial sizes >= pool_size \(3, 3\).*Received: input shape \(2, 5, 1\)"
    ):
        MaxPooling2D(3).compute_output_shape((2, 5, 1))
    with pytest.raises(ValueError, match=r"layer 0 \(max_pooling1_?d\).*Received: input shape \(4,\)"):
        Sequential([Input((4,)), MaxPooling1D()])


def test_the_docstring_examples_run():
    for module in (pooling, global_pooling):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0
