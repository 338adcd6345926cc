"""Where parameters live: one block of memory per build, views for the layers, runs for the optimizer.

Ownership (DESIGN.md): a parameter belongs to its layer, and the array that
``add_param`` returns is, for the life of the layer, the array the optimizer
updates. To update every parameter of a model with one vectorised operation, the
layers built together share a `Block`: two flat arrays (values and gradients), sized
*before* any parameter is created, of which each parameter is a view.

Building is therefore two passes over ``create_params`` (`build_layers`): the first
only records the shapes that ``add_param`` asks for (no initializer runs, no random
number is drawn), then one block is allocated, then the second pass hands out its
views and fills them with the initializers. So ``self.W = self.add_param(...)`` is
safe: ``self.W`` *is* the updated array.

At training time a model groups the parameters of its trainable layers into `Run` s:
maximal stretches that are contiguous in one block. A model built in one go, with
nothing frozen, is one run, so the optimizer makes one call per step; freezing a
layer or borrowing a layer already built by another model splits the runs.

>>> import numpy as np
>>> from tinyframe.layers import Dense
>>> a, b = Dense(2, 3), Dense(3, 1)
>>> build_layers([a, b], "float64", np.random.default_rng(0), [(2,), (3,)])
>>> [run.key for run in trainable_runs([a, b])]
[(0, 1, 2, 3)]
>>> b.trainable = False
>>> [(run.key, run.params.size) for run in trainable_runs([a, b])]
[((0, 1), 9)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


class Block:
    """Flat ``params`` and ``grads`` arrays of ``size`` elements, handed out front to back by `take`."""

    def __init__(self, size: int, dtype: Any) -> None:
        self.params = np.empty(size, dtype)
        self.grads = np.zeros(size, dtype)
        self.used = 0

    def take(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
        """The next ``(param view, grad view, offset)`` of ``shape``."""
        start, stop = self.used, self.used + math.prod(shape)
        if stop > self.params.size:
            raise RuntimeError("create_params asked for more parameters than it declared when the model was planned")
        self.used = stop
        return self.params[start:stop].reshape(shape), self.grads[start:stop].reshape(shape), start


def build_layers(
    layers: list[Any], dtype: Any, rng: np.random.Generator | None, input_shapes: list[tuple[int, ...]]
) -> None:
    """Create the parameters of ``layers`` in one new `Block` (two passes; see the module docstring).

    ``input_shapes[i]`` is the shape of one input sample of ``layers[i]`` (batch excluded).
    """
    shapes = [layer._plan(dtype, shape) for layer, shape in zip(layers, input_shapes)]
    block = Block(sum(math.prod(s) for plan in shapes for s in plan), dtype)
    for layer, planned, shape in zip(layers, shapes, input_shapes):
        layer._create(dtype, rng, block, planned, shape)


@dataclass
class Run:
    """A stretch of trainable parameters contiguous in one block: what the optimizer updates in one call.

    ``key`` lists the parameters' indices in the model's parameter order (`Sequential.params`);
    it keys the optimizer's state, so freezing a layer changes the keys but not the per-parameter state.
    """

    key: tuple[int, ...]
    params: np.ndarray
    grads: np.ndarray
    sizes: tuple[int, ...] = ()  # element counts of the run's parameters, in key order (a run is their concatenation)


def trainable_runs(layers: list[Any]) -> list[Run]:
    """The `Run` s of the trainable parameters of ``layers`` (each layer listed once)."""
    runs: list[Run] = []
    spans: list[tuple[Block, int, int, list[int]]] = []  # block, start, stop, parameter indices
    sizes: dict[int, int] = {}
    index = 0
    for layer in layers:
        for name, p in layer.params.items():
            block, start = layer._slots[name]
            sizes[index] = p.size
            if layer.trainable:
                last = spans[-1] if spans else None
                if last is not None and last[0] is block and last[2] == start:
                    spans[-1] = (block, last[1], start + p.size, [*last[3], index])
                else:
                    spans.append((block, start, start + p.size, [index]))
            index += 1
    for block, start, stop, indices in spans:
        runs.append(
            Run(tuple(indices), block.params[start:stop], block.grads[start:stop], tuple(sizes[i] for i in indices))
        )
    return runs


def repack(layers: list[Any], dtype: Any) -> None:
    """Move the parameters of ``layers`` into one new block (after unpickling or copying).

    Pickle copies each view on its own, so the copies no longer share a block. The
    values move into a new block; the layers' dicts, and any attribute that held a
    parameter or gradient array itself (``self.W = self.add_param(...)``), are
    pointed at the new views, and the layer's ``_repacked`` hook runs (a wrapper re-points
    the layers it wraps).
    """
    block = Block(sum(p.size for layer in layers for p in layer.params.values()), dtype)
    for layer in layers:
        moved: dict[int, np.ndarray] = {}
        slots = {}
        for name in layer.params:
            old_p, old_g = layer.params[name], layer.grads[name]
            p, g, start = block.take(old_p.shape)
            p[...], g[...] = old_p, old_g
            moved[id(old_p)], moved[id(old_g)] = p, g
            layer.params[name], layer.grads[name], slots[name] = p, g, (block, start)
        layer._slots = slots
        layer.dtype = np.dtype(dtype)  # a layer that made its weights alone (Keras's add_weight in __init__)
        for attr, value in list(vars(layer).items()):
            if isinstance(value, np.ndarray) and id(value) in moved:
                setattr(layer, attr, moved[id(value)])
        layer._repacked()
