"""model.summary(): a Keras-like table of layers, output shapes and parameter counts."""

from __future__ import annotations

import pytest

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Input
from tinyframe.summary import summary_table


def article_net(dtype="float32"):
    return Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype=dtype)


def test_the_articles_network_golden_table(capsys):
    article_net().summary()
    # Dense(64, 30): 64 * 30 + 30 = 1950; Dense(30, 10): 300 + 10 = 310; 2260 float32 = 9040 B = 8.83 KB.
    rule, double = "_" * 46, "=" * 46  # 1 + 2 + 19 + 2 + 12 + 2 + 7 + 1 leading space: the widest cells
    assert capsys.readouterr().out == "\n".join(
        [
            'Model: "sequential", dtype float32',
            rule,
            " #  Layer (type)         Output Shape  Param #",
            double,
            " 0  dense (Dense)        (None, 30)      1,950",
            " 1  sigmoid (Sigmoid)    (None, 30)          0",
            " 2  dense_1 (Dense)      (None, 10)        310",
            " 3  sigmoid_1 (Sigmoid)  (None, 10)          0",
            double,
            "Total params: 2,260 (8.83 KB)",
            "Trainable params: 2,260 (8.83 KB)",
            "Non-trainable params: 0 (0 B)",
            rule,
            "",
        ]
    )


def test_a_frozen_layer_counts_as_non_trainable():
    model = article_net("float64")
    model.layers[0].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    # Dense(64, 30) frozen: 1950 of the 2260 parameters; float64: 1950 * 8 = 15600 B = 15.23 KB, 310 * 8 = 2480 B.
    assert "Trainable params: 310 (2.42 KB)" in lines[0]
    assert "Non-trainable params: 1,950 (15.23 KB)" in lines[0]


def test_print_fn_receives_the_table():
    lines = []
    article_net().summary(print_fn=lines.append)
    assert lines == [summary_table(article_net())]


def test_the_totals_follow_the_dtype_and_large_counts():
    # 1000 * 1000 + 1000 = 1,001,000 parameters; * 8 bytes = 8,008,000 B = 7.637 MB.
    table = summary_table(Sequential([Dense(1000, 1000)], dtype="float64"))
    assert "1,001,000" in table and "Total params: 1,001,000 (7.64 MB)" in table


def test_the_input_width_is_read_through_shape_keeping_layers():
    table = summary_table(Sequential([Sigmoid(), Dense(3, 2)]))
    assert " 0  sigmoid (Sigmoid)  (None, 3)" in table and " 1  dense (Dense)      (None, 2)" in table
    assert "Total params: 8 (32 B)" in table


def test_full_output_shapes_of_any_rank():
    table = summary_table(Sequential([Input((40, 8)), Dense(25, activation="relu"), Dense(10)]))
    assert " 0  dense (Dense)    (None, 40, 25)      225" in table
    assert " 1  dense_1 (Dense)  (None, 40, 10)      260" in table


def test_a_model_not_built_yet_says_so(capsys):
    model = Sequential([Dense(30), Sigmoid()])
    for call in (model.get_weights, model.count_params):
        with pytest.raises(ValueError, match="not built yet, so it has no weights. Give it an Input"):
            call()
    model.summary()  # Keras prints the layers with unknown shapes, rather than raising (it raised here before)
    table = capsys.readouterr().out
    assert "not built yet" in table and " 0  dense (Dense)      ?             0 (unbuilt)" in table
    model.build((None, 64))  # Keras's spelling, batch dimension first
    assert model.count_params() == 64 * 30 + 30 and model.output_shape == (30,)
