"""The base class of everything that goes into a `Sequential`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _params, _scratch, initializers
from .._ownership import reading, writing
from .._params import build_layers, repack
from .node import record_call, symbolic
from .recording import BUILDING, call_composite, constant_tensor
from .recording import CURRENT as _TAPE
from .shapes import as_input_shape, check_variable

_current_scratch = _scratch.CURRENT.get
_current_tape = _TAPE.get
_building = BUILDING.get


class Layer:
    """One step of a network: a `forward` that keeps what its `backward` needs.

    Contract:

    * ``build(input_shape)`` creates the parameters (with `add_param`) for inputs of
      shape ``(m, *input_shape)``: the batch dimension is excluded (Keras passes it;
      a leading ``None`` is accepted and dropped). ``compute_output_shape(input_shape)``
      says what comes out (batch excluded), or raises ValueError naming the layer, the
      expected and the received shape. Both default to a layer without parameters
      that keeps the shape (activations, dropout).
    * ``forward(x, training=False) -> y`` with ``x`` of shape ``(m, *input_shape)``.
    * ``backward(grad_out) -> grad_in`` where ``grad_out = dJ/dy`` has the shape of
      ``y``; it *overwrites* the gradients of the layer's own parameters in
      ``self.grads`` and returns ``dJ/dx``.
    * ``self.params`` and ``self.grads`` are parallel ``name -> array`` dicts
      (empty for a layer without parameters), so optimizers and savers treat every
      layer alike; ``self.state`` holds non-trainable state (running statistics,
      counters) that is saved and loaded but never touched by an optimizer.

    **Who owns what.**

    * *Parameters* (``add_param``) and their gradients belong to the layer. The
      returned array is, for the life of the layer, the array the optimizer updates,
      so ``self.W = self.add_param("W", ...)`` is safe (the array is a view of the one
      block of memory that holds the parameters of the layers a model builds together).
    * *State* (``add_state``) belongs to the layer too; it is listed after the
      layer's parameters in ``get_weights`` (Keras's order).
    * *What forward keeps for backward* (``self._x``) lives on the layer between one
      forward and the next backward of the same step. `fit` owns the model while it
      runs (a ``predict`` from another thread raises `RuntimeError` meanwhile), so no
      other call overwrites it. ``predict`` calls
      may run at once in several threads, so ``forward`` returns the array it computed
      (a local), never an attribute read back (``return self._y`` could be another
      call's).
    * *Scratch arrays* (``self.buffer(name, shape)``) belong to the call that asked:
      reused step after step inside `fit`, new for every ``predict``/``evaluate``
      call, so inference is reentrant. Arrays returned by
      ``forward`` and ``backward`` may be such scratch: copy one if you keep it.

    ``trainable = False`` freezes the parameters (Keras): `fit` neither updates nor
    decays them; gradients still flow through the layer to the layers before it.

    A layer is *built* once, by the first `Sequential` that knows its input shape (or
    by hand with ``layer.build(input_shape, dtype=..., rng=...)``): that is when it
    learns the model's dtype, random Generator and input shape, and its ``build``
    creates its parameters. A built layer put into another model keeps its weights
    and shares them (Keras's semantics)::

        >>> import numpy as np
        >>> from tinyframe.layers import Dense
        >>> layer = Dense(2).build((3,), dtype="float64", rng=0)
        >>> layer.forward(np.ones((4, 3))).shape
        (4, 2)

    Args (keywords, for every layer):
        name: the layer's name in `Sequential.get_layer` and `summary`; by default the
            model names it after its class (``dense``, ``dense_1``, ...).
        input_shape: for the first layer of a model, the shape of one sample (Keras's
            argument), so the model is built at once.
    """

    def __init__(self, *, name: str | None = None, input_shape: Sequence[int] | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string without '/'. Received: {name!r}")
        self.name = name
        self._auto_named = False  # True when a model chose the name (it may choose again)
        self.declared_input_shape = None if input_shape is None else as_input_shape(input_shape, type(self).__name__)
        self.input_shape: tuple[int, ...] | None = None  # the shape it was built for (batch excluded)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.dtype: np.dtype = np.dtype("float64")
        self.rng: np.random.Generator | None = None
        self.built = False
        self._trainable = True
        self._nodes: list[Any] = []  # where it was called on symbolic tensors (Keras's functional API)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:  # a subclass's own build: callable by hand too (see _by_hand)
            cls.build = _by_hand(cls.__dict__["build"])
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:  # Keras's way: call() composes layers
            cls._composite = True
            cls.__setattr__ = _tracking_setattr  # only such classes pay for tracking their sublayers

    _composite = False  # True for a layer whose call() composes other layers (it needs no backward of its own)
    supports_masking = False  # Keras's: True if the layer passes a mask on (`compute_mask`); see tinyframe.layers.masks
    produces_mask = False  # True for a layer that starts a mask (Embedding(mask_zero=True), Masking)
    takes_variable_size = False  # True if inputs may have an axis of variable size (None: each batch sets it)
    nonnegative_state: tuple[str, ...] = ()  # state that must be >= 0 (a variance): set_weights and loading refuse less
    takes_indices = False  # True: a model's input feeding only such layers stays int64 (`data.check_indices`)
    _library_base = True  # what a user's subclass defines starts below this class

    # ------------------------------------------------------------------ building
    @property
    def trainable(self) -> bool:
        """Whether `fit` updates this layer's parameters (True by default); read at the start of each fit."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self!r}: trainable must be True or False. Received: trainable={value!r}")
        self._trainable = bool(value)
        if self._composite:  # Keras: freezing a layer freezes the layers it is made of
            for sublayer in self.__dict__.get("_sublayers", []):
                sublayer.trainable = value

    def build(self, input_shape: tuple[int, ...]) -> None:
        """Override to create parameters with `add_param` and state with `add_state`, for inputs of ``input_shape``.

        ``input_shape`` excludes the batch dimension: ``(64,)`` for rows of 64 features,
        ``(40, 25)`` for sequences of 40 steps of 25 channels. It runs twice per build:
        once to learn the shapes (``add_param`` then returns a read-only stand-in of
        zeros that takes no memory, and draws nothing), then for real. Keep it to
        ``add_param``, ``add_state``, shape checks and plain attribute assignments.
        The default calls ``create_params()``, the older hook without the shape.

        Called by hand, ``layer.build(input_shape, dtype="float64", rng=None)`` builds the
        layer on its own and returns it (``input_shape`` may be left out when the layer
        knows it, as ``Dense(3, 2)`` does).
        """
        self.create_params()

    def create_params(self) -> None:
        """The older hook: create parameters without seeing the input shape (``build`` calls it)."""

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the output (batch excluded) for inputs of ``input_shape``; ValueError if they cannot fit.

        The default keeps the shape (elementwise layers). A layer that changes the
        shape overrides it; it is called before ``build`` too, to trace a model's shapes.
        """
        return input_shape

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the output (Keras's): the input's, unchanged, by default; None when there is none.

        A mask marks the steps holding data (True) and padding (False), ``(m, T)`` for sequences
        ``(m, T, d)``; `tinyframe.layers.masks` says how masks travel through a model.
        """
        return mask

    def _build_by_hand(self, input_shape: Any, dtype: Any, rng: Any) -> Layer:
        """``layer.build(...)`` called by hand: build this layer alone (``build(None)`` if no shape is known)."""
        owner = type(self).__name__
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
            shape = [as_input_shape(s, owner, variable=True) for s in input_shape]  # a layer of several inputs
        else:
            given = None if input_shape is None else as_input_shape(input_shape, owner, variable=True)
            shape = self.declared_input_shape if given is None else given
        if shape is not None:  # a shape the layer cannot take is refused before anything is created
            check_variable(self, shape, owner)
            self.compute_output_shape(shape)
        build_layers([self], np.dtype("float64" if dtype is None else dtype), np.random.default_rng(rng), [shape])
        return self

    def _initial(self, kind: str, name: str, shape: Any, initializer: str | Callable) -> tuple[tuple, Callable]:
        shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"{self!r}: a {kind} name must be a non-empty string without '/'. Received: {name!r}")
        if name in self.params or name in self.state:
            raise ValueError(f"{self!r}: the name {name!r} is already used by a parameter or state of this layer")
        return shape, initializers.get(initializer)

    def _initialized(self, kind: str, name: str, shape: tuple, init: Callable, initializer: Any) -> np.ndarray:
        value = np.asarray(init(shape, self.rng, self.dtype), dtype=self.dtype)
        if value.shape != shape:
            raise ValueError(
                f"{self!r}: initializer {initializer!r} returned shape {value.shape} "
                f"for {kind} {name!r}, expected {shape}"
            )
        return value

    def add_param(self, name: str, shape: tuple[int, ...], initializer: str | Callable) -> np.ndarray:
        """Create trainable parameter ``name`` in the layer's dtype, with a zero gradient in ``self.grads``.

        Returns the parameter array itself: keep it as an attribute if you like, it is
        the array that training updates in place.
        """
        shape, init = self._initial("parameter", name, shape, initializer)
        build = _params.current_pass(self)
        if build is None:
            raise RuntimeError(f"{self!r}: add_param is called from build(input_shape), which the model runs")
        initial = functools.partial(self._initialized, "parameter", name, shape, init, initializer)
        return build.param(self, name, shape, initial)

    def add_weight(
        self,
        shape: Sequence[int] | int | None = None,
        initializer: str | Callable | None = None,
        dtype: Any = None,
        trainable: bool = True,
        name: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
        **kwargs: Any,
    ) -> np.ndarray:
        """Keras's spelling: a trainable weight is `add_param`, a non-trainable one `add_state`.

        ``initializer`` defaults to ``"glorot_uniform"`` (Keras's), ``name`` to ``weight``, ``weight_1``...
        Called in ``build(input_shape)`` (Keras's way, and tinyframe's) the weight is drawn from the
        model's seed; called in ``__init__`` it is made at once, from an unseeded Generator, and the
        layer counts as built. ``dtype`` is the model's; a regularizer or constraint is refused.

        Example:
            >>> from tinyframe import ops
            >>> class Linear(Layer):
            ...     def build(self, input_shape):
            ...         self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="random_normal")
            ...         self.b = self.add_weight(shape=(2,), initializer="zeros")
            ...     def call(self, inputs):
            ...         return ops.matmul(inputs, self.w) + self.b
            >>> Linear()(np.ones((3, 4))).shape
            (3, 2)
        """
        if regularizer is not None or constraint is not None:
            raise ValueError(
                f"{type(self).__name__}.add_weight: regularizer and constraint are not supported; add a penalty "
                "with Layer.penalty() instead. Received: "
                f"regularizer={regularizer!r}, constraint={constraint!r}"
            )
        if shape is None:
            shape = ()
        if name is None:
            taken = len(self.params) + len(self.state)
            name = "weight" if taken == 0 else f"weight_{taken}"
        initializer = "glorot_uniform" if initializer is None else initializer
        if _params.current_pass(self) is None:  # outside build: made now, on its own
            return self._weight_now(name, shape, initializer, trainable)
        if trainable:
            return self.add_param(name, shape, initializer)
        return self.add_state(name, shape, initializer)

    def _weight_now(self, name: str, shape: Any, initializer: Any, trainable: bool) -> np.ndarray:
        from .._params import Block

        shape, init = self._initial("weight", name, shape, initializer)
        if not self.built:  # Keras's default dtype; a model casts the weights to its own when it packs them
            self.dtype, self.rng, self.built = np.dtype("float32"), np.random.default_rng(), True
        if not trainable:
            self.state[name] = np.array(self._initialized("state", name, shape, init, initializer), order="C")
            return self.state[name]
        block = Block(int(np.prod(shape)), self.dtype)
        p, g = block.take(shape)
        p[...] = self._initialized("parameter", name, shape, init, initializer)
        self.params[name], self.grads[name] = p, g
        return p

    def add_state(self, name: str, shape: tuple[int, ...], initializer: str | Callable = "zeros") -> np.ndarray:
        """Create non-trainable state ``name`` (a running mean, a counter) in ``self.state``.

        State is saved and loaded, copied by ``get_weights``/``set_weights`` after the
        layer's parameters, and never changed by an optimizer; the layer updates it
        in place (``self.count += m``), in ``forward`` with ``training=True``.
        """
        shape, init = self._initial("state", name, shape, initializer)
        initial = functools.partial(self._initialized, "state", name, shape, init, initializer)
        build = _params.current_pass(self)
        if build is not None:
            return build.state(self, name, shape, initial)
        # np.array, not ascontiguousarray, which makes 0-d state (Normalization(axis=None)'s mean) 1-d
        self.state[name] = np.array(initial(), order="C")
        return self.state[name]

    def _repacked(self) -> None:
        """Called by `tinyframe._params.repack` after this layer's parameters moved to a new block.

        Nothing to do for most layers; a wrapper (`Bidirectional`) points the layers it wraps at the moved arrays.
        """

    # ----------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x, training=False)")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Set the parameter gradients only (no input gradient is needed).

        `Sequential` calls this on its first trainable layer during training, where
        nothing upstream consumes dJ/dx. The default simply calls `backward`; layers
        for which dJ/dx is real work (Dense) override it to skip that product.
        """
        self.backward(grad_out)

    def penalty(self) -> float:
        """The layer's regularisation term added to the loss (0 by default).

        A layer that returns a penalty adds its gradient to ``self.grads`` in backward.
        """
        return 0.0

    @property
    def has_penalty(self) -> bool:
        """Whether `penalty` may be non-zero; `Sequential` only asks layers for which it is True.

        True for any layer that overrides `penalty`; a layer whose penalty is optional
        (Dense without a regularizer) returns False to keep it off the per-step path.
        """
        return type(self).penalty is not Layer.penalty

    @property
    def output(self) -> Any:
        """Keras's ``layer.output``: the symbolic output of the layer's call in a graph (its only call)."""
        return self._only_node("output").output

    @property
    def input(self) -> Any:
        """Keras's ``layer.input``: the symbolic input of the layer's call in a graph (a list for a merge)."""
        node = self._only_node("input")
        return node.inputs if node.listed else node.inputs[0]

    def _only_node(self, what: str) -> Any:
        if len(self._nodes) != 1:
            raise ValueError(
                f"{self.name or type(self).__name__}.{what}: the layer has been called {len(self._nodes)} times on "
                f"symbolic tensors; it has one {what} only when called once. Keep the tensors the calls return"
            )
        return self._nodes[0]

    # ------------------------------------------------------------------ weights
    @property
    def weights(self) -> list[np.ndarray]:
        """The layer's parameter arrays, then its state arrays (Keras order); the live arrays, not copies.

        A composite layer's are its sublayers', layer by layer.
        """
        if self._composite:
            return [*self.params.values(), *self.state.values(), *(w for leaf in self._leaves() for w in leaf.weights)]
        return [*self.params.values(), *self.state.values()]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """The parameters `fit` updates: all of them if the layer is trainable, none if frozen (Keras's)."""
        own = list(self.params.values()) if self.trainable else []
        if self._composite:
            return [*own, *(w for leaf in self._leaves() for w in leaf.trainable_weights)]
        return own

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """A frozen layer's parameters, then its state (running statistics): what `fit` leaves alone."""
        own = [*(() if self.trainable else self.params.values()), *self.state.values()]
        if self._composite:
            return [*own, *(w for leaf in self._leaves() for w in leaf.non_trainable_weights)]
        return own

    def _leaves(self) -> list[Layer]:
        """A composite layer's sublayers, flattened (itself excluded)."""
        return [leaf for leaf in leaf_layers(self.__dict__.get("_sublayers", [])) if leaf is not self]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, then the state (Keras's ``layer.get_weights()``)."""
        self._require_built("get_weights")
        with reading([self], "get_weights"):
            return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the parameters and state in place, in `get_weights` order; all are checked first."""
        from ..data import checked_weights  # data imports nothing from layers; imported here to keep layers light

        self._require_built("set_weights")
        targets = self.weights
        where = f"{self.name or type(self).__name__}.set_weights"
        checked = checked_weights(weights, targets, self.dtype, where, nonnegative_weights([self]))
        with writing([self], "set_weights"):
            for p, arr in zip(targets, checked):
                p[...] = arr

    def count_params(self) -> int:
        """The number of parameter and state values (Keras counts both)."""
        self._require_built("count_params")
        return sum(w.size for w in self.weights)

    def _require_built(self, what: str) -> None:
        if self._composite and self._leaves() and all(leaf.built for leaf in self._leaves()):
            if self.built or not (self.params or "build" in type(self).__dict__):
                return  # a composite layer is built once its layers are (by its first call)
        if not self.built:
            raise ValueError(
                f"{self!r} is not built yet, so it has no weights for {what}: put it in a model whose input shape "
                "is known, or call layer.build(input_shape)"
            )

    def __call__(self, x: Any, training: bool | None = None, **options: Any) -> Any:
        """On an `Input` (or a layer's symbolic output): record the call for a `tinyframe.Model` (Keras's
        functional API) and return the symbolic output. Inside a subclassed model's ``call``: run and
        record it for the model's backward (`tinyframe.layers.recording`). On arrays otherwise:
        ``forward``, building the layer first from ``x.shape[1:]`` if needed (as Keras does). A list (of
        tensors or arrays) is passed as a list, as merge layers (`Add`, `Concatenate`) take it. A layer
        whose ``call`` composes other layers runs its ``call``: its layers' calls are what is recorded.
        ``options`` (keywords of the layer's ``forward``, such as `MultiHeadAttention`'s
        ``use_causal_mask``) go to ``forward`` on every call of this node.
        """
        tape = _current_tape()
        if training is None:
            training = False if tape is None else tape.training
        if self._composite:
            return call_composite(self, x, training)
        if symbolic(x):
            return record_call(self, x, options)
        if tape is not None:
            return tape.call(self, x, training, options)
        if _building():  # a composite's call building a graph calls this layer on a constant (ops.arange(T))
            constants = [constant_tensor(a) for a in (x if isinstance(x, (list, tuple)) else [x])]
            if all(c is not None for c in constants):
                return record_call(self, constants if isinstance(x, (list, tuple)) else constants[0], options)
        return self.forward(self._ready(x), training=training, **options)

    def _apply(self, x: Any, training: bool | None, options: dict[str, Any] | None) -> Any:
        """This layer called at a node of a graph: ``x`` as the node holds its inputs, the node's ``options``."""
        return self(x, training=training, **(options or {}))

    def _ready(self, x: Any) -> Any:
        """Arrays (or a list of them) as ``forward`` takes them, in the layer's dtype; the layer built if needed."""
        listed = isinstance(x, (list, tuple))
        if listed and not x:
            raise ValueError(f"{self.name or type(self).__name__}: called on an empty list; expected arrays")
        xs = [np.asarray(a) for a in (x if listed else [x])]
        if not self.built:
            dtype = xs[0].dtype if xs[0].dtype in (np.float32, np.float64) else np.dtype("float32")
            shapes = [a.shape[1:] for a in xs]
            self.build(shapes if listed else shapes[0], dtype=dtype)
        xs = [np.ascontiguousarray(a, dtype=self.dtype) for a in xs]
        return xs if listed else xs[0]

    # ---------------------------------------------------------------- utilities
    def buffer(self, name: str, shape: tuple[int, ...], fill: float | None = None) -> np.ndarray:
        """A scratch array of ``shape`` in the layer's dtype, owned by the current call (see above)."""
        scratch = _current_scratch()
        if scratch is not None:  # the hit path, ~10 times per training step: one dict lookup
            try:
                return scratch.arrays[id(self), name, shape, self.dtype]
            except KeyError:
                return scratch.get(self, name, shape, self.dtype, fill)
        return _scratch.buffer(self, name, shape, self.dtype, fill)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as JSON-friendly values."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_nodes"] = []  # calls recorded for a graph belong to that graph (a copied model keeps its own)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.params:
            repack([self], self.dtype)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class KernelAndBias:
    """Keras's names for a layer's weight ``W`` and bias ``b`` (Dense, the convolutions): the live arrays."""

    params: dict[str, np.ndarray]

    @property
    def kernel(self) -> np.ndarray:
        """Keras's name for the weight ``W`` (Dense: ``(in_features, units)``; a convolution's: HWIO)."""
        self._require_built("kernel")
        return self.params["W"]

    @property
    def bias(self) -> np.ndarray | None:
        """Keras's name for the bias ``b`` (None with ``use_bias=False``)."""
        self._require_built("bias")
        return self.params.get("b")


def _tracking_setattr(self: Layer, name: str, value: Any) -> None:
    """``__setattr__`` of a composite layer: the layers it is given (in lists too) become its sublayers."""
    object.__setattr__(self, name, value)
    if not name.startswith("_"):
        found = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, Layer)]
        sublayers = self.__dict__.setdefault("_sublayers", [])
        sublayers.extend(v for v in found if all(v is not known for known in sublayers))


