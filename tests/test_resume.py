"""Resume: 5 epochs, save, load in a new process, 5 more == 10 epochs straight, bit for bit.

The run shuffles mini-batches (so the Generator state matters) and, where the
project has them, uses Dropout (more draws from the Generator) and an optimizer
with state (Momentum, Adam), so every piece of saved training state is exercised.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tinyframe
from tinyframe import Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense

FIT = {"batch_size": 7, "shuffle": True, "verbose": 0}  # 40 samples: 6 batches, the last one short

# The second half, in a fresh interpreter: nothing in memory carries over.
SECOND_HALF = """
import sys
import numpy as np
from tinyframe import load_model
rng = np.random.default_rng(123)
X, y = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
model = load_model(sys.argv[1])
model.fit(X, y, epochs=10, initial_epoch=5, batch_size=7, shuffle=True, verbose=0)
model.save(sys.argv[2])
"""


def data():
    rng = np.random.default_rng(123)
    return rng.normal(size=(40, 6)), rng.integers(0, 3, 40)


def optimizer_params():
    stateful = ("Momentum", "Adam", "Adagrad", "Nadam")
    names = ["GradientDescent"] + [n for n in stateful if hasattr(tinyframe.optimizers, n)]
    return names or ["GradientDescent"]


def build(optimizer_name):
    middle = [tinyframe.layers.Dropout(0.2)] if hasattr(tinyframe.layers, "Dropout") else []
    model = Sequential([Dense(6, 8), Sigmoid(), *middle, Dense(8, 3), Sigmoid()], dtype="float64", seed=42)
    model.compile(optimizer=getattr(tinyframe.optimizers, optimizer_name)(learning_rate=0.1), metrics=["accuracy"])
    return model


def same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


@pytest.mark.parametrize("optimizer_name", optimizer_params())
def test_resuming_in_a_new_process_is_bit_identical(optimizer_name, tmp_path):
    X, y = data()
    straight = build(optimizer_name)
    straight.fit(X, y, epochs=10, **FIT)

    first = build(optimizer_name)
    first.fit(X, y, epochs=5, **FIT)
    first.save(tmp_path / "half.npz")
    result = subprocess.run(
        [sys.executable, "-c", SECOND_HALF, str(tmp_path / "half.npz"), str(tmp_path / "full.npz")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    resumed = load_model(tmp_path / "full.npz")

    assert not same_weights(first, straight), "the second half must change the weights"
    assert same_weights(resumed, straight)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 60
    for i, slots in straight.optimizer.state.items():
        assert all(np.array_equal(v, resumed.optimizer.state[i][k]) for k, v in slots.items())
    assert resumed.rng.bit_generator.state == straight.rng.bit_generator.state


def test_the_generator_state_is_what_makes_resuming_exact(tmp_path):
    """Control: the same resume with a reseeded Generator diverges, so the test above can fail."""
    X, y = data()
    straight = build("GradientDescent")
    straight.fit(X, y, epochs=10, **FIT)
    first = build("GradientDescent")
    first.fit(X, y, epochs=5, **FIT)
    first.save(tmp_path / "half.npz")

    exact, reseeded = load_model(tmp_path / "half.npz"), load_model(tmp_path / "half.npz")
    reseeded.rng.bit_generator.state = np.random.default_rng(42).bit_generator.state
    for model in (exact, reseeded):
        model.fit(X, y, epochs=10, initial_epoch=5, **FIT)
    assert same_weights(exact, straight)
    assert not same_weights(reseeded, straight)
