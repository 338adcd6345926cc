"""MultiHeadAttention: central differences over random heads, sizes and masks; masked values change nothing;
a hand-computed golden value; Keras 3 as an oracle (outputs and scores, with Keras's weights); in graphs,
subclassed models and files; refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinyframe
from tinyframe import Input, Model
from tinyframe.gradcheck import FLOOR, check_model, numerical_gradient, relative_error
from tinyframe.layers import Add, Dense, GlobalAveragePooling1D, Layer, LayerNormalization, MultiHeadAttention

TOL = 1e-6  # float64 five-point central differences: a right gradient stays far below, a wrong one far above


def assert_checked(result):
    """Every gradient of a `check_model` result within TOL, but the key bias's: its true gradient is 0 (it adds
    q.b_k to every score of a query, which the softmax cancels), so both sides are rounding, which the error
    measures against the floor (1e-9 * max(1, |J|)): 1e-2 of it is a difference of 1e-11."""
    for name, error in result.errors.items():
        assert error < (1e-2 if name.endswith("key_bias") else TOL), str(result)


def padding_mask(lengths, query_length):
    """``(m, T_q, T_k)``: query ``i`` of sample ``b`` may attend to keys ``j < lengths[b]``."""
    T_k = max(lengths)
    keys = np.arange(T_k)[None, :] < np.asarray(lengths)[:, None]
    return np.repeat(keys[:, None, :], query_length, axis=1)


def built(layer, shapes, seed=0):
    return layer.build([s[1:] for s in shapes], dtype="float64", rng=seed)


def assert_gradients(layer, inputs, options, training=False, seed=0):
    """Every input's and parameter's gradient of ``J = sum(r * y)`` against central differences."""
    rng_state = layer.rng.bit_generator.state

    def forward():
        layer.rng.bit_generator.state = rng_state  # the same dropout draws for every evaluation
        return layer.forward(inputs, training=training, **options)

    r = np.random.default_rng(seed).standard_normal(forward().shape)
    analytic = layer.backward(r.copy())
    params = {k: g.copy() for k, g in layer.grads.items()}

    def J():
        return float(np.sum(r * forward()))

    J0 = J()
    assert len(analytic) == len(inputs)
    for i, (x, g) in enumerate(zip(inputs, analytic)):
        assert g.shape == x.shape
        error = relative_error(g, numerical_gradient(J, x), J0)
        assert error < TOL, f"input {i}: relative error {error:.1e}"
    for name, w in layer.params.items():
        numeric = numerical_gradient(J, w)
        if name == "key_bias":  # adds q.b_k to every score of a query: the softmax cancels it, dJ/db_k = 0
            floor = FLOOR * max(1.0, abs(J0))
            assert np.linalg.norm(params[name]) < floor and np.linalg.norm(numeric) < floor
            continue
        error = relative_error(params[name], numeric, J0)
        assert error < TOL, f"{name}: relative error {error:.1e}"


@st.composite
def attention_cases(draw):
    m, T_q, T_k = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    heads, key_dim, value_dim = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    d_q, d_v = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    self_attention = draw(st.booleans())
    if self_attention:
        T_k, d_v = T_q, d_q
    with_key = not self_attention and draw(st.booleans())
    mask = draw(st.sampled_from(["none", "causal", "padding", "both"]))
    layer = MultiHeadAttention(
        heads,
        key_dim,
        value_dim,
        use_bias=draw(st.booleans()),
        output_shape=draw(st.sampled_from([None, 2])),
        dropout=draw(st.sampled_from([0.0, 0.3])),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    query = rng.standard_normal((m, T_q, d_q))
    value = query if self_attention else rng.standard_normal((m, T_k, d_v))
    inputs = [query, value] if self_attention or not with_key else [query, value, rng.standard_normal((m, T_k, 3))]
    options = {}
    if mask in ("causal", "both"):
        options["use_causal_mask"] = True
    if mask in ("padding", "both"):
        lengths = [int(rng.integers(1, T_k + 1)) for _ in range(m)]
        lengths[0] = T_k  # keys of the longest sample fill the whole length
        options["attention_mask"] = padding_mask(lengths, T_q)
    return layer, [x.copy() for x in inputs], options


@given(attention_cases(), st.booleans())
def test_gradients_match_central_differences(case, training):
    layer, inputs, options = case
    built(layer, [x.shape for x in inputs], seed=1)
    assert_gradients(layer, inputs, options, training=training)


def test_gradients_with_the_mask_as_an_input_and_rows_that_see_no_key():
    """A mask given as the fourth input gets a zero gradient; a query with no allowed key (equal weights
    on every key, as Keras) passes none to its scores, and the rest is still exact."""
    rng = np.random.default_rng(3)
    query, value = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    mask = padding_mask([5, 2], 3).astype(float)
    mask[1, 2, :] = 0.0  # the last query of sample 1 sees nothing
    layer = built(MultiHeadAttention(2, 3), [query.shape, value.shape, value.shape, mask.shape], seed=2)
    y = layer.forward([query, value, value.copy(), mask])
    _, scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    assert np.allclose(scores[1, :, 2], 0.2)  # equal weights, as Keras gives a row without a key
    assert y.shape == (2, 3, 4)
    assert_gradients(layer, [query, value, value.copy(), mask], {})
    assert not np.any(layer.backward(np.ones_like(y))[3])


def test_golden_values_by_hand():
    """One head, identity projections: softmax of q.k / sqrt(2), computed by hand."""
    layer = MultiHeadAttention(1, 2, use_bias=False).build([(2, 2), (2, 2)], dtype="float64")
    layer.set_weights([np.eye(2).reshape(2, 1, 2)] * 3 + [np.eye(2).reshape(1, 2, 2)])
    query = np.array([[[1.0, 0.0], [0.0, 2.0]]])
    value = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    y, scores = layer(query, value, return_attention_scores=True)
    s = 1 / np.sqrt(2)
    row0 = np.exp([s, 0.0]) / np.exp([s, 0.0]).sum()  # q0 = (1, 0): scores (1, 0) / sqrt(2)
    row1 = np.exp([0.0, 2 * s]) / np.exp([0.0, 2 * s]).sum()  # q1 = (0, 2): scores (0, 2) / sqrt(2)
    np.testing.assert_allclose(scores[0, 0], [row0, row1], rtol=1e-14)
    np.testing.assert_allclose(y[0], [row0, row1], rtol=1e-14)  # the values are the identity's rows


def test_what_sits_under_a_padding_mask_changes_no_output_and_no_gradient():
    rng = np.random.default_rng(5)
    query, value = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 5, 6))
    mask = padding_mask([5, 3], 4)
    layer = built(MultiHeadAttention(2, 3), [query.shape, value.shape])
    r = rng.standard_normal((2, 4, 6))

    def run(value):
        y = layer.forward([query, value], attention_mask=mask, use_causal_mask=False)
        grads = layer.backward(r)
        return y, [g.copy() for g in grads], {k: g.copy() for k, g in layer.grads.items()}

    y0, g0, p0 = run(value)
    changed = value.copy()
    changed[1, 3:] = 1e3 * rng.standard_normal((2, 6))  # sample 1's padded keys and values
    y1, g1, p1 = run(changed)
    np.testing.assert_allclose(y1, y0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1[0], g0[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1[1], g0[1], rtol=1e-12, atol=1e-12)
    assert not np.any(g1[1][1, 3:])  # nothing flows to what the mask hides
    for name in p0:
        np.testing.assert_allclose(p1[name], p0[name], rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("use_bias", [True, False])
def test_self_attention_on_one_array_takes_one_product_and_gives_the_same_gradients(use_bias):
    """mha(x, x): Q, K and V from one product with the stacked kernels, the input's whole gradient first."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 5, 6))
    layer = built(MultiHeadAttention(3, 2, value_dim=4, use_bias=use_bias), [x.shape, x.shape], seed=4)
    r = rng.standard_normal((2, 5, 6))
    apart = layer.forward([x, x.copy()], use_causal_mask=True).copy()  # two arrays: three products each way
    grads_apart = layer.backward(r)
    params_apart = {k: g.copy() for k, g in layer.grads.items()}
    together = layer.forward([x, x], use_causal_mask=True)
    assert layer._kept.stacked is not None and not np.shares_memory(together, apart)
    grads = layer.backward(r)
    np.testing.assert_allclose(together, apart, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grads[0], grads_apart[0] + grads_apart[1], rtol=1e-12, atol=1e-14)
    assert not grads[1].any()
    for name, g in params_apart.items():
        np.testing.assert_allclose(layer.grads[name], g, rtol=1e-12, atol=1e-14, err_msg=name)


