"""The benchmark suite keeps working: ``--quick`` runs every case and writes a well-formed result.

No timing is asserted (the machine is shared and noisy); what is asserted is that
the tables and the JSON are produced, that every program did the work it was
given, and that the programs which start from the same weights compute the same
losses (so they really time the same maths).
"""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys

import pytest

from benchmarks import (
    conv2d,
    dask_case,
    flops,
    large,
    mnist1d_cnn,
    recurrent,
    report,
    residual,
    timing,
    transformer,
    transformer_curves,
    transformer_profile,
)
from benchmarks.run import parse_args, run_cases

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # one --quick benchmark run for the module: about 100 s on 2 busy cores


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[str, dict]:
    """One ``--quick`` run for all the tests here.

    ``--threads 1``: on a busy machine (tests run beside other work) two BLAS threads
    can stall on small matrices for a scheduler time slice per call, 50x slower; one
    thread keeps the smoke run to seconds. It also exercises the pinning path.
    """
    out = tmp_path_factory.mktemp("bench") / "result.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--threads", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def test_quick_run_prints_a_table_per_case_and_the_machine(quick_run):
    stdout, _ = quick_run
    for heading in ("### article, float32", "### article, float64", "### minibatch, float32", "### minibatch, float64"):
        assert heading in stdout
    assert "### large:" in stdout
    assert "| tinyframe | " in stdout and "| hand_numpy | " in stdout
    assert "Machine: " in stdout and "Command: python -m benchmarks --quick --threads 1" in stdout


def test_quick_json_records_the_machine_and_every_timing(quick_run):
    _, payload = quick_run
    assert payload["quick"] is True and payload["threads_pinned"] == 1
    if sys.platform.startswith("linux"):  # glibc: the malloc thresholds were fixed for every program
        assert payload["allocator"]["glibc_mallopt"] is True
    machine = payload["machine"]
    assert machine["cpu_model"] and machine["logical_cores"] >= 1 and machine["versions"]["numpy"]
    assert any(pool["user_api"] == "blas" for pool in machine["thread_pools"])
    digits = [r for r in payload["results"] if r["case"] in ("article", "minibatch")]
    assert [(r["case"], r["dtype"]) for r in digits] == [
        ("article", "float32"),
        ("article", "float64"),
        ("minibatch", "float32"),
        ("minibatch", "float64"),
    ]
    for result in digits:
        for name, stats in result["programs"].items():
            if "skipped" in stats:
                assert name == "torch" and "pip install torch==2.13.0" in stats["skipped"]
                continue
            assert len(stats["seconds"]) == result["repeats"] and stats["p25"] <= stats["median"] <= stats["p75"]
        ratio = result["ratios"]["hand_numpy"]
        assert len(ratio["values"]) == result["repeats"] and ratio["median"] > 0


def test_programs_from_the_same_weights_compute_the_same_loss(quick_run):
    """tinyframe, the hand loop and PyTorch start from one set of weights: same maths, same loss."""
    _, payload = quick_run
    for result in payload["results"]:
        if result["case"] != "article":
            continue
        programs = result["programs"]
        reference = programs["hand_numpy"]["final_loss"]
        tolerance = 1e-9 if result["dtype"] == "float64" else 1e-5
        for name in ("tinyframe", "torch"):
            if "final_loss" in programs[name]:
                assert programs[name]["final_loss"] == pytest.approx(reference, rel=tolerance), name


def test_quick_large_case_reports_throughput_and_memory(quick_run):
    _, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "large"]
    assert result["peak_gflops"] > 0 and result["flops_per_sample"] == large.flops_per_sample()
    for entry in result["programs"]:
        assert "error" not in entry, entry.get("error")
        assert entry["throughput"]["median"] > 0 and entry["peak_rss_mib"] >= entry["baseline_rss_mib"] > 0
    assert {e["x"] for e in result["programs"]} <= {"memory", "memmap"}


