"""Case onnx: prediction latency, tinyframe ``predict`` versus ONNX Runtime running the exported model.

Two networks with random weights (latency does not depend on training): the article's
64-30-10 sigmoid network and the large case's 784-256-10 ReLU network. For each, two
batch sizes: one sample (a serving request) and 1000 samples. One timed call makes
``calls`` predictions of that batch (a single-sample predict takes microseconds, too
short to time alone), reported as µs per prediction call; the programs run
interleaved (`benchmarks.timing`). ONNX Runtime gets as many intra-op threads as
``--threads`` pins (its default otherwise). Skipped, with the reason in the table,
when onnx or onnxruntime is not installed.
"""

from __future__ import annotations

import argparse

import numpy as np

from . import timing

NETWORKS = {"article 64-30-10": (64, 30, 10, "sigmoid"), "large 784-256-10": (784, 256, 10, "relu")}
BATCHES = (1, 1000)
SIZES = {"repeats": (15, 2), "calls": (200, 3)}  # (full run, --quick)


def run_all(args: argparse.Namespace) -> list[dict]:
    """Every dtype of the command line (`benchmarks.run`), each table printed when done."""
    repeats, calls = (SIZES[key][1 if args.quick else 0] for key in ("repeats", "calls"))
    results = []
    for dtype in args.dtype:
        results.append(run(dtype, args.repeats or repeats, calls, args.threads))
        print(table(results[-1]), end="\n\n", flush=True)
    return results


def _model(dtype: str, sizes: tuple) -> object:
    from tinyframe import Sequential
    from tinyframe.layers import Dense

    n_in, hidden, n_out, activation = sizes
    layers = [Dense(n_in, hidden, activation=activation), Dense(hidden, n_out, activation="sigmoid")]
    return Sequential(layers, dtype, seed=0)


def run(dtype: str, repeats: int, calls: int, threads: int | None = None) -> dict:
    """Median µs per prediction call of each (network, batch) for tinyframe and ONNX Runtime, and their ratio."""
    result = {"case": "onnx", "dtype": dtype, "repeats": repeats, "calls_per_repeat": calls, "rows": []}
    try:
        import tinyframe.onnx as tfo
    except ImportError as error:
        result["skipped"] = f"onnx not installed ({error})"
        return result
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        result["skipped"] = "onnxruntime not installed"
        return result
    rng = np.random.default_rng(0)
    for name, sizes in NETWORKS.items():
        model = _model(dtype, sizes)
        sess = tfo.session(model, threads=threads)
        for batch in BATCHES:
            X = rng.random((batch, sizes[0])).astype(dtype)
            programs = {
                "tinyframe": lambda X=X, model=model: [model.predict(X) for _ in range(calls)][-1],
                "onnxruntime": lambda X=X, sess=sess: [sess.run(["output"], {"input": X})[0] for _ in range(calls)][-1],
            }
            times, outputs = timing.interleaved(programs, repeats)
            ratio = timing.paired_ratios(times, "tinyframe")["onnxruntime"]
            result["rows"].append(
                {
                    "network": name,
                    "batch": batch,
                    "programs": {k: timing.summary(v, 1e6 / calls) for k, v in times.items()},
                    "tinyframe_over_onnxruntime": ratio["median"],
                    "max_difference": float(np.max(np.abs(outputs["tinyframe"] - outputs["onnxruntime"]))),
                }
            )
    return result


def table(result: dict) -> str:
    """The Markdown table of one dtype's result."""
    head = f"### onnx, {result['dtype']}: prediction latency, {result['calls_per_repeat']} calls per timed round"
    if "skipped" in result:
        return f"{head}\n\nskipped: {result['skipped']}"
    lines = [
        head,
        "",
        "| network | batch | tinyframe µs/call | ONNX Runtime µs/call | tinyframe / ORT | max abs difference |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        tf, ort = (row["programs"][k]["median"] for k in ("tinyframe", "onnxruntime"))
        lines.append(
            f"| {row['network']} | {row['batch']} | {tf:,.1f} | {ort:,.1f} | "
            f"{row['tinyframe_over_onnxruntime']:.2f} | {row['max_difference']:.1e} |"
        )
    return "\n".join(lines)
