"""fit on Dask arrays and DataFrames, block by block (issue 29): the same batches train bit for bit as arrays.

Run on Dask's synchronous scheduler (no cluster needed); skipped without the ``dask`` extra.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from tinyframe import Sequential  # noqa: E402
from tinyframe.layers import Dense  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def model():
    m = Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], dtype="float64", seed=0)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


def test_blocks_in_order_train_exactly_as_the_arrays_in_memory():
    in_memory, streamed = model(), model()
    in_memory.fit(X, Y, batch_size=10, epochs=3, shuffle=False, verbose=0)
    history = streamed.fit(da.from_array(X, chunks=(40, 5)), da.from_array(Y, chunks=30), batch_size=10,
                           epochs=3, shuffle=False, verbose=0)  # fmt: skip
    assert same_weights(in_memory, streamed)
    assert history.history["loss"] == in_memory.history.history["loss"]


def test_shuffled_blocks_follow_the_model_s_seed():
    runs = []
    for _ in range(2):
        m = model()
        m.fit(da.from_array(X, chunks=(40, 5)), da.from_array(Y, chunks=40), batch_size=10, epochs=2, verbose=0)
        runs.append(m)
    in_order = model()
    in_order.fit(da.from_array(X, chunks=(40, 5)), da.from_array(Y, chunks=40), batch_size=10, epochs=2,
                 shuffle=False, verbose=0)  # fmt: skip
    assert same_weights(*runs) and not same_weights(runs[0], in_order)


def test_a_data_frame_of_numeric_columns_trains_and_a_text_column_is_named():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{k}" for k in range(5)])
    in_memory, streamed = model(), model()
    in_memory.fit(X, Y, batch_size=10, epochs=1, shuffle=False, verbose=0)
    streamed.fit(dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(Y), npartitions=3), batch_size=10,
                 epochs=1, shuffle=False, verbose=0)  # fmt: skip
    assert same_weights(in_memory, streamed)
    frame["city"] = "Oslo"
    with pytest.raises(TypeError, match=r"X: column 'city' is not numeric"):
        model().fit(dd.from_pandas(frame, npartitions=3), dd.from_pandas(pd.Series(Y), npartitions=3), verbose=0)


def test_bad_dask_input_is_refused_before_anything_changes():
    m = model()
    m.build((5,))
    weights, state = m.get_weights(), m.rng.bit_generator.state
    with pytest.raises(ValueError, match=r"X and y must have the same number of samples. Received: 120 and 100"):
        m.fit(da.from_array(X, chunks=40), da.from_array(Y[:100], chunks=40), verbose=0)
    with pytest.raises(ValueError, match=r"x \(batch 0\): the model takes inputs of shape \(None, 5\)"):
        m.fit(da.from_array(X[:, :4], chunks=40), da.from_array(Y, chunks=40), verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight and validation_split are not taken with Dask data"):
        m.fit(da.from_array(X, chunks=40), da.from_array(Y, chunks=40), validation_split=0.2, verbose=0)
    assert same_weights_as(m, weights) and m.rng.bit_generator.state == state


def same_weights_as(m, weights):
    return all(np.array_equal(u, v) for u, v in zip(m.get_weights(), weights))


def test_validation_data_with_dask_training_data():
    m = model()
    history = m.fit(da.from_array(X, chunks=40), da.from_array(Y, chunks=40), batch_size=20, epochs=2, verbose=0,
                    validation_data=(X[:30], Y[:30]))  # fmt: skip
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_a_streamed_fit_holds_a_few_blocks_not_the_data():
    """Peak memory (tracemalloc: NumPy reports its arrays) of a fit over 64 MB of Dask data in 4 MB blocks."""
    import tracemalloc

    rows, width, block = 160_000, 50, 10_000  # float64: 64 MB in all, 4 MB a block
    X_big = da.random.default_rng(0).random((rows, width), chunks=(block, width))
    y_big = (X_big[:, 0] > 0.5).astype("int64")
    m = Sequential([Dense(2, activation="softmax")], dtype="float64", seed=0)
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    tracemalloc.start()
    try:
        m.fit(X_big, y_big, batch_size=2_000, epochs=1, verbose=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Seen: 28 MiB (a block of X, its shuffled copy, X's block again inside y's graph, Dask's temporaries);
    # the same fit on the code before streaming materialised the data: 137 MiB.
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MiB: more than ten 4 MiB blocks"  # the data is 64 MiB
