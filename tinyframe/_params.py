"""Where parameters live: building them (two passes into one block), naming them, grouping them into runs.

Ownership: a parameter belongs to its layer, and the array that ``add_param`` returns
is, for the life of the layer, the array the optimizer updates. To update every
parameter of a model with one vectorised operation, the layers built together share a
`Block`: two flat arrays (values and gradients), sized *before* any parameter is
created, of which each parameter is a view.

**Building** is therefore two passes (`build_layers`), run by a `_Pass` that the
layers' ``add_param``/``add_weight``/``add_state`` ask for what to return: the planning
pass only records the shapes (a read-only stand-in of zeros is returned, no
initializer runs, no random number is drawn), then one block is allocated, then the
creating pass hands out its views and fills them with the initializers. A layer that
wraps others (`Bidirectional`, `TimeDistributed`) calls ``inner.build(shape)`` in its
own ``build``, as Keras's wrappers do: the inner layer is built in the same pass and
block. Nothing about the passes is kept on the layers.

**Naming.** A parameter's key is ``(layer name, parameter name)`` (`param_keys`): the
optimizer keeps its state under that key (`tinyframe.optimizers.Optimizer.slot`), files
store it per (layer, parameter), and freezing a layer never changes a key.

**Runs.** At training time a model groups the parameters of its trainable layers into
`Run` s: maximal stretches that are contiguous in one block, found from the arrays
themselves (`_place`). A model built in one go, with nothing frozen, is one run, so the
optimizer makes one call per step; freezing a layer or borrowing a layer already built
by another model splits the runs, and only which parameters are stepped changes.

>>> import numpy as np
>>> from tinyframe.layers import Dense
>>> a, b = Dense(2, 3, name="a"), Dense(3, 1, name="b")
>>> build_layers([a, b], "float64", np.random.default_rng(0), [(2,), (3,)])
>>> [tuple(run.key) for run in trainable_runs([a, b])]
[(('a', 'W'), ('a', 'b'), ('b', 'W'), ('b', 'b'))]
>>> b.trainable = False
>>> [(tuple(run.key), run.params.size) for run in trainable_runs([a, b])]
[((('a', 'W'), ('a', 'b')), 9)]
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

ParamKey = tuple[str, str]  # (layer name, parameter name)


class Block:
    """Flat ``params`` and ``grads`` arrays of ``size`` elements, handed out front to back by `take`."""

    def __init__(self, size: int, dtype: Any) -> None:
        self.params = np.empty(size, dtype)
        self.grads = np.zeros(size, dtype)
        self.used = 0

    def take(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The next ``(param view, grad view)`` of ``shape``."""
        start, stop = self.used, self.used + math.prod(shape)
        if stop > self.params.size:
            raise RuntimeError("build asked for more parameters than it declared when the model was planned")
        self.used = stop
        return self.params[start:stop].reshape(shape), self.grads[start:stop].reshape(shape)


# ------------------------------------------------------------------------------------- building
_local = threading.local()


def current_pass(layer: Any) -> _Pass | None:
    """The build pass running ``layer``'s ``build`` on this thread, or None (the layer is not being built)."""
    build = getattr(_local, "build", None)
    return build if build is not None and build.layer is layer else None


def in_a_pass() -> _Pass | None:
    """The build pass running on this thread (a wrapper's ``inner.build(shape)`` joins it), or None."""
    return getattr(_local, "build", None)


