"""Sequential: a line of layers, each feeding the next; the gradient flows back through them in reverse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import data
from ._stack import LayerStack, _Before
from .layers.base import Layer
from .layers.input import input_layer_of
from .layers.shapes import batch_shape, fits
from .model import Model


class Sequential(LayerStack, Model):
    """Layers applied one after another; the gradient flows back through them in reverse.

    Forward: ``y_hat = layer[-1].forward(... layer[0].forward(X))``.
    Backward, given ``dJ/dy_hat`` from the loss: each layer's ``backward`` turns the
    gradient of its output into the gradient of its input (the article's deltas)
    and stores its own parameter gradients on the way.

    It is a `Model` (training, inference, weights, saving: everything below that this
    class does not define itself) whose graph is one line, plus ``LayerStack``, the part
    that keeps that line: ``add``, ``pop``, ``build``, shape tracing and layer naming.

    Args:
        layers: the `Layer` instances, input side first (or none, then `add` them).
            Each instance may appear once. A layer already built (by hand, or by
            another model) keeps its weights and *shares* them with every model it
            is in, as in Keras; its dtype must be the model's. The first entry may be
            an `Input(shape)`, which gives the model's input shape and is not kept in
            ``layers`` (Keras's rule).
        dtype: ``"float32"`` (default, as Keras and PyTorch) or ``"float64"``; inputs
            are cast to it.
        seed: an int, a ``numpy.random.Generator`` or None. It drives the initial
            weights, shuffling, validation splits and dropout, so the same seed gives
            bit-identical training.

    A `Model` (Keras's spelling) whose graph is one line: training, inference, weights and
    saving are `Model`'s, and so is who owns what.

    **Shapes.** A model is *built* (its layers create their weights) once it knows the
    shape of one input sample: from an `Input` layer, a first layer's ``input_shape=``,
    a first ``Dense(in, out)`` (the design card's spelling), `build`, or else the first
    array that `fit`, `predict`, `evaluate` or a call sees (as Keras builds on first
    call). Shapes are then traced through the layers (`Layer.compute_output_shape`).

    Example:
        >>> from tinyframe.layers import Dense
        >>> from tinyframe.activations import Sigmoid
        >>> model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
        >>> model
        Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype='float32')
        >>> model.input_shape, model.output_shape
        ((64,), (10,))
    """

    def __init__(
        self,
        layers: Sequence[Layer] | None = None,
        dtype: str = "float32",
        seed: int | np.random.Generator | None = None,
        name: str | None = None,
    ):
        if layers is None:
            layers = []
        if not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential expects a list of layers. Received: {layers!r}")
        self._init_engine(dtype, seed, name, "sequential", "Sequential")
        layers = list(layers)
        self._input_shape: tuple[int, ...] | None = None
        if layers and input_layer_of(layers[0]) is not None:
            self._input_shape = input_layer_of(layers.pop(0)).shape
        before = _Before()
        for i, layer in enumerate(layers):
            self._check_new_layer(layer, before, i)
            before.add(layer)
        self.layers: list[Layer] = layers
        self._line = layers  # the engine runs them in a line (Model.forward); the same list, add and pop included
        self._name_layers()
        self.output_shape: tuple[int, ...] | None = None
        self.built = False
        self._build_if_known()
        self._penalized = self._layers_with_penalty()
        self._plan_backward()

    def check_input(self, X: Any, name: str = "X", build: bool = True) -> np.ndarray:
        """``X`` checked and cast to the model's dtype, its shape against the model's (built from it if ``build``)."""
        first = self.layers[0] if self.layers else None
        if first is not None and first.takes_indices:  # indices stay exact, and are checked all at once
            X = data.check_indices(X, name, [first])
        else:
            X = data.check_features(X, self.dtype, name)
        if self.built or self._declared_input_shape() is not None:
            X = data.adjust_rank(X, self._input_shape if self.built else self._declared_input_shape())
        if not self.built:
            if build:
                self.build(X.shape[1:])
            else:
                self._trace(X.shape[1:])  # a shape the layers cannot take is refused here
        elif not fits(X.shape[1:], self._input_shape):
            raise ValueError(
                f"{name}: the model takes inputs of shape {batch_shape(self._input_shape)}. "
                f"Received: shape {batch_shape(X.shape[1:])} ({X.shape[0]} samples)"
            )
        return X

    def _shape_error(self, y_hat: np.ndarray) -> ValueError:
        """A layer's forward disagreed with its compute_output_shape: find which one and say so."""
        shapes = self._trace(self._input_shape)
        return ValueError(
            f"Sequential: the model's output has shape {batch_shape(y_hat.shape[1:])} but its layers' "
            f"compute_output_shape traced {[batch_shape(s) for s in shapes[1:]]}; a layer that changes the shape "
            "must override compute_output_shape(input_shape)"
        )

    def _call_layers(self, x: Any, training: bool | None) -> Any:
        """The layers called in turn on ``x`` (tensors of a graph being built, or recorded arrays): a nested
        Sequential is its layers, sharing their weights. Built first from ``x``'s shape if needed."""
        if not self.built:
            sample = x.sample_shape if hasattr(x, "sample_shape") else np.shape(x)[1:]
            self.build(sample)
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    def __repr__(self) -> str:
        return f"Sequential([{', '.join(map(repr, self.layers))}], dtype='{self.dtype}')"