def test_quick_mnist1d_cnn_case_times_both_programs_in_steps_per_second(quick_run):
    stdout, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "mnist1d_cnn"]
    assert "### mnist1d_cnn, float32:" in stdout and result["flops_per_sample"] == 185_750
    for name, stats in result["programs"].items():
        if "skipped" in stats:
            assert name == "torch" and "pip install torch==2.13.0" in stats["skipped"]
            continue
        assert len(stats["seconds"]) == result["repeats"] and stats["p25"] <= stats["median"] <= stats["p75"]
        assert 0 < stats["fraction_of_peak"] and stats["gflops"] > 0 and stats["final_loss"] > 0
    if "torch" in result["ratios"]:
        assert len(result["ratios"]["torch"]["values"]) == result["repeats"]
        ours, theirs = (result["programs"][name]["first_losses"] for name in ("tinyframe", "torch"))
        # Channels last and first from one set of weights. float32 sums of ~125 products: the first
        # step's loss agrees to about 1e-7; after one Adam step of 1e-2, a weight whose gradient is near
        # zero may move by the full rate in either program, hence a looser bound for the second
        assert ours[0] == pytest.approx(theirs[0], rel=1e-5) and ours[1] == pytest.approx(theirs[1], rel=1e-4)


def test_quick_conv2d_case_reports_throughput_and_memory_of_each_process(quick_run):
    stdout, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "conv2d"]
    assert "### conv2d:" in stdout and result["flops_per_sample"] == conv2d.flops_per_sample()
    ran = {entry["program"] for entry in result["programs"]}
    assert ran | set(result["skipped"]) == {"tinyframe", "torch"} and "tinyframe" in ran
    for entry in result["programs"]:
        assert "error" not in entry, entry.get("error")
        assert [run["case"] for run in entry["runs"]] == ["conv2d"] * result["repeats"]
        assert entry["throughput"]["median"] > 0 and entry["peak_rss_mib"] >= entry["baseline_rss_mib"] > 0
        assert 0 < entry["fraction_of_peak"] and math.isfinite(entry["loss"])


def test_quick_residual_case_runs_on_the_pinned_thread_and_both_programs_agree(quick_run):
    stdout, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "residual"]  # --threads 1: that count only
    assert "### residual, float32, 1 thread(s):" in stdout and result["threads"] == 1
    assert result["flops_per_sample"] == residual.flops_per_sample()
    for name, stats in result["programs"].items():
        if "skipped" in stats:
            assert name == "torch" and "pip install torch==2.13.0" in stats["skipped"]
            continue
        assert len(stats["seconds"]) == result["repeats"] and stats["p25"] <= stats["median"] <= stats["p75"]
        assert 0 < stats["fraction_of_peak"] and stats["gflops"] > 0 and stats["final_loss"] > 0
    if "torch" in result["ratios"]:
        assert len(result["ratios"]["torch"]["values"]) == result["repeats"]
        ours, theirs = (result["programs"][name]["first_losses"] for name in ("tinyframe", "torch"))
        # One set of weights, each kernel transposed for Linear: float32 sums of 64 products through 17 layers
        assert ours[0] == pytest.approx(theirs[0], rel=1e-5) and ours[1] == pytest.approx(theirs[1], rel=1e-4)


def test_residual_case_runs_on_one_and_two_threads_unless_pinned(capsys):
    args = parse_args(["--quick", "--case", "residual", "--programs", "tinyframe", "--repeats", "1"])
    results = run_cases(args)
    assert [r["threads"] for r in results] == [1, 2] and all(r["steps_per_call"] == 2 for r in results)
    assert "### residual, float32, 2 thread(s):" in capsys.readouterr().out


def test_quick_transformer_case_runs_the_example_s_model_and_both_programs_agree(quick_run):
    stdout, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "transformer"]  # --threads 1: that count only
    assert "### transformer, float32, 1 thread(s): examples/char_transformer.py's model" in stdout
    assert result["threads"] == 1 and result["flops_per_token"] == transformer.flops_per_token(transformer.QUICK)
    for name, stats in result["programs"].items():
        if "skipped" in stats:
            assert name == "torch" and "pip install torch==2.13.0" in stats["skipped"]
            continue
        assert len(stats["seconds"]) == len(stats["cpu_seconds"]) == result["repeats"]
        assert stats["p25"] <= stats["median"] <= stats["p75"] and stats["gflops"] > 0 and stats["final_loss"] > 0
        held = stats["memory"]  # measured in a process of its own: the peak is at least the resident set before
        assert "error" not in held, held
        assert 0 < held["rss_before_mib"] <= held["peak_rss_mib"] and held["program"] == name
    assert "Peak memory of training, one process per program: tinyframe " in stdout
    if "torch" in result["ratios"]:
        assert len(result["ratios"]["torch"]["values"]) == len(result["ratios"]["torch_cpu"]["values"]) == 2
        ours, theirs = (result["programs"][name]["first_losses"] for name in ("tinyframe", "torch"))
        # The same weights (attention kernels reshaped for Linear) and batches: float32 rounding apart
        assert ours == pytest.approx(theirs, rel=1e-6)


