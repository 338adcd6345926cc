"""predict on Dask collections (issue 29): lazy, scored block by block where the blocks live, the model sent as bytes.

On Dask's synchronous scheduler and on a `LocalCluster` of two worker processes (started once for
the module, closed at its end); skipped without the ``dask`` extra.
"""

from __future__ import annotations

import hashlib
import pickle

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from tinyframe import Sequential  # noqa: E402
from tinyframe.layers import Dense  # noqa: E402
from tinyframe.model import Model  # noqa: E402
from tinyframe.saving import model_to_bytes  # noqa: E402

RNG = np.random.default_rng(1)
X = RNG.normal(size=(150, 6))
Y = (X[:, 0] - X[:, 2] > 0).astype(int)
BLOCK = 40  # blocks of 40, 40, 40, 30 rows


def trained(dtype="float64"):
    m = Sequential([Dense(16, activation="tanh"), Dense(3, activation="softmax")], dtype=dtype, seed=0)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(X, Y, epochs=3, batch_size=25, verbose=0)
    return m


def per_block(m, batch_size=None):
    """``predict`` in memory on each block of rows: what every scoring task computes."""
    return np.concatenate([m.predict(X[i : i + BLOCK], batch_size=batch_size) for i in range(0, len(X), BLOCK)])


def tolerance(m):
    """Two sums of 16 products in the model's dtype, each off by at most a few units in the last place."""
    return 16 * 4 * np.finfo(m.dtype).eps


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:  # fmt: skip
        yield c


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_predict_is_lazy_and_on_the_synchronous_scheduler_equals_predict_in_memory(dtype):
    m = trained(dtype)
    scores = m.predict(da.from_array(X, chunks=(BLOCK, 6)))
    assert isinstance(scores, da.Array)
    assert scores.shape == (150, 3) and scores.chunks == ((40, 40, 40, 30), (3,)) and scores.dtype == m.dtype
    with dask.config.set(scheduler="synchronous"):
        out = scores.compute()
    assert out.dtype == m.dtype
    np.testing.assert_array_equal(out, per_block(m))  # the same rows per forward pass: bit for bit
    np.testing.assert_allclose(out, m.predict(X), rtol=0, atol=tolerance(m))  # one pass over all rows
    with dask.config.set(scheduler="synchronous"):
        np.testing.assert_array_equal(m.predict(da.from_array(X, chunks=(BLOCK, 6)), batch_size=7).compute(),
                                      per_block(m, batch_size=7))  # fmt: skip


def test_a_data_frame_gives_a_dask_array_of_one_block_per_partition():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    m = trained()
    frame = dd.from_pandas(pd.DataFrame(X, columns=[f"f{k}" for k in range(6)]), npartitions=3)
    scores = m.predict(frame)
    assert isinstance(scores, da.Array) and scores.numblocks == (3, 1) and np.isnan(scores.shape[0])
    with dask.config.set(scheduler="synchronous"):
        out = scores.compute()
    rows = np.cumsum([0, *frame.map_partitions(len).compute(scheduler="synchronous")])
    np.testing.assert_array_equal(out, np.concatenate([m.predict(X[a:b]) for a, b in zip(rows, rows[1:])]))
    with dask.config.set(scheduler="synchronous"):  # a filter that empties a partition: no rows from it
        kept = m.predict(frame[frame["f0"] > 100]).compute()
    assert kept.shape == (0, 3) and kept.dtype == m.dtype


def holds_a_model(graph) -> bool:
    """Whether any value of the graph, pickled as the scheduler would send it, carries a tinyframe model."""
    cloudpickle = pytest.importorskip("cloudpickle")
    sent = [(value, cloudpickle.dumps(value)) for value in dict(graph).values()]
    return any(isinstance(value, Model) or b"tinyframe.model" in data or b"Sequential" in data for value, data in sent)


def test_the_graph_carries_the_model_as_one_key_of_npz_bytes_and_no_model_object():
    m = trained()
    X_lazy = da.from_array(X, chunks=(BLOCK, 6))
    scores = m.predict(X_lazy)
    graph = dict(scores.__dask_graph__())
    content = model_to_bytes(m)
    shipped = [key for key, value in graph.items() if getattr(value, "value", None) == content]
    assert len(shipped) == 1 and content.startswith(b"PK")  # the .npz bytes (a zip archive), once
    tasks = [value for key, value in graph.items() if isinstance(key, tuple) and key[0] == scores.name]
    assert len(tasks) == 4 and all(shipped[0] in task.dependencies for task in tasks)  # named, not embedded
    assert not any(len(pickle.dumps(task)) > len(content) for task in tasks)
    assert not holds_a_model(graph)
    assert holds_a_model(X_lazy.map_blocks(m.predict, dtype=m.dtype).__dask_graph__())  # the check can fail


def test_predict_on_the_cluster_equals_predict_in_memory_and_reads_the_model_once_per_worker(client):
    m = trained()
    scores = m.predict(da.from_array(X, chunks=(BLOCK, 6)))
    out = client.compute(scores).result()
    np.testing.assert_allclose(out, per_block(m), rtol=0, atol=tolerance(m))  # other processes, same BLAS calls
    digest = hashlib.sha256(model_to_bytes(m)).hexdigest()
    loads = client.run(lambda: __import__("tinyframe.dask_scoring").dask_scoring.MODELS.loads[digest])
    assert sum(loads.values()) >= 1 and max(loads.values()) == 1, loads  # 4 blocks, at most 1 read per worker
    client.compute(m.predict(da.from_array(X, chunks=(BLOCK, 6)))).result()  # again: read already
    assert client.run(lambda: __import__("tinyframe.dask_scoring").dask_scoring.MODELS.loads[digest]) == loads


def test_bad_dask_input_to_predict_is_refused_before_anything_is_scored():
    m = trained()
    with pytest.raises(ValueError, match=r"split along its feature axes .* Rechunk it: x.rechunk\(\{1: -1\}\)"):
        m.predict(da.from_array(X, chunks=(BLOCK, 3)))
    with pytest.raises(ValueError, match=r"predict: X: the model takes inputs of shape \(None, 6\)"):
        m.predict(da.from_array(X[:, :5], chunks=(BLOCK, 5)))
    with pytest.raises(ValueError, match=r"no callbacks are called and every block is scored"):
        m.predict(da.from_array(X, chunks=(BLOCK, 6)), steps=2)
