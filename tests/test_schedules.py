"""Learning-rate schedules: golden values by hand, the rate each update really uses, saving, resuming, errors."""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import pytest

from tinyframe import DivergenceWarning, Sequential, load_model
from tinyframe._params import Run
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import LearningRateScheduler
from tinyframe.layers import Dense
from tinyframe.optimizers import Adagrad, Adam, AdamW, GradientDescent, Momentum, Nadam, Optimizer, RMSProp
from tinyframe.optimizers.schedules import (
    CosineDecay,
    ExponentialDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    deserialize,
    serialize,
)

ALL = [GradientDescent, Momentum, RMSProp, Adam, AdamW, Adagrad, Nadam]
SCHEDULES = [
    ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5),
    ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True),
    CosineDecay(0.1, decay_steps=8, alpha=0.1),
    CosineDecay(0.0, decay_steps=6, warmup_target=0.2, warmup_steps=4),
    PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01]),
]


# ---------------------------------------------------------------- golden values, by hand
@pytest.mark.parametrize(
    "schedule, expected",
    [
        # 0.1 * 0.5 ** (step / 10)
        (
            ExponentialDecay(0.1, 10, 0.5),
            {0: 0.1, 5: 0.1 / math.sqrt(2), 10: 0.05, 15: 0.025 * math.sqrt(2), 30: 0.0125},
        ),
        # 0.1 * 0.5 ** floor(step / 10): jumps at 10 and 20
        (ExponentialDecay(0.1, 10, 0.5, staircase=True), {0: 0.1, 9: 0.1, 10: 0.05, 19: 0.05, 20: 0.025}),
        (ExponentialDecay(2.0, 1, 3.0), {0: 2.0, 1: 6.0, 2: 18.0}),  # a rate > 1 grows
        # 0.5 * (1 + cos(pi * step / 100)), then flat at the floor
        (CosineDecay(1.0, 100), {0: 1.0, 25: 0.5 + 0.25 * math.sqrt(2), 50: 0.5, 100: 0.0, 150: 0.0}),
        # (1 - 0.1) * cosine + 0.1
        (CosineDecay(1.0, 100, alpha=0.1), {0: 1.0, 50: 0.55, 100: 0.1, 1000: 0.1}),
        # warm-up 0 -> 0.1 over 10 steps (0.01 per step), then the cosine from 0.1 over 100 steps
        (
            CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10),
            {0: 0.0, 1: 0.01, 5: 0.05, 9: 0.09, 10: 0.1, 60: 0.05, 110: 0.0, 500: 0.0},
        ),
        # warm-up 0.02 -> 0.1 over 4 steps (0.02 per step), then down to alpha * 0.1 = 0.05
        (
            CosineDecay(0.02, 10, alpha=0.5, warmup_target=0.1, warmup_steps=4),
            {0: 0.02, 1: 0.04, 3: 0.08, 4: 0.1, 9: 0.075, 14: 0.05, 99: 0.05},
        ),
        # a warm-up target without warm-up steps: the decay starts at once from the target (Keras)
        (CosineDecay(0.3, 10, warmup_target=0.2), {0: 0.2, 5: 0.1, 10: 0.0}),
        # a boundary belongs to the piece before it
        (
            PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001]),
            {0: 0.1, 99: 0.1, 100: 0.1, 101: 0.01, 200: 0.01, 201: 0.001, 10**6: 0.001},
        ),
        (PiecewiseConstantDecay([2.5], [1.0, 0.5]), {2: 1.0, 3: 0.5}),
        (PiecewiseConstantDecay([], [0.3]), {0: 0.3, 7: 0.3}),
    ],
    ids=repr,
)
def test_golden_values(schedule, expected):
    for step, rate in expected.items():
        assert schedule(step) == pytest.approx(rate, rel=1e-14, abs=1e-17), f"step {step}"


# ---------------------------------------------------------------- the rate each update uses
class Recording(GradientDescent):
    """GradientDescent that notes the learning rate it reads during each update."""

    def __init__(self, learning_rate, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.used = []

    def update(self, key, param, grad):
        self.used.append((self.iterations, self.learning_rate))
        super().update(key, param, grad)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
def test_update_k_uses_schedule_of_k_and_learning_rate_reads_the_next_one(schedule):
    optimizer, w = Recording(schedule), np.zeros(2)
    assert optimizer.learning_rate == schedule(0)
    for k in range(12):
        optimizer.step([w], [np.ones(2)])
        assert optimizer.learning_rate == schedule(k + 1)  # between steps: the rate of the next one
    # iterations is k + 1 during update k (Adam's t): the rate is schedule(k), k updates applied before it
    assert optimizer.used == [(k + 1, schedule(k)) for k in range(12)]
    expected = np.zeros(2)
    for k in range(12):
        expected -= np.ones(2) * schedule(k)  # GradientDescent's own operations: equal bit for bit
    assert np.array_equal(w, expected)


POSITIVE = [  # rates > 0 at every step, as a number set by hand must be
    CosineDecay(0.1, decay_steps=8, alpha=0.1),
    CosineDecay(0.02, decay_steps=6, alpha=0.1, warmup_target=0.2, warmup_steps=4),
    ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5, staircase=True),
]


