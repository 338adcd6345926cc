"""Define-by-run: the layer calls a subclassed model's ``call`` makes, recorded as they run.

A subclassed `tinyframe.Model` (or a layer whose ``call`` composes other layers) computes
with real arrays, as Keras's do. While its ``call`` runs, a `Tape` is current: each layer
called on arrays runs its ``forward`` and is recorded as a `Node` (this layer, these input
arrays, this output array), so the model can run the recorded layers' own backwards in
reverse afterwards. It is not autograd over NumPy: only layer calls (and `tinyframe.ops`,
which are layers) are seen. An array that no recorded call made (``x + y``, ``np.concatenate``,
a slice) cannot carry a gradient back, so a layer given one refuses it, naming the layer or
op to use instead.

A layer may be called several times in one ``call``: each call keeps its own record of what
the layer keeps for its backward, and its own scratch arrays (as a layer shared in a graph,
`tinyframe.graph`).

>>> import numpy as np
>>> from tinyframe.layers import Dense
>>> tape = Tape(training=False, dtype=np.dtype("float64"), rng=np.random.default_rng(0))
>>> x = tape.input(np.ones((2, 3)))
>>> with tape:
...     y = Dense(4)(x)
>>> y.shape, [type(node.layer).__name__ for node in tape.nodes]
((2, 4), ['Dense'])
"""

from __future__ import annotations

import gc
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from .. import _scratch
from . import masks
from .node import KerasTensor, Node, symbolic

CURRENT: ContextVar[Tape | None] = ContextVar("tinyframe_tape", default=None)
COMPOSITES: ContextVar[tuple] = ContextVar("tinyframe_composites", default=())  # layers whose call() is running
BUILDING: ContextVar[bool] = ContextVar("tinyframe_building", default=False)  # a call() on symbolic tensors runs
_MISSING = object()


