"""Keras's ``RNN(cell)`` with ``SimpleRNNCell``, ``GRUCell`` and ``LSTMCell``: the same layers as SimpleRNN, GRU, LSTM.

A cell here holds the arguments of one step of a recurrent layer; ``RNN(cell, ...)`` returns the
recurrent layer of that kind, with the cell's arguments and the RNN's own
(``return_sequences``, ...). Its forward and backward are that layer's (backpropagation
through time, `tinyframe.layers.recurrent`). A cell of your own (a class with its own ``call``)
would need gradients tinyframe does not derive, and a list of cells (stacked cells) is refused:
write one recurrent layer per cell instead.

>>> layer = RNN(LSTMCell(8), return_sequences=True)
>>> type(layer).__name__, layer.units, layer.return_sequences
('LSTM', 8, True)
"""

from __future__ import annotations

from typing import Any

from .gru import GRU
from .lstm import LSTM
from .simple_rnn import SimpleRNN


class Cell:
    """The arguments of one step of a recurrent layer (Keras's cell), for `RNN`."""

    layer: type = SimpleRNN

    def __init__(self, units: int, **kwargs: Any) -> None:
        self.units, self.kwargs = units, kwargs
        self.layer(units, **kwargs)  # arguments the layer refuses are refused now, naming them

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.units})"


class SimpleRNNCell(Cell):
    """Keras's ``SimpleRNNCell(units, ...)``: ``RNN(SimpleRNNCell(u))`` is ``SimpleRNN(u)``."""

    layer = SimpleRNN


class GRUCell(Cell):
    """Keras's ``GRUCell(units, ...)``: ``RNN(GRUCell(u))`` is ``GRU(u)``."""

    layer = GRU


class LSTMCell(Cell):
    """Keras's ``LSTMCell(units, ...)``: ``RNN(LSTMCell(u))`` is ``LSTM(u)``."""

    layer = LSTM


def RNN(cell: Cell, **kwargs: Any) -> Any:  # noqa: N802 (Keras's class name)
    """The recurrent layer a cell describes, with the RNN's arguments (``return_sequences``, ``name``, ...)."""
    if isinstance(cell, (list, tuple)):
        raise ValueError(
            "RNN: a list of cells (stacked cells) is not supported; stack recurrent layers instead, e.g. "
            "LSTM(u, return_sequences=True) then LSTM(u). Received: a list of "
            f"{len(cell)} cells"
        )
    if not isinstance(cell, Cell):
        raise TypeError(
            "RNN: the cell must be a SimpleRNNCell, GRUCell or LSTMCell; a cell of your own would need gradients "
            "tinyframe does not derive (write a Layer with forward and backward instead). "
            f"Received: {type(cell).__name__}"
        )
    return cell.layer(cell.units, **{**cell.kwargs, **kwargs})