@pytest.mark.parametrize("optimizer", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("schedule", POSITIVE, ids=repr)
def test_a_schedule_is_the_same_as_setting_each_rate_by_hand(optimizer, schedule):
    """Bit for bit, in fit's path (apply on a run of two parameters): the schedule only chooses the number."""
    rng = np.random.default_rng(0)
    scheduled, by_hand = optimizer(learning_rate=schedule), optimizer(learning_rate=1.0)
    runs = [Run((0, 1), np.full(5, 0.5), np.zeros(5), (2, 3)) for _ in range(2)]
    for k in range(10):
        for run in runs:
            run.grads[...] = rng.normal(size=5) if run is runs[0] else runs[0].grads
        scheduled.apply(runs[:1])
        by_hand.learning_rate = schedule(k)
        by_hand.apply(runs[1:])
    assert np.array_equal(runs[0].params, runs[1].params)


def test_in_fit_every_mini_batch_step_uses_the_schedule_at_its_count():
    X, y = np.random.default_rng(0).normal(size=(10, 3)), np.zeros((10, 2))
    schedule = PiecewiseConstantDecay([3, 7], [0.3, 0.2, 0.1])
    model = Sequential([Dense(3, 2)], seed=0)
    model.compile(optimizer=Recording(schedule))
    model.fit(X, y, epochs=3, batch_size=4, verbose=0)  # 3 steps per epoch
    assert model.optimizer.used == [(k + 1, schedule(k)) for k in range(9)]


# ---------------------------------------------------------------- learning_rate with a schedule
def test_assigning_a_number_to_a_scheduled_learning_rate_is_a_type_error():
    optimizer = Adam(ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="Adam was created with a learning-rate schedule .* cannot be set"):
        optimizer.learning_rate = 0.01
    assert optimizer.learning_rate == 0.1
    optimizer.learning_rate = CosineDecay(0.5, 10)  # a schedule may replace a schedule (as in Keras)
    assert optimizer.learning_rate == 0.5


def test_learning_rate_scheduler_on_a_scheduled_optimizer_says_why():
    model = Sequential([Dense(2, 1)], seed=0)
    model.compile(optimizer=Adam(ExponentialDecay(0.1, 10, 0.9)))
    before = model.get_weights()
    with pytest.raises((TypeError, ValueError), match="created with a learning-rate schedule"):
        model.fit(
            np.ones((4, 2)),
            np.ones(4),
            epochs=2,
            verbose=0,
            callbacks=[LearningRateScheduler(lambda e: 0.1)],
            batch_size=None,
        )
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_schedule_that_gives_a_bad_rate_stops_the_step_before_it_changes_anything():
    optimizer, w = GradientDescent(ExponentialDecay(1.0, 1, 1e300)), np.ones(1)
    for _ in range(2):  # rates 1, then 1e300
        optimizer.step([w], [np.ones(1)])
    with pytest.raises(ValueError, match=r"must give a finite rate >= 0. Received: inf at step 2"):
        optimizer.step([w], [np.ones(1)])  # 1e600 overflows float64
    assert optimizer.iterations == 2 and w.tolist() == [-1e300]

    class Negative(LearningRateSchedule):
        def __call__(self, step):
            return -0.1

    with pytest.raises(ValueError, match=r"Received: -0.1 at step 0"):
        GradientDescent(Negative()).step([w], [np.ones(1)])


# ---------------------------------------------------------------- compile's dtype check
def test_compile_checks_the_rates_a_schedule_passes_through_in_the_models_dtype():
    big = PiecewiseConstantDecay([10], [0.1, 1e39])  # 1e39 overflows float32
    narrow = Sequential([Dense(2, 1)], dtype="float32", seed=0)
    with pytest.raises(
        ValueError,
        match=r"schedule .* finite rates, not all zero, in the model's dtype \(float32.*"
        r"Received: values\[1\]=1e\+39, which is inf there",
    ):
        narrow.compile(optimizer=GradientDescent(big))
    with pytest.raises(ValueError, match=r"Received: warmup_target=1e\+40"):
        narrow.compile(optimizer=Adam(CosineDecay(0.0, 10, warmup_target=1e40, warmup_steps=2)))
    with pytest.raises(ValueError, match=r"not all zero.* Received: the current rate=1e-50, which is 0.0 there"):
        narrow.compile(optimizer=Adam(ExponentialDecay(1e-50, 10, 0.5)))
    narrow.compile(optimizer=Adam(CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=2)))  # 0 now, > 0 soon: fine
    wide = Sequential([Dense(2, 1)], dtype="float64", seed=0)
    wide.compile(optimizer=GradientDescent(big))
    assert wide.optimizer.learning_rate == 0.1


