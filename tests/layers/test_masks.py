"""Masks, as Keras propagates them: padding marked by Embedding(mask_zero=True) or Masking changes no output and no
gradient (a padded model against the same model on the unpadded sequences), in Sequential, functional and
subclassed models; central differences through masked attention and pooling; the merge rules; a warning where a
layer drops the mask."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Input, Model, Sequential
from tinyframe.gradcheck import check_model, numerical_gradient, relative_error
from tinyframe.layers import (
    Add,
    Concatenate,
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    LayerNormalization,
    Masking,
    MultiHeadAttention,
)

VOCAB, WIDTH = 7, 4


def text_model(length, seed=0):
    """Embedding with index 0 as padding, self-attention with a residual, normalisation, average pooling."""
    tokens = Input(shape=(length,))
    x = Embedding(VOCAB, WIDTH, mask_zero=True)(tokens)
    x = LayerNormalization()(Add()([x, MultiHeadAttention(2, 3)(x, x)]))
    return Model(
        tokens, Dense(2)(GlobalAveragePooling1D()(Dense(WIDTH, activation="tanh")(x))), dtype="float64", seed=seed
    )


class Subclassed(Model):
    def __init__(self):
        super().__init__(dtype="float64", seed=0)
        self.embed = Embedding(VOCAB, WIDTH, mask_zero=True)
        self.attention, self.norm = MultiHeadAttention(2, 3), LayerNormalization()
        self.dense, self.pool, self.out = Dense(WIDTH, activation="tanh"), GlobalAveragePooling1D(), Dense(2)

    def call(self, tokens):
        x = self.embed(tokens)
        x = self.norm(x + self.attention(x, x))
        return self.out(self.pool(self.dense(x)))


def gradients(model, X, y):
    """The loss's parameter gradients at ``(X, y)`` (mean squared error), copied."""
    model._ensure_compiled()
    model.loss.forward(model.forward(X), y)
    model.backward(model.loss.backward(), input_grad=False)
    return [g.copy() for g in model.grads]


@pytest.mark.parametrize("make", [text_model, lambda length: Subclassed()], ids=["functional", "subclassed"])
def test_padding_changes_no_output_and_no_gradient(make):
    padded = make(6)
    padded.compile(loss="mse")
    rng = np.random.default_rng(0)
    for length in (1, 3, 6):
        words = rng.integers(1, VOCAB, (1, length))
        X = np.concatenate([words, np.zeros((1, 6 - length), int)], axis=1)
        y = rng.standard_normal((1, 2))
        short = make(length)
        short.compile(loss="mse")
        short.predict(words, verbose=0)
        padded.predict(X, verbose=0)
        short.set_weights(padded.get_weights())  # the weights do not depend on the length
        np.testing.assert_allclose(padded.predict(X, verbose=0), short.predict(words, verbose=0), rtol=1e-12)
        for g, h in zip(gradients(padded, X, y), gradients(short, words, y)):
            np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-14)


def test_masked_attention_and_pooling_check_against_central_differences():
    features = Input(shape=(5, 3))
    x = Masking()(features)
    x = Add()([x, MultiHeadAttention(2, 2)(x, x, use_causal_mask=True)])
    model = Model(features, Dense(1)(GlobalAveragePooling1D()(x)), dtype="float64", seed=0)
    model.compile(loss="mse")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3, 5, 3))
    X[0, 3:] = 0.0  # padding at the end of sample 0
    X[2, 1] = 0.0  # and a masked step in the middle of sample 2
    y = rng.standard_normal((3, 1))
    result = check_model(model, X, y)
    for name, error in result.errors.items():  # the key bias's true gradient is 0: both sides are rounding
        if name != "input":
            assert error < (1e-2 if name.endswith("key_bias") else 1e-6), str(result)

    # The input's: at the data steps only. A masked step is all zeros, and any change to it unmasks it (the mask is
    # a function of the input), so there the finite difference measures a jump; its gradient is 0 by the rule.
    def J():
        return float(model.loss.forward(model.forward(X), y))

    J0 = J()
    analytic = model.backward(model.loss.backward(), input_grad=True)
    kept = np.any(X != 0.0, axis=-1)
    assert not np.any(analytic[~kept])
    numeric = numerical_gradient(J, X)
    assert relative_error(analytic[kept], numeric[kept], J0) < 1e-6


def test_a_sequential_passes_the_mask_from_the_embedding_to_the_pooling():
    model = Sequential([Embedding(VOCAB, 2, mask_zero=True), GlobalAveragePooling1D()], dtype="float64", seed=0)
    X = np.array([[3, 5, 0, 0], [1, 2, 4, 6]])
    table = (model.build((4,)) or model).layers[0].params["embeddings"]
    expected = [table[[3, 5]].mean(axis=0), table[[1, 2, 4, 6]].mean(axis=0)]  # the words only
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-14)


def test_masking_zeroes_the_masked_steps_and_their_gradient():
    layer = Masking(mask_value=-1.0)
    x = np.array([[[1.0, -1.0], [-1.0, -1.0], [2.0, 3.0]]])
    np.testing.assert_array_equal(layer(x), [[[1.0, -1.0], [0.0, 0.0], [2.0, 3.0]]])
    np.testing.assert_array_equal(layer.compute_mask(x), [[True, False, True]])
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), [[[1, 1], [0, 0], [1, 1]]])


def test_the_merge_rules_are_keras_s():
    a, b = np.array([[True, False, False]]), np.array([[False, False, True]])
    x = np.zeros((1, 3, 2))
    assert Add().compute_mask([x, x], [a, None]) is None  # an input without a mask: no mask
    np.testing.assert_array_equal(Add().compute_mask([x, x], [a, b]), [[True, False, True]])  # kept if any keeps
    np.testing.assert_array_equal(Concatenate().compute_mask([x, x], [a, None]), [[True, True, True]])
    np.testing.assert_array_equal(
        Concatenate(axis=1).compute_mask([x, x], [a, None]), [[True, False, False] + [True] * 3]
    )


def test_a_layer_that_does_not_support_masking_drops_it_with_a_warning():
    model = Sequential([Input((3,)), Embedding(VOCAB, 2, mask_zero=True), Flatten(), Dense(1)], seed=0)
    with pytest.warns(UserWarning, match=r"'flatten' \(Flatten\) was passed an input with a mask"):
        model.predict(np.array([[1, 0, 0]]), verbose=0)


def test_mask_arguments_are_checked():
    with pytest.raises(TypeError, match="mask_zero must be True or False"):
        Embedding(3, 2, mask_zero="yes")
    layer = GlobalAveragePooling1D()
    with pytest.raises(ValueError, match=r"expected a mask of shape \(1, 3\) for inputs \(1, 3, 2\)"):
        layer.forward(np.zeros((1, 3, 2)), mask=np.ones((1, 2), bool))