class Recorded(np.ndarray):
    """A recorded array as ``call`` sees it: its arithmetic operators are `tinyframe.ops` (recorded too).

    ``x + y``, ``x * 2``, ``x @ w``, ``-x``, ``x ** 2`` and NumPy's ufuncs that have an op
    (``np.exp(x)``) are recorded while the tape runs. Anything else NumPy does with it (a
    slice, ``np.concatenate``, a ufunc without an op) gives an array no layer call made, which a
    layer or an op then refuses, saying what to use: never a silent constant.
    """

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = _UFUNC_OPS.get(ufunc.__name__)
        if name is not None and method == "__call__" and not kwargs and CURRENT.get() is not None:
            from .. import ops

            return getattr(ops, name)(*inputs)
        plain = [np.asarray(x).view(np.ndarray) if isinstance(x, Recorded) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(np.asarray(o).view(np.ndarray) for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        return result.view(Recorded) if isinstance(result, np.ndarray) else result  # not registered: refused

    def _op(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The op ``name`` on the tape, else the plain method (not registered: refused if used later)."""
        if CURRENT.get() is not None:
            from .. import ops

            return getattr(ops, name)(self, *args, **kwargs)
        return getattr(np.ndarray, name)(self, *args, **kwargs)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:  # type: ignore[override]
        return self._op("mean", axis=axis, keepdims=keepdims)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:  # type: ignore[override]
        return self._op("sum", axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:  # type: ignore[override]
        return self._op("max", axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:  # type: ignore[override]
        return self._op("min", axis=axis, keepdims=keepdims)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = _FUNCTION_OPS.get(func.__name__)
        if name is not None and CURRENT.get() is not None:
            from .. import ops

            return getattr(ops, name)(*args, **kwargs)
        result = super().__array_function__(func, types, args, kwargs)
        return result.view(Recorded) if isinstance(result, np.ndarray) else result


_UFUNC_OPS = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide", "true_divide": "divide",
    "matmul": "matmul", "negative": "negative", "power": "power", "maximum": "maximum", "minimum": "minimum",
    "exp": "exp", "log": "log", "sqrt": "sqrt", "square": "square", "absolute": "abs", "tanh": "tanh",
}  # fmt: skip
_FUNCTION_OPS = {"concatenate": "concatenate", "stack": "stack", "mean": "mean", "sum": "sum", "transpose": "transpose"}


class ParamTensor(KerasTensor):
    """A layer's weight as an operand of an op in its ``call``: its gradient goes to ``owner.grads[key]``."""

    __slots__ = ("owner", "key", "array")

    def __init__(self, owner: Any, key: str, array: np.ndarray) -> None:
        super().__init__(array.shape, None, None, batched=False)
        self.owner, self.key, self.array = owner, key, array


class ConstantTensor(KerasTensor):
    """Constant integers a layer is called on in a ``call`` (positions from ``ops.arange``): no batch axis, no gradient.

    The layer's own weights still get theirs (a position `Embedding` called on ``ops.arange(T)``).
    Only integers (indices, positions) are taken as constants: a float array from outside the
    record could be one NumPy made from a recorded array (``np.asarray(x) * 2``), whose gradient
    would be lost without a word, so a layer refuses it (saying which op or layer to use).
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        super().__init__(array.shape, None, None, batched=False)
        self.array = array


def constant_tensor(x: Any) -> ConstantTensor | None:
    """``x`` as a `ConstantTensor` if it is a plain array of integers from outside the record (its memory
    belongs to no `Recorded` array), else None."""
    if not isinstance(x, np.ndarray) or isinstance(x, Recorded) or x.dtype.kind not in "iub":
        return None
    base = x.base
    while isinstance(base, np.ndarray):
        if isinstance(base, Recorded):
            return None  # a view of a recorded array (np.asarray(x)): it would carry no gradient, so it is refused
        base = base.base
    return ConstantTensor(x)


def param_tensor(x: Any) -> ParamTensor | None:
    """The `ParamTensor` of ``x`` if it is a weight of a layer whose ``call`` is running, else None."""
    if not isinstance(x, np.ndarray):
        return None
    for owner in reversed(COMPOSITES.get()):
        if not isinstance(owner.params, dict):  # a subclassed Model: its weights are its layers'
            continue
        for key, p in owner.params.items():
            if p is x:
                tensors = owner.__dict__.setdefault("_param_tensors", {})
                if key not in tensors or tensors[key].array is not p:
                    tensors[key] = ParamTensor(owner, key, p)
                return tensors[key]
    return None


class Tape:
    """The calls of one forward of a subclassed model: `nodes` in order; ``records`` what each call kept."""

    def __init__(
        self, training: bool, dtype: np.dtype, rng: np.random.Generator | None, observe: Any = None, late: Any = None
    ) -> None:
        self.training, self.dtype, self.rng, self.observe = training, dtype, rng, observe
        self.late = late  # the name of a model already built: a layer with weights is not built any more
        self.nodes: list[Node] = []
        self.records: dict = {}
        self.masks: dict[int, Any] = {}  # id(array) -> its mask, for arrays that carry one
        self._handles: dict[int, KerasTensor] = {}  # id(array) -> the tensor it is in the record
        self._arrays: list[np.ndarray] = []  # every recorded array, kept alive so that no id is reused
        self._calls: dict[int, int] = {}  # id(layer) -> how many times it was called so far
        self._token: Any = None

    def input(self, x: np.ndarray) -> np.ndarray:
        """Register a model input; returns the array to pass to ``call`` (a view of its own)."""
        x = x.view(Recorded)
        self._register(x, KerasTensor(x.shape[1:], None, None))
        return x

    def operand(self, x: np.ndarray) -> bool:
        """Whether ``x`` is recorded (or a weight of a layer whose call runs); False for a constant from outside.

        An array NumPy made from recorded ones (a `Recorded` not registered) is refused: it has no gradient.
        """
        if id(x) in self._handles or param_tensor(x) is not None:
            return True
        if isinstance(x, Recorded):
            self.tensor(x, "an op")  # raises, saying what to use
        return False

    def tensor(self, x: Any, where: str) -> KerasTensor:
        """The tensor a recorded array stands for; TypeError if no layer call of this record made it."""
        handle = self._handles.get(id(x)) if isinstance(x, np.ndarray) else None
        if handle is None:
            handle = param_tensor(x)
        if handle is None and where.startswith("layer"):  # a layer called on a constant (positions): it is one
            handle = constant_tensor(x)
            if handle is not None:
                self._register(x, handle)
        if handle is None:
            raise TypeError(
                f"{where} received an array that no layer call made (an operation such as x + y, x * 2, "
                "np.concatenate or a slice, computed outside any layer): tinyframe computes gradients through "
                "layers only, so it would get none. Use a layer for it: tinyframe.layers.Add()([x, y]), "
                "Multiply, Concatenate, Rescaling for a constant factor, or the functions of tinyframe.ops"
            )
        return handle

    def call(self, layer: Any, x: Any, training: bool | None = None, options: dict | None = None) -> np.ndarray:
        """``layer(x)`` on recorded arrays: built if needed (the model's dtype and seed), run, recorded.

        ``options`` are keywords for the layer's ``forward`` (plain values, no gradient: a mask, a flag).
        """
        listed = isinstance(x, (list, tuple))
        xs = list(x) if listed else [x]
        who = f"layer {layer.name or type(layer).__name__!r}"
        handles = [self.tensor(a, who) for a in xs]
        if not layer.built:
            shapes = [a.shape[1:] if h.batched else a.shape for a, h in zip(xs, handles)]
            layer.build(shapes if listed else shapes[0], dtype=self.dtype, rng=self.rng)
            if self.late is not None and layer.params:
                layer.built = False  # not the model's: its weights would be trained by no optimizer run
                raise ValueError(
                    f"{self.late}: {who} was not called when the model was built (its first call, not training), so "
                    "its weights are not the model's. Call every layer with weights on that first call too"
                )
        k = self._calls[id(layer)] = self._calls.get(id(layer), -1) + 1
        key = None if k == 0 else ("call", id(layer), k)  # a second call of a layer: scratch arrays of its own
        plain = [a.view(np.ndarray) for a in xs]  # inside a layer, arrays are plain NumPy (no recording)
        arg = plain if listed else plain[0]
        held = held_layers(layer)
        before = [dict(vars(obj)) for obj in held]
        given = [self.masks.get(id(a)) for a in xs]
        with node_scratch(key):
            training = self.training if training is None else training
            y, mask = masks.run(layer, arg, given if listed else given[0], training, options)
        y = y.view(Recorded)  # a tensor of its own, even when the layer returned its input
        if mask is not None:
            self.masks[id(y)] = mask  # padding travels with the array (Keras's _keras_mask)
        batched = any(t.batched for t in handles)
        node = Node(layer, handles, listed, y.shape[1:] if batched else y.shape, options)
        node.scratch_key = key
        keep(self.records, node, held, before)
        self.nodes.append(node)
        self._register(y, node.output)
        if self.observe is not None:
            self.observe(layer, arg, y)
        return y

    def _register(self, x: np.ndarray, handle: KerasTensor) -> None:
        self._handles[id(x)] = handle
        self._arrays.append(x)

    def __enter__(self) -> Tape:
        self._token = CURRENT.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        CURRENT.reset(self._token)


def held_layers(layer: Any) -> list[Any]:
    """``layer`` and every `Layer` its attributes hold (in lists and tuples too), recursively, each once."""
    from .base import Layer

    found: list[Any] = []
    stack = [layer]
    while stack:
        obj = stack.pop()
        if any(obj is known for known in found):
            continue
        found.append(obj)
        for value in _attribute_values(obj):
            if isinstance(value, Layer):
                stack.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(v for v in value if isinstance(v, Layer))
    return found


def _attribute_values(obj: Any) -> list[Any]:
    """The values of ``obj``'s attributes (and of dicts it holds), read without ``vars(obj)``.

    On CPython 3.11 reading an object's ``__dict__`` turns its inline attribute values into a
    dict for good, and every later ``self.x`` of it is then about four times slower: a layer's
    forward and backward read a dozen attributes each. The garbage collector's view of the
    object (``gc.get_referents``) lists the values without that; a dict among them (the
    ``__dict__`` once it exists, or a dict attribute) is looked into.
    """
    values = []
    for ref in gc.get_referents(obj):
        if isinstance(ref, dict):
            values.extend(ref.values())
        else:
            values.append(ref)
    return values


def keep(records: dict, node: Node, held: list[Any], before: list[dict]) -> None:
    """Record what ``node``'s forward left on its layer (and the layers it holds) for that node's backward.

    ``records[id(node)]`` has each object's attributes after the call; ``records["touched", id(obj)]``
    the names any call's forward rebound, which a backward puts back (`restore`).
    """
    after = [dict(vars(obj)) for obj in held]
    records[id(node)] = list(zip(held, after))
    for obj, was, now in zip(held, before, after):
        touched = records.setdefault(("touched", id(obj)), set())
        touched.update(k for k, v in now.items() if was.get(k, _MISSING) is not v)


def restore(records: dict, node: Node) -> None:
    """Put back what ``node``'s forward left, before its backward (see `keep`)."""
    for obj, kept in records[id(node)]:
        vars(obj).update({k: kept[k] for k in records[("touched", id(obj))] if k in kept})


@contextmanager
def node_scratch(key: Any) -> Iterator[None]:
    """Make the child of the current Scratch under ``key`` current (None: the current one itself)."""
    parent = _scratch.CURRENT.get()
    if parent is None or key is None:
        yield
        return
    token = _scratch.CURRENT.set(parent.child(key))
    try:
        yield
    finally:
        _scratch.CURRENT.reset(token)


def call_composite(layer: Any, x: Any, training: bool) -> Any:
    """A composite layer's ``call`` (it composes other layers and ops): its calls go on the current record,
    or, on symbolic tensors, into the graph being built (they are inlined either way). A layer with a
    ``build`` of its own (Keras's ``add_weight`` there) is built first, from the input's shape."""
    if not layer.built and "build" in _own_methods(type(layer)):
        tape = CURRENT.get()
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        shapes = [t.sample_shape if isinstance(t, KerasTensor) else np.shape(t)[1:] for t in xs]
        shape = shapes if isinstance(x, (list, tuple)) else shapes[0]
        if tape is not None:
            layer.build(shape, dtype=tape.dtype, rng=tape.rng)
        elif isinstance(xs[0], KerasTensor):  # built again by its Model, in its dtype, from its seed
            layer.build(shape)
            layer._pending_build = shape
        else:  # on plain arrays, outside any model
            layer.build(shape, dtype=np.asarray(xs[0]).dtype)
    token = COMPOSITES.set((*COMPOSITES.get(), layer))
    building = BUILDING.set(symbolic(x) or (BUILDING.get() and CURRENT.get() is None))
    try:
        if takes_training(type(layer).call):
            return layer.call(x, training=training)
        return layer.call(x)
    finally:
        BUILDING.reset(building)
        COMPOSITES.reset(token)


def _own_methods(cls: type) -> set[str]:
    """The methods a class or its bases below `Layer` (or `Model`) define."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if "_library_base" in klass.__dict__:  # Layer and Model themselves
            break
        names.update(klass.__dict__)
    return names


def takes_training(call: Any) -> bool:
    """Whether a ``call`` method accepts ``training=`` (Keras passes it only then)."""
    parameters = inspect.signature(call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