def leaf_layers(layers: Sequence[Any]) -> list[Layer]:
    """``layers`` with each composite layer replaced by its sublayers (recursively), each layer once.

    A composite's weights are its sublayers': models train, save and count the layers that compute.
    """
    found: list[Layer] = []
    for layer in layers:
        own = [layer] if layer.params or layer.state or not layer._composite else []  # Keras's add_weight
        sublayers = layer.__dict__.get("_sublayers", []) if layer._composite else []
        for leaf in [*own, *leaf_layers(sublayers)]:
            if all(leaf is not known for known in found):
                found.append(leaf)
    return found


def check_held_weights(layers: Sequence[Layer]) -> None:
    """ValueError for a layer that holds another layer with weights it does not list as its own.

    A model trains the weights its layers list (``params``); a custom layer whose ``forward``
    calls a sublayer it keeps as an attribute, without listing that sublayer's weights, would
    leave them untrained without a word. Such a layer should compose its sublayers in ``call()``
    instead (they are then tracked), or list their weights as `Bidirectional` does.
    """
    from .recording import held_layers

    for layer in layers:
        if layer._composite:
            continue
        own = {id(p) for p in layer.params.values()}
        for sub in held_layers(layer)[1:]:
            if any(id(p) not in own for p in sub.params.values()):
                raise ValueError(
                    f"{layer.name or type(layer).__name__} ({type(layer).__name__}) holds the layer "
                    f"{sub.name or type(sub).__name__} ({type(sub).__name__}) but does not list its weights among "
                    "its own, so no optimizer would train them. Write the layer with call() composing its sublayers "
                    "(they are then tracked and trained), or give it forward/backward over weights of its own"
                )


