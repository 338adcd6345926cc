"""Subclassed models: a `Model` whose ``call`` composes layers, run and recorded as it runs (define-by-run).

Keras's other way to write a model::

    class MLP(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(64, activation="relu")
            self.out = Dense(10, activation="softmax")

        def call(self, inputs, training=False):
            return self.out(self.hidden(inputs))

The layers given to the model as attributes (in lists too) are its layers, in the order
they were given; a composite layer (a `Layer` whose ``call`` composes other layers) counts
as the layers it is made of. The model is built by its first data (``fit``, ``predict``,
``model(x)``, or ``build(input_shape)``): ``call`` runs once on one sample (not training),
each layer is built as it is first called (in the model's dtype, its initial weights drawn
from the model's seed), and the weights are then packed into one block. A layer that call
did not reach then is not among the model's layers: one without weights (a Dropout called
only in training) is built when it is first called; one with weights is refused then. Each forward records the
layer calls ``call`` makes (`tinyframe.layers.recording.Tape`); the backward runs the
recorded layers' own backwards in reverse, over the graph they made (`tinyframe.graph`).

A subclassed model cannot be saved with `save` (a file holds no code, and the model's
architecture is its code); `get_weights`/`set_weights` move its weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import data
from ._params import repack
from ._scratch import Scratch
from ._stack import name_unique_layers
from .graph import Graph
from .layers.base import Layer, leaf_layers
from .layers.recording import Tape, call_composite
from .layers.shapes import as_input_shape, batch_shape


def track(model: Any, name: str, value: Any) -> None:
    """``__setattr__`` of a subclassed model: layers given as attributes (in lists too) become its layers."""
    object.__setattr__(model, name, value)
    tracked = model.__dict__.get("_tracked")
    if tracked is None or name.startswith("_") or name == "layers":
        return
    found = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, Layer)]
    if found:
        tracked.extend(v for v in found if all(v is not known for known in tracked))
        object.__setattr__(model, "layers", leaf_layers(tracked))


def setup(model: Any) -> None:
    """The parts of a subclassed model that a functional one gets from its graph (not built yet)."""
    model._graph = None
    model._line = None  # what call() does is recorded each time, not a fixed line
    model._tracked = []
    model.layers = []
    model.built = False
    model._input_shape = None
    model.output_shape = None
    model._input_keys = None  # the keys of a dict of inputs, in the order of the arrays
    model._input_listed = False  # call takes a list of arrays
    model._recorded = None  # the graph the last forward made
    model._records = {}
    model._penalized = []


def structure(model: Any, X: Any, name: str) -> list[np.ndarray]:
    """The input arrays in order, checked and cast; the structure (one, a list, a dict) is learnt at the build."""
    if isinstance(X, dict):
        keys, arrays, listed = [str(k) for k in X], list(X.values()), False
    elif isinstance(X, (list, tuple)) and X and all(isinstance(a, np.ndarray) for a in X):
        keys, arrays, listed = None, list(X), True  # call takes the list
    else:
        keys, arrays, listed = None, [X], False
    checked = [data.check_features(a, model.dtype, name if len(arrays) == 1 else f"{name}[{k}]")
               for k, a in zip(keys or range(len(arrays)), arrays)]  # fmt: skip
    if len({a.shape[0] for a in checked}) > 1:
        raise ValueError(f"{name}: every input must have the same number of samples. Received: "
                         f"{[a.shape[0] for a in checked]}")  # fmt: skip
    if model.built:
        shapes = [a.shape[1:] for a in checked]
        expected = model._input_shape if isinstance(model._input_shape, list) else [model._input_shape]
        if shapes != expected or keys != model._input_keys:
            got = dict(zip(keys, shapes)) if keys else [batch_shape(s) for s in shapes]
            want = dict(zip(model._input_keys, expected)) if model._input_keys else [batch_shape(s) for s in expected]
            raise ValueError(f"{name}: the model was built for inputs {want}. Received: {got}")
    else:
        model._input_keys, model._input_listed = keys, listed
    return checked


def build(model: Any, shapes: list[tuple[int, ...]]) -> None:
    """Run ``call`` once on one sample of zeros of each input shape: the layers build, the output shapes are known."""
    with Scratch():
        outputs = forward(model, [np.zeros((1, *s), model.dtype) for s in shapes], False)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    model._input_shape = shapes[0] if len(shapes) == 1 else list(shapes)
    model.output_shape = outputs[0].shape[1:] if len(outputs) == 1 else [y.shape[1:] for y in outputs]
    # A layer the first call did not reach (a branch taken only in training, or never) is not the model's: a
    # layer without parameters may still be called later (built then); one with parameters is refused then.
    layers = [layer for layer in leaf_layers(model._tracked) if layer.built]
    name_unique_layers(layers, model.name)
    repack(layers, model.dtype)  # one block of parameters: the optimizer updates them in one call
    object.__setattr__(model, "layers", layers)
    model.built = True
    model._penalized = model._layers_with_penalty()


def build_shape(model: Any, input_shape: Any) -> None:
    """``model.build(input_shape)``: one shape, or a list of them (a leading None, Keras's batch, dropped)."""
    several = isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list))
    shapes = [as_input_shape(s, f"{model.name}.build") for s in (input_shape if several else [input_shape])]
    if not model.built:
        model._input_listed = bool(several)
        build(model, shapes)


def forward(model: Any, xs: list[np.ndarray], training: bool, observe: Any = None) -> Any:
    """Run ``call`` on the arrays ``xs`` with a `Tape` current; keep the graph it made for the backward."""
    tape = Tape(training, model.dtype, model.rng, observe, late=model.name if model.built else None)
    inputs = [tape.input(x) for x in xs]
    if model._input_keys is not None:
        arg: Any = dict(zip(model._input_keys, inputs))
    else:
        arg = inputs if model._input_listed else inputs[0]
    with tape:
        out = call_composite(model, arg, training)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    handles = [tape.tensor(y, f"{model.name}: the output of call()") for y in outs]
    model._recorded = Graph.recorded([tape.tensor(x, "input") for x in inputs], handles, tape.nodes)
    model._records = tape.records
    outs = [y.view(np.ndarray) for y in outs]  # plain arrays out of the model (the loss computes with NumPy)
    return outs[0] if len(outs) == 1 else outs