class _Pass:
    """One pass of `build_layers`: planning (``block`` None: shapes recorded) or creating (views of ``block``)."""

    def __init__(self, dtype: Any, rng: np.random.Generator | None, block: Block | None, planned: dict) -> None:
        self.dtype, self.rng, self.block, self.planned = np.dtype(dtype), rng, block, planned
        self.layer: Any = None  # the layer whose build runs now
        self.size = 0  # elements the planning pass was asked for: the block's size

    def run(self, layer: Any, input_shape: Any) -> None:
        """Run ``layer.build(input_shape)`` in this pass (its parameters and state made anew)."""
        layer.dtype, layer.rng = self.dtype, (None if self.block is None else self.rng)
        layer.params, layer.grads, layer.state = {}, {}, {}
        outer, self.layer = self.layer, layer
        try:
            layer.build(input_shape)  # the wrapper of build (`Layer.build`) sees this pass: the layer's own code runs
        finally:
            self.layer = outer
        shapes = [p.shape for p in layer.params.values()]
        if self.block is None:
            self.planned[id(layer)] = shapes
            return
        if shapes != self.planned.get(id(layer)):
            raise RuntimeError(
                f"{layer!r}: build created parameters of shapes {shapes} after planning {self.planned.get(id(layer))}; "
                "it must create the same parameters every time it runs"
            )
        layer.input_shape, layer.built = input_shape, True

    def param(self, layer: Any, name: str, shape: tuple[int, ...], initial: Callable[[], np.ndarray]) -> np.ndarray:
        """Parameter ``name`` of ``layer``: a stand-in when planning, else a view of the block set to ``initial()``."""
        if self.block is None:  # a read-only zero-stride stand-in: no memory
            self.size += math.prod(shape)
            layer.params[name] = layer.grads[name] = np.broadcast_to(np.zeros((), self.dtype), shape)
            return layer.params[name]
        p, g = self.block.take(shape)
        p[...] = initial()
        layer.params[name], layer.grads[name] = p, g
        return p

    def state(self, layer: Any, name: str, shape: tuple[int, ...], initial: Callable[[], np.ndarray]) -> np.ndarray:
        """State ``name`` of ``layer``: a stand-in when planning, else its own array set to ``initial()``."""
        if self.block is None:
            layer.state[name] = np.broadcast_to(np.zeros((), self.dtype), shape)
        else:
            layer.state[name] = np.array(initial(), order="C")  # np.array keeps 0-d state 0-d
        return layer.state[name]


def _passes(layers: list[Any], dtype: Any, rng: Any, input_shapes: list, block: Block | None, planned: dict) -> int:
    """Run one pass over ``layers``; the number of parameter elements it asked for (when planning)."""
    build = _Pass(dtype, rng, block, planned)
    outer, _local.build = getattr(_local, "build", None), build
    try:
        for layer, shape in zip(layers, input_shapes):
            build.run(layer, shape)
    finally:
        _local.build = outer
    return build.size


def plan_layers(layers: list[Any], dtype: Any, input_shapes: list) -> int:
    """The planning pass alone: each layer's ``params``/``state`` become stand-ins; the number of parameters.

    Nothing is allocated and nothing drawn, so a configuration that describes a huge
    model costs nothing until its arrays are needed (`tinyframe.saving`).
    """
    return _passes(layers, dtype, None, input_shapes, None, {})


def build_layers(
    layers: list[Any], dtype: Any, rng: np.random.Generator | None, input_shapes: list[tuple[int, ...]]
) -> None:
    """Create the parameters of ``layers`` in one new `Block` (two passes; see the module docstring).

    ``input_shapes[i]`` is the shape of one input sample of ``layers[i]`` (batch excluded).
    """
    planned: dict[int, list] = {}
    block = Block(_passes(layers, dtype, None, input_shapes, None, planned), dtype)
    _passes(layers, dtype, rng, input_shapes, block, planned)


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
        for name in layer.params:
            old_p, old_g = layer.params[name], layer.grads[name]
            p, g = block.take(old_p.shape)
            p[...], g[...] = old_p, old_g
            moved[id(old_p)], moved[id(old_g)] = p, g
            layer.params[name], layer.grads[name] = p, g
        layer.dtype = np.dtype(dtype)  # a layer that made its weights alone (Keras's add_weight in __init__)
        for attr, value in list(vars(layer).items()):
            if isinstance(value, np.ndarray) and id(value) in moved:
                setattr(layer, attr, moved[id(value)])
        layer._repacked()


# --------------------------------------------------------------------------------- naming, runs
def param_keys(layers: list[Any]) -> list[ParamKey]:
    """``(layer name, parameter name)`` of every parameter of ``layers``, in `Model.params` order."""
    return [(layer.name, name) for layer in layers for name in layer.params]