def declared_input_shape(layers: Sequence[Layer]) -> tuple[int, ...] | None:
    """The input shape the first layers declare: the first declared one, with only shape-keeping layers before it.

    ``[Dropout(0.2), Dense(64, 30)]`` declares ``(64,)``; ``[Dense(30)]`` declares nothing.
    """
    for layer in layers:
        if layer.declared_input_shape is not None:
            return layer.declared_input_shape
        if type(layer).compute_output_shape is not Layer.compute_output_shape:
            return None  # this layer changes the shape: the input cannot be read off a later one
    return None


def trace_shapes(layers: Sequence[Layer], input_shape: tuple[int, ...], owner: str = "Sequential") -> list[tuple]:
    """The input shape of every layer, then the output shape (batch excluded); errors name the layer.

    Nothing is built: only ``compute_output_shape`` is asked.
    """
    shapes = [tuple(input_shape)]
    for i, layer in enumerate(layers):
        try:
            check_variable(layer, shapes[-1], f"{layer.name or type(layer).__name__}")
            out = layer.compute_output_shape(shapes[-1])
        except ValueError as error:
            raise ValueError(f"{owner}: layer {i} ({layer.name or type(layer).__name__}): {error}") from None
        shapes.append(tuple(None if d is None else int(d) for d in out))
    return shapes


