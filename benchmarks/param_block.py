"""Does the flat block of parameters still pay? One run per block against one run per parameter.

``python -m benchmarks.param_block [--repeats 101] [--threads 1]``

`fit` updates a model built in one go with one optimizer call over one flat array
(`tinyframe._params`: the layers' parameters are views of one block, and so is the
optimizer's state of each slot). The alternative the design weighed is a call per
parameter, with nothing flat underneath. This times both on the article's network
(64-30-10 sigmoid, sklearn's digits, batch 32, one shuffled epoch per timed call) with
GradientDescent and Adam, in interleaved rounds (`benchmarks.timing`): the same model
code, only the runs differ (each parameter cut out of the block as a run of its own).
The figure is per-parameter time over block time (above 1: the block is faster).
"""

from __future__ import annotations

import argparse
import os

from .timing import interleaved, paired_ratios, summary

OPTIMIZERS = ("sgd", "adam")


def per_parameter_runs(layers: list) -> list:
    """The runs `fit` would make, cut into one run per parameter (the same arrays and keys)."""
    from tinyframe import _params

    runs = []
    for run in _params.trainable_runs(layers):
        offset = 0
        for span, size in zip(run.key.spans, run.sizes):
            key = _params.RunKey([span], run.key.home)
            rows = slice(offset, offset + size)
            runs.append(_params.Run(key, run.params[rows], run.grads[rows], (size,)))
            offset += size
    return runs


def models(dtype: str, optimizer: str) -> dict:
    """Two copies of the article's network, prepared by one epoch: one updated per block, one per parameter."""
    from sklearn.datasets import load_digits

    import tinyframe.trainer as trainer
    from tinyframe import Sequential
    from tinyframe.activations import Sigmoid
    from tinyframe.layers import Dense

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(dtype)
    built = {}
    for name in ("block", "per_parameter"):
        model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype=dtype, seed=0)
        model.compile(optimizer=optimizer)
        original = trainer.trainable_runs
        if name == "per_parameter":
            trainer.trainable_runs = per_parameter_runs  # only while this model makes its runs
        try:
            model.fit(X, y, epochs=1, batch_size=32, verbose=0)
        finally:
            trainer.trainable_runs = original
        assert len(model._runs) == (1 if name == "block" else 4)
        built[name] = model
    return {name: (lambda m=m: m.fit(X, y, epochs=1, batch_size=32, verbose=0)) for name, m in built.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=101)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        for dtype in ("float32", "float64"):
            for optimizer in OPTIMIZERS:
                programs = models(dtype, optimizer)
                times, _ = interleaved(programs, args.repeats, primers=programs)
                ratio = paired_ratios(times, "per_parameter")["block"]
                block, per = summary(times["block"], 1e3), summary(times["per_parameter"], 1e3)
                print(
                    f"{dtype} {optimizer}: block {block['median']:.2f} ms/epoch, per parameter "
                    f"{per['median']:.2f}; per parameter / block {ratio['median']:.3f} "
                    f"({ratio['p25']:.3f}-{ratio['p75']:.3f}), fastest "
                    f"{min(times['per_parameter']) / min(times['block']):.3f}, {args.repeats} rounds, "
                    f"load {os.getloadavg()[0]:.2f}"
                )


if __name__ == "__main__":
    main()
