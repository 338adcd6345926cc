"""What a refused `fit` puts back: a call that raises before its first step leaves the model as it was.

`fit` changes a few things before any weight moves: it may compile the defaults,
draw a validation split and each epoch's order from the model's Generator, replace
``model.history``, and (in the first forward pass) draw dropout masks or update a
layer's non-trainable state. If it then raises before a step is applied (bad data,
a loss that refuses the outputs at the first batch, Ctrl-C), all of that is put back.
Once a step has been applied, an exception ends training between steps instead, and
the model keeps what those steps did (`Model.fit`).

>>> import numpy as np
>>> from tinyframe import Sequential
>>> from tinyframe.layers import Dense
>>> model = Sequential([Dense(2, 1)], seed=0)
>>> snapshot = Snapshot(model)
>>> _ = model.rng.random()
>>> snapshot.restore(model)
>>> model.rng.bit_generator.state == snapshot.rng_state
True
"""

from __future__ import annotations

from typing import Any


class Snapshot:
    """The model's Generator, history, compiled settings and layer state, as `fit` found them."""

    def __init__(self, model: Any) -> None:
        self.rng_state = model.rng.bit_generator.state
        self.history, self.stop_training = model.history, model.stop_training
        self.compiled = (model.loss, model.optimizer, model.metrics)
        self.iterations = None if model.optimizer is None else model.optimizer.iterations
        self.state = [(w, w.copy()) for layer in model.layers for w in layer.state.values()]

    def stepped(self, model: Any) -> bool:
        """Whether a step has been applied since (the optimizer counted one)."""
        optimizer = model.optimizer
        if optimizer is None:
            return False
        return optimizer.iterations != (self.iterations if optimizer is self.compiled[1] else 0)

    def restore(self, model: Any) -> None:
        model.rng.bit_generator.state = self.rng_state
        model.history, model.stop_training = self.history, self.stop_training
        model.loss, model.optimizer, model.metrics = self.compiled
        for array, saved in self.state:
            array[...] = saved