def nonnegative_weights(layers: list[Layer]) -> dict[int, str]:
    """``{index in the layers' weights: "layer's name"}`` of the state that must be >= 0 (``nonnegative_state``)."""
    found, i = {}, 0
    for layer in layers:
        i += len(layer.params)
        for name in layer.state:
            if name in layer.nonnegative_state:
                found[i] = f"{layer.name or type(layer).__name__}'s {name}"
            i += 1
    return found


def snake_case(name: str) -> str:
    """``"GaussianNoise"`` -> ``"gaussian_noise"``, ``"Conv1D"`` -> ``"conv1d"``: a layer's default name (Keras's rule).

    >>> [snake_case(n) for n in ("Dense", "ReLU", "MaxPooling2D", "SimpleRNN", "LSTM")]
    ['dense', 're_lu', 'max_pooling2d', 'simple_rnn', 'lstm']
    """
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _by_hand(build: Callable) -> Callable:
    """Wrap a ``build(self, input_shape)`` so that a call by hand runs the whole two-pass build.

    In a pass of `tinyframe._params.build_layers` that builds this layer, the layer's own
    code runs; called from another layer's ``build`` (a wrapper building the layer it wraps,
    as Keras's do), the layer is built in that pass, in the same block; called by hand,
    ``layer.build(shape, dtype=..., rng=...)`` builds it alone and returns it.
    """

    @functools.wraps(build)
    def wrapper(self: Layer, input_shape: Any = None, *, dtype: Any = None, rng: Any = None) -> Any:
        build_pass = _params.in_a_pass()
        if build_pass is None:
            return self._build_by_hand(input_shape, dtype, rng)
        if build_pass.layer is self:
            return build(self, input_shape)
        build_pass.run(self, input_shape)
        return None

    return wrapper


Layer.build = _by_hand(Layer.build)
