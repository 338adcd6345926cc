"""The shared body of the article and minibatch cases: the digits network, four programs, interleaved.

Both cases train the same 64-30-10 sigmoid network on the same 1078 rows; they
differ only in the batch size, the work per timed call and the targets, which
`article` and `minibatch` pass in.
"""

from __future__ import annotations

from . import machine, programs, timing, workloads


def run_case(
    case: str,
    dtype: str,
    batch_size: int | None,
    epochs: int,
    repeats: int,
    names: list[str],
    unit: tuple[str, float],
    targets: dict[str, float],
) -> dict:
    """Time ``names`` side by side on the digits split; a JSON-friendly result.

    Args:
        case: the case's name, for the result.
        dtype: ``"float32"`` or ``"float64"``.
        batch_size: rows per step; None for the full batch.
        epochs: epochs (full batch: iterations) per timed call.
        repeats: timed rounds, after one warm-up round.
        names: programs, from `programs.DIGITS_PROGRAMS`; tinyframe is the subject of every ratio.
        unit: ``(label, factor)``: seconds per call times ``factor`` gives the reported figure.
        targets: peer -> the largest acceptable median ratio ``tinyframe / peer``.
    """
    load_before = machine.load_average()
    work = workloads.digits(dtype, batch_size)
    runners, primers, skipped = {}, {}, {}
    for name in names:
        try:
            module = programs.load(name)
        except programs.Skipped as reason:
            skipped[name] = str(reason)
            continue
        run = module.digits(work)
        runners[name] = lambda run=run: run(epochs)
        primers[name] = lambda run=run: run(1)
    times, losses = timing.interleaved(runners, repeats, primers=primers)
    label, factor = unit
    result = {
        "case": case,
        "dtype": dtype,
        "samples": int(work.X.shape[0]),
        "batch_size": batch_size,
        "steps_per_epoch": work.steps_per_epoch,
        "epochs_per_repeat": epochs,
        "repeats": repeats,
        "warmup_rounds": 1,
        "pause_seconds": timing.PAUSE,
        "primer": "one epoch of the same program, untimed, after the pause and before each timed call",
        "unit": label,
        "load_average": [load_before, machine.load_average()],
        "programs": {},
        "ratios": {},
    }
    for name in names:
        if name in skipped:
            result["programs"][name] = {"skipped": skipped[name]}
            continue
        stats = timing.summary(times[name], factor)
        result["programs"][name] = {**stats, "seconds": times[name], "final_loss": losses[name]}
    if "tinyframe" in times:
        for peer, ratio in timing.paired_ratios(times, "tinyframe").items():
            result["ratios"][peer] = {**ratio, "target": targets.get(peer)}
    return result
