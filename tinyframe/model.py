"""Model: the one training engine (compile, fit, evaluate, predict, weights, saving) and Keras's functional API.

`Sequential` is a `Model` whose graph is one straight line of layers (`tinyframe.sequential`).
"""

from __future__ import annotations

import copy
import math
import time
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dask_batches, data, streams, subclassed, utils
from ._checks import check_positive_int
from ._fp import silenced
from ._mapped import FilePages
from ._ownership import reading, writing
from ._params import build_layers, repack
from ._scratch import Scratch
from ._stack import name_unique_layers
from ._step import call_step
from ._update import StateGuard
from .graph import Graph
from .layers import masks
from .layers.base import Layer, nonnegative_weights, snake_case
from .layers.node import symbolic
from .layers.recording import CURRENT as _TAPE
from .layers.recording import call_composite
from .layers.shapes import batch_shape, fits
from .losses.outputs import OutputLosses
from .trainer import NOT_GIVEN, Trainer, checked_logs, inputs_argument, keras_result

_DTYPES = ("float32", "float64")
_tape = _TAPE.get


def _check_verbose(verbose: Any, owner: str, auto: int) -> int:
    """Keras's ``verbose``: ``"auto"`` (``auto``), 0, 1 or 2 (2 counts as 1 here)."""
    if isinstance(verbose, str) and verbose == "auto":
        return auto
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{owner}: verbose must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return int(verbose)


