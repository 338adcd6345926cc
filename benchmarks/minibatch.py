"""Case 2, minibatch: the article's network with ``batch_size=32``, one shuffled epoch per timed call.

1078 rows make 34 steps (33 of 32 rows and one of 22); each program draws a new
order every epoch. The figure is milliseconds per epoch. Targets (issue 7):
tinyframe within 1.3x the hand-written loop, and at most half PyTorch's time.
"""

from __future__ import annotations

from .digits_case import run_case

BATCH_SIZE = 32
TARGETS = {"hand_numpy": 1.3, "torch": 0.5}


def run(dtype: str, epochs: int, repeats: int, names: list[str]) -> dict:
    """Median ms per epoch of each program and the paired ratios tinyframe / peer."""
    return run_case(
        "minibatch",
        dtype,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        repeats=repeats,
        names=names,
        unit=("ms/epoch", 1e3 / epochs),
        targets=TARGETS,
    )
