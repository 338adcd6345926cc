"""The base class of everything that goes into a `Sequential`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _scratch, initializers
from .._params import build_layers, repack

_current_scratch = _scratch.CURRENT.get


class Layer:
    """One step of a network: a `forward` that keeps what its `backward` needs.

    Contract (DESIGN.md):

    * ``forward(x, training=False) -> y`` with ``x`` of shape ``(m, in)``.
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
      so ``self.W = self.add_param("W", ...)`` is safe (`tinyframe._params`).
    * *State* (``add_state``) belongs to the layer too; it is listed after the
      layer's parameters in ``get_weights`` (Keras's order).
    * *What forward keeps for backward* (``self._x``) lives on the layer between one
      forward and the next backward of the same step. `fit` owns the model while it
      runs, so no other call overwrites it (`tinyframe._ownership`). ``predict`` calls
      may run at once in several threads, so ``forward`` returns the array it computed
      (a local), never an attribute read back (``return self._y`` could be another
      call's).
    * *Scratch arrays* (``self.buffer(name, shape)``) belong to the call that asked:
      reused step after step inside `fit`, new for every ``predict``/``evaluate``
      call, so inference is reentrant (`tinyframe._scratch`). Arrays returned by
      ``forward`` and ``backward`` may be such scratch: copy one if you keep it.

    ``trainable = False`` freezes the parameters (Keras): `fit` neither updates nor
    decays them; gradients still flow through the layer to the layers before it.

    A layer is *built* once, by the first `Sequential` it joins (or by hand with
    ``build(dtype, rng)``): that is when it learns the model's dtype and random
    Generator and creates its parameters in ``create_params``. A built layer put
    into another model keeps its weights and shares them (Keras's semantics)::

        >>> import numpy as np
        >>> from tinyframe.layers import Dense
        >>> layer = Dense(3, 2).build("float64", np.random.default_rng(0))
        >>> layer.forward(np.ones((4, 3))).shape
        (4, 2)
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.dtype: np.dtype = np.dtype("float64")
        self.rng: np.random.Generator | None = None
        self.built = False
        self._trainable = True
        self._slots: dict[str, tuple[Any, int]] = {}  # parameter name -> (block, offset), see _params
        self._plan_shapes: list[tuple[int, ...]] | None = None  # set during the planning pass
        self._block = None  # set during the creating pass

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

    def build(self, dtype: Any = "float64", rng: Any = None) -> Layer:
        """Fix the dtype and random Generator, create the parameters and state; returns self."""
        build_layers([self], np.dtype(dtype), np.random.default_rng(rng))
        return self

    def create_params(self) -> None:
        """Override to create parameters with `add_param` and state with `add_state` (called by `build`).

        It runs twice per build: once to learn the shapes (``add_param`` then returns a
        read-only stand-in of zeros that takes no memory, and draws nothing), then for
        real. Keep it to ``add_param``, ``add_state`` and plain attribute assignments.
        """

    def _reset(self, dtype: Any, rng: np.random.Generator | None) -> None:
        self.dtype, self.rng = np.dtype(dtype), rng
        self.params, self.grads, self.state, self._slots = {}, {}, {}, {}

    def _plan(self, dtype: Any) -> list[tuple[int, ...]]:
        """First pass of `tinyframe._params.build_layers`: the shapes ``create_params`` asks for."""
        self._reset(dtype, None)
        self._plan_shapes = []
        try:
            self.create_params()
            return self._plan_shapes
        finally:
            self._plan_shapes = None

    def _create(self, dtype: Any, rng: np.random.Generator | None, block: Any, planned: list) -> None:
        """Second pass: parameters become views of ``block``, filled by their initializers."""
        self._reset(dtype, rng)
        self._block = block
        try:
            self.create_params()
        finally:
            self._block = None
        shapes = [p.shape for p in self.params.values()]
        if shapes != planned:
            raise RuntimeError(
                f"{self!r}: create_params created parameters of shapes {shapes} after planning {planned}; "
                "it must create the same parameters every time it runs"
            )
        self.built = True

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
        if self._plan_shapes is not None:  # planning: a read-only zero-stride stand-in, no memory
            self._plan_shapes.append(shape)
            self.params[name] = self.grads[name] = np.broadcast_to(np.zeros((), self.dtype), shape)
            return self.params[name]
        if self._block is None:
            raise RuntimeError(f"{self!r}: add_param is called from create_params, which build() runs")
        p, g, offset = self._block.take(shape)
        p[...] = self._initialized("parameter", name, shape, init, initializer)
        self.params[name], self.grads[name], self._slots[name] = p, g, (self._block, offset)
        return p

    def add_state(self, name: str, shape: tuple[int, ...], initializer: str | Callable = "zeros") -> np.ndarray:
        """Create non-trainable state ``name`` (a running mean, a counter) in ``self.state``.

        State is saved and loaded, copied by ``get_weights``/``set_weights`` after the
        layer's parameters, and never changed by an optimizer; the layer updates it
        in place (``self.count += m``), in ``forward`` with ``training=True``.
        """
        shape, init = self._initial("state", name, shape, initializer)
        if self._plan_shapes is not None:
            self.state[name] = np.broadcast_to(np.zeros((), self.dtype), shape)
        else:
            self.state[name] = np.ascontiguousarray(self._initialized("state", name, shape, init, initializer))
        return self.state[name]

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

    # ------------------------------------------------------------------- shapes
    def output_features(self, in_features: int | None) -> int | None:
        """Columns of the output for an input with ``in_features`` columns.

        ``None`` means unknown. Raise ValueError when ``in_features`` does not fit.
        The default keeps the width (elementwise layers).
        """
        return in_features

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
        state["_slots"] = {}  # the block itself is not copied: setstate packs the copies anew
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.params:
            repack([self], self.dtype)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
