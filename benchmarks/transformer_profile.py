"""Where a training step of the transformer case goes, on one thread: ``python -m benchmarks.transformer_profile``.

Two tables, in process CPU time (the machine may be shared: wall time would count the waits):

1. tinyframe's step under cProfile (clock: ``time.process_time``), ``--steps`` steps of the
   case's program, split by layer type: the cumulative time of each layer class's ``forward`` and
   ``backward`` (GELU, inside its Dense layers, shown apart), the optimizer, and the rest.
2. Each layer type alone, forward and backward at the case's shapes (12 windows of 64 characters,
   width 128), tinyframe's layer against the PyTorch program's module from the same weights: the
   median over ``--repeats`` interleaved calls (skipped without PyTorch).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from . import workloads

# (row, (file under tinyframe/, function)): cumulative CPU time of the function per step
ROWS = [
    ("forward, every layer", ("graph.py", "forward")),
    ("backward, every layer", ("graph.py", "backward")),
    ("Dense forward (incl. GELU)", ("layers/dense.py", "forward")),
    ("  GELU forward", ("activations/gelu.py", "function")),
    ("Dense backward (incl. GELU)", ("layers/dense.py", "backward")),
    ("  GELU backward", ("activations/gelu.py", "derivative")),
    ("MultiHeadAttention forward", ("layers/multi_head_attention.py", "forward")),
    ("  projections", ("layers/multi_head_attention.py", "_project")),
    ("  scores, softmax, values", ("layers/dot_product_attention.py", "attend")),
    ("MultiHeadAttention backward", ("layers/multi_head_attention.py", "backward")),
    ("  projections", ("layers/multi_head_attention.py", "_project_backward")),
    ("  scores, softmax, values", ("layers/dot_product_attention.py", "attend_backward")),
    ("LayerNormalization forward", ("layers/standardization.py", "forward")),
    ("LayerNormalization backward", ("layers/standardization.py", "backward")),
    ("Add forward", ("layers/merging/base.py", "forward")),
    ("Add backward", ("layers/merging/base.py", "backward")),
    ("TokenAndPositionEmbedding", ("layers/token_and_position_embedding.py", "forward")),
    ("TokenAndPositionEmbedding backward", ("layers/token_and_position_embedding.py", "backward_params")),
    ("clipping and AdamW", ("_update.py", "__call__")),
]


def profile_tinyframe(work: workloads.Transformer, steps: int) -> str:
    """The per-layer-type table of ``steps`` profiled steps (after 3 unprofiled ones)."""
    from .programs import tinyframe_program

    train, _ = tinyframe_program.transformer(work)
    train(3)
    profile = cProfile.Profile(time.process_time)
    profile.runcall(train, steps)
    stats = pstats.Stats(profile).stats
    cumulative: dict[tuple[str, str], float] = {}
    for (file, _, function), (_, _, _, cum, _) in stats.items():
        key = (file.replace("\\", "/").rpartition("tinyframe/")[2], function)
        cumulative[key] = cumulative.get(key, 0.0) + cum
    total = max(cumulative.values())
    lines = [f"| tinyframe, {steps} steps under cProfile | CPU ms/step | share |", "|---|---:|---:|"]
    lines.append(f"| the whole step | {1e3 * total / steps:.1f} | 100% |")
    for label, key in ROWS:
        seconds = cumulative.get(key)
        if seconds is not None:
            lines.append(f"| {label} | {1e3 * seconds / steps:.2f} | {100 * seconds / total:.1f}% |")
    return "\n".join(lines)


def layer_calls(size: workloads.TransformerSize, rng: np.random.Generator) -> dict:
    """Per layer type: (tinyframe's forward-and-backward call, PyTorch's) at the case's shapes, same weights."""
    import torch

    from .programs import torch_peer

    model, parts = workloads.char_transformer().gpt(size.vocabulary, size.context, size.width, size.heads, 1)
    peer = torch_peer._gpt(workloads.TransformerSize(size.vocabulary, size.context, size.width, size.heads, 1))
    torch_peer._copy_gpt_weights(peer, model.get_weights())
    ours, theirs = parts["blocks"][0], peer.blocks[0]
    m, t, d, gelu = size.batch_size, size.context, size.width, torch.nn.functional.gelu
    attention = ours["attention"]
    cases = {  # label: (tinyframe forward, its backward, PyTorch module, input shape, output width)
        "Dense d -> 4d, GELU": (ours["up"], lambda x: gelu(theirs.up(x)), (m, t, d), 4 * d),
        "  GELU alone": (ours["up"].activation, gelu, (m * t, 4 * d), 4 * d),
        "Dense 4d -> d": (ours["down"], theirs.down, (m, t, 4 * d), d),
        "MultiHeadAttention, causal": (attention, theirs.attention, (m, t, d), d),
        "LayerNormalization": (ours["norm1"], theirs.norm1, (m, t, d), d),
        "Dense d -> vocabulary (head)": (parts["head"], peer.head, (m, t, d), size.vocabulary),
    }
    calls = {}
    for label, (layer, module, shape, width) in cases.items():
        x = rng.standard_normal(shape, dtype=np.float32)
        g = rng.standard_normal((*shape[:-1], width), dtype=np.float32)
        xt, gt = torch.from_numpy(x).requires_grad_(True), torch.from_numpy(g)
        forward = (lambda x: attention.forward([x, x], use_causal_mask=True)) if layer is attention else layer.forward
        calls[label] = (
            lambda forward=forward, backward=layer.backward, x=x, g=g: (forward(x), backward(g)),
            lambda module=module, xt=xt, gt=gt: module(xt).backward(gt),
        )
    return calls


def compare_layers(size: workloads.TransformerSize, repeats: int) -> str:
    """The per-layer table: median CPU ms of forward and backward, tinyframe and PyTorch, interleaved."""
    lines = [
        "| layer, forward + backward | tinyframe CPU ms | PyTorch CPU ms | tinyframe / PyTorch |",
        "|---|---:|---:|---:|",
    ]
    for label, pair in layer_calls(size, np.random.default_rng(0)).items():
        times: list[list[float]] = [[], []]
        for call in pair:
            call()  # warm-up: buffers, thread pools
        for _ in range(repeats):
            for call, log in zip(pair, times):
                start = time.process_time()
                call()
                log.append(time.process_time() - start)
        ours, theirs = (1e3 * statistics.median(log) for log in times)
        lines.append(f"| {label} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.transformer_profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--steps", type=int, default=20, help="profiled training steps of tinyframe")
    parser.add_argument("--repeats", type=int, default=30, help="calls of each layer, per program")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    size = workloads.TransformerSize()
    ids = np.random.default_rng(0).integers(0, size.vocabulary, 100_000)
    work = workloads.transformer(ids, 64, size.model().get_weights(), size)
    with threadpool_limits(limits=1):  # NumPy's BLAS; the PyTorch program takes as many threads
        print(profile_tinyframe(work, args.steps), end="\n\n", flush=True)
        if importlib.util.find_spec("torch") is None:
            print("PyTorch is not installed: no per-layer comparison (pip install torch==2.13.0).")
        else:
            import torch

            torch.set_num_threads(1)
            print(compare_layers(size, args.repeats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
