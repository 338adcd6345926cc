"""model.summary(): a Keras-like table of layers, output shapes and parameter counts."""

from __future__ import annotations

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.summary import summary_table


def article_net(dtype="float32"):
    return Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype=dtype)


def test_the_articles_network_golden_table(capsys):
    article_net().summary()
    # Dense(64, 30): 64 * 30 + 30 = 1950; Dense(30, 10): 300 + 10 = 310; 2260 float32 = 9040 B = 8.83 KB.
    rule, double = "_" * 40, "=" * 40  # 1 + 2 + 13 + 2 + 12 + 2 + 7 + 1 leading space: the widest cells
    assert capsys.readouterr().out == "\n".join(
        [
            "Model: Sequential, dtype float32",
            rule,
            " #  Layer (type)   Output Shape  Param #",
            double,
            " 0  Dense(64, 30)  (None, 30)      1,950",
            " 1  Sigmoid()      (None, 30)          0",
            " 2  Dense(30, 10)  (None, 10)        310",
            " 3  Sigmoid()      (None, 10)          0",
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


def test_an_unknown_width_is_shown_as_none():
    table = summary_table(Sequential([Sigmoid(), Dense(3, 2)]))
    assert " 0  Sigmoid()     (None, None)" in table and " 1  Dense(3, 2)   (None, 2)" in table
    assert "Total params: 8 (32 B)" in table
