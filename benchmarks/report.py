"""The printed tables (Markdown, so the README can quote them verbatim) and the JSON file."""

from __future__ import annotations

import json
import pathlib


def _num(value: float | None) -> str:
    """Three significant figures or so, never in exponent notation."""
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _verdict(ratio: float, target: float | None, at_least: bool = False) -> str:
    if target is None:
        return "—"
    met = ratio >= target if at_least else ratio <= target
    return f"{'≥' if at_least else '≤'} {target:.2f}: {'yes' if met else 'NO'}"


def digits_table(result: dict) -> str:
    """One Markdown table for an article or minibatch result (one dtype)."""
    batch = "full batch" if result["batch_size"] is None else f"batch {result['batch_size']}"
    lines = [
        f"### {result['case']}, {result['dtype']}: {result['samples']} rows, {batch}, "
        f"{result['epochs_per_repeat']} epoch(s) of {result['steps_per_epoch']} step(s) per call, "
        f"{result['repeats']} interleaved rounds after {result['warmup_rounds']} warm-up",
        "",
        f"| program | {result['unit']} (median) | p25–p75 | tinyframe / program (median of paired) | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name, stats in result["programs"].items():
        if "skipped" in stats:
            lines.append(f"| {name} | {stats['skipped']} | | | |")
            continue
        spread = f"{_num(stats['p25'])}–{_num(stats['p75'])}"
        ratio = result["ratios"].get(name)
        if ratio is None:
            lines.append(f"| {name} | {_num(stats['median'])} | {spread} | — | — |")
        else:
            verdict = _verdict(ratio["median"], ratio["target"])
            lines.append(f"| {name} | {_num(stats['median'])} | {spread} | {ratio['median']:.3f} | {verdict} |")
    return "\n".join(lines + ["", _load_line(result)])


def _load_line(result: dict) -> str:
    """The 1-minute load average before and after the case: how busy the (shared) machine was."""
    before, after = (f"{v:.2f}" if v is not None else "n/a" for v in result["load_average"])
    return f"Load average (1 min) before / after: {before} / {after}."


def large_table(result: dict) -> str:
    """The large case: throughput, memory and FLOP rate per (program, X), then the ratios."""
    lines = [
        f"### large: {result['samples']:,} x {result['features']} float32 ({_num(result['data_mib'])} MiB), "
        f"784-256-10 ReLU, CrossEntropy(from_logits), Adam, batch {result['batch_size']}, one epoch per process, "
        f"{result['repeats']} round(s)",
        "",
        *_worker_rows(result),
    ]
    lines += [
        "",
        _peak_line(result),
        f"RSS budget with X in memory: 1.25 x {_num(result['data_mib'])} + 200 = {_num(result['rss_budget_mib'])} MiB.",
    ]
    for mode, ratio in result["ratios"].items():
        verdict = _verdict(ratio["median"], ratio["target_at_least"], at_least=True)
        lines.append(f"Throughput tinyframe / torch, X {mode}: {ratio['median']:.3f} (median of paired; {verdict}).")
    lines += [_rss_line(result, mode) for mode in ("memory", "memmap")]
    return "\n".join([*lines, _load_line(result)])


def dask_table(result: dict) -> str:
    """The dask case: samples/s and peak memory of training and scoring, per way of holding X."""
    if "skipped" in result:
        return f"### dask: skipped ({result['skipped']})"
    lines = [
        f"### dask: {result['samples']:,} x {result['features']} float32 ({_num(result['data_mib'])} MiB), "
        f"784-256-10 ReLU; fit: one epoch, batch {result['batch_size']}; Dask blocks of {result['block_rows']:,} "
        f"rows; one process per run, {result['repeats']} round(s)",
        "",
        "| call | X | samples/s (median) | peak RSS MiB | before data MiB | workers' peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        if "error" in row:
            lines.append(f"| {row['what']} | {row['x']} | failed: {row['error'].splitlines()[-1]} | | | |")
            continue
        lines.append(
            f"| {row['what']} | {row['x']} | {_num(row['throughput']['median'])} | {_num(row['peak_rss_mib'])} "
            f"| {_num(row['baseline_rss_mib'])} | {_num(row['workers_peak_rss_mib'])} |"
        )
    return "\n".join([*lines, "", _load_line(result)])


def _rss_line(result: dict, mode: str) -> str:
    """Peak RSS against the budget (X in memory) or against the data's size (X memory-mapped)."""
    parts = []
    for entry in result["programs"]:
        if entry["x"] != mode or "error" in entry:
            continue
        peak = entry["peak_rss_mib"]
        if mode == "memory":
            parts.append(
                f"{entry['program']} {_num(peak)} MiB ({'within' if peak <= result['rss_budget_mib'] else 'OVER'})"
            )
        else:
            share = peak / result["data_mib"]
            parts.append(
                f"{entry['program']} {_num(peak)} MiB = {share:.2f} x the data ({_num(entry['peak_anon_mib'])} anon)"
            )
    what = "budget" if mode == "memory" else "data's size"
    return f"Peak RSS, X {mode} (vs the {what}): {'; '.join(parts) or 'n/a'}."


def mnist1d_table(result: dict) -> str:
    """The mnist1d_cnn case: steps/s and FLOP rate of tinyframe and PyTorch, then their paired ratio."""
    return _rate_table(
        f"### mnist1d_cnn, float32: {result['samples']:,} synthetic sequences of 40, the paper's CNN, Adam, "
        f"batch {result['batch_size']}, one epoch ({result['steps_per_call']} steps) per call, "
        f"{result['repeats']} interleaved rounds after {result['warmup_rounds']} warm-up",
        result,
    )


def residual_table(result: dict) -> str:
    """The residual case on one thread count: steps/s and FLOP rate of tinyframe and PyTorch, then the paired ratio."""
    return _rate_table(
        f"### residual, float32, {result['threads']} thread(s): {result['samples']:,} synthetic rows of 64, "
        f"8 residual blocks of two Dense(64, relu), Adam, batch {result['batch_size']}, one epoch "
        f"({result['steps_per_call']} steps) per call, {result['repeats']} interleaved rounds after "
        f"{result['warmup_rounds']} warm-up",
        result,
    )


def transformer_table(result: dict) -> str:
    """The transformer case on one thread count: steps/s, characters/s and FLOP rate, the paired ratios, the losses."""
    size = result["size"]
    first = {name: stats["first_losses"] for name, stats in result["programs"].items() if "first_losses" in stats}
    losses = "; ".join(f"{name} {', '.join(f'{v:.7f}' for v in values)}" for name, values in first.items())
    extra = [f"First losses: {losses}."]
    held = {name: stats["memory"] for name, stats in result["programs"].items() if "memory" in stats}
    if held:
        rise = {name: m["peak_rss_mib"] - m["rss_before_mib"] for name, m in held.items() if "error" not in m}
        extra.append("Peak memory of training, one process per program: " + "; ".join(
            f"{name} {m['error']}" if "error" in m else
            f"{name} {m['peak_rss_mib']:.0f} MiB ({rise[name]:.0f} MiB above the built model)"
            for name, m in held.items()
        ) + ".")  # fmt: skip
    if "torch_cpu" in result["ratios"]:
        cpu = _spread(result["ratios"]["torch_cpu"])
        extra.insert(0, f"Steps per second of process CPU time, tinyframe / torch: {cpu} (median of paired; p25–p75).")
    return _rate_table(
        f"### transformer, float32, {result['threads']} thread(s): examples/char_transformer.py's model, "
        f"{size['layers']} blocks x {size['heads']} heads x {size['width']} wide, context {size['context']}, "
        f"{size['vocabulary']} characters ({size['parameters']:,} parameters), AdamW, batch {size['batch_size']}, "
        f"{result['steps_per_call']} steps per call, {result['repeats']} interleaved rounds after "
        f"{result['warmup_rounds']} warm-up",
        result,
        result["tokens_per_step"],
        extra,
    )


def _spread(ratio: dict) -> str:
    return f"{ratio['median']:.3f} ({ratio['p25']:.3f}–{ratio['p75']:.3f})"


def _rate_table(heading: str, result: dict, tokens_per_step: int | None = None, extra: list[str] = ()) -> str:
    """A case timed in steps/s in this process (mnist1d_cnn, residual, transformer): a row per program, the peak,
    the ratio, ``extra`` lines; with ``tokens_per_step``, a column of characters (tokens) per second."""
    tokens = "" if tokens_per_step is None else " chars/s |"
    lines = [
        heading,
        "",
        f"| program | steps/s (median) | p25–p75 |{tokens} ms/step | GFLOP/s | % of peak | loss |",
        "|---|---:|---:|" + "---:|" * (4 + bool(tokens)),
    ]
    for name, stats in result["programs"].items():
        if "skipped" in stats:
            lines.append(f"| {name} | {stats['skipped']} |" + " |" * (5 + bool(tokens)))
            continue
        chars = "" if tokens_per_step is None else f" {_num(stats['median'] * tokens_per_step)} |"
        lines.append(
            f"| {name} | {_num(stats['median'])} | {_num(stats['p25'])}–{_num(stats['p75'])} |{chars} "
            f"{_num(1e3 / stats['median'])} | {_num(stats['gflops'])} | {100 * stats['fraction_of_peak']:.1f} "
            f"| {stats['final_loss']:.3f} |"
        )
    lines += ["", _peak_line(result)]
    if "torch" in result["ratios"]:
        lines.append(f"Steps/s tinyframe / torch: {_spread(result['ratios']['torch'])} (median of paired; p25–p75).")
    return "\n".join([*lines, *extra, _load_line(result)])


def recurrent_table(result: dict) -> str:
    """The recurrent case on one thread count: a row per (model, program), then each model's paired ratios."""
    lines = [
        f"### recurrent, float32, {result['threads']} thread(s): {result['samples']:,} synthetic sequences of "
        f"50 x 8, <layer>(64) -> Dense(10), Adam, batch {result['batch_size']}, one epoch "
        f"({result['steps_per_call']} steps) per call, {result['repeats']} interleaved rounds after "
        f"{result['warmup_rounds']} warm-up",
        "",
        "| model | program | steps/s (median) | p25–p75 | ms/step | CPU ms/step | GFLOP/s | % of peak | first loss |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model, entry in result["models"].items():
        for name, stats in entry["programs"].items():
            lines.append(
                f"| {model} | {name} | {_num(stats['median'])} | {_num(stats['p25'])}–{_num(stats['p75'])} "
                f"| {_num(1e3 / stats['median'])} | {_num(stats['cpu_ms_per_step']['median'])} "
                f"| {_num(stats['gflops'])} | {100 * stats['fraction_of_peak']:.1f} | {stats['first_losses'][0]:.5f} |"
            )
    for name, reason in result["skipped"].items():
        lines.append(f"| — | {name} | {reason} |" + " |" * 6)
    lines += ["", f"Peak FLOP rate: {_num(result['peak_gflops'])} GFLOP/s, measured ({result['peak_method']})."]
    for model, entry in result["models"].items():
        if entry["ratios"]:
            wall, cpu = entry["ratios"]["elapsed"], entry["ratios"]["cpu"]
            lines.append(
                f"{model}: steps/s tinyframe / torch {wall['median']:.3f} ({wall['p25']:.3f}–{wall['p75']:.3f}) "
                f"elapsed, {cpu['median']:.3f} ({cpu['p25']:.3f}–{cpu['p75']:.3f}) CPU time, median (p25–p75) "
                f"of paired rounds; {_verdict(wall['median'], result['target'], at_least=True)}."
            )
    return "\n".join([*lines, _load_line(result)])


def conv2d_table(result: dict) -> str:
    """The conv2d case: throughput, peak memory and FLOP rate per program (one process per epoch), then the ratio."""
    lines = [
        f"### conv2d: {result['samples']:,} synthetic 28x28x1 float32 images ({_num(result['data_mib'])} MiB), "
        f"Conv2D(32, 3), pool, Conv2D(64, 3), pool, Dense(10), Adam, batch {result['batch_size']}, "
        f"one epoch per process, {result['repeats']} round(s)",
        "",
        *_worker_rows(result),
    ]
    lines += ["", _peak_line(result)]
    if "torch" in result["ratios"]:
        lines.append(f"Samples/s tinyframe / torch: {result['ratios']['torch']['median']:.3f} (median of paired).")
    return "\n".join([*lines, _load_line(result)])


def _worker_rows(result: dict) -> list[str]:
    """The table of a case measured one process per epoch (large, conv2d): a row per (program, X) or skipped program."""
    lines = [
        "| program | X | samples/s (median) | s/epoch | peak RSS MiB | anon / file peak MiB | before data MiB "
        "| GFLOP/s | % of peak | loss |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in result["programs"]:
        if "error" in entry:
            lines.append(
                f"| {entry['program']} | {entry['x']} | failed: {entry['error'].splitlines()[-1]} |" + " |" * 7
            )
            continue
        lines.append(
            f"| {entry['program']} | {entry['x']} | {_num(entry['throughput']['median'])} "
            f"| {_num(entry['seconds_per_epoch']['median'])} | {_num(entry['peak_rss_mib'])} "
            f"| {_num(entry['peak_anon_mib'])} / {_num(entry['peak_file_mib'])} | {_num(entry['baseline_rss_mib'])} "
            f"| {_num(entry['gflops'])} | {100 * entry['fraction_of_peak']:.1f} | {entry['loss']:.3f} |"
        )
    for name, reason in result["skipped"].items():
        lines.append(f"| {name} | — | {reason} |" + " |" * 7)
    return lines


def _peak_line(result: dict) -> str:
    return (
        f"Peak FLOP rate: {_num(result['peak_gflops'])} GFLOP/s, measured ({result['peak_method']}); "
        f"{result['flops_per_sample']:,} matmul FLOPs per training sample."
    )


def machine_line(machine: dict) -> str:
    blas = [
        f"{p.get('internal_api')} {p.get('version')} (threads={p.get('num_threads')})"
        for p in machine["thread_pools"]
        if p.get("user_api") == "blas"
    ]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)
    return (
        f"Machine: {machine['cpu_model']}, {machine['usable_cores']} of {machine['logical_cores']} cores usable, "
        f"{_num(machine['memory_total_mib'] or 0)} MiB; BLAS: {'; '.join(blas)}; Python {machine['python']}, "
        f"{versions}; {machine['date']}."
    )


def write_json(path: pathlib.Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1) + "\n")
