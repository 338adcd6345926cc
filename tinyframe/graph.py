"""A model's graph: the nodes between its inputs and outputs, run forward in order and backward in reverse.

Backpropagation on a graph is the article's per-layer deltas with two additions:

* **Fan-out.** A tensor used by several nodes receives one gradient from each; they
  are summed (``dJ/dx = sum over consumers``) before its producer's backward runs.
* **Sharing.** A layer called at several nodes has one set of weights, so its
  parameter gradient is the sum of each node's. A layer keeps what its backward
  needs between forward and backward (``self._x``): for a shared layer the graph
  keeps that per node instead. After each node's forward it records the layer's
  attributes, and those of every layer it holds (a Dense's activation); before that
  node's backward it puts back those that any node's forward rebound. The node also
  has its own scratch arrays (``self.buffer``'s arrays are per node too). So a custom layer
  written the simple way is shareable as long as its forward *assigns* what it keeps
  (``self._x = x``) rather than writing into an array kept from an earlier call.

A layer's regularisation penalty counts once in the loss however often the layer is
called, so its gradient must count once too: for a shared layer with a penalty, the
penalty's gradient (the parameter gradient of a backward with a zero ``grad_out``) is
taken back out for every node after the first.

>>> import numpy as np
>>> from tinyframe.layers import Dense, Input
>>> x = Input(shape=(3,))
>>> graph = Graph([x], [Dense(2)(x)], "Model")
>>> [type(layer).__name__ for layer in graph.layers]
['InputLayer', 'Dense']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import masks
from .layers.input import input_layer_of
from .layers.node import KerasTensor, Node
from .layers.recording import ConstantTensor, ParamTensor, held_layers, keep, node_scratch, restore


class Graph:
    """The nodes of the model ``inputs -> outputs`` (lists of `KerasTensor`), checked; see the module docstring.

    Refused with a ValueError naming the layer or the input: an input not made by
    `Input`, an input given twice, an output that depends on an `Input` the model is
    not given (a disconnected graph), an input that no output depends on, two layers of
    one name. (A cycle cannot be built: a layer's symbolic output exists only after its
    inputs do.)
    """

    def __init__(self, inputs: list[Any], outputs: list[Any], owner: str) -> None:
        for where, tensors in (("inputs", inputs), ("outputs", outputs)):
            for t in tensors:
                if not isinstance(t, KerasTensor):
                    raise TypeError(
                        f"{owner}: {where} must be tensors from Input(...) and layer calls. Received: {t!r}"
                    )
        for i, t in enumerate(inputs):
            if input_layer_of(t) is None:
                raise ValueError(
                    f"{owner}: inputs must be the tensors Input(...) returns. Received: {t!r} as input {i}"
                )
            if any(t is u for u in inputs[:i]):
                raise ValueError(f"{owner}: the input {t.name!r} is given twice")
        self.inputs, self.outputs = list(inputs), list(outputs)
        self._set_nodes(self._nodes_between(owner))
        self.layers = [t.node.layer for t in self.inputs]
        for layer in [node.layer for node in self.nodes] + [t.owner for t in self.weights]:
            if not any(layer is known for known in self.layers):
                self.layers.append(layer)
        for node in self.nodes:
            if id(node.layer) in self.shared:
                node.scratch_key = ("node", id(node))  # each node of a shared layer: its own scratch arrays

    @classmethod
    def recorded(cls, inputs: list[KerasTensor], outputs: list[KerasTensor], nodes: list[Node]) -> Graph:
        """The graph of what a subclassed model's ``call`` did (`tinyframe.layers.recording.Tape`), for its backward.

        The nodes the outputs depend on, in the order they ran; each call's scratch key is the one it ran with.
        """
        graph = cls.__new__(cls)
        graph.inputs, graph.outputs = list(inputs), list(outputs)
        needed: set[int] = set()
        stack = list(outputs)
        while stack:
            t = stack.pop()
            if t.node is not None and id(t.node) not in needed:
                needed.add(id(t.node))
                stack.extend(t.node.inputs)
        graph._set_nodes([node for node in nodes if id(node) in needed])
        graph.layers = []
        return graph

    def _set_nodes(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        found: dict[int, ParamTensor] = {}
        constants: dict[int, ConstantTensor] = {}
        for node in nodes:
            found.update((id(t), t) for t in node.inputs if isinstance(t, ParamTensor))
            constants.update((id(t), t) for t in node.inputs if isinstance(t, ConstantTensor))
        self.weights = list(found.values())  # layers' weights that ops in their call() use
        self.masking = masks.makes_masks([node.layer for node in nodes])  # padding marked: masks go along
        self.constants = list(constants.values())  # arrays layers were called on in a call() (ops.arange(T))
        counts: dict[int, int] = {}
        for node in nodes:
            counts[id(node.layer)] = counts.get(id(node.layer), 0) + 1
        self.shared = {key for key, count in counts.items() if count > 1}
        # a shared layer and the layers it holds (Dense's activation, Bidirectional's two): what a node records
        self._held = {id(node.layer): held_layers(node.layer) for node in nodes if id(node.layer) in self.shared}

    def _nodes_between(self, owner: str) -> list[Node]:
        """The nodes the outputs depend on, in topological (creation) order; ValueErrors for a broken graph."""
        given = {id(t) for t in self.inputs}
        found: dict[int, Node] = {}
        reached: set[int] = set()
        stack = [(t, None) for t in self.outputs]
        while stack:
            t, user = stack.pop()
            if id(t) in given:
                reached.add(id(t))
                continue
            if isinstance(t, (ParamTensor, ConstantTensor)):  # a layer's weight used by an op in its call, a constant
                continue
            node = t.node
            if input_layer_of(t) is not None:
                used_by = "an output" if user is None else f"layer {user.name!r}"
                raise ValueError(
                    f"{owner}: the graph is disconnected: {used_by} depends on the Input {t.name!r}, which is not "
                    f"among the model's inputs {[u.name for u in self.inputs]}. Pass it in inputs=[...]"
                )
            if id(node) not in found:
                found[id(node)] = node
                stack.extend((u, node.layer) for u in node.inputs)
        for t in self.inputs:
            if id(t) not in reached:
                raise ValueError(
                    f"{owner}: the input {t.name!r} is not used: no output depends on it. Remove it from inputs, "
                    "or connect it to the outputs"
                )
        return sorted(found.values(), key=lambda node: node.order)

    def line(self) -> list[Any] | None:
        """The layers in order if the graph is one path (one input, each node feeding only the next, one output,
        no layer called twice), else None: such a model runs as a `Sequential` does."""
        if len(self.inputs) != 1 or len(self.outputs) != 1 or self.shared or not self.nodes:
            return None
        previous = self.inputs[0]
        for node in self.nodes:
            if node.listed or len(node.inputs) != 1 or node.inputs[0] is not previous:
                return None
            previous = node.output
        return [node.layer for node in self.nodes] if self.outputs[0] is previous else None

    # ------------------------------------------------------------------ planning
    def plan(self, input_grad: bool) -> list[tuple[Node, bool, list[bool]]]:
        """The backward pass: ``(node, whether its inputs' gradients are needed, which inputs get one)``.

        With ``input_grad`` every node runs and every input gets a gradient. Without, only
        nodes with a trainable parameter at or before them run, and gradients go only to
        inputs made by such nodes (as `Sequential` stops at its first trainable layer).
        Trainable flags are read now: call it again after freezing a layer.
        """
        if input_grad:
            return [(node, True, [True] * len(node.inputs)) for node in reversed(self.nodes)]
        upstream: dict[int, bool] = {id(t): False for t in self.inputs}  # tensor -> a trainable parameter before it
        upstream.update((id(t), t.owner.trainable) for t in self.weights)
        upstream.update((id(t), False) for t in self.constants)
        for node in self.nodes:
            own = bool(node.layer.params) and node.layer.trainable
            upstream[id(node.output)] = own or any(upstream[id(t)] for t in node.inputs)
        steps = []
        for node in reversed(self.nodes):
            if upstream[id(node.output)]:
                wanted = [upstream[id(t)] for t in node.inputs]
                steps.append((node, any(wanted), wanted))
        return steps

    # ------------------------------------------------------------------- running
    def forward(
        self, xs: list[np.ndarray], training: bool, records: dict | None = None, observe: Any = None
    ) -> list[np.ndarray]:
        """The outputs for the inputs ``xs``; ``records`` (a dict) receives what each shared node kept.

        ``observe(layer, x, y)``, if given, is called after each node with its input(s) and output.
        """
        values: dict[int, np.ndarray] = {id(t): x for t, x in zip(self.inputs, xs)}
        kept_masks: dict[int, Any] | None = {} if self.masking else None
        values.update((id(t), t.owner.params[t.key]) for t in self.weights)
        values.update((id(t), _in_dtype(t.array, xs)) for t in self.constants)
        shared = self.shared
        for node in self.nodes:
            args = [values[id(t)] for t in node.inputs]
            arg = args if node.listed else args[0]
            layer = node.layer
            options = node.options or {}
            if id(layer) not in shared:
                if kept_masks is None:
                    values[id(node.output)] = layer.forward(arg, training=training, **options)
                else:
                    values[id(node.output)] = self._masked(node, arg, kept_masks, training, options)
                if observe is not None:
                    observe(layer, arg, values[id(node.output)])
                continue
            held = self._held[id(layer)]
            before = [dict(vars(obj)) for obj in held]
            with node_scratch(node.scratch_key):
                if kept_masks is None:
                    values[id(node.output)] = layer.forward(arg, training=training, **options)
                else:
                    values[id(node.output)] = self._masked(node, arg, kept_masks, training, options)
            if observe is not None:
                observe(layer, arg, values[id(node.output)])
            if records is not None:
                keep(records, node, held, before)
        return [values[id(t)] for t in self.outputs]

    @staticmethod
    def _masked(node: Node, arg: Any, kept_masks: dict[int, Any], training: bool, options: dict) -> np.ndarray:
        """``node``'s layer run given its inputs' masks; the output's mask kept (`tinyframe.layers.masks`)."""
        given = [kept_masks.get(id(t)) for t in node.inputs]
        y, kept_masks[id(node.output)] = masks.run(
            node.layer, arg, given if node.listed else given[0], training, options
        )
        return y

    def backward(self, grads_out: list[np.ndarray], plan: list, records: dict) -> list[np.ndarray | None]:
        """Run ``plan`` back from ``dJ/d outputs``; the gradients of the inputs (None where none reaches)."""
        grads: dict[int, np.ndarray] = {}
        owned: set[int] = set()  # gradients this pass allocated, so may add into
        for t, g in zip(self.outputs, grads_out):
            _accumulate(grads, owned, t, g)
        stepped: set[int] = set()  # shared layers whose gradients hold an earlier node's share
        for node, want_inputs, wanted in plan:
            g = grads.pop(id(node.output))
            owned.discard(id(g))  # ids are reused once an array dies: only arrays still held count as owned
            layer = node.layer
            if id(layer) in self.shared:
                result = self._shared_backward(node, g, want_inputs, records, id(layer) in stepped)
                stepped.add(id(layer))
            elif want_inputs:
                result = layer.backward(g)
            else:
                layer.backward_params(g)
                continue
            if not want_inputs:
                continue
            results = result if node.listed else [result]
            if len(results) != len(node.inputs):
                raise ValueError(
                    f"{layer.name}: backward returned {len(results)} gradients for {len(node.inputs)} inputs"
                )
            handed: set[int] = set()
            for t, r, want in zip(node.inputs, results, wanted):
                if want:
                    if id(r) in handed:  # the same array for two inputs: each consumer may write into its own
                        r = r.copy()
                    handed.add(id(r))
                    _accumulate(grads, owned, t, r)
        for t in self.weights:  # the gradients of weights used by ops: what each op gave, summed
            g = grads.get(id(t))
            if g is None:
                t.owner.grads[t.key][...] = 0
            else:
                np.copyto(t.owner.grads[t.key], g)
        return [grads.get(id(t)) for t in self.inputs]

    def _shared_backward(self, node: Node, g: np.ndarray, want_inputs: bool, records: dict, again: bool) -> Any:
        """A shared layer's backward at ``node``: its record put back, its gradient added to the other nodes'."""
        layer = node.layer
        restore(records, node)
        earlier = {name: grad.copy() for name, grad in layer.grads.items()} if again else None
        with node_scratch(node.scratch_key):
            result = layer.backward(g) if want_inputs else layer.backward_params(g)
            if again and layer.has_penalty:  # the penalty's gradient counts once: take this node's copy out
                result = _copied(result)
                mine = {name: grad.copy() for name, grad in layer.grads.items()}
                layer.backward_params(np.zeros_like(g))
                for name, grad in layer.grads.items():
                    np.subtract(mine[name], grad, out=grad)
        if earlier is not None:
            for name, grad in earlier.items():
                layer.grads[name] += grad
        return result


def _in_dtype(constant: np.ndarray, xs: list[np.ndarray]) -> np.ndarray:
    """A float constant in the dtype of the model's (first float) input; integers (indices) as they are."""
    if constant.dtype.kind != "f":
        return constant
    dtype = next((x.dtype for x in xs if x.dtype.kind == "f"), constant.dtype)
    return constant if constant.dtype == dtype else constant.astype(dtype)


def _accumulate(grads: dict[int, np.ndarray], owned: set[int], t: KerasTensor, g: np.ndarray) -> None:
    """Add ``g`` to the gradient of ``t`` (a new array the first time it is summed: ``g`` may be a layer's scratch)."""
    have = grads.get(id(t))
    if have is None:
        grads[id(t)] = g
    elif id(have) in owned:
        have += g
    else:
        total = have + g
        owned.add(id(total))
        grads[id(t)] = total


def _copied(result: Any) -> Any:
    if isinstance(result, list):
        return [r.copy() for r in result]
    return None if result is None else result.copy()
