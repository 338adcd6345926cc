"""`predict` on Dask arrays and DataFrames: a lazy Dask array, each block scored where it lives.

``model.predict(X)`` with ``X`` a Dask array returns at once a Dask array of the outputs, one
block of outputs per block of rows of ``X`` (``map_blocks``: shape, chunks and dtype declared,
nothing computed). Computing it, on a cluster, scores every block on the worker that holds it.

The model travels as data, never as a pickled object: the bytes of its ``.npz`` file
(`tinyframe.saving.model_to_bytes`) are one key of the graph, which every scoring task names,
so the scheduler sends them once to each worker that needs them. A worker reads them with
`tinyframe.saving.model_from_bytes` (the checks of `load_model`: no code runs from them) once
per distinct model, kept by the SHA-256 digest of the bytes; each block is then
``model.predict(block, batch_size)``. So a block's outputs are, bit for bit, those of
``predict`` on that block in memory.

A Dask DataFrame (numeric columns) gives what dask-ml's ``ParallelPostFit.predict`` gives: a Dask
array, one block per partition, whose block sizes are unknown until computed (``nan`` chunks;
``compute_chunk_sizes()`` counts them; ``dask.dataframe.from_dask_array`` makes a DataFrame of it).

Example:
    >>> import dask.array as da, numpy as np                          # doctest: +SKIP
    >>> X = da.from_array(np.random.rand(10_000, 8), chunks=(2_000, 8)) # doctest: +SKIP
    >>> scores = model.predict(X)          # lazy: (10_000, k), chunks ((2000,) * 5, (k,))  # doctest: +SKIP
    >>> scores.compute()                   # on the client's cluster, or in this process  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from .dask_batches import as_dask_array, check_block

KEEP = 4  # models kept per worker process (a worker scoring for several models in turn)


class WorkerModels:
    """The models this process has read from bytes, by digest (``loads``: the reads of each digest)."""

    def __init__(self) -> None:
        self._models: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()  # a worker's threads share one read of the model
        self.loads: Counter[str] = Counter()

    def get(self, content: bytes, digest: str) -> Any:
        """The model of ``content`` (whose SHA-256 is ``digest``), read on first use and kept."""
        from .saving import model_from_bytes

        with self._lock:
            model = self._models.get(digest)
            if model is None:
                model = model_from_bytes(content, f"<model {digest[:12]}>")
                self.loads[digest] += 1
                self._models[digest] = model
                while len(self._models) > KEEP:
                    self._models.popitem(last=False)
            self._models.move_to_end(digest)
        return model


MODELS = WorkerModels()


def score_block(
    block: np.ndarray, content: bytes, digest: str, batch_size: int | None, shape: tuple, block_info: Any = None
) -> np.ndarray:
    """One block's outputs: `check_block`, then ``predict`` of the model read from ``content`` (on the worker)."""
    index = block_info[0]["chunk-location"][0] if block_info else 0
    block = check_block(block, index, shape, "predict: X")
    model = MODELS.get(content, digest)
    if len(block) == 0:  # an empty partition (a filter kept none of its rows): no rows out, not an error
        return np.empty((0, *model.output_shape), model.dtype)
    return model.predict(block, batch_size=batch_size, verbose=0)


def predict(model: Any, X: Any, batch_size: int | None) -> Any:
    """The lazy outputs of ``model`` for the Dask collection ``X`` (see the module's docstring)."""
    import dask
    import dask.array as da

    from .saving import model_to_bytes

    X = as_dask_array(X, "predict: X", lengths=False)
    model.check_input(np.zeros((1, *X.shape[1:]), X.dtype), "predict: X")  # width and dtype; builds an unbuilt model
    if isinstance(model.output_shape, list):
        raise ValueError(
            "predict: a Dask collection is scored by a model of one output. Received: a model of "
            f"{len(model.output_shape)} outputs; predict each output's model, or compute X in parts"
        )
    content = model_to_bytes(model)
    digest = hashlib.sha256(content).hexdigest()
    shipped = dask.delayed(content, name=f"tinyframe-model-{digest[:16]}", pure=True)
    out = tuple(model.output_shape)
    width = X.ndim - 1
    return da.map_blocks(
        score_block,
        X,
        shipped,
        digest,
        batch_size,
        tuple(X.shape[1:]),
        dtype=model.dtype,
        chunks=(X.chunks[0], *((d,) for d in out)),
        drop_axis=list(range(1 + len(out), X.ndim)) if width > len(out) else [],
        new_axis=list(range(X.ndim, 1 + len(out))) if len(out) > width else None,
        meta=np.empty((0,) * (1 + len(out)), model.dtype),
        token="tinyframe-predict",
    )
