"""Running an exported model in ONNX Runtime, and comparing it with `predict`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .exporter import INPUT, to_onnx
from .functional import consumers


def session(model: Any, opset: int | None = None, threads: int | None = None) -> Any:
    """An ``onnxruntime.InferenceSession`` (CPU) of ``to_onnx(model, opset)``; ``threads``: intra-op threads."""
    try:
        import onnxruntime as ort
    except ImportError as error:
        raise ImportError("tinyframe.onnx.check needs onnxruntime: pip install 'tinyframe[onnx]'") from error
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    proto = to_onnx(model, opset)
    return ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run(model: Any, X: Any, opset: int | None = None) -> np.ndarray | list[np.ndarray]:
    """``model`` exported and run in ONNX Runtime on ``X`` (checked as `predict` checks it): the output array.

    ``X`` is what ``predict`` takes (a list, or a dict by input name, for several inputs),
    cast to the model's dtype, or to int64 for an input that feeds only an `Embedding` (its
    whole-number indices, as tinyframe's Embedding checks them). A list of arrays for a
    model of several outputs, as ``predict`` gives.
    """
    sess = session(model, opset, threads=1)
    X = model.check_input(X)
    if hasattr(model, "_graph"):
        outputs = sess.run(None, _feeds(model, sess, X if isinstance(X, list) else [X]))
        return outputs[0] if len(outputs) == 1 else outputs
    if sess.get_inputs()[0].type == "tensor(int64)":
        model.layers[0]._checked_indices(X)  # the ValueError of predict for an index out of range
        X = X.astype(np.int64)
    return sess.run(None, {INPUT: X})[0]


def _feeds(model: Any, sess: Any, xs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """A functional model's inputs by name: int64 where the graph takes indices (checked as predict checks them)."""
    graph, out = model._graph, {}
    for spec, t, x in zip(sess.get_inputs(), graph.inputs, xs):
        if spec.type == "tensor(int64)":
            for layer in consumers(graph, t):
                layer._checked_indices(x)  # the ValueError of predict for an index out of range
            x = x.astype(np.int64)
        out[spec.name] = x
    return out


def check(model: Any, X: Any, opset: int | None = None) -> float:
    """The largest absolute difference between ONNX Runtime's outputs for ``X`` and ``model.predict(X)``.

    Over every output, for a model of several.

    Example (needs onnx and onnxruntime):
        >>> import numpy as np
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense
        >>> model = Sequential([Dense(4, 3, activation="sigmoid")], seed=0)
        >>> check(model, np.ones((5, 4))) < 1e-6
        True
    """
    y_onnx, y = run(model, X, opset), model.predict(X)
    pairs = zip(y_onnx, y) if isinstance(y, list) else [(y_onnx, y)]
    worst = 0.0
    for a, b in pairs:
        if a.shape != b.shape:
            raise ValueError(f"check: ONNX Runtime's output has shape {a.shape}, predict's {b.shape}")
        worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0)))
    return worst
