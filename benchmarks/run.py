"""Command line of the suite: ``python -m benchmarks [--quick] [--case ...] [--json PATH]``.

Runs the cases, prints a Markdown table for each as it finishes, then the
machine, and writes everything (every timing, not just medians) to a JSON file.
BLAS threads are left as they are unless ``--threads N`` pins them, for every
program alike (`pin_threads`: NumPy's and SciPy's BLAS, PyTorch, the large-case
workers); the JSON records which.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

from . import (
    allocator,
    article,
    conv2d,
    dask_case,
    large,
    machine,
    minibatch,
    mnist1d_cnn,
    onnx_latency,
    recurrent,
    report,
    residual,
    transformer,
)
from .programs import DIGITS_PROGRAMS, EXTRA_PROGRAMS, LARGE_PROGRAMS

CASES = ("article", "minibatch", "large")
CASES += ("onnx",)  # tinyframe predict vs ONNX Runtime (skipped without onnxruntime)
CASES += ("mnist1d_cnn", "conv2d")  # convolutions, tinyframe vs PyTorch, float32 only
CASES += ("residual",)  # a functional Model with skip connections, tinyframe vs PyTorch, on 1 and 2 threads
EXTRA_CASES = ("dask",)  # run only when named: data beyond memory (fit from a Dask array on disk, cluster scoring)
CASES += ("transformer",)  # examples/char_transformer.py's model, tinyframe vs PyTorch, on 1 and 2 threads
CASES += ("recurrent",)  # LSTM, GRU, SimpleRNN, Bidirectional(LSTM), tinyframe vs PyTorch, on 1 and 2 threads
DEFAULT_JSON = pathlib.Path(__file__).resolve().parent / "results" / "latest.json"
# (full run, --quick): small enough for a test, large enough to exercise every path
SIZES = {
    "iterations": (200, 5),
    "article_repeats": (15, 3),
    "minibatch_repeats": (41, 3),
    "large_samples": (200_000, 2_048),
    "large_repeats": (5, 1),
    "peak_matmul": (2048, 256),
    "mnist1d_samples": (4_000, 200),
    "mnist1d_repeats": (21, 2),
    "conv2d_samples": (20_000, 192),
    "conv2d_repeats": (3, 1),
    "residual_samples": (4_096, 256),
    "residual_repeats": (21, 2),
    "dask_samples": (100_000, 2_048),
    "dask_repeats": (3, 1),
    "transformer_steps": (8, 1),
    "transformer_repeats": (11, 2),
    "recurrent_samples": (640, 128),
    "recurrent_repeats": (15, 2),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, one or three rounds")
    parser.add_argument(
        "--case",
        nargs="+",
        choices=CASES + EXTRA_CASES,
        default=list(CASES),
        help=f"cases to run (default: all but {', '.join(EXTRA_CASES)}, which run only when named)",
    )
    parser.add_argument(
        "--dtype",
        nargs="+",
        choices=("float32", "float64"),
        default=["float32", "float64"],
        help="article, minibatch and onnx (mnist1d_cnn, conv2d, large and residual are float32)",
    )
    parser.add_argument(
        "--programs",
        nargs="+",
        choices=DIGITS_PROGRAMS + EXTRA_PROGRAMS,
        default=list(DIGITS_PROGRAMS),
        help="numpy_floor (tinyframe's kernels with no framework) runs only when named",
    )
    parser.add_argument("--iterations", type=int, help="article: full-batch iterations per timed call")
    parser.add_argument(
        "--repeats",
        type=int,
        help="article, minibatch, mnist1d_cnn, residual, transformer and recurrent: timed rounds",
    )
    parser.add_argument("--large-samples", type=int, help="large: rows of the synthetic data set")
    parser.add_argument("--large-repeats", type=int, help="large: rounds (one process per program and X)")
    parser.add_argument("--mnist1d-samples", type=int, help="mnist1d_cnn: synthetic sequences (one epoch per call)")
    parser.add_argument("--conv2d-samples", type=int, help="conv2d: synthetic images (one epoch per process)")
    parser.add_argument("--conv2d-repeats", type=int, help="conv2d: rounds (one process per program)")
    parser.add_argument("--residual-samples", type=int, help="residual: synthetic rows (one epoch per call)")
    parser.add_argument("--dask-samples", type=int, help="dask: rows of the synthetic data set")
    parser.add_argument("--dask-repeats", type=int, help="dask: rounds (one process per call and X)")
    parser.add_argument("--transformer-steps", type=int, help="transformer: training steps per timed call")
    parser.add_argument("--recurrent-samples", type=int, help="recurrent: synthetic sequences (one epoch per call)")
    parser.add_argument(
        "--threads",
        type=int,
        help="pin the BLAS/torch threads of every program (default: as is; residual, transformer and recurrent "
        "run on 1 and 2)",
    )
    parser.add_argument("--data-dir", help="where the large case writes its memmap file (default: the temp dir)")
    parser.add_argument(
        "--json", type=pathlib.Path, default=DEFAULT_JSON, help=f"result file (default: {DEFAULT_JSON})"
    )
    args = parser.parse_args(argv)
    positive = ("iterations", "repeats", "large_samples", "large_repeats", "threads")
    sizes = ("mnist1d_samples", "conv2d_samples", "conv2d_repeats", "residual_samples", "recurrent_samples")
    for name in positive + sizes + ("dask_samples", "dask_repeats", "transformer_steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1. Received: {value}")
    if args.repeats is not None:
        args.article_repeats = args.minibatch_repeats = args.mnist1d_repeats = args.residual_repeats = args.repeats
        args.transformer_repeats = args.repeats
        args.recurrent_repeats = args.repeats
    for name, (full, quick) in SIZES.items():
        if getattr(args, name, None) is None:
            setattr(args, name, quick if args.quick else full)
    return args


def run_cases(args: argparse.Namespace) -> list[dict]:
    """Run the chosen cases in order, printing each table as soon as it is done."""
    results = []
    for case in args.case:
        names = [p for p in args.programs if p in LARGE_PROGRAMS]  # tinyframe and torch: large, conv2d, mnist1d_cnn
        if case == "onnx":
            results += onnx_latency.run_all(args)
            continue
        if case == "mnist1d_cnn":
            result = mnist1d_cnn.run(args.mnist1d_samples, args.mnist1d_repeats, names, args.peak_matmul)
            print(report.mnist1d_table(result), end="\n\n", flush=True)
            results.append(result)
            continue
        if case == "residual":  # once per thread count: 1 and 2, or the one --threads pins
            for threads in [args.threads] if args.threads else residual.THREADS:
                result = residual.run(args.residual_samples, args.residual_repeats, names, threads, args.peak_matmul)
                print(report.residual_table(result), end="\n\n", flush=True)
                results.append(result)
            continue
        if case == "transformer":  # as residual: 1 and 2 threads, or the pinned count
            size = transformer.QUICK if args.quick else transformer.ANCHOR
            for threads in [args.threads] if args.threads else transformer.THREADS:
                result = transformer.run(
                    args.transformer_steps, args.transformer_repeats, names, threads, size, args.peak_matmul
                )
                print(report.transformer_table(result), end="\n\n", flush=True)
                results.append(result)
            continue
        if case == "recurrent":  # as residual: once per thread count
            for threads in [args.threads] if args.threads else recurrent.THREADS:
                result = recurrent.run(args.recurrent_samples, args.recurrent_repeats, names, threads, args.peak_matmul)
                print(report.recurrent_table(result), end="\n\n", flush=True)
                results.append(result)
            continue
        if case == "conv2d":
            result = conv2d.run(args.conv2d_samples, args.conv2d_repeats, names, args.peak_matmul, args.data_dir)
            print(report.conv2d_table(result), end="\n\n", flush=True)
            results.append(result)
            continue
        if case == "dask":
            result = dask_case.run(args.dask_samples, args.dask_repeats, args.data_dir)
            print(report.dask_table(result), end="\n\n", flush=True)
            results.append(result)
            continue
        if case == "large":
            result = large.run(args.large_samples, args.large_repeats, names, args.peak_matmul, args.data_dir)
            print(report.large_table(result), end="\n\n", flush=True)
            results.append(result)
            continue
        for dtype in args.dtype:
            if case == "article":
                result = article.run(dtype, args.iterations, args.article_repeats, args.programs)
            else:  # minibatch: one epoch per timed call
                result = minibatch.run(dtype, 1, args.minibatch_repeats, args.programs)
            print(report.digits_table(result), end="\n\n", flush=True)
            results.append(result)
    return results


def pin_threads(threads: int) -> None:
    """Give every BLAS and OpenMP pool ``threads`` threads, for the rest of this process and its workers.

    Libraries read these variables when they load (SciPy's BLAS, PyTorch's OpenMP, and
    everything in the large case's worker processes); NumPy's BLAS is loaded already,
    so threadpoolctl changes it in place.
    """
    from threadpoolctl import threadpool_limits

    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    threadpool_limits(limits=threads)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    command = " ".join(["python -m benchmarks", *argv])
    start = time.perf_counter()
    allocator_settings = allocator.settle()
    if args.threads:
        pin_threads(args.threads)
    results = run_cases(args)
    info = machine.machine_info()
    print(report.machine_line(info))
    payload = {
        "command": command,
        "quick": args.quick,
        "threads_pinned": args.threads,
        "allocator": allocator_settings,
        "seconds": time.perf_counter() - start,
        "machine": info,
        "results": results,
    }
    report.write_json(args.json, payload)
    print(f"Command: {command}\nWrote {args.json}", flush=True)
    return 0