# ---------------------------------------------------------------- config, saving, resuming
@pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
def test_config_round_trip_through_json(schedule):
    spec = json.loads(json.dumps(serialize(schedule)))
    clone = deserialize(spec)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert [clone(k) for k in range(12)] == [schedule(k) for k in range(12)]
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


@pytest.mark.parametrize(
    "spec",
    [
        {"class_name": "Sequential", "config": {}},
        {"class_name": "LearningRateSchedule", "config": {}},
        {"class_name": "os.system", "config": {"command": "true"}},
        {"class_name": "ExponentialDecay"},
        {"class_name": "ExponentialDecay", "config": "0.1"},
        ["ExponentialDecay", {}],
    ],
    ids=repr,
)
def test_only_built_in_schedules_are_built_from_a_config(spec):
    with pytest.raises(ValueError, match=r"a learning-rate schedule must be \{'class_name': one of \['CosineDecay'"):
        deserialize(spec)
    if isinstance(spec, dict):  # what Optimizer.from_config reads as a schedule
        with pytest.raises(ValueError, match="learning-rate schedule must be"):
            Adam.from_config({"learning_rate": spec})


def test_a_saved_optimizer_keeps_its_schedule(tmp_path):
    model = Sequential([Dense(3, 2), Sigmoid()], seed=0)
    model.compile(optimizer=Nadam(CosineDecay(0.0, 20, warmup_target=0.1, warmup_steps=5), clipnorm=1.0))
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=3, verbose=0, batch_size=None)
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as file:
        config = json.loads(str(file["config"]))
    assert config["compile"]["optimizer"]["config"]["learning_rate"] == {
        "class_name": "CosineDecay",
        "config": {
            "initial_learning_rate": 0.0,
            "decay_steps": 20,
            "alpha": 0.0,
            "warmup_target": 0.1,
            "warmup_steps": 5,
        },
    }
    loaded = load_model(tmp_path / "m.npz").optimizer
    assert loaded.get_config() == model.optimizer.get_config() and loaded.iterations == 3
    assert loaded.learning_rate == model.optimizer.learning_rate == 0.06  # in the warm-up: 3 * 0.02


def test_a_file_naming_another_class_as_the_schedule_is_refused(tmp_path):
    model = Sequential([Dense(3, 2)], seed=0)
    model.compile(optimizer=Adam(ExponentialDecay(0.1, 10, 0.5)))
    model.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as z:
        members = {name: z.read(name) for name in z.namelist()}
    text = str(np.load(tmp_path / "m.npz")["config"]).replace('"ExponentialDecay"', '"Sequential"')
    members["config.npy"] = _npy(np.array(text))
    with zipfile.ZipFile(tmp_path / "forged.npz", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="compile.optimizer .* learning-rate schedule must be .* 'Sequential'"):
        load_model(tmp_path / "forged.npz")


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_a_custom_schedule_trains_but_is_not_saved_with_the_optimizer(tmp_path):
    class Halving(LearningRateSchedule):
        def __call__(self, step):
            return 0.1 * 0.5**step

    model = Sequential([Dense(3, 2)], seed=0)
    model.compile(optimizer=Adam(Halving()))
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=2, verbose=0, batch_size=None)
    assert model.optimizer.learning_rate == 0.025
    with pytest.raises(ValueError, match="save: the optimizer's learning_rate schedule cannot be saved: .*'Halving'"):
        model.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()
    model.save(tmp_path / "m.npz", include_optimizer=False)
    assert load_model(tmp_path / "m.npz").optimizer is None


