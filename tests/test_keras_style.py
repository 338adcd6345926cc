"""Keras 3 code as a Keras user writes it (imports aside), run on tinyframe, with its results checked.

Every test is a snippet a Keras user would write: model definitions, compile, fit,
evaluate, weights, optimizers, callbacks, a custom training step, the on-batch
methods and inputs of rank 3 and 4. Results are checked against independent
references: NumPy forward passes, scikit-learn's metrics, hand-written update rules
and the same training done another way (float64 where bit-level agreement is claimed).

Where tinyframe deliberately differs from Keras, the test checks tinyframe's
documented behaviour and says so in a comment marked ``Differs from Keras``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as sk
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import tinyframe
from tinyframe import DivergenceWarning, Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback, EarlyStopping, LambdaCallback, ReduceLROnPlateau, TerminateOnNaN
from tinyframe.layers import Activation, Dense, Input
from tinyframe.losses import SparseCategoricalCrossentropy
from tinyframe.optimizers import Adagrad, Adam, GradientDescent, Nadam, RMSProp
from tinyframe.optimizers.schedules import CosineDecay

EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture(scope="module")
def digits():
    """load_digits scaled to [0, 1], split 75/25 with a fixed seed: (X_train, X_test, y_train, y_test)."""
    d = load_digits()
    return train_test_split(d.data / 16.0, d.target, test_size=0.25, random_state=0)


def keras_mlp(dtype="float32", seed=0, cls=Sequential):
    """The model of Keras's MNIST-style tutorials, written in Keras's spelling."""
    return cls(
        [Input(shape=(64,)), Dense(30, activation="relu"), Dense(10, activation="softmax")], dtype=dtype, seed=seed
    )


def numpy_forward(weights, x):
    """relu(x W0 + b0) W1 + b1, then softmax: the reference for `keras_mlp`, in float64."""
    W0, b0, W1, b1 = (np.asarray(w, np.float64) for w in weights)
    z = np.maximum(x @ W0 + b0, 0.0) @ W1 + b1
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(p, labels):
    """Keras's categorical cross-entropy from probabilities: rows normalised, -log of the label's share."""
    p = np.asarray(p, np.float64)
    q = np.clip(p / p.sum(axis=-1, keepdims=True), 1e-7, 1 - 1e-7)
    return -np.log(np.take_along_axis(q, labels[..., None], axis=-1)[..., 0])


# ---------------------------------------------------------------------------------------------- model definitions
def test_list_with_input_builds_at_once_and_counts_like_keras():
    model = Sequential([Input(shape=(64,)), Dense(30, activation="relu"), Dense(10, activation="softmax")])
    assert model.built and len(model.layers) == 2  # the Input is not one of model.layers, as in Keras
    assert (model.input_shape, model.output_shape) == ((64,), (10,))
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.get_layer("dense_1") is model.layers[1] and model.get_layer(index=0) is model.layers[0]
    assert model.count_params() == (64 * 30 + 30) + (30 * 10 + 10) == 2260
    W, b = model.layers[0].get_weights()
    assert (W.shape, b.shape) == ((64, 30), (30,))
    with pytest.raises(ValueError, match=r"no layer is called 'dense_7'.*\['dense', 'dense_1'\]"):
        model.get_layer("dense_7")


def test_every_keras_spelling_builds_the_same_model():
    reference = keras_mlp(seed=0)
    added = Sequential(seed=0)
    added.add(Input((64,)))
    added.add(Dense(30, activation="relu"))
    added.add(Dense(10, activation="softmax"))
    first_layer_shape = Sequential([Dense(30, activation="relu", input_shape=(64,)), Dense(10, "softmax")], seed=0)
    built_by_hand = Sequential([Dense(30, "relu"), Dense(10, activation="softmax")], seed=0)
    built_by_hand.build((None, 64))  # Keras's batch dimension first; tinyframe drops the None
    for model in (added, first_layer_shape, built_by_hand):
        assert model.built and model.input_shape == (64,)
        assert repr(model) == repr(reference)
        for got, want in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_array_equal(got, want)  # same seed, same weights, whatever the spelling


def test_activation_layer_is_the_activation_inside_dense():
    rng = np.random.default_rng(1)
    x = rng.random((7, 64))
    inside = Sequential([Input((64,)), Dense(30, activation="relu"), Dense(10, activation="softmax")], "float64", 2)
    apart = Sequential(dtype="float64", seed=2)
    apart.add(Input((64,)))
    apart.add(Dense(30))
    apart.add(Activation("relu"))
    apart.add(Dense(10))
    apart.add(Activation("softmax"))
    assert [layer.name for layer in apart.layers] == ["dense", "re_lu", "dense_1", "softmax"]
    # Differs from Keras: an Activation("relu") layer is tinyframe's ReLU layer, so it is named "re_lu"
    # (Keras's ReLU layer's name), not "activation".
    assert apart.count_params() == inside.count_params() == 2260
    np.testing.assert_array_equal(apart.predict(x), inside.predict(x))


def test_model_built_lazily_on_first_fit_or_call(digits):
    X, _, y, _ = digits
    for first_use in ("fit", "call", "predict"):
        model = Sequential([Dense(30, activation="relu"), Dense(10, activation="softmax")], seed=0)
        assert not model.built and model.input_shape is None
        for what in (model.get_weights, model.count_params):  # summary() lists the unbuilt layers, as Keras
            with pytest.raises(ValueError, match="not built yet.*Input\\(shape\\)"):
                what()
        with pytest.raises(ValueError, match="Dense\\(30, activation='relu'\\) is not built yet"):
            model.layers[0].get_weights()
        if first_use == "fit":
            model.compile(loss="categorical_crossentropy", optimizer="adam")
            model.fit(X[:64], y[:64], epochs=1, verbose=0)
        elif first_use == "call":
            assert model(X[:5]).shape == (5, 10)
        else:
            assert model.predict(X[:5]).shape == (5, 10)
        assert model.built and (model.input_shape, model.output_shape) == ((64,), (10,))
        assert model.count_params() == 2260


def test_summary_names_layers_and_prints_output_shapes():
    lines = []
    keras_mlp().summary(print_fn=lines.append)
    text = "\n".join(lines)
    rows = {line.split()[1]: line for line in text.splitlines() if "(Dense)" in line}
    assert set(rows) == {"dense", "dense_1"}
    assert "(None, 30)" in rows["dense"] and rows["dense"].endswith("1,950")  # 64 * 30 + 30
    assert "(None, 10)" in rows["dense_1"] and rows["dense_1"].endswith("310")  # 30 * 10 + 10
    assert "Total params: 2,260" in text and "Trainable params: 2,260" in text
    assert "Non-trainable params: 0" in text


def test_layer_names_are_numbered_per_model():
    first, second = keras_mlp(), keras_mlp()
    # Differs from Keras: Keras numbers layer names across the session (the second model's layers would be
    # dense_2, dense_3); tinyframe numbers them within each model, so both models read dense, dense_1.
    assert [layer.name for layer in first.layers] == [layer.name for layer in second.layers] == ["dense", "dense_1"]


def test_get_weights_set_weights_round_trip_and_forward_pass():
    model = keras_mlp(dtype="float64", seed=4)
    layer = model.layers[0]
    W, b = layer.get_weights()
    layer.set_weights([2 * W, b + 1])
    W2, b2 = layer.get_weights()
    np.testing.assert_array_equal(W2, 2 * W)
    np.testing.assert_array_equal(b2, b + 1)
    W2[0, 0] = 99.0  # get_weights gives copies
    assert layer.get_weights()[0][0, 0] == 2 * W[0, 0]

    x = np.random.default_rng(5).random((9, 64))
    expected = numpy_forward(model.get_weights(), x)
    np.testing.assert_array_equal(model(x), model.predict(x))
    # Two matrix products and a softmax of values of order 10: a few hundred float64 roundings at most.
    np.testing.assert_allclose(model(x), expected, rtol=0, atol=1e3 * EPS64)

    with pytest.raises(ValueError, match=r"dense.set_weights: weights\[0\] must have shape \(64, 30\)"):
        layer.set_weights([W.T, b])
    with pytest.raises(ValueError, match="expects a list of 2 arrays. Received: 1 arrays"):
        layer.set_weights([W])
    np.testing.assert_array_equal(layer.get_weights()[0], 2 * W)  # refused calls changed nothing


def test_dense_arguments_regularizer_bias_and_frozen_layers(digits):
    X, _, y, _ = digits
    model = Sequential(
        [
            Input((64,)),
            Dense(units=30, activation="relu", kernel_regularizer="l2", name="hidden"),
            Dense(10, activation="softmax", use_bias=False),
        ],
        dtype="float64",
        seed=0,
        name="digits",
    )
    assert model.count_params() == (64 * 30 + 30) + 30 * 10  # no bias in the last layer
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    W, b, W_out = model.get_weights()
    p = numpy_forward([W, b, W_out, np.zeros(10)], X[:50])
    # Keras's "l2" is L2(0.01): 0.01 * sum(W**2), added to the loss that evaluate reports.
    expected = cross_entropy(p, y[:50]).mean() + 0.01 * np.sum(W**2)
    assert model.evaluate(X[:50], y[:50], verbose=0) == pytest.approx(expected, rel=50 * EPS64)

    model.get_layer("hidden").trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0].startswith('Model: "digits"') and "Non-trainable params: 1,950" in lines[0]
    model.fit(X[:64], y[:64], epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], W)  # frozen: not updated
    assert not np.array_equal(model.get_weights()[2], W_out)


def test_design_card_spelling_works_next_to_keras_spelling():
    card = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
    keras = Sequential([Input((64,)), Dense(30, activation="sigmoid"), Dense(10, activation="sigmoid")], seed=0)
    assert repr(card) == "Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype='float32')"
    assert card.built and card.input_shape == (64,) and card.count_params() == keras.count_params()
    x = np.random.default_rng(1).random((6, 64))
    np.testing.assert_array_equal(card.predict(x), keras.predict(x))
    mixed = Sequential([Dense(64, 30), Dense(10, activation="softmax")])  # (in, out) then Keras's units
    assert mixed.output_shape == (10,) and mixed.count_params() == 2260


# ---------------------------------------------------------------------------------------- compile, fit, evaluate
def test_fit_without_batch_size_uses_batches_of_32_and_learns_digits(digits):
    X, X_test, y, y_test = digits
    model = keras_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=10, verbose=0)
    assert model.optimizer.iterations == 10 * math.ceil(len(X) / 32)
    losses = history.history["loss"]
    assert history.epoch == list(range(10)) and all(np.diff(losses) < 0)
    assert np.mean(model.predict(X_test).argmax(axis=1) == y_test) > 0.85

    full_batch = keras_mlp()  # the article's gradient descent, asked for: one step per epoch, the old default
    full_batch.compile(optimizer="adam", loss="categorical_crossentropy")
    full_batch.fit(X, y, epochs=10, batch_size=None, verbose=0)
    assert full_batch.optimizer.iterations == 10
    assert np.mean(full_batch.predict(X_test).argmax(axis=1) == y_test) < 0.5  # 10 small steps: far from trained


def test_evaluate_returns_floats_a_list_or_a_dict(digits):
    X, X_test, y, y_test = digits
    model = keras_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(X[:400], y[:400], epochs=3, verbose=0)
    loss, acc = model.evaluate(X_test, y_test, verbose=0)
    assert type(loss) is float and type(acc) is float and model.metrics_names == ["loss", "accuracy"]
    p = model.predict(X_test)
    assert acc == np.mean(p.argmax(axis=1) == y_test)
    # The loss is summed in float32 over len(y_test) positions: at most about n * eps32 relative error.
    assert loss == pytest.approx(cross_entropy(p, y_test).mean(), rel=len(y_test) * EPS32)
    assert model.evaluate(X_test, y_test, verbose=0, return_dict=True) == {"loss": loss, "accuracy": acc}

    model.compile(optimizer="adam", loss="categorical_crossentropy")  # no metrics: the loss alone
    alone = model.evaluate(X_test, y_test, verbose=0)
    assert type(alone) is float and alone == loss
    assert model.evaluate(X_test, y_test, verbose=0, return_dict=True) == {"loss": loss}


def test_evaluate_and_predict_verbosity(digits, capsys):
    X, _, y, _ = digits
    model = keras_mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.predict(X[:10])
    model.evaluate(X[:10], y[:10], verbose=0)
    assert capsys.readouterr().out == ""  # Differs from Keras: predict prints nothing by default
    loss = model.evaluate(X[:10], y[:10])  # verbose="auto": one line of results (Keras draws a bar)
    assert capsys.readouterr().out == f"loss: {loss:.4g}\n"


def test_categorical_crossentropy_on_a_sigmoid_output_trains(digits):
    X, X_test, y, y_test = digits
    model = Sequential([Input((64,)), Dense(30, activation="sigmoid"), Dense(10, activation="sigmoid")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X, y, epochs=20, verbose=0)
    loss, acc = model.evaluate(X_test, y_test, verbose=0)
    assert acc > 0.85
    p = model.predict(X_test)
    assert p.sum(axis=1).std() > 0.01  # sigmoid rows do not sum to one: the normalisation below matters
    assert loss == pytest.approx(cross_entropy(p, y_test).mean(), rel=len(y_test) * EPS32)


def test_sparse_categorical_crossentropy_with_integer_labels(digits):
    X, X_test, y, y_test = digits
    model = keras_mlp()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["sparse_categorical_accuracy"])
    model.fit(X, y, epochs=10, verbose=0)
    sparse = model.evaluate(X_test, y_test, verbose=0, return_dict=True)
    assert sparse["sparse_categorical_accuracy"] > 0.85
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    one_hot = model.evaluate(X_test, np.eye(10)[y_test], verbose=0)
    assert sparse["loss"] == one_hot  # the same cross-entropy, from labels or from one-hot rows


@pytest.mark.parametrize(
    "name, cls, default_rate",
    [("Adam", Adam, 1e-3), ("SGD", GradientDescent, 1e-2), ("adagrad", Adagrad, 1e-3), ("nadam", Nadam, 1e-3)]
    + [("RMSprop", RMSProp, 1e-3), ("sgd", GradientDescent, 1e-2), ("ADAM", Adam, 1e-3)],
)
def test_optimizer_names_in_any_case(digits, name, cls, default_rate):
    X, _, y, _ = digits
    model = keras_mlp()
    model.compile(optimizer=name, loss="categorical_crossentropy")
    assert type(model.optimizer) is cls and model.optimizer.learning_rate == pytest.approx(default_rate)
    history = model.fit(X[:320], y[:320], epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]


def test_categorical_metrics_agree_with_sklearn(digits):
    X, X_test, y, y_test = digits
    model = keras_mlp()
    model.compile("categorical_crossentropy", "adam", metrics=["categorical_accuracy", "top_k_categorical_accuracy"])
    model.fit(X[:400], y[:400], epochs=2, verbose=0)
    logs = model.evaluate(X_test, y_test, verbose=0, return_dict=True)
    p = model.predict(X_test)
    assert logs["categorical_accuracy"] == pytest.approx(sk.accuracy_score(y_test, p.argmax(1)), abs=EPS64)
    top5 = sk.top_k_accuracy_score(y_test, p, k=5, labels=np.arange(10))
    assert logs["top_k_categorical_accuracy"] == pytest.approx(top5, abs=EPS64)
    assert 0 < logs["categorical_accuracy"] < top5 < 1  # neither trivial nor equal: the metrics are distinct


def test_binary_metrics_agree_with_sklearn(digits):
    X, X_test, y, y_test = digits
    is_big, is_big_test = (y >= 5).astype(int), (y_test >= 5).astype(int)
    model = Sequential([Input(shape=(64,)), Dense(8, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(
        loss="binary_crossentropy", optimizer="adam", metrics=["binary_accuracy", "precision", "recall", "auc"]
    )
    model.fit(X, is_big, epochs=2, verbose=0)
    logs = model.evaluate(X_test, is_big_test, verbose=0, return_dict=True)
    p = model.predict(X_test)[:, 0]
    predicted = (p > 0.5).astype(int)
    assert logs["binary_accuracy"] == pytest.approx(sk.accuracy_score(is_big_test, predicted), abs=EPS64)
    assert logs["precision"] == pytest.approx(sk.precision_score(is_big_test, predicted), abs=EPS64)
    assert logs["recall"] == pytest.approx(sk.recall_score(is_big_test, predicted), abs=EPS64)
    # Differs from Keras: tinyframe's AUC is exact (sklearn's), Keras's interpolates over 200 thresholds.
    assert logs["auc"] == pytest.approx(sk.roc_auc_score(is_big_test, p), abs=1e3 * EPS64)
    assert logs["loss"] == pytest.approx(sk.log_loss(is_big_test, p), rel=len(p) * EPS32)
    assert 0.5 < logs["auc"] < 1 and 0 < logs["precision"] < 1 and 0 < logs["recall"] < 1


# ------------------------------------------------------------------------------------------------------ weights
def float64_net(seed=3, learning_rate=0.5):
    model = keras_mlp(dtype="float64", seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=GradientDescent(learning_rate), metrics=["accuracy"])
    return model


def test_zero_sample_weights_train_as_if_those_samples_were_absent(digits):
    X, _, y, _ = digits
    X, y = X[:200], y[:200]
    keep = np.arange(len(X)) % 2 == 0
    # Keras divides the weighted losses by the batch size, not by the weights' sum: weights of 2 on the kept
    # half make the full batch's mean loss equal to the kept half's mean loss.
    weights = np.where(keep, 2.0, 0.0)
    weighted, alone = float64_net(), float64_net()
    h_weighted = weighted.fit(X, y, epochs=10, batch_size=None, shuffle=False, sample_weight=weights, verbose=0)
    h_alone = alone.fit(X[keep], y[keep], epochs=10, batch_size=None, shuffle=False, verbose=0)
    # The same sums taken over 200 weighted terms instead of 100: rounding of order n * eps64 per reduction.
    tolerance = len(X) * EPS64
    np.testing.assert_allclose(h_weighted.history["loss"], h_alone.history["loss"], rtol=tolerance)
    assert h_weighted.history["accuracy"] == h_alone.history["accuracy"]  # weighted mean over the kept half
    for got, want in zip(weighted.get_weights(), alone.get_weights()):
        np.testing.assert_allclose(got, want, rtol=0, atol=tolerance * np.abs(want).max())
    assert h_alone.history["loss"][-1] < h_alone.history["loss"][0]


def test_evaluate_with_sample_weight_is_keras_weighted_mean(digits):
    X, X_test, y, y_test = digits
    model = float64_net()
    model.fit(X[:200], y[:200], epochs=3, verbose=0)
    w = np.random.default_rng(0).uniform(0, 3, len(y_test))
    logs = model.evaluate(X_test, y_test, sample_weight=w, verbose=0, return_dict=True)
    p = model.predict(X_test)
    # Keras: the loss is sum(w * loss) / n, a metric the weighted mean sum(w * hit) / sum(w).
    expected_loss = np.sum(w * cross_entropy(p, y_test)) / len(y_test)
    expected_accuracy = np.sum(w * (p.argmax(1) == y_test)) / w.sum()
    assert logs["loss"] == pytest.approx(expected_loss, rel=len(y_test) * EPS64)
    assert logs["accuracy"] == pytest.approx(expected_accuracy, rel=len(y_test) * EPS64)
    assert logs != model.evaluate(X_test, y_test, verbose=0, return_dict=True)


def test_class_weight_equals_the_sample_weights_it_stands_for(digits):
    X, _, y, _ = digits
    X, y = X[:300], y[:300]
    by_class, by_sample, unweighted = float64_net(), float64_net(), float64_net()
    h_class = by_class.fit(X, y, epochs=3, class_weight={0: 2.0}, verbose=0)
    h_sample = by_sample.fit(X, y, epochs=3, sample_weight=np.where(y == 0, 2.0, 1.0), verbose=0)
    h_plain = unweighted.fit(X, y, epochs=3, verbose=0)
    assert h_class.history == h_sample.history and h_class.history != h_plain.history
    for got, want in zip(by_class.get_weights(), by_sample.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_validation_data_with_sample_weights(digits):
    X, X_val, y, y_val = digits
    w_val = np.where(y_val < 5, 3.0, 0.5)
    model = float64_net()
    history = model.fit(X[:300], y[:300], epochs=3, validation_data=(X_val, y_val, w_val), verbose=0)
    weighted = model.evaluate(X_val, y_val, sample_weight=w_val, return_dict=True, verbose=0)
    assert history.history["val_loss"][-1] == weighted["loss"]
    assert history.history["val_accuracy"][-1] == weighted["accuracy"]
    assert weighted["loss"] != model.evaluate(X_val, y_val, verbose=0)[0]  # the weights were not ignored


# --------------------------------------------------------------------------------------------------- optimizers
def adam_by_hand(w, g, m, v, t, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Kingma & Ba's Algorithm 1 (tinyframe's documented placement of epsilon, outside the square root)."""
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def test_adam_clipnorm_clips_each_gradient_by_its_own_norm(digits):
    X, _, y, _ = digits
    xb, yb = X[:64], y[:64].astype(float)  # a regression on the digit's value: gradients of norm 5 to 20
    model = Sequential([Input(shape=(64,)), Dense(16, activation="relu"), Dense(1)], dtype="float64", seed=0)
    unclipped = Sequential([Input(shape=(64,)), Dense(16, activation="relu"), Dense(1)], dtype="float64", seed=0)
    model.compile(loss="mse", optimizer=Adam(learning_rate=0.01, clipnorm=1.0))
    unclipped.compile(loss="mse", optimizer=Adam(learning_rate=0.01))
    w = model.get_weights()
    m, v = [np.zeros_like(a) for a in w], [np.zeros_like(a) for a in w]
    norms = []
    for t in (1, 2, 3):
        model.train_on_batch(xb, yb)
        unclipped.train_on_batch(xb, yb)
        for i, g in enumerate(model.grads):  # the raw gradients: the clipping works on a copy
            norms.append(np.linalg.norm(g))
            w[i], m[i], v[i] = adam_by_hand(w[i], g * min(1.0, 1.0 / norms[-1]), m[i], v[i], t, 0.01)
        for got, want in zip(model.get_weights(), w):
            np.testing.assert_allclose(got, want, rtol=0, atol=100 * EPS64 * np.abs(want).max())
    assert min(norms) > 1.0  # every gradient was clipped ...
    assert not np.allclose(model.get_weights()[0], unclipped.get_weights()[0])  # ... and that changed the steps


