"""Running an exported model in ONNX Runtime, and comparing it with `predict`."""

from __future__ import annotations

from typing import Any

import numpy as np

from .exporter import INPUT, OUTPUT, to_onnx


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


def run(model: Any, X: Any, opset: int | None = None) -> np.ndarray:
    """``model`` exported and run in ONNX Runtime on ``X`` (checked as `predict` checks it): the output array.

    ``X`` is cast to the model's dtype, or to int64 for a model that begins with an
    `Embedding` (its whole-number indices, as tinyframe's Embedding checks them).
    """
    sess = session(model, opset, threads=1)
    X = model.check_input(X)
    if sess.get_inputs()[0].type == "tensor(int64)":
        model.layers[0]._checked_indices(X)  # the ValueError of predict for an index out of range
        X = X.astype(np.int64)
    return sess.run([OUTPUT], {INPUT: X})[0]


def check(model: Any, X: Any, opset: int | None = None) -> float:
    """The largest absolute difference between ONNX Runtime's outputs for ``X`` and ``model.predict(X)``.

    Example (needs onnx and onnxruntime):
        >>> import numpy as np
        >>> from tinyframe import Sequential
        >>> from tinyframe.layers import Dense
        >>> model = Sequential([Dense(4, 3, activation="sigmoid")], seed=0)
        >>> check(model, np.ones((5, 4))) < 1e-6
        True
    """
    y_onnx, y = run(model, X, opset), model.predict(X)
    if y_onnx.shape != y.shape:
        raise ValueError(f"check: ONNX Runtime's output has shape {y_onnx.shape}, predict's {y.shape}")
    return float(np.max(np.abs(y_onnx.astype(np.float64) - y), initial=0.0))