def check_dtype(dtype: Any, owner: str = "Sequential") -> np.dtype:
    """``dtype`` as a NumPy dtype if it is one a model computes in; ValueError otherwise."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"{owner}: dtype must be one of {_DTYPES}. Received: dtype={dtype!r}")
    return np.dtype(name)


class Model(Trainer):
    """A network of layers from inputs to outputs, trained by per-layer backpropagation (Keras's ``Model``).

    **The functional API.** Call layers on `Input` s to describe a graph, then give its
    ends to ``Model``::

        inputs = Input(shape=(64,))
        x = Dense(30, activation="relu")(inputs)
        outputs = Dense(10, activation="softmax")(x)
        model = Model(inputs, outputs)

    Several inputs or outputs are lists (or a dict of inputs by name); merge layers
    (`tinyframe.layers.Add`, `Concatenate`, ...) join branches; a layer called at several
    places shares its weights (its gradient is the sum over the places). Forward runs the
    nodes in order; backward runs their backwards in reverse, summing the gradients that
    reach one tensor from several consumers (`tinyframe.graph`).

    Args:
        inputs: the `Input` tensor, or a list (or dict by name) of them.
        outputs: the output tensor, or a list of them.
        name: the model's name (``"functional"`` by default, as Keras).
        dtype: ``"float32"`` (default) or ``"float64"``: every layer not built yet is
            built in it; inputs are cast to it.
        seed: an int, a ``numpy.random.Generator`` or None: the initial weights,
            shuffling, validation splits and dropout (the same seed, the same training).

    The layers are built when the model is made, in the order they were called; a layer
    already built (by another model) keeps its weights and shares them, as in Keras.
    ``model.layers`` lists the `InputLayer` s first, then every layer once, in call order.

    Training, inference, weights and saving (`compile`, `fit`, `evaluate`, `predict`,
    `get_weights`, `save`, ...) are the same for every model; `Sequential` is the model
    whose graph is one line of layers. ``fit``/``evaluate`` train models with one output;
    ``predict`` and ``model(x)`` return a list for several.

    **Who owns what.** The layers own their parameters, gradients and state; the
    layers built by this model have their parameters in one block of memory, so
    that the optimizer updates them all in one call. The model
    owns its training scratch (the work arrays of a step, reused step after step).
    `fit` owns the model while it runs: ``predict``/``evaluate`` from another thread
    raise `RuntimeError` meanwhile. Inference owns nothing across calls (each call
    has its own scratch), so any number of ``predict``/``evaluate`` calls may run at
    once, in any threads, each giving the single-threaded answer bit for bit.

    Example:
        >>> from tinyframe import Input, Model
        >>> from tinyframe.layers import Add, Dense
        >>> inputs = Input(shape=(8,))
        >>> x = Dense(8, activation="relu")(inputs)
        >>> outputs = Dense(2)(Add()([inputs, x]))        # a skip connection
        >>> model = Model(inputs, outputs, seed=0)
        >>> [layer.name for layer in model.layers]
        ['input_layer', 'dense', 'add', 'dense_1']
        >>> model.predict(np.ones((3, 8))).shape
        (3, 2)
    """

    _output_keys: list[str] | None = None  # a dict of outputs: their names (None: the layers' names)

    def __init__(
        self,
        inputs: Any = None,
        outputs: Any = None,
        name: str | None = None,
        dtype: str = "float32",
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if inputs is None and outputs is None and getattr(type(self), "call", None) is not None:
            self._init_engine(dtype, seed, name, snake_case(type(self).__name__), type(self).__name__)
            subclassed.setup(self)  # a subclassed model: built by its first data (tinyframe.subclassed)
            return
        if inputs is None or outputs is None:
            raise TypeError(
                "Model: give the inputs and the outputs: Model(inputs, outputs), with inputs from Input(shape) and "
                "outputs from layer calls (Keras's functional API); or subclass Model and write its call()"
            )
        self._init_engine(dtype, seed, name, "functional", "Model")
        self._input_keys, input_list = _tensors(inputs, "inputs")
        self._output_keys, output_list = _tensors(outputs, "outputs")  # a dict names the outputs (Keras's)
        if self._output_keys is not None and len(set(self._output_keys)) != len(self._output_keys):
            raise ValueError(f"Model: the outputs' names must differ. Received: {self._output_keys}")
        graph = Graph(input_list, output_list, "Model")
        name_unique_layers(graph.layers, "Model")
        todo = []
        for layer in graph.layers:
            if getattr(layer, "_pending_build", None) is not None:  # built by its call on tensors: built anew
                layer.build(layer._pending_build, dtype=self.dtype, rng=self.rng)  # in this dtype, from this seed
                layer._pending_build = None
            if layer.built and layer.dtype != self.dtype and layer.params:
                raise ValueError(
                    f"Model: layer {layer.name!r} is already built with dtype {layer.dtype} and shares its weights; "
                    f"the model's dtype must match. Received: dtype={self.dtype.name!r}"
                )
            first = next((n for n in layer._nodes if n in graph.nodes), None)
            if not layer.built and first is not None:
                todo.append((layer, first.input_shapes))
        build_layers([layer for layer, _ in todo], self.dtype, self.rng, [shape for _, shape in todo])
        self._graph, self.layers = graph, graph.layers
        self._line = graph.line()  # a graph of one path runs as a Sequential does (no per-node bookkeeping)
        self.inputs, self.outputs = graph.inputs, graph.outputs
        shapes = [t.sample_shape for t in graph.outputs]
        self._input_shape = graph.inputs[0].sample_shape if len(graph.inputs) == 1 else None
        self.output_shape = shapes[0] if len(shapes) == 1 else shapes
        self.built = True
        self._records: dict = {}  # what the last forward's shared nodes kept for their backward
        self._full_plan = graph.plan(input_grad=True)
        self._penalized = self._layers_with_penalty()
        self._plan_backward()

    _library_base = True  # what a user's subclass defines starts below this class

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__:  # Keras's subclassed model: the layers given as attributes are its layers
            cls.__setattr__ = subclassed.track

    def _init_engine(self, dtype: Any, seed: Any, name: Any, default_name: str, owner: str) -> None:
        """What every model has: dtype, Generator, name, and the trainer's parts (`Trainer._init_trainer`)."""
        self.dtype = check_dtype(dtype, owner)
        if seed is not None and not isinstance(seed, np.random.Generator):
            seed = check_positive_int(seed, "seed", owner, allow_zero=True)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{owner}: name must be a string. Received: {name!r}")
        self.name = name or default_name
        self.rng = np.random.default_rng(utils.model_seed(seed))  # set_random_seed's sequence for None
        self._init_trainer()

    # ------------------------------------------------------------ the graph
    @property
    def input_shape(self) -> tuple[int, ...] | list[tuple[int, ...]] | None:
        """The shape of one input sample (batch excluded); a list for several inputs."""
        if self._graph is None:  # subclassed: known once built
            return self._input_shape
        shapes = [t.sample_shape for t in self._graph.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input(self) -> Any:
        """Keras's ``model.input``: the `Input` tensor (a list for several) of a functional model."""
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self) -> Any:
        """Keras's ``model.output``: the output tensor (a list for several) of a functional model."""
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_names(self) -> list[str]:
        """The names of the inputs (their `InputLayer` s'), in order: the keys ``fit(x={...})`` takes."""
        if self._graph is None:
            shapes = self._input_shape if isinstance(self._input_shape, list) else [self._input_shape]
            return self._input_keys or [f"input_{k}" for k in range(len(shapes))]
        return [t.name for t in self._graph.inputs]

    @property
    def output_names(self) -> list[str]:
        """The outputs' names, in order: the keys of a dict of outputs, else the names of the layers that make
        them (Keras's names, the keys of ``fit(y={...})``, ``compile(loss={...})`` and the history's entries)."""
        if self._output_keys:
            return list(self._output_keys)
        if self._graph is None:
            several = isinstance(self.output_shape, list)
            return [f"output_{k}" for k in range(len(self.output_shape))] if several else ["output_0"]
        return [t.name for t in self._graph.outputs]

    def forward(self, X: np.ndarray | list[np.ndarray], training: bool = False, observe: Any = None) -> Any:
        """The outputs for checked inputs (one array, or a list for several): one array, or a list for several.

        A model whose graph is a line (a `Sequential`, or a functional model of one path) runs its
        layers one after another, the article's forward; other graphs run node by node
        (`tinyframe.graph`). ``observe(layer, x, y)``, if given, sees each call's input and output.
        """
        line = self._line
        if line is not None:
            if self._masking:  # padding marked by a layer (Embedding(mask_zero=True)): masks go along
                return masks.run_line(line, X, training, observe)
            if observe is None:  # training and predict: the article's loop, nothing else per layer
                for layer in line:
                    X = layer.forward(X, training=training)
                return X
            for layer in line:
                y = layer.forward(X, training=training)
                observe(layer, X, y)
                X = y
            return X
        if self._graph is None:
            return subclassed.forward(self, X if isinstance(X, list) else [X], training, observe)
        records: dict = {}
        outputs = self._graph.forward(X if isinstance(X, list) else [X], training, records, observe)
        self._records = records
        return outputs[0] if len(outputs) == 1 else outputs

    def backward(self, grad: Any, input_grad: bool = True) -> Any:
        """``dJ/d outputs`` back through the graph; ``dJ/d inputs`` (a list for several; None if not asked)."""
        if self._line is not None:  # the article's deltas, layer by layer
            if input_grad:
                for layer in reversed(self._line):
                    grad = layer.backward(grad)
                return grad
            # Without dJ/dX, backprop stops at the first trainable layer with parameters: layers in front of it
            # (an input Dropout, a frozen Dense) have no gradients to set, and its own dJ/dx would be discarded.
            if self._first_trainable is None:
                return None
            for layer in self._backward_layers:
                grad = layer.backward(grad)
            self._first_trainable.backward_params(grad)
            return None
        if self._graph is None:  # subclassed: the graph its last forward recorded
            graph, plan = self._recorded, self._recorded.plan(input_grad)
        else:
            graph, plan = self._graph, self._full_plan if input_grad else self._training_plan
        result = graph.backward(grad if isinstance(grad, list) else [grad], plan, self._records)
        if not input_grad:
            return None
        return result[0] if len(result) == 1 else result

    def _plan_backward(self) -> None:
        """Which layers or nodes a training step runs backward through (trainable flags are read here)."""
        line = self._line
        self._masking = line is not None and masks.makes_masks(line)
        if line is not None:
            first = next((i for i, layer in enumerate(line) if layer.params and layer.trainable), None)
            self._first_trainable = None if first is None else line[first]
            self._backward_layers = [] if first is None else line[first + 1 :][::-1]
        elif self._graph is not None:  # a subclassed model plans each step's recorded graph as it comes
            self._training_plan = self._graph.plan(input_grad=False)

    def check_input(self, X: Any, name: str = "X", build: bool = True) -> np.ndarray | list[np.ndarray]:
        """``X`` checked and cast to the model's dtype: one array, or a list (or dict by name) for several inputs.

        Every array must have its input's sample shape and the same number of samples. A subclassed model
        not built yet is built from ``X`` (whatever ``build``), as Keras builds it on its first call.
        """
        if self._graph is None:
            arrays = subclassed.structure(self, X, name)
            if not self.built:
                subclassed.build(self, [a.shape[1:] for a in arrays])
            return arrays[0] if len(arrays) == 1 else arrays
        inputs = self._graph.inputs
        arrays = _arrays_for(X, self.input_names, name)
        checked = []
        for t, key, arr, takers in zip(inputs, self.input_names, arrays, self._index_takers()):
            label = name if len(inputs) == 1 else f"{name}[{key!r}]"
            if takers:  # an input that feeds only index-taking layers (Embedding): exact int64, checked whole
                arr = data.check_indices(arr, label, takers)
            else:
                arr = data.check_features(arr, self.dtype, label)
            arr = data.adjust_rank(arr, t.sample_shape)
            if not fits(arr.shape[1:], t.sample_shape):
                raise ValueError(
                    f"{label}: the model takes inputs of shape {batch_shape(t.sample_shape)}. "
                    f"Received: shape {batch_shape(arr.shape[1:])} ({arr.shape[0]} samples)"
                )
            checked.append(arr)
        counts = {arr.shape[0] for arr in checked}
        if len(counts) > 1:
            raise ValueError(
                f"{name}: every input must have the same number of samples. Received: "
                f"{dict(zip(self.input_names, (arr.shape[0] for arr in checked)))}"
            )
        return checked[0] if len(checked) == 1 else checked

    def _index_takers(self) -> list[list[Layer]]:
        """For each input, the layers it feeds if every one takes indices (`Embedding`), else ``[]``."""
        graph = self._graph
        found = self.__dict__.get("_takers")
        if found is None or found[0] is not graph:
            takers = []
            for t in graph.inputs:
                layers = [node.layer for node in graph.nodes if any(i is t for i in node.inputs)]
                takers.append(layers if layers and all(layer.takes_indices for layer in layers) else [])
            found = self._takers = (graph, takers)
        return found[1]

    def _require_built(self, what: str) -> None:
        """Nothing for a functional model (built when made); a subclassed model or a `Sequential` may not be."""
        if not self.built:
            raise ValueError(
                f"{what}: this model is not built yet, so it has no weights. Call it on data (fit, predict, "
                "model(x)) or build(input_shape) first"
            )

    def build(self, input_shape: Any = None) -> None:
        """Build a subclassed model for inputs of ``input_shape`` (one shape, or a list): ``call`` runs once.

        Keras's ``model.build``; a functional model is built when it is made (nothing to do).
        """
        if self._graph is None:
            if input_shape is None:
                raise ValueError(f"{self.name}.build: give the input shape, e.g. build((None, 64))")
            subclassed.build_shape(self, input_shape)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at ``index`` (Keras's ``get_layer``); ValueError naming the choices."""
        if (name is None) == (index is None):
            raise ValueError("get_layer: give exactly one of name= or index=")
        if index is not None:
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not -len(self.layers) <= index < len(self.layers)
            ):
                raise ValueError(f"get_layer: index must be an int in [0, {len(self.layers)}). Received: {index!r}")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"get_layer: no layer is called {name!r}. The layers are {[x.name for x in self.layers]}")

    def count_params(self) -> int:
        """The number of parameter and state values of every layer (Keras's ``count_params``)."""
        self._require_built("count_params")
        return sum(w.size for w in self.weights)

    def _shape_error(self, y_hat: np.ndarray) -> ValueError:
        return ValueError(
            f"{self.name}: an output has shape {batch_shape(y_hat.shape[1:])} but its layers' compute_output_shape "
            f"traced {batch_shape(self.output_shape)}; a layer that changes the shape must override "
            "compute_output_shape(input_shape)"
        )

    def __repr__(self) -> str:
        inputs = "?" if self._graph is None else len(self._graph.inputs)
        name, layers = type(self).__name__, len(self.layers)
        return f"<{name} {self.name!r}: {inputs} input(s), {layers} layers, dtype='{self.dtype}'>"

    @property
    def params(self) -> list[np.ndarray]:
        """Every parameter array (trainable or frozen), in Keras order: ``[W0, b0, W1, b1, ...]``."""
        return [p for layer in self.layers for p in layer.params.values()]

    @property
    def grads(self) -> list[np.ndarray]:
        """Parameter gradients, parallel to ``params`` (set by the last backward)."""
        return [g for layer in self.layers for g in layer.grads.values()]

    # --------------------------------------------------------------- inference
    def check_targets(self, y: Any, n_samples: int, name: str = "y") -> np.ndarray:
        """``y`` checked against the output (`tinyframe.data.prepare_targets`): labels one-hot encoded, cast."""
        if isinstance(self.output_shape, list):  # several outputs: a list, or a dict by output name
            names = self.output_names
            return [
                data.prepare_targets(t, n_samples, shape, self.dtype, f"{name}[{out!r}]")
                for t, shape, out in zip(_arrays_for(y, names, name, "outputs"), self.output_shape, names)
            ]
        return data.prepare_targets(y, n_samples, self.output_shape, self.dtype, name)

    def __call__(self, x: Any, training: bool | None = None) -> Any:
        """The forward pass on ``x`` (Keras's ``model(x)``), in one batch; builds the model if needed.

        Unlike `predict` it does not split ``x`` into batches; like it, it is safe in threads.
        With ``training=True`` (which moves running statistics and draws dropout masks) it holds
        the model as `fit` does: a second such call, or a fit, from another thread at the same
        time is refused with RuntimeError rather than losing an update.
        On symbolic tensors (a functional model being built) or inside a subclassed model's
        ``call``, the model is used as a layer: its layers are called there, sharing their weights
        (a nested model; its layers join the outer model's, in place of the model itself).
        """
        if symbolic(x) or (isinstance(x, dict) and x and all(symbolic(v) for v in x.values())) or _tape() is not None:
            return self._call_layers(x, training)
        training = bool(training)
        X = self.check_input(x, "x")
        # training=True moves state (running statistics) and draws from the Generator: a writer, as fit is
        hold = writing(self._owned(), "model(x, training=True)") if training else reading(self.layers, "model(x)")
        with hold, silenced(), Scratch():
            out = self.forward(X, training=training)
            return [y.copy() for y in out] if isinstance(out, list) else out.copy()

    def _call_layers(self, x: Any, training: bool | None) -> Any:
        """This model's layers called on ``x`` (tensors of a graph being built, or recorded arrays)."""
        if self._graph is None:  # subclassed: its call, whose layer calls join the caller's graph or record
            return call_composite(self, x, bool(training))
        graph = self._graph
        values = dict(zip(map(id, graph.inputs), _arrays_for(x, self.input_names, f"{self.name}(x)")))
        for node in graph.nodes:
            args = [values[id(t)] for t in node.inputs]
            arg = args if node.listed else args[0]
            values[id(node.output)] = node.layer._apply(arg, training, node.options)
        outputs = [values[id(t)] for t in graph.outputs]
        return outputs[0] if len(outputs) == 1 else outputs

    def predict(
        self,
        X: Any = NOT_GIVEN,
        batch_size: int | None = None,
        verbose: Any = "auto",
        callbacks: Any = None,
        *,
        x: Any = NOT_GIVEN,
        steps: int | None = None,
    ) -> np.ndarray:
        """The outputs ``(n_samples, *output_shape)`` for ``X``, ``batch_size`` rows at a time (None: all).

        ``verbose=1`` prints one line when done (``"auto"`` and 0 print nothing: Keras
        prints a bar by default; tinyframe's predict is quiet unless asked). ``x=`` is Keras's name for ``X``.
        ``callbacks`` get Keras's predict hooks: ``on_predict_begin``, ``on_predict_batch_begin``/``end``
        (the batch's ``outputs`` in the logs), ``on_predict_end``.
        Safe to call from many threads at once; raises `RuntimeError` while `fit` runs in another thread.
        ``X`` may be data in batches (a generator of ``x`` or ``(x, ...)`` batches, or a
        `tinyframe.utils.PyDataset`; ``steps`` of them): the outputs of every batch, in order.
        A Dask array or DataFrame gives a lazy Dask array of the outputs, each block scored where it
        lives, the model sent to the workers as the bytes of its ``.npz`` (`tinyframe.dask_scoring`).
        """
        X = inputs_argument(X, x, "predict")
        if streams.is_stream(X):
            return self._predict_stream(X, steps, verbose, callbacks)
        if dask_batches.is_dask(X):
            return self._predict_dask(X, batch_size, callbacks, steps)
        X = self.check_input(X)
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "predict")
        verbose = _check_verbose(verbose, "predict", auto=0)
        hooks = self._hooks(callbacks, "predict", data.n_samples(X), batch_size)
        start = time.perf_counter()
        with reading(self.layers, "predict"):
            if hooks is not None:
                hooks.call("on_predict_begin", None)
            out = self._predict(X, batch_size, hooks, "predict")
            if hooks is not None:
                hooks.call("on_predict_end", None)
        if verbose:
            steps = 1 if batch_size is None else math.ceil(data.n_samples(X) / batch_size)
            print(f"{steps}/{steps} - {time.perf_counter() - start:.3g}s", flush=True)
        return self._named_outputs(out)

    def _named_outputs(self, out: Any) -> Any:
        """A model built with a dict of outputs predicts a dict by the same names (Keras's); others as they are."""
        keys = self._output_keys
        if not keys:
            return out
        return dict(zip(keys, out if isinstance(out, list) else [out]))

    def _predict_stream(self, source: Any, steps: Any, verbose: Any, callbacks: Any) -> Any:
        """`predict` of data in batches: each batch's ``x`` checked and predicted; the outputs joined."""
        verbose = _check_verbose(verbose, "predict", auto=0)
        stream = streams.Stream(source, steps, False, None, "predict")
        hooks = self._hooks(callbacks, "predict", 0, None, stream.steps)
        start, outputs = time.perf_counter(), []
        if hooks is not None:
            hooks.call("on_predict_begin", None)
        for batch, (xb, _, _) in enumerate(stream.epoch()):
            X = self.check_input(xb, f"x (batch {batch})")
            if hooks is not None:
                hooks.call("on_predict_batch_begin", batch, {"batch": batch, "size": data.n_samples(X)})
            with reading(self.layers, "predict"):
                outputs.append(self._predict(X, None, None, "predict"))
            if hooks is not None:
                hooks.call("on_predict_batch_end", batch, {"batch": batch, "outputs": outputs[-1]})
        if hooks is not None:
            hooks.call("on_predict_end", None)
        if not outputs:
            raise ValueError("predict: the data in batches held no batch")
        if verbose:
            print(f"{len(outputs)}/{len(outputs)} - {time.perf_counter() - start:.3g}s", flush=True)
        if isinstance(outputs[0], list):
            return [np.concatenate(parts) for parts in zip(*outputs)]
        return np.concatenate(outputs)

    def _predict_dask(self, X: Any, batch_size: Any, callbacks: Any, steps: Any) -> Any:
        """`predict` of a Dask array or DataFrame: a lazy Dask array, scored where the blocks are (`dask_scoring`)."""
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "predict")
        if callbacks is not None or steps is not None:
            raise ValueError(
                "predict: a Dask collection is scored lazily, on the workers: no callbacks are called and every "
                f"block is scored. Received: callbacks={callbacks!r}, steps={steps!r}; leave them out"
            )
        from . import dask_scoring

        return dask_scoring.predict(self, X, batch_size)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """The outputs for one batch ``x`` (Keras's name): `predict` in one batch, quietly."""
        return self.predict(x, verbose=0)

    def _hooks(self, callbacks: Any, what: str, n: int, batch_size: int | None, steps: Any = 0) -> Any:
        """The `CallbackList` of an evaluate or predict call (None without callbacks)."""
        if callbacks is None:
            return None
        from .callbacks.base import CallbackList
        from .training import checked_callbacks

        if steps == 0:  # arrays: the batches cut from n rows
            steps = 1 if batch_size is None else math.ceil(n / batch_size)
        return CallbackList(checked_callbacks(callbacks, what), self, {"steps": steps, "samples": n or None})

    def _predict(
        self, X: np.ndarray | list[np.ndarray], batch_size: int | None, hooks: Any = None, kind: str = "predict"
    ) -> Any:
        if hooks is None and type(X) is np.ndarray and (batch_size is None or batch_size >= len(X)):
            one = self.output_shape if type(self.output_shape) is tuple else None
            if one is not None:  # one input in memory, one output, one batch: the usual predict, without lists
                with silenced(), Scratch():
                    y_hat = self.forward(X)
                    if not fits(y_hat.shape[1:], one):
                        raise self._shape_error(y_hat)
                    out = np.array(y_hat, dtype=self.dtype)  # the call's scratch is not the caller's to keep
                if not (np.isfinite(out.min()) and np.isfinite(out.max())):
                    raise self._not_finite([X])
                return out
        xs = X if isinstance(X, list) else [X]
        n = xs[0].shape[0]
        step = n if batch_size is None else batch_size
        shapes = self.output_shape if isinstance(self.output_shape, list) else [self.output_shape]
        if any(None in shape for shape in shapes):  # an axis of variable size: the data's own, as one batch shows
            shapes = [y.shape[1:] for y in _as_list(self.forward([x[:1] for x in xs] if len(xs) > 1 else xs[0][:1]))]
        outs = [np.empty((n, *shape), self.dtype) for shape in shapes]
        pages = [p for p in map(FilePages.of, xs) if p is not None]  # inputs mapped from a file: pages given back
        one_in, one_out = xs[0] if len(xs) == 1 else None, len(outs) == 1  # the usual case, without lists per batch
        with silenced(), Scratch():  # overflow shows up as inf or NaN, reported below; work arrays of this call
            for batch, start in enumerate(range(0, n, step)):
                rows = slice(start, start + step)
                if hooks is not None:
                    hooks.call(f"on_{kind}_batch_begin", batch, {"batch": batch, "size": min(step, n - start)})
                y_hat = self.forward(one_in[rows] if one_in is not None else [x[rows] for x in xs])
                if one_out:
                    if y_hat.shape[1:] != shapes[0]:
                        raise self._shape_error(y_hat)
                    outs[0][rows] = y_hat
                else:
                    for out, y, shape in zip(outs, y_hat, shapes):
                        if y.shape[1:] != shape:
                            raise self._shape_error(y)
                        out[rows] = y
                if hooks is not None:
                    logs = {"batch": batch, "size": min(step, n - start)}
                    if kind == "predict":
                        logs["outputs"] = [out[rows] for out in outs] if len(outs) > 1 else outs[0][rows]
                    hooks.call(f"on_{kind}_batch_end", batch, logs)
                for page in pages:
                    page.release()
        for out in outs:
            if not (np.isfinite(out.min()) and np.isfinite(out.max())):
                raise self._not_finite(xs)
        return outs[0] if len(outs) == 1 else outs

    def _not_finite(self, xs: list[np.ndarray]) -> ValueError:
        biggest = max(float(np.abs(x).max()) for x in xs)
        return ValueError(
            f"The model's outputs are not finite for this X: its values overflow {self.dtype} arithmetic "
            f"in this network; scale the inputs (or use dtype='float64'). Received: |X| up to {biggest:.3g}"
        )

    def evaluate(
        self,
        X: Any = NOT_GIVEN,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        return_dict: bool = False,
        callbacks: Any = None,
        *,
        x: Any = NOT_GIVEN,
        steps: int | None = None,
    ) -> float | list[float] | dict[str, float]:
        """The loss (and metrics) on ``(X, y)`` without training; an uncompiled model uses the defaults.

        Returns, as Keras does: the loss alone (a float) when no metrics are compiled,
        the list ``[loss, *metrics]`` (in `metrics_names` order) when some are, and a
        dict ``{"loss": ..., <metric>: ...}`` with ``return_dict=True``. ``sample_weight``
        ``(n,)`` weighs each sample's loss and metrics. ``verbose`` 1 (and ``"auto"``) prints
        one line with the results, 0 nothing. A call that raises leaves the model as it was.
        ``callbacks`` get Keras's test hooks: ``on_test_begin``, ``on_test_batch_begin``/``end``,
        ``on_test_end`` (with the results). ``X`` may be data in batches (a generator of
        ``(x, y[, sample_weight])`` or a `tinyframe.utils.PyDataset`, ``steps`` batches of it: by
        default its length, or until the generator is exhausted; `tinyframe.streams`), or Dask arrays or a
        DataFrame with ``y`` (`tinyframe.dask_batches`), computed one block at a time.
        """
        X = inputs_argument(X, x, "evaluate")
        if dask_batches.is_dask(X):  # block by block, as fit streams it: a few blocks in memory
            if sample_weight is not None:
                raise ValueError("evaluate: sample_weight is not taken with Dask data yet. Received: sample_weight")
            if y is None:
                raise TypeError("evaluate: give the targets y (evaluate(x, y)), a Dask array (or Series) like x")
            if batch_size is not None:
                check_positive_int(batch_size, "batch_size", "evaluate")
            X, y = dask_batches.DaskBatches(X, y, batch_size, False, self.rng), None
        if streams.is_stream(X):
            return self._evaluate_stream(X, y, sample_weight, steps, verbose, return_dict, callbacks)
        X = self.check_input(X)
        if y is None:
            raise TypeError("evaluate: give the targets y (evaluate(x, y))")
        Y = self.check_targets(y, data.n_samples(X))
        W = data.sample_weights(sample_weight, None, Y[0] if isinstance(Y, list) else Y, self.dtype)
        if batch_size is not None:
            check_positive_int(batch_size, "batch_size", "evaluate")
        verbose = _check_verbose(verbose, "evaluate", auto=1)
        if not isinstance(return_dict, (bool, np.bool_)):
            raise TypeError(f"evaluate: return_dict must be True or False. Received: {return_dict!r}")
        hooks = self._hooks(callbacks, "evaluate", data.n_samples(X), batch_size)
        logs = self._evaluate_held(lambda: self._evaluate(X, Y, batch_size, W, hooks), hooks)
        if verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()), flush=True)
        return keras_result(logs, return_dict)

    def _evaluate_held(self, run: Any, hooks: Any) -> dict[str, float]:
        """``run()``'s logs, compiled with the defaults if need be, holding the model as a reader, between the
        test hooks; a call that raises leaves the compiled settings as they were."""
        compiled = (self.loss, self.optimizer, self.metrics)
        self._ensure_compiled()
        try:
            with reading([*self.layers, self.loss], "evaluate"):
                if hooks is not None:
                    hooks.call("on_test_begin", None)
                logs = run()
                if hooks is not None:
                    hooks.call("on_test_end", dict(logs))
        except BaseException:
            self.loss, self.optimizer, self.metrics = compiled
            raise
        return logs

    def _evaluate_stream(
        self, source: Any, y: Any, sample_weight: Any, steps: Any, verbose: Any, return_dict: Any, callbacks: Any
    ) -> Any:
        """`evaluate` of data in batches: each batch checked, ``test_step`` on it, the logs averaged."""
        from .training import StreamBatches, check_stream_arguments

        check_stream_arguments(y, sample_weight, 0.0, None)
        verbose = _check_verbose(verbose, "evaluate", auto=1)
        batches = StreamBatches(self, source, steps, False, None, "evaluate")
        hooks = self._hooks(callbacks, "evaluate", 0, None, batches.steps)
        logs = self._evaluate_held(lambda: self._evaluate_batches(batches.epoch(), hooks), hooks)
        if verbose:
            print(" - ".join(f"{k}: {v:.4g}" for k, v in logs.items()), flush=True)
        return keras_result(logs, return_dict)

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """`evaluate` on one batch, quietly (Keras's name); same return convention."""
        return self.evaluate(x, y, verbose=0, sample_weight=sample_weight, return_dict=return_dict)

    def _evaluate(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int | None, W: np.ndarray | None = None, hooks: Any = None
    ) -> dict[str, float]:
        if type(self).test_step is not Model.test_step:
            return self._evaluate_by_steps(X, Y, batch_size, W, hooks)
        y_hat = self._predict(X, batch_size, hooks, "test")
        loss = copy.copy(self.loss)  # this call's own: what its forward records is not another thread's
        with np.errstate(all="ignore"), Scratch():  # a loss too large for the dtype is reported as inf
            value = loss.forward(y_hat, Y) if W is None else loss.forward(y_hat, Y, sample_weight=W)
            logs = {"loss": value + self.penalty(), **(loss.values if isinstance(loss, OutputLosses) else {})}
        for name, metric in self.metrics.items():
            metric = copy.deepcopy(metric)  # this call's own state: evaluations may run in several threads
            metric.reset_state()
            metric.update_state(Y, y_hat, sample_weight=W)
            logs[name] = float(metric.result())
        return logs

    def _evaluate_by_steps(
        self, X: np.ndarray, Y: np.ndarray, batch_size: int | None, W: np.ndarray | None, hooks: Any = None
    ) -> dict[str, float]:
        """`evaluate` through a subclass's own ``test_step``, batch by batch (Keras's rule).

        Its logs are averaged over the batches, weighted by their sizes, and the compiled
        metrics' results added. It uses the model's own loss and metrics, so unlike the
        default path it is not meant for several threads at once.
        """
        n = data.n_samples(X)
        step = n if batch_size is None else batch_size
        batches = (
            (data.rows_of(X, rows), data.rows_of(Y, rows), None if W is None else W[rows])
            for rows in (slice(start, start + step) for start in range(0, n, step))
        )
        return self._evaluate_batches(batches, hooks)

    def _evaluate_batches(self, batches: Any, hooks: Any = None) -> dict[str, float]:
        """``test_step`` on each checked batch ``(x, y, w)``; the logs averaged, weighted by batch size.

        The compiled metrics (reset first) accumulate over the batches; their results are added.
        It uses the model's own loss and metrics (not meant for several threads at once).
        """
        seen, totals = 0, {}
        self.reset_metrics()
        with np.errstate(all="ignore"), Scratch():
            for batch, (x, y, w) in enumerate(batches):
                m = data.n_samples(y)
                if hooks is not None:
                    hooks.call("on_test_batch_begin", batch, {"batch": batch, "size": m})
                logs = checked_logs(call_step(self.test_step, x, y, w), "test_step")
                for key, value in logs.items():
                    totals[key] = totals.get(key, 0.0) + float(value) * m
                seen += m
                if hooks is not None:
                    hooks.call("on_test_batch_end", batch, {"batch": batch, "size": m, **logs})
        if seen == 0:
            raise ValueError("evaluate: the data in batches held no batch")
        return {**{key: value / seen for key, value in totals.items()}, **self.get_metrics_result()}

    # ----------------------------------------------------------------- weights
    @property
    def weights(self) -> list[np.ndarray]:
        """Every parameter and state array, Keras order: each layer's parameters, then its state."""
        return [w for layer in self.layers for w in (*layer.params.values(), *layer.state.values())]

    @property
    def trainable(self) -> bool:
        """Whether any layer is trainable; setting it sets every layer's (Keras's ``model.trainable``)."""
        return any(layer.trainable for layer in self.layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self.name}: trainable must be True or False. Received: trainable={value!r}")
        with writing(self.layers, "trainable"):
            for layer in self.layers:
                layer.trainable = bool(value)

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """The parameters of the trainable layers (Keras's split; the arrays themselves, not copies)."""
        return [w for layer in self.layers if layer.trainable for w in layer.params.values()]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """The parameters of frozen layers, then every layer's state (running statistics), in layer order."""
        return [
            w
            for layer in self.layers
            for w in (*(() if layer.trainable else layer.params.values()), *layer.state.values())
        ]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every parameter and state array, Keras order and layout: ``[W0, b0, W1, b1, ...]``."""
        self._require_built("get_weights")
        with reading(self.layers, "get_weights"):
            return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite every parameter and state array in place; all are checked before any is changed."""
        self._require_built("set_weights")
        targets = self.weights
        checked = data.checked_weights(weights, targets, self.dtype, "set_weights", nonnegative_weights(self.layers))
        with writing(self.layers, "set_weights"):
            for p, arr in zip(targets, checked):
                p[...] = arr

    def save_weights(self, path: Any) -> None:
        """Write the weights (with the architecture, without the optimizer) for `load_weights`: Keras's verb.

        ``model.save(path, include_optimizer=False)``: one ``.npz`` file, written atomically,
        that `load_weights` copies into a model of the same parameter shapes; a path ending in
        ``.weights.h5`` is Keras's weights file (`tinyframe.keras_format`).
        """
        self.save(path, include_optimizer=False)

    def load_weights(self, path: Any) -> None:
        """Copy the weights from a file written by `save`, or Keras's ``.weights.h5``/``.keras`` (same shapes)."""
        from .saving import load_weights

        load_weights(self, path)

    # --------------------------------------------------------- saving, summary
    def save(self, path: Any, include_optimizer: bool = True) -> None:
        """Write the model to one ``.npz`` file (a str or Path), atomically; read it with `tinyframe.load_model`.

        The file holds the architecture as JSON, the weights as arrays and, with
        ``include_optimizer=True``, the loss, the optimizer's state and the metric
        names, so `fit(..., initial_epoch=k)` resumes exactly. Loading it never runs
        code. See `tinyframe.saving`. A path ending in ``.keras`` is Keras 3's format instead
        (`tinyframe.keras_format`: Keras's ``load_model`` reads it; the optimizer's state is not in it).
        """
        from .saving import save_model

        save_model(self, path, include_optimizer=include_optimizer)

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain JSON values (Keras's ``get_config``): name, dtype, layers and their graph.

        What a saved file's ``model`` entry holds (`tinyframe.saving.model_config`); no
        weights. The model must be built. `Model.from_config` makes a new model from it.
        """
        from .saving import model_config

        self._require_built("get_config")
        return model_config(self)

    def to_json(self, **kwargs: Any) -> str:
        """`get_config` as a JSON string (Keras's ``to_json``; ``kwargs`` go to ``json.dumps``).

        `tinyframe.models.model_from_json` makes a new model from it, with new weights.
        """
        import json

        return json.dumps(self.get_config(), **kwargs)

    @classmethod
    def from_config(cls, config: dict[str, Any], seed: Any = None) -> Model:
        """A new model from `get_config`'s dict: the same layers and shapes, new weights drawn from ``seed``.

        Layer classes are chosen by registered name, so a config never runs code (Keras's
        ``from_config``; ``keras.models.clone_model`` is ``from_config(model.get_config())``).

        Example:
            >>> from tinyframe.layers import Dense, Input
            >>> model = Sequential([Input((4,)), Dense(3)], seed=0)
            >>> Sequential.from_config(model.get_config(), seed=1).output_shape
            (3,)
        """
        from .saving import model_from_config

        return model_from_config(config, seed)

    def export(self, filepath: Any, format: str = "onnx", opset: int | None = None) -> None:
        """Write the model for serving outside tinyframe (Keras 3's verb): an ONNX file, atomically.

        ``format="onnx"`` is the only format; ``filepath`` must end in ``.onnx``. Needs the
        ``onnx`` extra (``pip install "tinyframe[onnx]"``); see `tinyframe.onnx.to_onnx` for
        the graph written. A layer that cannot be exported is refused before anything is written.
        """
        if format != "onnx":
            raise ValueError(f"export: the only format is 'onnx' (Keras's others need TF). Received: {format!r}")
        from .onnx import export

        export(self, filepath, opset=opset)

    def summary(self, print_fn: Any = print) -> None:
        """Print a Keras-style table: each layer, its output shape and parameter count, and the totals.

        A model not built yet lists its layers with ``?`` shapes and ``0 (unbuilt)`` counts, as Keras does.
        """
        from .summary import summary_table, unbuilt_table

        print_fn(summary_table(self) if self.built else unbuilt_table(self))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for key in ("_runs", "_links", "_step", "_state_guard", "_prepared_for"):  # views of the old block: remade
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After unpickling or deepcopy: pack the copied parameters into one block again (`_params.repack`)."""
        self.__dict__.update(state)
        self._runs, self._links, self._prepared_for = [], [], []
        self._state_guard = StateGuard([])
        repack(self.layers, self.dtype)
        if self.optimizer is not None:
            self.optimizer._model = weakref.ref(self)


def _tensors(x: Any, what: str) -> tuple[list[str] | None, list[Any]]:
    """``(dict keys or None, the tensors)`` of a Model's ``inputs`` or ``outputs`` argument."""
    if isinstance(x, dict):
        if not x:
            raise ValueError(f"Model: {what} must not be empty")
        return [str(k) for k in x], list(x.values())
    if isinstance(x, (list, tuple)):
        if not x:
            raise ValueError(f"Model: {what} must not be empty")
        return None, list(x)
    return None, [x]


def _arrays_for(X: Any, names: list[str], name: str, what: str = "inputs") -> list[Any]:
    """The arrays of ``X`` in order: one array, a list (or tuple) of them, or a dict by input (output) name."""
    if isinstance(X, dict):
        missing, extra = [k for k in names if k not in X], [k for k in X if k not in names]
        if missing or extra:
            raise ValueError(
                f"{name}: a dict of {what} must have the model's {what[:-1]} names as keys, {names}. "
                f"Received: keys {list(X)}"
            )
        return [X[k] for k in names]
    if len(names) == 1:
        if isinstance(X, (list, tuple)) and len(X) == 1 and isinstance(X[0], np.ndarray):
            return [X[0]]  # Keras's [x] for a model of one input
        return [X]
    if not isinstance(X, (list, tuple)) or len(X) != len(names):
        got = f"a {type(X).__name__} of {len(X)}" if isinstance(X, (list, tuple)) else type(X).__name__
        raise ValueError(
            f"{name}: the model has {len(names)} {what} {names}: give a list of {len(names)} arrays or a dict "
            f"by name. Received: {got}"
        )
    return list(X)


from .sequential import Sequential  # noqa: E402, F401  (the line of layers; earlier code imports it from here)


def _as_list(y: Any) -> list:
    return y if isinstance(y, list) else [y]
