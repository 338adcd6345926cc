"""Threads: inference is reentrant, and `fit` owns the model while it runs (DESIGN.md, "Ownership").

* ``predict`` and ``evaluate`` called from many threads at once give, for each batch,
  the single-threaded answer bit for bit: the work arrays of a call belong to that call.
  Every thread cycles through the same few batches from a different starting point,
  so at any moment the threads work on different batches of the same shape (the
  case where scratch arrays shared between calls overwrite each other).
* While `fit` runs, another thread's ``predict`` is refused with a RuntimeError that
  names `fit`; the training thread itself (a callback) may predict; once `fit` has
  returned, any thread may predict again.

The switch interval of the interpreter is shortened during the threaded part, so the
threads interleave at many more points than they would by default.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tinyframe import Sequential
from tinyframe.activations import Sigmoid
from tinyframe.callbacks import Callback
from tinyframe.layers import Dense, Layer
from tinyframe.losses import SquaredError

N_BATCHES = 4  # distinct batches each thread cycles through
CALLS = 300  # calls per thread and example
THREADED = settings(max_examples=15, phases=[Phase.explicit, Phase.generate])  # a race does not shrink reliably

thread_counts = st.integers(min_value=2, max_value=6)
batch_rows = st.integers(min_value=1, max_value=64)
data_seeds = st.integers(min_value=0, max_value=2**32 - 1)


@functools.cache
def trained_model() -> Sequential:
    """The design card's float32 network, trained briefly on random data (built once, read-only afterwards)."""
    rng = np.random.default_rng(1)
    model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
    model.compile(loss=SquaredError(), metrics=["accuracy"])
    model.fit(rng.random((200, 64)), rng.integers(0, 10, 200), epochs=2, batch_size=32, verbose=0)
    return model


def batches(seed: int, rows: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``N_BATCHES`` float32 ``(X, labels)`` pairs of ``rows`` rows each."""
    rng = np.random.default_rng(seed)
    return [(rng.random((rows, 64), dtype=np.float32), rng.integers(0, 10, rows)) for _ in range(N_BATCHES)]


@contextlib.contextmanager
def frequent_thread_switches():
    """Ask the interpreter to switch threads every microsecond (instead of every 5 ms)."""
    saved = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(saved)


def run_together(n_threads: int, call) -> list[tuple[int, object]]:
    """``call(i)`` for batch ``i``, ``CALLS`` times in each of ``n_threads`` threads started at once.

    Thread ``t`` takes the batches in turn from batch ``t``. Returns every ``(i, result)``;
    an exception raised in a thread is raised here.
    """
    barrier = threading.Barrier(n_threads)
    results: list[list[tuple[int, object]]] = [[] for _ in range(n_threads)]
    errors: list[Exception] = []

    def work(t: int) -> None:
        try:
            barrier.wait()
            for k in range(CALLS):
                i = (t + k) % N_BATCHES
                results[t].append((i, call(i)))
        except Exception as error:  # handed to the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    with frequent_thread_switches():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return [pair for per_thread in results for pair in per_thread]


# --------------------------------------------------------------------------- inference is reentrant
@THREADED
@given(n_threads=thread_counts, rows=batch_rows, seed=data_seeds)
def test_predict_from_many_threads_gives_the_single_threaded_outputs_bit_for_bit(n_threads, rows, seed):
    model = trained_model()
    data = batches(seed, rows)
    reference = [model.predict(X) for X, _ in data]
    results = run_together(n_threads, lambda i: model.predict(data[i][0]))
    wrong = sum(not np.array_equal(out, reference[i]) for i, out in results)
    assert wrong == 0, f"{wrong} of {len(results)} concurrent predict calls differ from the single-threaded outputs"


@THREADED
@given(n_threads=thread_counts, rows=batch_rows, seed=data_seeds)
def test_evaluate_from_many_threads_gives_the_single_threaded_logs_exactly(n_threads, rows, seed):
    model = trained_model()
    data = batches(seed, rows)
    reference = [model.evaluate(X, y, verbose=0, return_dict=True) for X, y in data]
    assert all(set(logs) == {"loss", "accuracy"} for logs in reference)
    results = run_together(n_threads, lambda i: model.evaluate(*data[i], verbose=0, return_dict=True))
    wrong = [(i, logs) for i, logs in results if logs != reference[i]]
    assert not wrong, f"{len(wrong)} of {len(results)} concurrent evaluate calls differ, e.g. {wrong[0]}"


# --------------------------------------------------------------------------------- fit owns the model
def in_another_thread(fn):
    """``("ok", fn())`` or ``("error", exception)``, run in a new thread and joined."""
    outcome = []

    def work() -> None:
        try:
            outcome.append(("ok", fn()))
        except Exception as error:
            outcome.append(("error", error))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return outcome[0]


def reference_predict(weights: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """The design card's network written out in NumPy (float64): sigmoid(sigmoid(X W0 + b0) W1 + b1)."""
    W0, b0, W1, b1 = (w.astype(np.float64) for w in weights)
    hidden = 1 / (1 + np.exp(-(X @ W0 + b0)))
    return 1 / (1 + np.exp(-(hidden @ W1 + b1)))


class PredictDuringFit(Callback):
    """Predicts from another thread after every batch and from the training thread after every epoch."""

    def __init__(self, X: np.ndarray) -> None:
        super().__init__()
        self.X = X
        self.other_thread: list[tuple[str, object]] = []
        self.same_thread: list[tuple[list[np.ndarray], np.ndarray]] = []

    def on_batch_end(self, batch, logs=None):
        self.other_thread.append(in_another_thread(lambda: self.model.predict(self.X)))

    def on_epoch_end(self, epoch, logs=None):
        self.same_thread.append((self.model.get_weights(), self.model.predict(self.X)))


def test_fit_owns_the_model_another_thread_cannot_predict_until_it_returns():
    rng = np.random.default_rng(2)
    X, y = rng.random((40, 64)), rng.integers(0, 10, 40)
    X_new = rng.random((7, 64)).astype(np.float32)

    def fitted(callbacks):
        model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
        model.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=callbacks)
        return model

    spy = PredictDuringFit(X_new)
    model = fitted([spy])

    assert len(spy.other_thread) == 2 * 3  # 2 epochs of 3 batches
    for status, value in spy.other_thread:
        assert status == "error", "predict from another thread returned while fit was running"
        with pytest.raises(RuntimeError, match="fit"):
            raise value

    # the training thread itself may predict (from a callback), and gets the model's outputs
    assert len(spy.same_thread) == 2
    tol = 100 * np.finfo(np.float32).eps
    for weights, out in spy.same_thread:
        assert out.shape == (7, 10) and np.all(np.isfinite(out))
        np.testing.assert_allclose(out, reference_predict(weights, X_new), rtol=tol, atol=tol)
    # ... without changing what training computes
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), fitted([]).get_weights()))

    # fit has returned: every thread may predict again
    status, value = in_another_thread(lambda: model.predict(X_new))
    assert status == "ok", f"predict from another thread after fit raised {value!r}"
    assert np.array_equal(value, model.predict(X_new))


