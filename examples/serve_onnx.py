"""Serve the article's digits network without tinyframe: train, export to ONNX, classify with ONNX Runtime.

    python examples/serve_onnx.py                         # the article: 3000 full-batch iterations
    python examples/serve_onnx.py --iterations 300 --out digits.onnx

Two halves. `train_and_export` uses tinyframe and scikit-learn: the article's 64-30-10
sigmoid network (`examples/digits.py`'s split and model) trained on the digits, then
``model.export(path)``. `classify` is the serving half: it imports only NumPy and
onnxruntime, reads the file and labels the test set, as a server with neither
tinyframe nor scikit-learn would. The script prints both test accuracies, how many
test samples the two label alike, and the time per single-sample prediction of each.
Needs ``pip install "tinyframe[onnx,examples]"``.
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import tempfile
import time
from collections.abc import Callable

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def train_and_export(path: pathlib.Path, iterations: int, dtype: str = "float32"):
    """The article's network trained on the digits (60/40 split) and exported to ``path``; (model, X_test, y_test)."""
    spec = importlib.util.spec_from_file_location("tinyframe_example_digits", HERE / "digits.py")
    digits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(digits)
    X_train, X_test, y_train, y_test = digits.load_split(split_seed=0)
    settings = argparse.Namespace(hidden=30, dtype=dtype, seed=0, learning_rate=0.25)
    model = digits.article_model(settings)
    model.fit(X_train, y_train, epochs=iterations, batch_size=None, verbose=0)
    model.export(path)
    return model, X_test, y_test


def classify(path: str | pathlib.Path, X: np.ndarray, threads: int = 1) -> tuple[np.ndarray, Callable]:
    """The serving half (NumPy and onnxruntime only): the labels of ``X``, and a one-sample predictor."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    dtype = np.float64 if session.get_inputs()[0].type == "tensor(double)" else np.float32

    def predict(rows: np.ndarray) -> np.ndarray:
        return session.run(["output"], {"input": np.asarray(rows, dtype)})[0]

    return predict(X).argmax(axis=1), predict


def seconds_per_call(predict: Callable, X: np.ndarray, calls: int) -> float:
    """Mean seconds of one single-sample prediction, over ``calls`` test rows in turn (after one untimed call)."""
    predict(X[:1])
    start = time.perf_counter()
    for i in range(calls):
        predict(X[i % len(X) : i % len(X) + 1])
    return (time.perf_counter() - start) / calls


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=3000, help="full-batch iterations (the article's 3000)")
    parser.add_argument("--out", type=pathlib.Path, help="the ONNX file (default: a temporary one)")
    parser.add_argument("--calls", type=int, default=500, help="single-sample predictions timed for each")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.out or pathlib.Path(folder) / "digits.onnx"
        model, X_test, y_test = train_and_export(path, args.iterations)
        labels_tf = model.predict(X_test).argmax(axis=1)
        labels_onnx, predict_onnx = classify(path, X_test)
        results = {
            "tinyframe_accuracy": float(np.mean(labels_tf == y_test)),
            "onnx_accuracy": float(np.mean(labels_onnx == y_test)),
            "same_labels": int(np.sum(labels_tf == labels_onnx)),
            "tinyframe_us": 1e6 * seconds_per_call(model.predict, X_test, args.calls),
            "onnx_us": 1e6 * seconds_per_call(predict_onnx, X_test, args.calls),
        }
    print(f"exported: {path.name} ({len(X_test)} test samples)")
    print(f"test accuracy, tinyframe:    {results['tinyframe_accuracy']:.4f}")
    print(f"test accuracy, ONNX Runtime: {results['onnx_accuracy']:.4f}")
    print(f"same label on {results['same_labels']} of {len(X_test)} test samples")
    print(f"time per single-sample prediction: tinyframe {results['tinyframe_us']:.1f} µs, ", end="")
    print(f"ONNX Runtime {results['onnx_us']:.1f} µs")
    return results


if __name__ == "__main__":
    main()