def test_cosine_decay_with_warmup_sets_the_rate_of_every_step_in_fit(digits):
    X, _, y, _ = digits
    schedule = CosineDecay(0.0, decay_steps=20, warmup_target=0.1, warmup_steps=5)
    model = keras_mlp(dtype="float64", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer=GradientDescent(learning_rate=schedule))
    applied, before = [], []

    def measure(batch, logs):
        # Gradient descent moved every weight by -rate * gradient: read the rate back from the step.
        delta = np.concatenate([(a - b).ravel() for a, b in zip(model.get_weights(), before[-1])])
        g = np.concatenate([g.ravel() for g in model.grads])
        applied.append(-np.dot(delta, g) / np.dot(g, g))

    steps = LambdaCallback(
        on_train_batch_begin=lambda batch, logs: before.append(model.get_weights()), on_train_batch_end=measure
    )
    model.fit(X[:256], y[:256], epochs=4, callbacks=[steps], verbose=0)  # 8 steps per epoch: 32 steps
    expected = [0.1 * k / 5 for k in range(5)]  # the linear warm-up from 0 to 0.1
    expected += [0.1 * 0.5 * (1 + math.cos(math.pi * min(k - 5, 20) / 20)) for k in range(5, 32)]
    np.testing.assert_allclose(applied, expected, rtol=0, atol=1e4 * EPS64)
    assert model.optimizer.iterations == 32 and model.optimizer.learning_rate == schedule(32) == 0.0


