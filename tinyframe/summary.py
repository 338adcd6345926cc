"""The table `Sequential.summary` prints: each layer, its output shape and its parameter count."""

from __future__ import annotations

from typing import Any

from .layers.shapes import batch_shape

_HEADERS = ("#", "Layer (type)", "Output Shape", "Param #")


def _size(n_bytes: int) -> str:
    """``n_bytes`` in B, KB, MB or GB (powers of 1024, as Keras prints them)."""
    for unit in ("B", "KB", "MB"):
        if n_bytes < 1024:
            return f"{n_bytes:.2f} {unit}" if unit != "B" else f"{n_bytes} B"
        n_bytes /= 1024
    return f"{n_bytes:.2f} GB"


def layer_rows(model: Any) -> list[tuple[int, str, str, tuple[int, ...], int]]:
    """``(index, name, class name, output shape without the batch, parameter count)`` per layer of a built model.

    What `summary_table` prints and `tinyframe.plot.plot_model` draws.

    Example:
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense
        >>> layer_rows(Sequential([Dense(2, 3)]))
        [(0, 'dense', 'Dense', (3,), 9)]
    """
    graph = getattr(model, "_graph", None)
    recorded = getattr(model, "_recorded", None) if graph is None else None  # a subclassed model's last call
    if graph is not None or recorded is not None:  # each layer's output shape at its first call (an Input's own)
        first = {}
        for node in (graph or recorded).nodes:
            first.setdefault(id(node.layer), node.output.sample_shape)
        for t in graph.inputs if graph is not None else []:
            first[id(t.node.layer)] = t.sample_shape
        shapes = [first.get(id(layer), ("?",)) for layer in model.layers]
    else:
        shapes = model._trace(model.input_shape)[1:]
    return [
        (i, layer.name, type(layer).__name__, tuple(shape), sum(w.size for w in layer.weights))
        for i, (layer, shape) in enumerate(zip(model.layers, shapes))
    ]


def connections(model: Any) -> list[str]:
    """Keras's "Connected to" cell of each layer of a functional model: ``dense[0][0], input_layer[0][0]``.

    ``name[k][0]`` is the output of the k-th call of layer ``name`` in this model; a layer called at
    several nodes lists each node's inputs, separated by ``" | "``.
    """
    graph = model._graph
    calls: dict[int, int] = {}  # id(node) -> its index among its layer's calls in this graph
    counts: dict[int, int] = {}
    for t in graph.inputs:
        calls[id(t.node)] = 0
    for node in graph.nodes:
        calls[id(node)] = counts.get(id(node.layer), 0)
        counts[id(node.layer)] = calls[id(node)] + 1
    cells: dict[int, list[str]] = {}
    for node in graph.nodes:
        sources = ", ".join(_source(t, calls) for t in node.inputs)
        cells.setdefault(id(node.layer), []).append(sources)
    return [" | ".join(cells.get(id(layer), ["-"])) for layer in model.layers]


def _source(t: Any, calls: dict[int, int]) -> str:
    """Where a node's input comes from: a layer's call, a layer's weight (an op's operand), or a constant."""
    if t.node is not None:
        return f"{t.node.layer.name}[{calls[id(t.node)]}][0]"
    if hasattr(t, "owner"):  # a weight a layer's call uses (Keras's add_weight)
        return f"{t.owner.name}.{t.key}"
    return f"constant{tuple(t.sample_shape)}"


def summary_table(model: Any) -> str:
    """A Keras-like summary of ``model`` as a string.

    Each row names the layer and its class, as Keras does. Output shapes are full,
    ``(None, 40, 25)``: ``None`` stands for the batch size. The model must be built
    (`Sequential.summary` says so otherwise). Parameters are counted per layer (the
    sizes of its parameter and state arrays); the totals give their number and memory in
    the model's dtype, split as Keras does: parameters of trainable layers, and the rest
    (frozen layers' parameters and every layer's non-trainable state).

    Example:
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense
        >>> from tinyframe.activations import Sigmoid
        >>> print(summary_table(Sequential([Dense(2, 3), Sigmoid()], dtype="float64")))
        Model: "sequential", dtype float64
        ____________________________________________
         #  Layer (type)       Output Shape  Param #
        ============================================
         0  dense (Dense)      (None, 3)           9
         1  sigmoid (Sigmoid)  (None, 3)           0
        ============================================
        Total params: 9 (72 B)
        Trainable params: 9 (72 B)
        Non-trainable params: 0 (0 B)
        ____________________________________________
    """
    rows = [
        (str(i), f"{name} ({kind})", batch_shape(shape), f"{count:,}")
        for i, name, kind, shape, count in layer_rows(model)
    ]
    headers = _HEADERS
    if getattr(model, "_graph", None) is not None:  # a functional Model: where each layer takes its inputs from
        headers = (*_HEADERS, "Connected to")
        rows = [(*row, cell) for row, cell in zip(rows, connections(model))]
    widths = [max(len(row[c]) for row in [headers, *rows]) for c in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        # Text columns left-aligned, the count right-aligned under its header, then the connections.
        left = "  ".join(cell.ljust(w) for cell, w in zip(cells[:3], widths))
        after = f"  {cells[4]}" if len(cells) > 4 else ""
        return f" {left}  {cells[3].rjust(widths[3])}{after}".rstrip()

    total = sum(w.size for w in model.weights)
    trainable = sum(p.size for layer in model.layers if layer.trainable for p in layer.params.values())
    itemsize = model.dtype.itemsize
    rule = max(len(line(headers)), *(len(line(row)) for row in rows))
    return "\n".join(
        [
            f'Model: "{model.name}", dtype {model.dtype}',
            "_" * rule,
            line(headers),
            "=" * rule,
            *(line(row) for row in rows),
            "=" * rule,
            f"Total params: {total:,} ({_size(total * itemsize)})",
            f"Trainable params: {trainable:,} ({_size(trainable * itemsize)})",
            f"Non-trainable params: {total - trainable:,} ({_size((total - trainable) * itemsize)})",
            "_" * rule,
        ]
    )


def unbuilt_table(model: Any) -> str:
    """Keras's summary of a model not built yet: its layers, ``?`` for their shapes, ``0 (unbuilt)`` weights.

    >>> from tinyframe import Sequential
    >>> from tinyframe.layers import Dense
    >>> print(unbuilt_table(Sequential([Dense(3)], name="tiny")))
    Model: "tiny" (not built yet: its input shape is unknown)
     #  Layer (type)   Output Shape  Param #
     0  dense (Dense)  ?             0 (unbuilt)
    """
    rows = [
        (str(i), f"{layer.name} ({type(layer).__name__})", "?", "0 (unbuilt)") for i, layer in enumerate(model.layers)
    ]
    widths = [max(len(row[c]) for row in [_HEADERS, *rows]) for c in range(4)]
    lines = [f'Model: "{model.name}" (not built yet: its input shape is unknown)']
    lines += [" " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [_HEADERS, *rows]]
    return "\n".join(lines)
