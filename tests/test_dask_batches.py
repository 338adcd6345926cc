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
    # Seen: 24 MiB (a block of X, X's block again inside y's graph, Dask's temporaries; 28 MiB while each block
    # was copied in its shuffled order); the same fit on the code before streaming materialised the data: 137 MiB.
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MiB: more than ten 4 MiB blocks"  # the data is 64 MiB


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_evaluate_streams_the_blocks_and_equals_evaluate_in_memory(dtype):
    m = Sequential([Dense(8, activation="relu"), Dense(2, activation="softmax")], dtype=dtype, seed=0)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, Y, batch_size=10, epochs=2, verbose=0)
    expected = m.evaluate(X, Y, verbose=0, return_dict=True)
    # The mean of 120 losses summed in blocks of 40, then 16: a few units in the last place of the dtype.
    tol = 120 * np.finfo(dtype).eps * max(1.0, expected["loss"])
    for batch_size in (None, 16):
        got = m.evaluate(da.from_array(X, chunks=(40, 5)), da.from_array(Y, chunks=40), batch_size=batch_size,
                         verbose=0, return_dict=True)  # fmt: skip
        assert got["accuracy"] == expected["accuracy"] and abs(got["loss"] - expected["loss"]) <= tol, (got, expected)
    got = m.evaluate(da.from_array(X, chunks=(40, 5)), Y, verbose=0, return_dict=True)  # targets in memory
    assert abs(got["loss"] - expected["loss"]) <= tol


def test_an_array_split_along_its_features_is_refused_with_the_rechunk_to_make():
    m = model()
    for call in (lambda X_: m.fit(X_, da.from_array(Y, chunks=40), verbose=0),
                 lambda X_: m.evaluate(X_, da.from_array(Y, chunks=40), verbose=0)):  # fmt: skip
        with pytest.raises(ValueError, match=r"X: the Dask array is split along its feature axes .*\(\(3, 2\),\)"
                                             r".* x.rechunk\(\{1: -1\}\)"):  # fmt: skip
            call(da.from_array(X, chunks=(40, 3)))
    assert not m.built


def partitions(columns_of):
    """A Dask DataFrame of X in three partitions of 40 rows, partition k holding ``columns_of(k)`` (not checked
    against the declared columns: as read_parquet over files of different schemas)."""
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{k}" for k in range(5)])
    return dd.from_map(lambda k: columns_of(frame.iloc[40 * k : 40 * (k + 1)], k), [0, 1, 2], meta=frame.iloc[:0],
                       enforce_metadata=False)  # fmt: skip


def test_a_partition_whose_columns_differ_is_named_by_fit_evaluate_and_predict():
    X_frame = partitions(lambda part, k: part.drop(columns="f4") if k == 2 else part)
    m = model()
    message = r"X: block \(partition\) 2 has rows of shape \(4,\) .* the collection declares rows of shape \(5,\)"
    with pytest.raises(ValueError, match=message):
        m.fit(X_frame, da.from_array(Y, chunks=40), batch_size=20, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match=message):
        m.evaluate(X_frame, da.from_array(Y, chunks=40), verbose=0)
    with pytest.raises(ValueError, match=message):
        m.predict(X_frame).compute()
    text = partitions(lambda part, k: part.assign(f1="Oslo") if k == 1 else part)
    with pytest.raises(ValueError, match=r"X: block \(partition\) 1 has rows of shape \(5,\) and dtype object"):
        m.predict(text).compute()


def test_a_text_column_is_named_by_evaluate_and_predict():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{k}" for k in range(5)]).assign(city="Oslo")
    m = model()
    with pytest.raises(TypeError, match=r"column 'city' is not numeric"):
        m.evaluate(dd.from_pandas(frame, npartitions=3), da.from_array(Y, chunks=40), verbose=0)
    with pytest.raises(TypeError, match=r"column 'city' is not numeric"):
        m.predict(dd.from_pandas(frame, npartitions=3))


def test_a_fit_refused_at_its_first_partition_changes_nothing():
    m = model()
    m.fit(X, Y, batch_size=20, epochs=1, verbose=0)  # the optimizer has state to keep
    weights, moments = m.get_weights(), {k: {s: v.copy() for s, v in d.items()} for k, d in m.optimizer.state.items()}
    rng, iterations = m.rng.bit_generator.state, m.optimizer.iterations
    X_frame = partitions(lambda part, k: part.drop(columns="f0") if k == 0 else part)
    for shuffle in (False, True):
        with pytest.raises(ValueError, match=r"X: block \(partition\) \d has rows of shape \(4,\)"):
            m.fit(X_frame.partitions[[0]], da.from_array(Y[:40], chunks=40), shuffle=shuffle, verbose=0)
    assert same_weights_as(m, weights) and m.rng.bit_generator.state == rng and m.optimizer.iterations == iterations
    assert all(np.array_equal(v, moments[k][s]) for k, d in m.optimizer.state.items() for s, v in d.items())