class Gate(Layer):
    """Identity whose inference forward waits for ``release``: holds a predict call in flight."""

    def __init__(self):
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def forward(self, x, training=False):
        if not training:
            self.entered.set()
            assert self.release.wait(10), "the test never released the gate"
        return x

    def backward(self, grad_out):
        return grad_out


def test_a_fit_waits_for_inference_in_flight_and_that_inference_sees_the_old_weights():
    rng = np.random.default_rng(3)
    X, y = rng.random((20, 4)), rng.integers(0, 2, 20)
    gate = Gate()
    model = Sequential([Dense(4, 2), gate, Sigmoid()], dtype="float64", seed=0)
    W, b = model.get_weights()
    expected = 1 / (1 + np.exp(-(X @ W + b)))
    predicted, fitted = {}, threading.Event()
    reader = threading.Thread(target=lambda: predicted.update(out=model.predict(X)))
    reader.start()
    assert gate.entered.wait(10)
    trainer = threading.Thread(target=lambda: (model.fit(X, y, epochs=3, verbose=0, batch_size=None), fitted.set()))
    trainer.start()
    assert not fitted.wait(0.2), "fit ran while a predict was in flight"
    gate.release.set()
    reader.join(10)
    trainer.join(10)
    assert fitted.is_set()
    np.testing.assert_allclose(predicted["out"], expected, rtol=1e-14, atol=0)  # the weights before fit
    assert not np.array_equal(model.get_weights()[0], W)  # and fit then trained


def test_compile_during_fit_is_refused_and_changes_nothing():
    rng = np.random.default_rng(5)
    X, y = rng.random((12, 64)), rng.integers(0, 10, 12)
    model = Sequential([Dense(64, 10), Sigmoid()], seed=0)
    model.compile(loss=SquaredError())
    errors = []

    class Recompile(Callback):
        def on_epoch_end(self, epoch, logs=None):
            try:
                self.model.compile(loss="mse")
            except RuntimeError as error:
                errors.append(error)

    loss = model.loss
    model.fit(X, y, epochs=2, verbose=0, callbacks=[Recompile()], batch_size=None)
    assert len(errors) == 2 and all("compile" in str(e) and "in use by fit" in str(e) for e in errors)
    assert model.loss is loss


