"""LayerStack: the layers of a `Sequential` and their shapes (adding, naming, tracing, building).

`Sequential` inherits it; it is apart only to keep each file about one thing. It uses
the model's ``layers``, ``dtype``, ``rng``, ``_input_shape``, ``output_shape`` and
``built``, and refreshes what training reads off the layers (``_penalized``,
``_plan_backward``) when they change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._ownership import writing
from ._params import build_layers
from .layers.base import Layer, declared_input_shape, snake_case, trace_shapes
from .layers.input import input_layer_of
from .layers.shapes import as_input_shape, batch_shape


class _Before:
    """The layers ahead of a new one, indexed: by identity and by name (each one's first place)."""

    def __init__(self, layers: list[Layer] = ()) -> None:
        self.ids: dict[int, int] = {}
        self.names: dict[Any, int] = {}
        for layer in layers:
            self.add(layer)

    def add(self, layer: Any) -> None:
        i = len(self.ids)
        self.ids.setdefault(id(layer), i)
        self.names.setdefault(getattr(layer, "name", None), i)


class LayerStack:
    """The shape half of `Sequential`: see the module docstring."""

    def _check_new_layer(self, layer: Any, before: _Before, i: int) -> None:
        """TypeError/ValueError for what cannot join the model as layer ``i`` (nothing is changed).

        ``before`` indexes the layers ahead of it, so checking a model of n layers takes time in
        proportion to n (loading a file of thousands of layers included), not n squared.
        """
        if isinstance(layer, Layer) and layer._composite:
            raise TypeError(
                f"Sequential: layer {i} ({type(layer).__name__}) composes other layers in its call(), which a "
                "Sequential (it runs each layer's forward and backward) cannot take apart. Use it in a functional "
                "Model (Input, layer calls, Model(inputs, outputs)) or a subclassed Model"
            )
        if input_layer_of(layer) is not None:
            raise ValueError(f"Sequential: an Input may only come first. Received: {layer!r} as layer {i}")
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential: layer {i} must be a tinyframe Layer instance. Received: {layer!r}")
        j = before.ids.get(id(layer))
        if j is not None:
            raise ValueError(
                f"Sequential: layer {i} is the same {type(layer).__name__} instance as layer {j}; "
                "a layer instance may appear once in a model (its forward keeps one input for its backward). "
                "Use a second layer, or share a layer between two models"
            )
        # a name the user gave must be free; a name a model chose (a shared layer's) is chosen again instead
        j = before.names.get(layer.name) if layer.name is not None and not layer._auto_named else None
        if j is not None:
            raise ValueError(f"Sequential: layer names must be unique; layers {j} and {i} are both {layer.name!r}")
        if layer.built and layer.dtype != self.dtype:
            raise ValueError(
                f"Sequential: layer {i} ({layer!r}) is already built with dtype {layer.dtype} and shares its "
                f"weights; the model's dtype must match. Received: dtype={self.dtype.name!r}"
            )

    def _name_layers(self) -> None:
        name_layers(self.layers)

    def _declared_input_shape(self) -> tuple[int, ...] | None:
        """The input shape the model is given, or the one its first layers declare (`declared_input_shape`)."""
        return self._input_shape if self._input_shape is not None else declared_input_shape(self.layers)

    def _build_if_known(self) -> None:
        if self._declared_input_shape() is not None and self.layers:
            self.build()  # from the declared sample shape (no batch axis to drop)

    def _trace(self, input_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The input shape of every layer, then the output shape; errors name the layer."""
        return trace_shapes(self.layers, input_shape)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of one output sample for inputs of ``input_shape`` (batch excluded), traced through the layers."""
        return self._trace(tuple(input_shape))[-1]

    def build(self, input_shape: Sequence[int] | int | None = None) -> None:
        """Build the model for inputs of ``input_shape`` (one sample; a leading None, Keras's batch, is dropped).

        Traces the shapes through the layers and creates the weights of every layer
        not built yet, in one block. A built model accepts only inputs of its shape.
        """
        if input_shape is None:
            shape = self._declared_input_shape()  # one sample's shape, checked (an Input's may hold a None)
            if shape is None:
                raise ValueError(f"Sequential.build: the input shape is unknown. {self._how_to_build()}")
        else:  # Keras's build takes the batch first: a leading None is the batch
            shape = as_input_shape(input_shape, "Sequential.build", variable=True)
        if self.built:
            if shape != self._input_shape:
                raise ValueError(
                    f"Sequential.build: the model is built for inputs of shape {batch_shape(self._input_shape)}. "
                    f"Received: {batch_shape(shape)}"
                )
            return
        if not self.layers:
            raise ValueError("Sequential.build: the model has no layers yet; add some first")
        shapes = self._trace(shape)
        todo = [(layer, s) for layer, s in zip(self.layers, shapes) if not layer.built]
        build_layers([layer for layer, _ in todo], self.dtype, self.rng, [s for _, s in todo])
        self._input_shape, self.output_shape, self.built = shape, shapes[-1], True
        self._penalized = self._layers_with_penalty()
        self._plan_backward()

    @staticmethod
    def _how_to_build() -> str:
        return (
            "Give it an Input(shape) first layer, input_shape= on its first layer, call model.build(input_shape), "
            "or fit/predict/call it on an array once"
        )

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"{what}: this model is not built yet, so it has no weights. {self._how_to_build()}")

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """The shape of one input sample (batch excluded), None until known."""
        return self._input_shape if self.built else self._declared_input_shape()

    @property
    def output_features(self) -> int | None:
        """The width of the output's last axis (None until built)."""
        return None if self.output_shape is None else self.output_shape[-1]

    def add(self, layer: Layer) -> None:
        """Append ``layer`` (Keras's ``model.add``); an `Input` may be added first to give the input shape.

        A built model builds the new layer at once from the shape it receives.
        """
        if input_layer_of(layer) is not None and not self.layers and self._input_shape is None:
            self._input_shape = input_layer_of(layer).shape
            self._build_if_known()
            return
        self._check_new_layer(layer, _Before(self.layers), len(self.layers))
        if self.built:
            try:
                out = layer.compute_output_shape(self.output_shape)
            except ValueError as error:
                raise ValueError(f"Sequential.add: layer {len(self.layers)}: {error}") from None
            with writing(self.layers, "add"):
                if not layer.built:
                    build_layers([layer], self.dtype, self.rng, [self.output_shape])
                self.layers.append(layer)
                self.output_shape = tuple(out)
        else:
            self.layers.append(layer)
        self._name_layers()
        self._penalized = self._layers_with_penalty()
        self._plan_backward()
        if not self.built:
            self._build_if_known()

    def pop(self) -> Layer:
        """Remove the last layer and return it (Keras's ``model.pop``); the other layers keep their weights.

        The model's output shape becomes the new last layer's; the next `fit` plans its
        step for the layers that remain (as after `add`).
        """
        if not self.layers:
            raise TypeError("pop: there are no layers in the model")
        with writing(self.layers, "pop"):
            layer = self.layers.pop()
            if self.built:
                self.output_shape = tuple(self._trace(self._input_shape)[-1])
        self._penalized = self._layers_with_penalty()
        self._plan_backward()
        return layer


def name_unique_layers(layers: list[Layer], owner: str) -> None:
    """`name_layers`, after refusing two layers the user gave one name.

    A layer's name keys its parameters' optimizer state and its place in files
    (`tinyframe._params.param_keys`), so within a model each is one layer's.
    """
    seen: dict[str, Layer] = {}
    for layer in layers:
        if layer.name is not None and not layer._auto_named:
            if layer.name in seen:
                raise ValueError(
                    f"{owner}: layer names must be unique; two layers are called {layer.name!r} "
                    f"({type(seen[layer.name]).__name__} and {type(layer).__name__}). Rename one, or leave "
                    "the names out and let the model number them"
                )
            seen[layer.name] = layer
    name_layers(layers)


def name_layers(layers: list[Layer]) -> None:
    """Give every unnamed layer its class's name in snake case, numbered when taken (``dense``, ``dense_1``).

    A name a model chose earlier (a layer shared with another model) is chosen again if it
    collides here; names given by the user never change.
    """
    given = {layer.name for layer in layers if layer.name is not None and not layer._auto_named}
    used: set[str] = set()
    for layer in layers:
        if layer.name is None or (layer._auto_named and (layer.name in used or layer.name in given)):
            base = snake_case(type(layer).__name__)
            name, k = base, 0
            while name in used or name in given:
                k += 1
                name = f"{base}_{k}"
            layer.name, layer._auto_named = name, True
        used.add(layer.name)