# ---------------------------------------------------------------------------------------------------- callbacks
def test_lambda_callback_collects_the_epoch_logs(digits):
    X, X_val, y, y_val = digits
    collected = []
    model = keras_mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    callback = LambdaCallback(on_epoch_end=lambda epoch, logs: collected.append((epoch, dict(logs))))
    history = model.fit(X[:256], y[:256], epochs=3, validation_data=(X_val, y_val), callbacks=[callback], verbose=0)
    assert [epoch for epoch, _ in collected] == [0, 1, 2]
    keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(list(logs) == keys for _, logs in collected)
    assert {key: [logs[key] for _, logs in collected] for key in keys} == history.history


def test_train_batch_hooks_by_keras_3_names_run_once_per_step(digits):
    X, _, y, _ = digits
    X, y = X[:200], y[:200]

    class CountBatches(Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append((batch, logs["size"]))

    old_name = []
    keras3 = CountBatches()
    legacy = LambdaCallback(on_batch_end=lambda batch, logs: old_name.append(batch))
    model = keras_mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(X, y, epochs=3, callbacks=[keras3, legacy], verbose=0)
    steps = math.ceil(len(X) / 32)  # 7: six batches of 32, then one of 8
    assert len(keras3.batches) == 3 * steps == model.optimizer.iterations
    assert keras3.batches == ([(b, 32) for b in range(6)] + [(6, 8)]) * 3
    assert old_name == [b for b, _ in keras3.batches]


def test_reduce_lr_on_plateau_follows_keras_rule(digits):
    X, X_val, y, y_val = digits
    # Labels unrelated to the inputs on the validation side: val_loss stops improving early.
    shuffled = np.random.default_rng(0).permutation(y_val)
    model = keras_mlp(seed=1)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01))
    reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_delta=0.0)
    history = model.fit(X[:256], y[:256], epochs=8, validation_data=(X_val, shuffled), callbacks=[reduce_lr], verbose=0)
    rate, best, expected = 0.01, math.inf, []
    for val_loss in history.history["val_loss"]:  # Keras's rule, patience 1: halve after each epoch not better
        expected.append(rate)
        if val_loss < best:
            best = val_loss
        else:
            rate *= 0.5
    assert history.history["learning_rate"] == pytest.approx(expected, rel=EPS64)
    assert model.optimizer.learning_rate == pytest.approx(rate, rel=EPS64) and rate < 0.01


