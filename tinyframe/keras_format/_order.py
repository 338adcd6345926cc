"""The order of a functional model's layers as Keras computes it, and the names of their groups in the HDF5 tree.

Keras finds a layer's weights by its place, not its name: group ``dense_1`` is the second
Dense of ``model.layers``. A Sequential's layers are in their order (its InputLayer left out);
a functional model's are in the order Keras's ``map_graph`` gives them, InputLayers included,
which `keras_order` repeats on a tinyframe graph: a depth-first walk from the outputs (each
node's inputs in call order) numbers the layers and lists the nodes inputs-first; a node's
depth is the longest path from it to an output; the layers go by decreasing depth (a shared
layer at its deepest node), ties in walk order.
"""

from __future__ import annotations

import re
from typing import Any


def keras_order(outputs: list[Any]) -> list[Any]:
    """The layers (`InputLayer` s included) of the graph ending at ``outputs`` (`KerasTensor` s), Keras's order."""
    first: dict[int, int] = {}  # layer -> its number in the walk
    layers: dict[int, Any] = {}
    post: list[Any] = []  # nodes, each after its inputs' nodes
    finished: set[int] = set()
    for output in outputs:
        stack = [(output.node, False)]  # the walk without recursion: a deep model has thousands of nodes
        while stack:
            node, expanded = stack.pop()
            if expanded:
                finished.add(id(node))
                post.append(node)
            elif id(node) not in finished:
                first.setdefault(id(node.layer), len(first))
                layers[id(node.layer)] = node.layer
                stack.append((node, True))
                stack.extend((t.node, False) for t in reversed(node.inputs))
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(post):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        node_depth[id(node)] = layer_depth[id(node.layer)] = depth
        for t in node.inputs:
            node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    ranked = sorted(layer_depth, key=lambda key: (-layer_depth[key], first[key]))
    return [layers[key] for key in ranked]


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: ``"BatchNormalization"`` -> ``"batch_normalization"``, ``"ReLU"`` -> ``"re_lu"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def group_names(class_names: list[str]) -> list[str]:
    """The groups of layers of these Keras classes, in order: ``dense``, ``dense_1``, ``re_lu``, ..."""
    used: dict[str, int] = {}
    names = []
    for class_name in class_names:
        base = snake_case(class_name)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names
