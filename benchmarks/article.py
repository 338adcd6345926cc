"""Case 1, article: the 64-30-10 sigmoid network, SquaredError, full-batch gradient descent, N iterations.

One timed call is ``iterations`` full-batch steps on the 1078 training rows;
the figure is microseconds per iteration. Targets (issue 7): tinyframe at most
as slow as the hand-written NumPy loop, and at most half PyTorch's and
scikit-learn's time.
"""

from __future__ import annotations

from .digits_case import run_case

TARGETS = {"hand_numpy": 1.0, "torch": 0.5, "sklearn": 0.5}


def run(dtype: str, iterations: int, repeats: int, names: list[str]) -> dict:
    """Median µs per iteration of each program and the paired ratios tinyframe / peer."""
    return run_case(
        "article",
        dtype,
        batch_size=None,
        epochs=iterations,
        repeats=repeats,
        names=names,
        unit=("µs/iteration", 1e6 / iterations),
        targets=TARGETS,
    )