def test_early_stopping_restores_the_best_weights(digits):
    X, X_val, y, y_val = digits
    shuffled = np.random.default_rng(0).permutation(y_val)
    weights_at = {}
    model = keras_mlp(seed=1)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01))
    keep = LambdaCallback(on_epoch_end=lambda epoch, logs: weights_at.update({epoch: model.get_weights()}))
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(
        X[:256], y[:256], epochs=30, validation_data=(X_val, shuffled), callbacks=[keep, stop], verbose=0
    )
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) == best + 3 < 30  # stopped after 2 epochs without improvement
    assert stop.best_epoch == best and stop.stopped_epoch == len(val_loss) - 1
    for got, want in zip(model.get_weights(), weights_at[best]):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(model.get_weights()[0], weights_at[len(val_loss) - 1][0])


def test_terminate_on_nan_is_accepted_beside_tinyframes_own_stop(digits):
    X, _, y, _ = digits
    histories = []
    for callbacks in ([], [TerminateOnNaN()]):
        model = keras_mlp(seed=0)
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        histories.append(model.fit(X[:128], y[:128], epochs=2, callbacks=callbacks, verbose=0).history)
    assert histories[0] == histories[1]  # a no-op while the loss is finite

    model = keras_mlp(seed=0)
    model.compile(loss="mse", optimizer=GradientDescent(learning_rate=1e30))
    with pytest.warns(DivergenceWarning, match="Training stopped"):
        history = model.fit(X[:128], 1e3 * np.eye(10)[y[:128]], epochs=5, callbacks=[TerminateOnNaN()], verbose=0)
    assert len(history.epoch) < 5 and all(np.isfinite(w).all() for w in model.get_weights())