def test_transformer_curves_train_both_programs_alike(tmp_path, capsys):
    """Three steps at the anchor's size on a small text: the curves, the acceptance and the JSON."""
    pytest.importorskip("torch")
    text = tmp_path / "text.txt"
    text.write_text("to be or not to be that is the question\n" * 60, "utf-8")
    out = tmp_path / "curves.json"
    argv = ["--text", str(text), "--steps", "3", "--eval-every", "2", "--eval-batches", "1", "--json", str(out)]
    assert transformer_curves.main(argv) == 0
    payload = json.loads(out.read_text())
    ours, theirs = (payload["programs"][name] for name in ("tinyframe", "torch"))
    assert (
        [step for step, _ in ours["curve"]] == [step for step, _ in theirs["curve"]] == [0, 2, 3]
    )  # the first losses are the first two steps
    assert payload["verdict"]["first_losses_agree"] and payload["size"]["vocabulary"] == 14
    assert "| 3 | " in capsys.readouterr().out


def test_transformer_profile_splits_tinyframe_s_step_by_layer_type(capsys):
    assert transformer_profile.main(["--steps", "1", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    for row in (
        "| the whole step |",
        "|   GELU forward |",
        "| MultiHeadAttention backward |",
        "| clipping and AdamW |",
    ):
        assert row in out
    if "PyTorch is not installed" not in out:
        assert "| MultiHeadAttention, causal |" in out and "|   GELU alone |" in out


def test_transformer_flops_are_counted_by_hand():
    # per block 12 * 128^2 = 196,608 projection and MLP MACs and 2 * 64 * 128 = 16,384 attention MACs; head 128 * 93
    assert transformer.flops_per_token() == 6 * (4 * (196_608 + 16_384) + 11_904) == 5_183_232


def test_convnet_flops_are_counted_by_hand():
    # MACs: mnist1d 19*5*1*25 = 2,375 (first), 10*3*25*25 = 18,750, 5*3*25*25 = 9,375, 125*10 = 1,250
    assert mnist1d_cnn.flops_per_sample() == 4 * 2_375 + 6 * (18_750 + 9_375 + 1_250)
    # conv2d: 26*26*9*32 = 194,688 (first), 11*11*9*32*64 = 2,230,272, 5*5*64*10 = 16,000
    assert conv2d.flops_per_sample() == 4 * 194_688 + 6 * (2_230_272 + 16_000)
    assert flops.training_flops([3]) == 12
    # residual: 16 Dense 64 x 64 (4,096 MACs each; the first needs no input gradient) and the 64 x 10 head
    assert residual.flops_per_sample() == 4 * 4_096 + 6 * (15 * 4_096 + 640)


def test_flops_per_sample_counts_the_matmuls_by_hand():
    # forward 2*(4*3 + 3*2) = 36, weight gradients 36 again, hidden delta 2*3*2 = 12
    assert large.flops_per_sample(features=4, hidden=3, classes=2) == 84


def test_paired_ratios_are_taken_round_by_round():
    ratios = timing.paired_ratios({"tinyframe": [1.0, 2.0, 3.0], "peer": [2.0, 2.0, 6.0]}, "tinyframe")
    assert ratios["peer"]["values"] == [0.5, 1.0, 0.5] and ratios["peer"]["median"] == 0.5


def test_interleaved_runs_every_program_once_per_round_after_the_warm_up():
    calls = {"a": 0, "b": 0}

    def counter(name):
        def call():
            calls[name] += 1
            return calls[name]

        return call

    times, last = timing.interleaved({"a": counter("a"), "b": counter("b")}, repeats=4, warmup=2, pause=0)
    assert calls == {"a": 6, "b": 6} and last == {"a": 6, "b": 6}
    assert all(len(t) == 4 and min(t) >= 0 for t in times.values())


def test_bad_sizes_are_refused_with_the_value(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--repeats", "0"])
    assert "--repeats must be >= 1. Received: 0" in capsys.readouterr().err


def test_primers_run_untimed_just_before_each_timed_call():
    log = []
    programs = {"a": lambda: log.append("a"), "b": lambda: log.append("b")}
    primers = {"a": lambda: log.append("prime a")}
    timing.interleaved(programs, repeats=3, warmup=1, pause=0, primers=primers)
    rounds = [log[i : i + 3] for i in range(2, 11, 3)]  # after the warm-up round (no primers there)
    assert len(log) == 11 and all(r.count("prime a") == 1 and r[r.index("a") - 1] == "prime a" for r in rounds)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_the_numpy_floor_computes_the_hand_loops_losses(batch_size):
    from benchmarks import workloads
    from benchmarks.programs import hand_numpy, numpy_floor

    work = workloads.digits("float64", batch_size)
    floor, hand = numpy_floor.digits(work), hand_numpy.digits(work)
    for _ in range(3):
        assert floor(2) == pytest.approx(hand(2), rel=1e-12)


def test_onnx_case_times_both_programs_on_the_same_outputs():
    """The onnx case (run alone: the quick run above has it too) times both, and they compute the same outputs."""
    pytest.importorskip("onnxruntime")
    from benchmarks import onnx_latency

    result = onnx_latency.run("float32", repeats=1, calls=2, threads=1)
    assert [(row["network"], row["batch"]) for row in result["rows"]] == [
        (name, batch) for name in onnx_latency.NETWORKS for batch in onnx_latency.BATCHES
    ]
    assert all(row["max_difference"] < 1e-5 for row in result["rows"])
    assert "| article 64-30-10 | 1 |" in onnx_latency.table(result)


def test_the_dask_case_runs_only_when_named_and_trains_and_scores_from_disk(tmp_path):
    """The dask case's two workers on a small npy stack: every row trained on and scored (no timing asserted)."""
    pytest.importorskip("dask.distributed")
    assert "dask" not in parse_args([]).case and parse_args(["--case", "dask"]).case == ["dask"]
    large.write_data(tmp_path, 1_024)
    dask_case.write_stack(tmp_path, 1_024)
    assert dask_case.block_rows(1_024) == 256 and len(list((tmp_path / "stack").glob("*.npy"))) == 4
    fit = large.measure_in_worker("tinyframe", "dask", tmp_path)
    scored = dask_case.score_in_worker("dask", tmp_path)
    assert "error" not in fit and "error" not in scored, (fit.get("error"), scored.get("error"))
    assert fit["samples"] == scored["samples"] == 1_024 and math.isfinite(fit["loss"])
    rows = [dask_case.summarise("fit", "dask", [fit]), dask_case.summarise("score", "dask", [scored])]
    result = {"samples": 1_024, "features": 784, "data_mib": 3.06, "batch_size": 256, "block_rows": 256,
              "repeats": 1, "load_average": [None, None], "rows": rows}  # fmt: skip
    table = report.dask_table(result)
    assert "| fit | dask | " in table and "| score | dask | " in table


def test_quick_recurrent_case_times_four_models_and_both_programs_agree(quick_run):
    stdout, payload = quick_run
    (result,) = [r for r in payload["results"] if r["case"] == "recurrent"]  # --threads 1: that count only
    assert "### recurrent, float32, 1 thread(s):" in stdout and result["threads"] == 1
    assert list(result["models"]) == ["LSTM", "GRU", "SimpleRNN", "Bidirectional(LSTM)"]
    for model, entry in result["models"].items():
        assert entry["flops_per_sample"] == recurrent.flops_per_sample(model)
        for stats in entry["programs"].values():
            assert len(stats["seconds"]) == len(stats["cpu_seconds"]) == result["repeats"]
            assert stats["p25"] <= stats["median"] <= stats["p75"] and 0 < stats["fraction_of_peak"]
        if "torch" in entry["programs"]:
            assert (
                len(entry["ratios"]["elapsed"]["values"]) == len(entry["ratios"]["cpu"]["values"]) == result["repeats"]
            )
            ours, theirs = (entry["programs"][name]["first_losses"] for name in ("tinyframe", "torch"))
            # One set of weights in torch's layout, the same loss and the same Adam step (float32 sums over 50 steps)
            assert ours[0] == pytest.approx(theirs[0], rel=1e-5) and ours[1] == pytest.approx(theirs[1], rel=1e-4)


def test_recurrent_flops_are_counted_by_hand():
    # LSTM: k = 256; x_t W forward and dW: 4 * 50 * 8 * 256; h U forward, dU, dh (49 steps): 2 * 50 + 49 products
    # of 64 * 256 MACs; the head 6 * 64 * 10
    assert recurrent.flops_per_sample("LSTM") == 4 * 50 * 8 * 256 + 2 * (3 * 50 - 1) * 64 * 256 + 6 * 640
    assert recurrent.flops_per_sample("SimpleRNN") == 4 * 50 * 8 * 64 + 2 * 149 * 64 * 64 + 6 * 640
    assert recurrent.flops_per_sample("Bidirectional(LSTM)") == 2 * recurrent.flops_per_sample("LSTM")