class RunKey(tuple):
    """The keys of a run's parameters, in order: what ``Optimizer.update`` receives as ``key`` from `fit`.

    It is the tuple of `ParamKey` s (hashable and equal as that tuple), and says where
    the run lies, so that ``Optimizer.slot`` can hand out the run's state as one view
    over per-parameter state: ``home`` (the flat array the run is a stretch of: a block),
    ``start`` and ``stop`` in it, and ``spans`` (each parameter's key, offset and shape).
    """

    home: np.ndarray
    start: int
    stop: int
    spans: tuple[tuple[ParamKey, int, tuple[int, ...]], ...]
    _hash: int

    def __new__(cls, spans: list[tuple[ParamKey, int, tuple[int, ...]]], home: np.ndarray) -> RunKey:
        key = super().__new__(cls, (k for k, _, _ in spans))
        key.home, key.spans, key._hash = home, tuple(spans), tuple.__hash__(key)
        key.start = spans[0][1]
        key.stop = spans[-1][1] + math.prod(spans[-1][2])
        return key

    def __hash__(self) -> int:  # computed once: the optimizer looks it up several times a step
        return self._hash

    def __eq__(self, other: object) -> bool:
        return tuple.__eq__(self, other)

    def __reduce__(self) -> Any:  # pickled (in an optimizer's scratch keys, say) as the plain tuple
        return (tuple, (tuple(self),))


@dataclass
class Run:
    """A stretch of trainable parameters contiguous in one block: what the optimizer updates in one call.

    ``key`` (a `RunKey`) lists the parameters' `ParamKey` s; ``params`` and ``grads`` are
    flat views over them, ``sizes`` their element counts in key order.
    """

    key: tuple
    params: np.ndarray
    grads: np.ndarray
    sizes: tuple[int, ...] = ()


def _place(a: np.ndarray, what: str) -> tuple[np.ndarray, int]:
    """``(flat, offset)``: the 1-D array of which ``a`` is elements ``[offset, offset + a.size)``.

    For a parameter made by ``add_param``, the block's array; for one a layer made by
    itself, its own elements seen flat.
    """
    if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.flags.writeable):
        raise ValueError(f"{what} must be a writable C-contiguous NumPy array. Received: {type(a).__name__}")
    base = a.base
    if isinstance(base, np.ndarray) and base.ndim == 1 and base.dtype == a.dtype and base.flags.c_contiguous:
        offset, rest = divmod(a.ctypes.data - base.ctypes.data, a.itemsize)
        if rest == 0 and 0 <= offset and offset + a.size <= base.size:
            return base, offset
    return a.reshape(-1), 0


def _owner(flat: np.ndarray) -> np.ndarray:
    return flat if flat.base is None else flat.base


def trainable_runs(layers: list[Any]) -> list[Run]:
    """The `Run` s of the trainable parameters of ``layers`` (each layer listed once)."""
    spans: list[list[Any]] = []  # [flat params, flat grads, stop, [(key, offset, shape)]]
    for layer in layers:
        if not layer.trainable:
            continue
        for name, p in layer.params.items():
            flat, offset = _place(p, f"{layer.name}: parameter {name!r}")
            gflat, goffset = _place(layer.grads[name], f"{layer.name}: the gradient of {name!r}")
            if goffset != offset or gflat.size != flat.size:
                gflat, goffset = layer.grads[name].reshape(-1), 0  # laid out otherwise: a run of its own
                flat, offset = p.reshape(-1), 0
            last = spans[-1] if spans else None
            if last is not None and _owner(last[0]) is _owner(flat) and last[1] is gflat and last[2] == offset:
                last[2] = offset + p.size
                last[3].append(((layer.name, name), offset, p.shape))
            else:
                spans.append([flat, gflat, offset + p.size, [((layer.name, name), offset, p.shape)]])
    runs = []
    for flat, gflat, stop, members in spans:
        key = RunKey(members, flat)
        start = key.start
        runs.append(Run(key, flat[start:stop], gflat[start:stop], tuple(math.prod(s) for _, _, s in members)))
    return runs


def check_state(optimizer: Any, layers: list[Any]) -> None:
    """ValueError unless the optimizer's state under each of these layers' parameter keys is shaped like it.

    Checked at the start of fit, so a state put in by hand (or kept from a model built for
    other shapes) is refused before the first step rather than during it.
    """
    shapes = {(layer.name, name): p.shape for layer in layers for name, p in layer.params.items()}
    for key, slots in optimizer.state.items():
        shape = shapes.get(key)
        if shape is None:
            continue  # not a parameter's key: Optimizer.step's list indices, say
        if not isinstance(slots, dict):
            raise ValueError(
                f"fit: optimizer state {key} must be a dict of arrays by slot name. Received: {slots!r:.100}"
            )
        for name, value in slots.items():
            if not isinstance(value, np.ndarray) or value.shape != shape:
                raise ValueError(
                    f"fit: optimizer state {key}/{name!r} must be shaped like the parameter {key}, {shape}. "
                    f"Received: {value!r:.100}"
                )
