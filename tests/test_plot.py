"""tinyframe.plot: what each figure draws, read back from its Axes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from tinyframe import Sequential  # noqa: E402
from tinyframe.activations import ReLU, Sigmoid, Softmax  # noqa: E402
from tinyframe.callbacks import LayerStats  # noqa: E402
from tinyframe.layers import Dense, Flatten  # noqa: E402
from tinyframe.plot import plot_confusion, plot_history, plot_layer_stats, plot_model, plot_weights  # noqa: E402


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 16)), rng.integers(0, 3, n)


def trained(epochs=3):
    X, y = data()
    model = Sequential([Dense(16, 6), Sigmoid(), Dense(6, 3), Softmax()], dtype="float64", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    stats = LayerStats(X[:20], y[:20])
    history = model.fit(X, y, epochs=epochs, validation_split=0.25, verbose=0, callbacks=[stats])
    return model, history, stats


def test_importing_tinyframe_plot_does_not_import_matplotlib():
    code = "import sys, tinyframe, tinyframe.plot, tinyframe.callbacks; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_without_matplotlib_the_error_says_how_to_install_it():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.figure'] = None\n"
        "from tinyframe.plot import plot_history\n"
        "try:\n    plot_history({'loss': [1.0]})\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "tinyframe[plot]"' in out


def test_history_draws_each_quantity_with_its_validation_curve():
    _, history, _ = trained()
    fig = plot_history(history, title="run")
    assert isinstance(fig, Figure) and fig.get_suptitle() == "run"
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    for ax in fig.axes:
        name = ax.get_title()
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == name
        lines = {line.get_label(): line for line in ax.lines}
        assert set(lines) == {"training", "validation"}
        for label, key in (("training", name), ("validation", "val_" + name)):
            np.testing.assert_array_equal(lines[label].get_xdata(), [1, 2, 3])
            np.testing.assert_array_equal(lines[label].get_ydata(), history.history[key])


def test_history_takes_the_dict_too_and_refuses_anything_else():
    fig = plot_history({"loss": [3.0, 2.0], "mae": [1.0, 0.5]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "mae"]
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), [1.0, 0.5])
    with pytest.raises(ValueError, match="plot_history: expected a History"):
        plot_history({})
    with pytest.raises(ValueError, match="plot_history: expected a History"):
        plot_history([1.0, 2.0])


def hand_counts(true, predicted, n):
    counts = [[0] * n for _ in range(n)]
    for t, p in zip(true, predicted):
        counts[t][p] += 1
    return counts


@pytest.mark.parametrize("one_hot", [False, True])
def test_confusion_cells_hold_the_counts(one_hot):
    model, _, _ = trained()
    X, y = data(n=45, seed=5)
    predicted = [int(np.argmax(row)) for row in model.predict(X)]
    fig = plot_confusion(model, X, np.eye(3)[y] if one_hot else y)
    ax = fig.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text()) for t in ax.texts}
    expected = hand_counts(y, predicted, 3)
    # every non-zero cell carries its count; a zero cell is blank
    assert cells == {(i, j): expected[i][j] for i in range(3) for j in range(3) if expected[i][j]}
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    accuracy = sum(expected[i][i] for i in range(3)) / len(y)
    assert ax.get_title() == f"accuracy {accuracy:.1%}"


def test_confusion_of_a_single_sigmoid_output_thresholds_at_one_half():
    X = np.array([[-3.0], [-1.0], [0.5], [4.0]])
    model = Sequential([Dense(1, 1), Sigmoid()], dtype="float64")
    model.set_weights([np.ones((1, 1)), np.zeros(1)])
    fig = plot_confusion(model, X, [0, 1, 1, 1])
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1", "1", "2"]  # (0,0)=1 (1,0)=1 (1,1)=2; (0,1) blank


def test_confusion_refuses_labels_that_are_not_classes():
    model, _, _ = trained(epochs=1)
    X, _ = data(n=4)
    with pytest.raises(ValueError, match=r"plot_confusion: y must be integer class labels"):
        plot_confusion(model, X, [0.5, 1, 2, 0])


def test_weights_are_drawn_as_the_reshaped_columns():
    layer = Dense(64, 5).build(dtype="float64", rng=3)
    fig = plot_weights(layer)
    W = layer.params["W"]
    *units, bar = fig.axes
    assert [ax.get_title() for ax in units] == [f"unit {j}" for j in range(5)]
    assert bar.get_ylabel() == "weight"
    assert fig.get_suptitle() == "Dense: the weights into each unit, as an image of its inputs"  # no name: built alone
    for j, ax in enumerate(units):
        np.testing.assert_array_equal(ax.images[0].get_array(), W[:, j].reshape(8, 8))
    limit = np.abs(W).max()
    assert fig.axes[0].images[0].get_clim() == (-limit, limit)


def test_weights_with_an_image_shape_and_chosen_units():
    layer = Dense(12, 4).build(dtype="float64", rng=0)
    fig = plot_weights(layer, image_shape=(3, 4), units=[2, 0], title="two units")
    assert [ax.get_title() for ax in fig.axes[:-1]] == ["unit 2", "unit 0"]
    assert fig.get_suptitle() == "two units"
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), layer.params["W"][:, 2].reshape(3, 4))


def test_weights_that_cannot_be_an_image_are_refused():
    with pytest.raises(ValueError, match="has 12 inputs, not a square number"):
        plot_weights(Dense(12, 4).build(rng=0))
    with pytest.raises(ValueError, match=r"image_shape must be .* with 12 elements"):
        plot_weights(Dense(12, 4).build(rng=0), image_shape=(5, 5))
    with pytest.raises(ValueError, match="expected a built Dense layer"):
        plot_weights(Sigmoid())
    with pytest.raises(ValueError, match=r"units must be indices in \[0, 4\)"):
        plot_weights(Dense(16, 4).build(rng=0), units=[4])


def test_model_boxes_name_each_layer_and_its_output_shape():
    model = Sequential([Flatten(input_shape=(4, 4)), Dense(10), ReLU(), Dense(3)], name="tiny")
    fig = plot_model(model)
    ax = fig.axes[0]
    assert ax.get_title() == "tiny"
    texts = [t.get_text() for t in ax.texts]
    assert texts == [
        "input (None, 4, 4)",
        "flatten (Flatten)\n(None, 16), 0 params",
        "dense (Dense)\n(None, 10), 170 params",
        "re_lu (ReLU)\n(None, 10), 0 params",
        "dense_1 (Dense)\n(None, 3), 33 params",
    ]
    heights = [t.get_position()[1] for t in ax.texts]
    assert heights == sorted(heights, reverse=True)  # input at the top, in the model's order


def test_a_graph_draws_each_connection_once_and_a_skip_as_an_arc():
    from tinyframe import Input, Model
    from tinyframe.layers import Add

    inputs = Input((4,), name="pixels")
    x = Dense(4, name="a")(inputs)
    out = Dense(2, name="head")(Add(name="skip")([x, Dense(4, name="b")(x)]))
    ax = plot_model(Model(inputs, out)).axes[0]
    assert [t.get_text().split("\n")[0] for t in ax.texts] == [
        "pixels (InputLayer)", "a (Dense)", "b (Dense)", "skip (Add)", "head (Dense)",
    ]  # fmt: skip
    arrows = ax.patches
    # pixels->a, a->b, b->skip, skip->head straight down; a->skip past b as an arc
    assert len(arrows) == 5
    assert sum(arrow.get_connectionstyle().rad != 0.0 for arrow in arrows) == 1


def test_model_must_be_built():
    with pytest.raises(ValueError, match="plot_model: this model is not built yet"):
        plot_model(Sequential([Dense(3)]))


def test_layer_stats_panels_draw_the_recorded_series():
    _, _, stats = trained()
    fig = plot_layer_stats(stats, title="inside")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "gradient norm ||dJ/dw||",
        "update / weight ||dw|| / ||w||",
        "activation mean",
        "activation standard deviation",
        "saturated fraction",
    ]
    recorded = [stats.grad_norm, stats.update_ratio, stats.activation_mean, stats.activation_std, stats.saturation]
    for ax, series in zip(fig.axes, recorded):
        assert [line.get_label() for line in ax.lines] == list(series)
        for line in ax.lines:
            np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
            np.testing.assert_array_equal(line.get_ydata(), series[line.get_label()])
    assert fig.axes[0].get_yscale() == "log" and fig.axes[2].get_yscale() == "linear"


def test_layer_stats_params_filter_and_refusal():
    _, _, stats = trained(epochs=1)
    fig = plot_layer_stats(stats, params=["W"])
    assert [line.get_label() for line in fig.axes[0].lines] == ["dense/W", "dense_1/W"]
    with pytest.raises(ValueError, match="plot_layer_stats: expected a LayerStats that has recorded an epoch"):
        plot_layer_stats(LayerStats(np.ones((2, 16)), [0, 1]))


def test_confusion_normalized_as_scikit_learn_with_class_names():
    model, _, _ = trained()
    X, y = data(n=45, seed=5)
    predicted = [int(np.argmax(row)) for row in model.predict(X)]
    counts = np.array(hand_counts(y, predicted, 3), dtype=float)
    expected = {
        "true": counts / counts.sum(axis=1, keepdims=True),  # written out here, not taken from the module
        "pred": counts / np.where(counts.sum(axis=0) > 0, counts.sum(axis=0), 1),
        "all": counts / counts.sum(),
    }
    for normalize, values in expected.items():
        fig = plot_confusion(model, X, y, normalize=normalize, class_names=["cat", "dog", "owl"])
        ax = fig.axes[0]
        np.testing.assert_allclose(ax.images[0].get_array(), values)
        texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
        assert texts == {(i, j): f"{values[i, j]:.2f}" for i in range(3) for j in range(3) if values[i, j]}
        assert [label.get_text() for label in ax.get_xticklabels()] == ["cat", "dog", "owl"]
        assert [label.get_text() for label in ax.get_yticklabels()] == ["cat", "dog", "owl"]


def test_confusion_refuses_an_unknown_normalization_and_a_wrong_number_of_names():
    model, _, _ = trained(epochs=1)
    X, y = data(n=4)
    refusal = r"normalize must be one of \(None, 'true', 'pred', 'all'\)\. Received: normalize='rows'"
    with pytest.raises(ValueError, match=refusal):
        plot_confusion(model, X, y, normalize="rows")
    with pytest.raises(ValueError, match="class_names must name the 3 classes. Received: 2 names"):
        plot_confusion(model, X, y, class_names=["a", "b"])


def test_epoch_ticks_are_whole_numbers():
    _, history, stats = trained(epochs=3)
    for fig in (plot_history(history), plot_layer_stats(stats)):
        for ax in fig.axes:
            if ax.get_xlabel() == "epoch":
                ticks = [tick for tick in ax.get_xticks() if 1 <= tick <= 3]
                assert ticks and all(float(tick).is_integer() for tick in ticks), ticks


def test_layer_stats_of_a_deep_model_colour_the_lines_by_depth():
    X, y = data()
    layers = [Dense(16, 8), Sigmoid()]
    for _ in range(8):
        layers += [Dense(8, 8), Sigmoid()]
    model = Sequential([*layers, Dense(8, 3), Softmax()], dtype="float64", seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    stats = LayerStats(X[:20], y[:20])
    model.fit(X, y, epochs=2, verbose=0, callbacks=[stats])
    fig = plot_layer_stats(stats, params=["W"])
    grads = fig.axes[0]
    assert len(grads.lines) == 10 and grads.get_legend() is None  # ten weight matrices: too many to name
    colors = [tuple(line.get_color()) for line in grads.lines]
    assert len(set(colors)) == 10
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "layer, by depth"]
    assert bars, "a colour bar names the depth"
    labels = [label.get_text() for label in bars[0].get_yticklabels()]
    assert labels == ["dense/W (first)", "dense_9/W (last)"]


def test_layer_stats_legends_sit_beside_the_panels():
    _, _, stats = trained()
    fig = plot_layer_stats(stats)
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend is not None
        assert legend.get_bbox_to_anchor().transformed(ax.transAxes.inverted()).x0 >= 1.0  # right of the Axes
