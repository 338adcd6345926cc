"""Divergence: a learning rate that cannot work is refused, and a step that overflows is undone.

* ``learning_rate`` must be finite; ``compile`` also refuses a rate that overflows the
  model's dtype (``1e308`` does not fit float32).
* A finite rate can still give an update too large for the dtype (``Adam(1e308)``
  moves every weight by about ``1e308 / (1 - beta_1)``; ``GradientDescent(1e38)``
  times a gradient above 3.4 overflows float32). That step is not applied: `fit`
  warns with a `DivergenceWarning`, every weight stays finite and equal to its value
  before the step, and the model can still be saved and loaded.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import DivergenceWarning, Sequential, load_model
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense
from tinyframe.optimizers import Adam, GradientDescent

INF = float("inf")


def small_model(dtype: str) -> Sequential:
    return Sequential([Dense(3, 4), Sigmoid(), Dense(4, 2)], dtype=dtype, seed=0)


@pytest.mark.parametrize("optimizer", [GradientDescent, Adam], ids=["GradientDescent", "Adam"])
def test_an_infinite_learning_rate_is_refused(optimizer):
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer(learning_rate=INF)


@pytest.mark.parametrize("optimizer", [GradientDescent, Adam], ids=["GradientDescent", "Adam"])
def test_a_schedule_cannot_set_an_infinite_learning_rate(optimizer):
    opt = optimizer(learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = INF
    assert opt.learning_rate == 0.1


def test_compile_refuses_a_learning_rate_that_overflows_the_models_dtype():
    assert float(np.finfo(np.float32).max) < 1e308 < float(np.finfo(np.float64).max)
    model = small_model("float32")
    first = GradientDescent(0.1)
    model.compile(optimizer=first)
    with pytest.raises(ValueError, match="learning_rate"):
        model.compile(optimizer=GradientDescent(1e308))
    assert model.optimizer is first  # the refused compile changed nothing
    wide = small_model("float64")
    wide.compile(optimizer=GradientDescent(1e308))
    assert wide.optimizer.learning_rate == 1e308


def data(scale: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return scale * rng.normal(size=(10, 3)), scale * rng.random((10, 2))


# name: (dtype, optimizer factory, scale of the data)
OVERFLOWING_STEPS = {
    "Adam(1e308), float64": ("float64", lambda: Adam(learning_rate=1e308), 1.0),
    "GradientDescent(1e38), float32": ("float32", lambda: GradientDescent(learning_rate=1e38), 100.0),
}


@pytest.mark.parametrize("case", OVERFLOWING_STEPS, ids=list(OVERFLOWING_STEPS))
def test_a_step_that_overflows_is_undone_with_a_warning(case, tmp_path):
    dtype, optimizer, scale = OVERFLOWING_STEPS[case]
    X, y = data(scale)
    model = small_model(dtype)
    model.compile(optimizer=optimizer())
    before = model.get_weights()
    with pytest.warns(DivergenceWarning, match=f"the update overflowed {dtype} at epoch 1, batch 1. That step was not"):
        model.fit(X, y, epochs=1, batch_size=None, verbose=0)  # one full-batch step: the diverging one
    after = model.get_weights()
    for i, (w, w_before) in enumerate(zip(after, before)):
        assert np.all(np.isfinite(w)), f"weights[{i}] are not finite after the diverging step"
        np.testing.assert_array_equal(w, w_before, err_msg=f"weights[{i}] changed by the diverging step")
    assert np.all(np.isfinite(model.predict(X)))
    assert model.optimizer.iterations == 0  # the optimizer's step was undone too: its state is back at the start
    assert all(np.all(s == 0) for slots in model.optimizer.state.values() for s in slots.values())

    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), before))