# ------------------------------------------------------------------------------------------ Keras 3
@pytest.mark.parametrize(
    "heads, key_dim, value_dim, output_shape, with_key, mask",
    [
        (2, 3, None, None, False, "none"),
        (3, 2, 4, 5, True, "none"),
        (2, 4, None, None, False, "causal"),
        (1, 3, 2, None, True, "padding"),
        (2, 2, None, 3, False, "both"),
    ],
)
def test_keras_gives_the_same_outputs_and_scores(keras, heads, key_dim, value_dim, output_shape, with_key, mask):
    rng = np.random.default_rng(7)
    query = rng.standard_normal((3, 4, 6)).astype("float32")
    value = rng.standard_normal((3, 5 if with_key else 4, 8 if with_key else 6)).astype("float32")
    key = rng.standard_normal((3, value.shape[1], 7)).astype("float32") if with_key else None
    ours = MultiHeadAttention(heads, key_dim, value_dim, output_shape=output_shape)
    theirs = keras.layers.MultiHeadAttention(heads, key_dim, value_dim, output_shape=output_shape)
    kwargs = {} if key is None else {"key": key}
    if mask in ("padding", "both"):
        kwargs["attention_mask"] = padding_mask([value.shape[1], 2, 3], 4)
    causal = mask in ("causal", "both")
    k_out, k_scores = theirs(query, value, use_causal_mask=causal, return_attention_scores=True, **kwargs)
    ours.build([query.shape[1:], value.shape[1:]] + ([key.shape[1:]] if key is not None else []), dtype="float32")
    weights = [np.asarray(w) for w in theirs.get_weights()]
    assert [w.shape for w in weights] == [w.shape for w in ours.get_weights()]
    ours.set_weights(weights)
    y, scores = ours(query, value, use_causal_mask=causal, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(scores, k_scores.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y, k_out.detach().numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------- models
def encoder_block(x, heads=2, causal=True, mask=None):
    """Pre-LayerNorm self-attention with a residual connection (a Transformer's first half)."""
    h = LayerNormalization()(x)
    h = MultiHeadAttention(heads, 3)(h, h, use_causal_mask=causal, attention_mask=mask)
    return Add()([x, h])


def test_a_functional_model_checks_against_central_differences_and_trains():
    inputs = Input(shape=(5, 4))
    x = encoder_block(Dense(4)(inputs))
    model = Model(inputs, Dense(2)(GlobalAveragePooling1D()(x)), dtype="float64", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 5, 4)), rng.standard_normal((6, 2))
    model.compile(loss="mse", optimizer="adam")
    assert_checked(check_model(model, X, y))
    before = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=30, verbose=0)
    assert model.evaluate(X, y, verbose=0) < 0.5 * before


