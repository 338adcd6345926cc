"""Case residual: a residual MLP built with the functional API, training steps per second, tinyframe vs PyTorch.

64 features, 8 blocks of ``x = Add()([x, Dense(64, relu)(Dense(64, relu)(x))])``, then
``Dense(10)`` logits (17 Dense layers, 67,210 parameters), sparse cross-entropy, Adam(1e-3),
float32, batches of 128 taken in order. The data is synthetic (4,096 rows of 64 standard
normal features, labels from a random linear teacher; `workloads.residual`). tinyframe runs
it as a functional `Model`; PyTorch as an ``nn.Module`` whose ``forward`` adds each block's
output to its input. Both start from tinyframe's initial weights (`Model.get_weights`,
each kernel transposed for ``Linear``); the losses of their first two steps are kept
(``first_losses``) to show that they compute the same thing.

One timed call is one epoch (``samples / 128`` steps); the programs run interleaved in this
process (`benchmarks.stepped`), each call preceded by a one-step primer, as in the
mnist1d_cnn case. The case runs once per thread count (1 and 2, or the one ``--threads``
pins): NumPy's BLAS limited with threadpoolctl and PyTorch given as many threads. The ratio
is tinyframe's steps/s over PyTorch's, paired within each round; the FLOP rate counts the
Dense layers' products (`benchmarks.flops`) against the peak measured just before on as
many threads.
"""

from __future__ import annotations

from . import programs, stepped, workloads
from .flops import training_flops
from .programs.tinyframe_program import residual_network

THREADS = (1, 2)  # thread counts run when --threads does not pin one


def flops_per_sample() -> int:
    """Training FLOPs of one row: 16 Dense 64 x 64 and the 64 x 10 head, ``6 * MACs`` each, ``4 *`` the first.

    MACs 16 * 4,096 + 640 = 66,176; see `training_flops`.
    """
    width = workloads.RESIDUAL_FEATURES
    return training_flops([width * width] * (2 * workloads.RESIDUAL_BLOCKS) + [width * workloads.RESIDUAL_CLASSES])


def run(samples: int, repeats: int, names: list[str], threads: int, peak_size: int = 2048) -> dict:
    """Median steps/s of each program on ``threads`` threads, the paired ratio tinyframe / PyTorch, the FLOP rate."""
    work = workloads.residual(samples, residual_network().get_weights())
    steps = -(-samples // work.batch_size)
    modules, skipped = programs.load_available(names)
    flops = flops_per_sample() * work.batch_size
    result = stepped.measure(
        "residual", modules, lambda module: module.residual(work), steps, repeats, threads, flops, peak_size
    )
    result |= {"samples": samples, "batch_size": work.batch_size, "flops_per_sample": flops_per_sample()}
    result["programs"] |= {name: {"skipped": reason} for name, reason in skipped.items()}
    return result