def test_resuming_with_a_schedule_and_clipping_is_bit_identical(tmp_path):
    X, y = np.random.default_rng(5).normal(size=(30, 4)), np.random.default_rng(6).integers(0, 3, 30)

    def build():
        model = Sequential([Dense(4, 6), Sigmoid(), Dense(6, 3), Sigmoid()], dtype="float64", seed=1)
        schedule = CosineDecay(0.01, decay_steps=20, warmup_target=0.2, warmup_steps=12)
        model.compile(optimizer=Nadam(schedule, global_clipnorm=0.5))
        return model

    fit = {"batch_size": 7, "shuffle": True, "verbose": 0}  # 5 steps per epoch: the warm-up ends in epoch 3
    straight = build()
    straight.fit(X, y, epochs=6, **fit)
    first = build()
    first.fit(X, y, epochs=3, **fit)
    first.save(tmp_path / "half.npz")
    resumed = load_model(tmp_path / "half.npz")
    resumed.fit(X, y, epochs=6, initial_epoch=3, **fit)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 30
    assert all(np.array_equal(a, b) for a, b in zip(resumed.get_weights(), straight.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(first.get_weights(), straight.get_weights()))


def test_an_undone_step_rewinds_the_schedule_with_the_count():
    """GuardedStep undoes a step that overflows and rewinds `iterations`: the next try uses the same rate."""
    rng = np.random.default_rng(0)
    X, y = 100 * rng.normal(size=(10, 3)), 100 * rng.random((10, 2))
    model = Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype="float32", seed=0)
    model.compile(optimizer=Recording(PiecewiseConstantDecay([0], [0.01, 1e38])))  # step 1 on: 1e38 overflows
    for _ in range(2):  # one step per epoch: kept, then undone (fit stops); again: undone at once
        with pytest.warns(DivergenceWarning):
            model.fit(X, y, epochs=3, verbose=0, batch_size=None)
    assert model.optimizer.iterations == 1 and model.optimizer.learning_rate == 1e38
    assert [k for k, _ in model.optimizer.used] == [1, 2, 2]
    assert [rate for _, rate in model.optimizer.used] == [0.01, 1e38, 1e38]


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: ExponentialDecay(0.0, 10, 0.5), ValueError, r"initial_learning_rate must be in \(0.0, inf\)"),
        (lambda: ExponentialDecay(0.1, 0, 0.5), ValueError, "decay_steps must be a finite number of steps > 0"),
        (lambda: ExponentialDecay(0.1, "10", 0.5), TypeError, "decay_steps must be a number of steps"),
        (lambda: ExponentialDecay(0.1, 10, -0.5), ValueError, r"decay_rate must be in \(0.0, inf\)"),
        (lambda: ExponentialDecay(0.1, 10, 0.5, staircase=1), TypeError, "staircase must be True or False"),
        (lambda: CosineDecay(0.0, 10), ValueError, r"CosineDecay: initial_learning_rate must be in \(0.0, inf\)"),
        (lambda: CosineDecay(-0.1, 10, warmup_target=0.1), ValueError, r"initial_learning_rate must be in \[0.0"),
        (lambda: CosineDecay(0.1, float("inf")), ValueError, "decay_steps must be a finite number of steps > 0"),
        (lambda: CosineDecay(0.1, 10, alpha=-0.1), ValueError, r"alpha must be in \[0.0, inf\)"),
        (lambda: CosineDecay(0.1, 10, warmup_target=0), ValueError, r"warmup_target must be in \(0.0, inf\)"),
        (lambda: CosineDecay(0.1, 10, warmup_steps=5), ValueError, "warmup_steps needs a warmup_target"),
        (
            lambda: CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1),
            ValueError,
            "warmup_steps must be a finite number of steps >= 0",
        ),
        (lambda: PiecewiseConstantDecay([5, 5], [1, 2, 3]), ValueError, "boundaries must be strictly increasing"),
        (lambda: PiecewiseConstantDecay([5], [1]), ValueError, "values must have one more element than boundaries"),
        (lambda: PiecewiseConstantDecay([5], [1, -1]), ValueError, r"values must be in \[0.0, inf\)"),
        (lambda: PiecewiseConstantDecay([5], [0, 0]), ValueError, "at least one of values must be > 0"),
        (lambda: PiecewiseConstantDecay("5", [1, 2]), TypeError, "boundaries must be a list of numbers"),
        (lambda: PiecewiseConstantDecay([None], [1, 2]), TypeError, "boundaries must be finite step counts"),
        (lambda: Adam(learning_rate=lambda: 0.1), TypeError, "Adam: learning_rate must be a real number"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_every_optimizer_takes_a_schedule():
    for cls in ALL:
        optimizer = cls(learning_rate=ExponentialDecay(0.1, 10, 0.5))
        assert isinstance(optimizer, Optimizer) and optimizer.learning_rate == 0.1
        assert repr(optimizer).startswith(f"{cls.__name__}(learning_rate=ExponentialDecay(initial_learning_rate=0.1")