# --------------------------------------------------------------------------------------- a custom training step
class KerasStyleModel(Sequential):
    """A custom ``train_step`` written as in Keras, on tinyframe's forward and backward (Sequential.train_step)."""

    def train_step(self, x, y, sample_weight=None):
        y_hat = self.forward(x, training=True)
        loss = self.compute_loss(y_hat, y, sample_weight)
        self.backward(self.loss.backward())
        self.optimizer.apply_gradients(zip(self.trainable_gradients, self.trainable_weights))
        self.compute_metrics(x, y, y_hat, sample_weight)
        return {"loss": loss}


class OneArgumentStep(Sequential):
    """Keras's form: ``train_step(self, data)``, the batch as one tuple."""

    def train_step(self, data):
        x, y, sample_weight = tinyframe.utils.unpack_x_y_sample_weight(data)
        y_hat = self.forward(x, training=True)
        loss = self.compute_loss(y_hat, y, sample_weight)
        self.backward(self.loss.backward())
        self.optimizer.apply_gradients(zip(self.trainable_gradients, self.trainable_weights))
        self.compute_metrics(x, y, y_hat, sample_weight)
        return {"loss": loss}


@pytest.mark.parametrize("cls", [KerasStyleModel, OneArgumentStep])
def test_the_documented_custom_step_leaves_a_frozen_layer_bit_identical(digits, cls):
    """It steps the trainable parameters only (it stepped every parameter, frozen ones too, before)."""
    X, _, y, _ = digits
    default, custom = keras_mlp("float64", seed=1), keras_mlp("float64", seed=1, cls=cls)
    for model in (default, custom):
        model.layers[0].trainable = False
        model.compile(loss="categorical_crossentropy", optimizer="adam")
    frozen = custom.layers[0].get_weights()
    h_default = default.fit(X[:200], y[:200], epochs=2, shuffle=False, verbose=0)
    h_custom = custom.fit(X[:200], y[:200], epochs=2, sample_weight=np.ones(200), shuffle=False, verbose=0)
    for got, want in zip(custom.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(custom.get_weights(), default.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert h_custom.history["loss"] == h_default.history["loss"]


def test_apply_gradients_takes_the_models_own_trainable_arrays_only(digits):
    model = keras_mlp("float64", seed=1, cls=KerasStyleModel)
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"expected zip\(model.trainable_gradients, model.trainable_weights\)"):
        model.optimizer.apply_gradients(zip(model.grads, [p.copy() for p in model.params]))


def test_freezing_the_model_freezes_every_layer(digits):
    X, _, y, _ = digits
    model = keras_mlp("float64", seed=1)
    model.compile(loss="mse", optimizer="adam")
    before = model.get_weights()
    model.trainable = False  # Keras's: it was accepted and ignored, and fit changed every weight
    assert not model.trainable and not any(layer.trainable for layer in model.layers)
    model.fit(X[:64], y[:64], epochs=1, verbose=0)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    model.trainable = True
    assert all(layer.trainable for layer in model.layers)


class GradNormModel(KerasStyleModel):
    """Also logs the global norm of the gradients, as Keras users add their own values to the logs."""

    def train_step(self, x, y, sample_weight=None):
        logs = super().train_step(x, y, sample_weight)
        norm = math.sqrt(sum(float(np.sum(g**2)) for g in self.grads))
        self.seen.append((len(x), norm))
        return {**logs, "grad_norm": norm}


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "nadam"])
def test_custom_train_step_trains_like_the_default_bit_for_bit(digits, optimizer):
    X, _, y, _ = digits
    default, custom = keras_mlp("float64", seed=1), keras_mlp("float64", seed=1, cls=KerasStyleModel)
    for model in (default, custom):
        model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    h_default = default.fit(X[:300], y[:300], epochs=3, shuffle=False, verbose=0)
    h_custom = custom.fit(X[:300], y[:300], epochs=3, shuffle=False, verbose=0)
    assert h_custom.history == h_default.history
    for got, want in zip(custom.get_weights(), default.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert h_default.history["loss"][-1] < h_default.history["loss"][0]


def test_a_custom_train_step_model_can_be_fit_again(digits):
    X, _, y, _ = digits
    default, custom = keras_mlp("float64", seed=1), keras_mlp("float64", seed=1, cls=KerasStyleModel)
    for model in (default, custom):
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        model.fit(X[:300], y[:300], epochs=2, shuffle=False, verbose=0)
        model.fit(X[:300], y[:300], epochs=1, shuffle=False, verbose=0)  # Adam's moments carry on
    for got, want in zip(custom.get_weights(), default.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_values_a_custom_step_returns_appear_in_the_history(digits):
    X, _, y, _ = digits
    model = keras_mlp("float64", seed=1, cls=GradNormModel)
    model.seen = []
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    history = model.fit(X[:200], y[:200], epochs=2, verbose=0)
    assert list(history.history) == ["loss", "grad_norm"]
    steps = math.ceil(200 / 32)
    for epoch in range(2):  # fit averages each logged value over the epoch, weighted by batch size
        sizes, norms = np.array(model.seen[epoch * steps : (epoch + 1) * steps]).T
        assert history.history["grad_norm"][epoch] == pytest.approx(np.dot(sizes, norms) / 200, rel=steps * EPS64)


def test_custom_test_step_is_used_by_evaluate_and_validation(digits):
    X, _, y, _ = digits

    class HalfLoss(Sequential):
        def test_step(self, x, y, sample_weight=None):
            logs = super().test_step(x, y, sample_weight)
            return {"loss": logs["loss"] / 2}

    plain, halved = keras_mlp("float64", seed=1), keras_mlp("float64", seed=1, cls=HalfLoss)
    for model in (plain, halved):
        model.compile(loss="categorical_crossentropy", optimizer="adam")
    assert halved.evaluate(X[:50], y[:50], verbose=0) == pytest.approx(plain.evaluate(X[:50], y[:50], verbose=0) / 2)
    assert halved.evaluate(X[:50], y[:50], batch_size=16, verbose=0) == pytest.approx(
        plain.evaluate(X[:50], y[:50], verbose=0) / 2, rel=1e-12
    )
    history = halved.fit(X[:40], y[:40], epochs=1, verbose=0, validation_data=(X[40:50], y[40:50]))
    assert history.history["val_loss"][0] == pytest.approx(halved.evaluate(X[40:50], y[40:50], verbose=0), rel=1e-12)
    keras_style = plain.compute_loss(y=np.eye(10)[y[:5]], y_pred=plain.predict(X[:5]))  # Keras's keywords
    assert keras_style == pytest.approx(plain.evaluate(X[:5], y[:5], verbose=0), rel=1e-12)


# ------------------------------------------------------------------------------------------ the on-batch methods
def test_train_on_batch_returns_the_loss_before_its_update(digits):
    X, _, y, _ = digits
    xb, yb = X[:32], y[:32]
    model = keras_mlp("float64", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    before_loss, before_acc = model.evaluate(xb, yb, verbose=0)
    weights = model.get_weights()
    loss, acc = model.train_on_batch(xb, yb)
    assert type(loss) is float and (loss, acc) == (before_loss, before_acc)
    assert model.optimizer.iterations == 1 and not np.array_equal(model.get_weights()[0], weights[0])
    after = model.evaluate(xb, yb, verbose=0)
    assert model.train_on_batch(xb, yb, return_dict=True) == {"loss": after[0], "accuracy": after[1]}
    assert after[0] < before_loss


def test_test_on_batch_and_predict_on_batch(digits):
    X, _, y, _ = digits
    xb, yb = X[:32], y[:32]
    model = keras_mlp()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(X[:256], y[:256], epochs=1, verbose=0)
    weights = model.get_weights()
    assert model.test_on_batch(xb, yb) == model.evaluate(xb, yb, verbose=0)
    assert model.test_on_batch(xb, yb, return_dict=True) == model.evaluate(xb, yb, verbose=0, return_dict=True)
    out = model.predict_on_batch(xb)
    assert type(out) is np.ndarray and out.shape == (32, 10)
    np.testing.assert_array_equal(out, model.predict(xb))
    for got, want in zip(model.get_weights(), weights):  # neither changes the model
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------------------------------- inputs of rank 3, 4
@pytest.mark.parametrize("positions", [(5,), (2, 3)])
def test_inputs_of_higher_rank_flow_through_fit_evaluate_predict_and_saving(tmp_path, positions):
    rng = np.random.default_rng(0)
    n = 240
    X = rng.normal(size=(n, *positions, 8))
    y = (X @ rng.normal(size=(8, 3))).argmax(axis=-1)  # a class at every position: labels (n, *positions)
    model = Sequential([Input((*positions, 8)), Dense(4, activation="tanh"), Dense(3)], seed=0)
    model.compile(
        loss=SparseCategoricalCrossentropy(from_logits=True),
        optimizer=Adam(0.03),
        metrics=["sparse_categorical_accuracy"],
    )
    history = model.fit(X, y, epochs=8, validation_split=0.25, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, acc = model.evaluate(X, y, verbose=0)
    logits = model.predict(X)
    assert logits.shape == (n, *positions, 3)
    assert acc == pytest.approx(np.mean(logits.argmax(axis=-1) == y), abs=EPS64) and acc > 0.8

    lines = []
    model.summary(print_fn=lines.append)
    assert f"(None, {', '.join(map(str, positions))}, 3)" in lines[0]
    assert model.count_params() == (8 * 4 + 4) + (4 * 3 + 3)

    path = tmp_path / "model.npz"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), logits)
    assert loaded.evaluate(X, y, verbose=0) == [loss, acc]


def test_compile_takes_keras_positional_order_optimizer_then_loss():
    """keras.io's IMDB example: ``model.compile("adam", "binary_crossentropy", metrics=["accuracy"])``.

    Keras's compile is ``compile(optimizer, loss, metrics)``; tinyframe's first positional is the
    loss (the article's order). An optimizer first and a loss (or nothing) second is Keras's
    order and is read as such; no name is both an optimizer and a loss, so nothing is ambiguous.
    """
    from tinyframe.losses import BinaryCrossEntropy, SquaredError

    model = Sequential([Input((3,)), Dense(1, activation="sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    assert isinstance(model.optimizer, Adam) and isinstance(model.loss, BinaryCrossEntropy)
    assert list(model.metrics) == ["accuracy"]
    model.compile(RMSProp(1e-2), "mse")
    assert isinstance(model.optimizer, RMSProp) and isinstance(model.loss, SquaredError)
    model.compile("sgd")  # Keras: the optimizer alone; the loss is tinyframe's default
    assert isinstance(model.optimizer, GradientDescent) and isinstance(model.loss, SquaredError)
    model.compile("binary_crossentropy", "adam")  # tinyframe's own order still works
    assert isinstance(model.optimizer, Adam) and isinstance(model.loss, BinaryCrossEntropy)
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    assert set(model.fit(X, y, epochs=2, verbose=0).history) == {"loss", "accuracy"}
    with pytest.raises(ValueError, match="Unknown loss: .* Received: 'adam'"):
        model.compile("adam", "adam")  # two optimizers: not Keras's order either


def test_input_takes_keras_dtype_argument():
    """keras.io's text examples start with ``keras.Input(shape=(20,), dtype="int32")`` before an Embedding."""
    from tinyframe.layers import LSTM, Embedding

    model = Sequential([Input(shape=(20,), dtype="int32"), Embedding(200, 8), LSTM(4), Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    X = np.random.default_rng(0).integers(0, 200, (16, 20))
    model.fit(X, np.arange(16) % 2, epochs=1, verbose=0)
    assert model.input_shape == (20,) and model.predict(X).shape == (16, 1)
    with pytest.raises(TypeError, match="Input: dtype must be a NumPy dtype name such as 'int32'. Received: dtype='no"):
        Input(shape=(20,), dtype="nope")


def test_to_categorical_as_keras_mnist_convnet_calls_it():
    """keras.io's mnist_convnet: ``y_train = keras.utils.to_categorical(y_train, num_classes)``."""
    from tinyframe.utils import to_categorical

    y = np.array([3, 0, 9, 3])
    expected = np.zeros((4, 10))
    expected[np.arange(4), y] = 1  # by hand
    np.testing.assert_array_equal(to_categorical(y, 10), expected)
    np.testing.assert_array_equal(to_categorical(y), expected)  # max + 1 = 10
    np.testing.assert_array_equal(to_categorical(y[:, None], 10), expected)  # (n, 1): the trailing 1 dropped
    assert to_categorical(np.array([[0, 1], [2, 1]]), 3).shape == (2, 2, 3)
    assert to_categorical(2, 3).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        to_categorical([3], 3)
    with pytest.raises(ValueError, match="to_categorical: num_classes must be an integer >= 1. Received: num_cl"):
        to_categorical([0], 0)


def test_activation_layers_are_in_layers_as_keras_has_them():
    """Keras code writes ``layers.LeakyReLU(negative_slope=0.2)``, ``layers.ReLU()``, ``layers.Softmax()``."""
    from tinyframe import activations, layers

    for name in ("ReLU", "LeakyReLU", "ELU", "Softmax"):
        assert getattr(layers, name) is getattr(activations, name), name
    leaky = layers.LeakyReLU(negative_slope=0.2).build()
    np.testing.assert_array_equal(leaky.forward(np.array([[-10.0, 0.0, 2.5]])), [[-2.0, 0.0, 2.5]])
    assert layers.LeakyReLU(0.2).alpha == layers.LeakyReLU(negative_slope=0.2).alpha == 0.2
    with pytest.raises(TypeError, match="LeakyReLU: give alpha or negative_slope, not both"):
        layers.LeakyReLU(0.1, negative_slope=0.2)


def test_a_variable_length_input_is_taken_as_keras_takes_it():
    """keras.io's IMDB model starts with ``Input(shape=(None,), dtype="int32")``: a length each batch sets."""
    assert Input(shape=(None,), dtype="int32").shape == (None, None)
    assert Input(shape=(None, None, 3)).shape == (None, None, None, 3)
    assert Input(shape=(None, 3)).shape == (None, None, 3)  # Keras's Input never includes the batch
    model = Sequential([Dense(2)])
    model.build((None, 3))  # build's shape does include Keras's batch: its leading None is dropped
    assert model.input_shape == (3,)


def test_pop_trainable_weights_and_save_weights_as_keras_guide_uses_them(tmp_path):
    """Keras's Sequential guide: ``model.pop()``, ``model.trainable_weights``, ``model.save_weights(...)``."""
    from tinyframe.layers import BatchNormalization

    model = Sequential([Input((4,)), Dense(3, activation="relu"), BatchNormalization(), Dense(2), Dense(5)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    kept = [w.copy() for w in model.weights[:-2]]
    model.pop()  # the last Dense(5) goes; the model now ends in Dense(2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "BatchNormalization", "Dense"]
    assert model.output_shape == (2,) and model.predict(np.ones((3, 4))).shape == (3, 2)
    assert all(np.array_equal(a, b) for a, b in zip(model.weights, kept))
    model.add(Dense(1))
    X, y = np.random.default_rng(0).normal(size=(16, 4)), np.random.default_rng(1).normal(size=(16, 1))
    model.fit(X, y, epochs=2, verbose=0)
    # Keras's split: parameters of trainable layers; the rest is frozen parameters and state
    bn = model.layers[1]
    assert [w.shape for w in model.trainable_weights] == [(4, 3), (3,), (3,), (3,), (3, 2), (2,), (2, 1), (1,)]
    assert [w.shape for w in model.non_trainable_weights] == [(3,), (3,)]  # BN's running mean and variance
    assert all(any(w is s for s in bn.state.values()) for w in model.non_trainable_weights)
    model.layers[0].trainable = False
    assert [w.shape for w in model.non_trainable_weights] == [(4, 3), (3,), (3,), (3,)]
    assert sum(w.size for w in model.trainable_weights + model.non_trainable_weights) == model.count_params()
    # save_weights / load_weights: the weights alone, back into a model of the same shapes
    path = tmp_path / "m.weights.npz"
    model.save_weights(path)
    other = Sequential([Input((4,)), Dense(3, activation="relu"), BatchNormalization(), Dense(2), Dense(1)], seed=7)
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(X), model.predict(X))
    while model.layers:
        model.pop()
    with pytest.raises(TypeError, match="pop: there are no layers in the model"):
        model.pop()


def test_get_config_and_from_config_clone_the_architecture_as_keras_does():
    """``Sequential.from_config(model.get_config())``: the same layers and shapes, new weights, no code run."""
    import json

    from tinyframe.layers import BatchNormalization, Conv1D, Flatten

    model = Sequential(
        [Input((12, 2)), Conv1D(4, 3, padding="causal", activation="relu"), BatchNormalization(), Flatten(), Dense(3)],
        dtype="float32",
        name="net",
        seed=0,
    )
    model.layers[1].trainable = False
    config = model.get_config()
    assert json.loads(json.dumps(config)) == config  # plain JSON values
    clone = Sequential.from_config(json.loads(json.dumps(config)), seed=1)
    assert clone.name == "net" and clone.dtype == model.dtype and clone.input_shape == (12, 2)
    assert [(type(a), a.name, a.trainable) for a in clone.layers] == [
        (type(b), b.name, b.trainable) for b in model.layers
    ]
    assert clone.layers[0].padding == "causal" and clone.count_params() == model.count_params()
    assert not np.array_equal(clone.layers[0].params["W"], model.layers[0].params["W"])  # new weights, new seed
    assert Sequential.from_config(config, seed=0).get_weights()[0].tolist() == model.get_weights()[0].tolist()
    bad = {**config, "layers": [{"class_name": "os.system", "config": {}}]}
    with pytest.raises(ValueError, match="os.system"):
        Sequential.from_config(bad)
    with pytest.raises(ValueError, match="not built yet"):
        Sequential([Dense(3)]).get_config()


def test_keras_class_names_of_optimizers_losses_and_regularizers():
    """``keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)``, ``keras.losses.CategoricalCrossentropy(...)``,
    ``keras.regularizers.l2(1e-4)``: Keras's spellings of tinyframe's classes."""
    from tinyframe import losses, optimizers, regularizers
    from tinyframe.optimizers import Momentum

    plain = optimizers.SGD(learning_rate=0.05)
    assert type(plain) is GradientDescent and plain.learning_rate == 0.05
    assert optimizers.SGD().learning_rate == 0.01  # Keras's default
    heavy = optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True, clipnorm=1.0)
    assert type(heavy) is Momentum and (heavy.momentum, heavy.nesterov, heavy.clipnorm) == (0.9, True, 1.0)
    assert optimizers.RMSprop is RMSProp
    assert losses.CategoricalCrossentropy is losses.CrossEntropy
    assert losses.BinaryCrossentropy is losses.BinaryCrossEntropy
    assert losses.CategoricalCrossentropy(from_logits=True).from_logits
    assert regularizers.l2 is regularizers.L2 and regularizers.l1 is regularizers.L1
    assert regularizers.l1_l2 is regularizers.L1L2
    layer = Dense(4, kernel_regularizer=regularizers.l2(1e-4))
    assert layer.kernel_regularizer.l2 == 1e-4
    assert Adam(learning_rate=1e-3, amsgrad=False).learning_rate == 1e-3
    with pytest.raises(ValueError, match="Adam: amsgrad=True is not implemented"):
        Adam(amsgrad=True)
    with pytest.raises(ValueError, match=r"SGD: momentum must be in \[0.0, 1.0\). Received: momentum=1.5"):
        optimizers.SGD(momentum=1.5)


def test_models_module_as_keras_models(tmp_path):
    """``keras.models.load_model(path)`` and ``keras.models.clone_model(model)``, as keras.io's examples call them."""
    import tinyframe

    model = Sequential([Input((3,)), Dense(2, activation="relu"), Dense(1)], seed=0)
    model.compile("adam", "mse")
    path = tmp_path / "best_model.keras"  # Keras 3's format (tinyframe.keras_format)
    model.save(path)
    X = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(tinyframe.models.load_model(path).predict(X), model.predict(X))
    assert tinyframe.models.Sequential is Sequential
    clone = tinyframe.models.clone_model(model)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert clone.count_params() == model.count_params() and clone.optimizer is None  # new weights, not compiled


def test_dense_and_conv_speak_keras_names_and_files_with_the_old_keys_still_load(tmp_path):
    model = keras_mlp("float64", seed=0)
    dense = model.layers[0]
    assert dense.kernel is dense.params["W"] and dense.bias is dense.params["b"] and dense.units == 30
    assert dense.get_config()["units"] == 30 and "out_features" not in dense.get_config()
    # what get_config wrote before (and every earlier file holds): in_features / out_features
    old = {"in_features": None, "out_features": 30, "activation": "relu"}
    assert Dense.from_config(old).get_config() == dense.get_config()
    assert Dense.from_config({"in_features": 64, "out_features": 30}).get_config() == {
        **Dense(64, 30).get_config(),
        "units": 30,
        "in_features": 64,
    }