def test_the_causal_option_of_a_node_is_kept_in_the_graph_and_in_files(tmp_path):
    inputs = Input(shape=(5, 4))
    model = Model(inputs, encoder_block(inputs), dtype="float64", seed=0)
    X = np.random.default_rng(1).standard_normal((2, 5, 4))
    y = model.predict(X, verbose=0)
    changed = X.copy()
    changed[:, 3:] += 10.0  # later steps: the first three outputs cannot see them
    np.testing.assert_allclose(model.predict(changed, verbose=0)[:, :3], y[:, :3], rtol=1e-12, atol=1e-12)
    model.save(tmp_path / "m.npz")
    loaded = tinyframe.load_model(tmp_path / "m.npz")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(loaded.predict(changed, verbose=0)[:, :3], y[:, :3], rtol=1e-12, atol=1e-12)


def test_a_mask_input_of_a_graph_reaches_the_attention():
    tokens, mask = Input(shape=(4, 3)), Input(shape=(4, 4))
    model = Model([tokens, mask], encoder_block(tokens, causal=False, mask=mask), dtype="float64", seed=0)
    rng = np.random.default_rng(2)
    X, M = rng.standard_normal((3, 4, 3)), padding_mask([4, 2, 1], 4).astype(float)
    y = model.predict([X, M], verbose=0)
    changed = X.copy()
    changed[1, 2:] = 5.0  # sample 1's padding: its first two outputs do not see it
    np.testing.assert_allclose(model.predict([changed, M], verbose=0)[1, :2], y[1, :2], rtol=1e-12, atol=1e-12)
    model.compile(loss="mse")
    result = check_model(model, [X, M], rng.standard_normal((3, 4, 3)))
    assert result.errors["input"] < TOL and result.errors["input1"] == 0.0, str(result)