def test_a_second_fit_from_another_thread_is_refused_before_it_draws_from_the_generator():
    rng = np.random.default_rng(6)
    X, y = rng.random((12, 64)), rng.integers(0, 10, 12)
    model = Sequential([Dense(64, 10), Sigmoid()], seed=0)
    seen = []

    class FitFromAnotherThread(Callback):
        def on_epoch_end(self, epoch, logs=None):
            before = model.rng.bit_generator.state
            status, error = in_another_thread(lambda: model.fit(X, y, validation_split=0.5, verbose=0, batch_size=None))
            seen.append((status, error, model.rng.bit_generator.state == before))

    model.fit(X, y, epochs=2, batch_size=4, verbose=0, callbacks=[FitFromAnotherThread()])
    assert [(status, same) for status, _, same in seen] == [("error", True)] * 2
    assert all(isinstance(e, RuntimeError) and "in use by fit in another thread" in str(e) for _, e, _ in seen)


def test_set_weights_from_another_thread_is_never_seen_half_done_by_predict():
    rng = np.random.default_rng(7)
    model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype="float64", seed=0)
    X = rng.random((16, 64))
    versions = [[rng.normal(size=w.shape) for w in model.get_weights()] for _ in range(2)]
    expected = []
    for weights in versions:
        model.set_weights(weights)
        expected.append(model.predict(X))
    stop, seen = threading.Event(), []

    def swap():
        k = 0
        while not stop.is_set():
            model.set_weights(versions[k % 2])
            k += 1

    swapper = threading.Thread(target=swap)
    with frequent_thread_switches():
        swapper.start()
        try:
            seen = [model.predict(X) for _ in range(300)]
        finally:
            stop.set()
            swapper.join()
    mixed = [out for out in seen if not any(np.array_equal(out, e) for e in expected)]
    assert not mixed, f"{len(mixed)} of {len(seen)} predictions used weights of two versions at once"


# --------------------------------------------------------------------------- a call that changes state is a writer
CALLS_IN_TRAINING = 150  # per thread: enough that the unlocked code lost an update in each of 10 runs


def test_model_called_in_training_mode_from_threads_loses_no_update_of_the_running_statistics():
    """Issue 26, item 4: ``model(x, training=True)`` moves BatchNormalization's statistics in place.

    From several threads at once, each call either runs alone (a writer, as fit is) or is
    refused with RuntimeError; none is lost. All calls see the same batch, so after ``k``
    calls that ran the statistics are exactly those of ``k`` calls in a row.
    """
    from tinyframe.layers import BatchNormalization

    def model():
        return Sequential([Dense(3, 4), BatchNormalization()], dtype="float64", seed=0)

    x = np.random.default_rng(0).normal(size=(8, 3))
    concurrent, ran, refused = model(), [], []
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        for _ in range(CALLS_IN_TRAINING):
            try:
                concurrent(x, training=True)
                ran.append(1)
            except RuntimeError:
                refused.append(1)

    threads = [threading.Thread(target=work) for _ in range(8)]
    with frequent_thread_switches():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    in_a_row = model()
    for _ in range(len(ran)):
        in_a_row(x, training=True)
    assert len(ran) + len(refused) == 8 * CALLS_IN_TRAINING and ran
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_array_equal(concurrent.layers[1].state[name], in_a_row.layers[1].state[name])


def test_a_callback_of_fit_may_call_the_model_in_training_mode_in_its_own_thread():
    from tinyframe.layers import BatchNormalization

    class Calls(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model(np.ones((2, 3)), training=True)

    model = Sequential([Dense(3, 4), BatchNormalization()], dtype="float64", seed=0)
    model.compile(optimizer="sgd")
    model.fit(np.ones((8, 3)), np.ones((8, 4)), batch_size=4, verbose=0, callbacks=[Calls()])


def test_ctrl_c_while_fit_waits_for_inference_in_flight_leaves_the_model_usable():
    """Issue 26, item 12: fit claims the model, then waits for a predict running in another thread;
    a Ctrl-C there must give the claim back, or every later call from any thread is refused."""
    import os
    import signal

    entered, release = threading.Event(), threading.Event()

    class Slow(Layer):
        def forward(self, x, training=False):
            if not training:
                entered.set()
                release.wait(10)
            return x

        def backward(self, grad_out):
            return grad_out

    model = Sequential([Dense(3, 2), Slow()], dtype="float64", seed=0)
    model.compile(optimizer="sgd")
    X, y = np.ones((4, 3)), np.ones((4, 2))
    reader = threading.Thread(target=lambda: model.predict(X, verbose=0))
    reader.start()
    assert entered.wait(10)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y, epochs=1, verbose=0)  # waits for the predict: interrupted there
    finally:
        timer.cancel()
        release.set()
        reader.join()
    model.fit(X, y, epochs=1, verbose=0)  # usable again, from this thread
    other = threading.Thread(target=lambda: model.predict(X, verbose=0))
    other.start()
    other.join()