class TransformerBlock(Layer):
    """keras.io's way: a layer subclass whose call composes attention, normalisation and a feed-forward part."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.att = MultiHeadAttention(num_heads=heads, key_dim=width)
        self.ffn = [Dense(hidden, activation="relu"), Dense(width)]
        self.norm1, self.norm2 = LayerNormalization(epsilon=1e-6), LayerNormalization(epsilon=1e-6)

    def call(self, inputs):
        out1 = self.norm1(inputs + self.att(inputs, inputs))
        return self.norm2(out1 + self.ffn[1](self.ffn[0](out1)))


def test_a_layer_subclass_composing_attention_checks_against_central_differences():
    inputs = Input(shape=(3, 4))
    model = Model(inputs, GlobalAveragePooling1D()(TransformerBlock(4, 2, 5)(inputs)), dtype="float64", seed=0)
    model.compile(loss="mse")
    rng = np.random.default_rng(4)
    assert_checked(check_model(model, rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4))))


class CausalModel(Model):
    """A subclassed model passing a mask array in its call."""

    def __init__(self):
        super().__init__(dtype="float64", seed=0)
        self.att = MultiHeadAttention(2, 2)
        self.out = Dense(1)

    def call(self, x):
        mask = np.tri(x.shape[1], dtype=bool)[None]
        return self.out(self.att(x, x, attention_mask=mask))


def test_a_subclassed_model_passes_a_mask_array_and_matches_the_causal_option():
    model = CausalModel()
    X = np.random.default_rng(6).standard_normal((2, 4, 3))
    y = model.predict(X, verbose=0)
    direct = model.out.forward(model.att.forward([X, X], use_causal_mask=True))
    np.testing.assert_allclose(y, direct, rtol=1e-12)
    model.compile(loss="mse")
    assert_checked(check_model(model, X, np.ones((2, 4, 1))))


# ------------------------------------------------------------------------------------------ refusals
def test_refusals_name_what_was_expected():
    with pytest.raises(TypeError, match="num_heads must be an integer"):
        MultiHeadAttention(2.5, 3)
    with pytest.raises(ValueError, match=r"dropout must be in \[0.0, 1.0\)"):
        MultiHeadAttention(2, 3, dropout=1.0)
    with pytest.raises(ValueError, match="attention_axes=.* is not implemented"):
        MultiHeadAttention(2, 3, attention_axes=(1, 2))
    layer = MultiHeadAttention(2, 3)
    with pytest.raises(ValueError, match=r"key and value must have the same length"):
        layer.compute_output_shape([(4, 6), (5, 6), (3, 6)])
    with pytest.raises(ValueError, match=r"expected query and value of shape \(batch, time, features\)"):
        layer.compute_output_shape([(6,), (6,)])
    x = np.zeros((2, 4, 6))
    with pytest.raises(ValueError, match=r"attention_mask must be \(2, 4, 4\)"):
        layer(x, x, attention_mask=np.ones((2, 4, 3), bool))
    inputs = Input(shape=(4, 6))
    with pytest.raises(TypeError, match="attention_mask must be a tensor"):
        MultiHeadAttention(2, 3)(inputs, inputs, attention_mask=np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match="return_attention_scores=True works on arrays only"):
        MultiHeadAttention(2, 3)(inputs, inputs, return_attention_scores=True)


def test_config_round_trip():
    layer = MultiHeadAttention(4, 8, value_dim=6, dropout=0.1, use_bias=False, output_shape=(5,))
    again = MultiHeadAttention.from_config(layer.get_config())
    assert (
        again.get_config()
        == layer.get_config()
        == {
            "num_heads": 4,
            "key_dim": 8,
            "value_dim": 6,
            "dropout": 0.1,
            "use_bias": False,
            "output_shape": 5,
            "kernel_initializer": "glorot_uniform",
            "bias_initializer": "zeros",
        }
    )


# ------------------------------------------------------------------------------------------ decoding
def test_a_cached_step_equals_the_matching_rows_of_the_whole_causal_call():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 7, 6))
    layer = built(MultiHeadAttention(3, 2), [x.shape, x.shape], seed=3)
    whole = layer.forward([x, x], use_causal_mask=True).copy()
    cache = layer.empty_cache(2, 7)
    y, cache = layer.call_with_cache(x[:, :3], x[:, :3], cache, 0)  # a prompt of three steps at once
    np.testing.assert_allclose(y, whole[:, :3], rtol=1e-12, atol=1e-12)
    for t in range(3, 7):  # then one step at a time
        y, cache = layer.call_with_cache(x[:, t : t + 1], x[:, t : t + 1], cache, t)
        np.testing.assert_allclose(y[:, 0], whole[:, t], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="has no room for positions 7..7"):
        layer.call_with_cache(x[:, :1], x[:, :1], cache, 7)


def test_one_attention_layer_shared_by_two_nodes_sums_both_gradients():
    """The same layer attending within two sequences (a weight shared by two nodes), checked end to end."""
    left, right = Input(shape=(4, 3)), Input(shape=(4, 3))
    mha = MultiHeadAttention(2, 2)
    pooled = [GlobalAveragePooling1D()(mha(x, x, use_causal_mask=True)) for x in (left, right)]
    model = Model([left, right], Dense(1)(Add()(pooled)), dtype="float64", seed=0)
    model.compile(loss="mse")
    rng = np.random.default_rng(10)
    assert_checked(
        check_model(model, [rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3))], np.ones((2, 1)))
    )


def test_a_saved_node_option_the_layer_does_not_take_is_refused(tmp_path):
    import json

    inputs = Input(shape=(3, 2))
    model = Model(inputs, MultiHeadAttention(1, 2)(inputs, inputs, use_causal_mask=True))
    config = model.get_config()
    assert config["nodes"][-1][3] == {"use_causal_mask": True}
    config["nodes"][-1][3] = {"run_this": "code"}
    with pytest.raises(ValueError, match="MultiHeadAttention takes no call option 'run_this'"):
        Model.from_config(json.loads(json.dumps(config)))
