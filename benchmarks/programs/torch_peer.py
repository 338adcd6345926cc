"""PyTorch on the CPU, written the usual way: ``nn.Sequential``, an optimizer, ``loss.backward()``.

Optional: ``pip install torch==2.13.0``. It is given the same number of threads as
NumPy's BLAS (``torch.set_num_threads``). Every step reads the loss with
``.item()``, as tinyframe computes the loss of every step, and ``run`` returns
the epoch's mean, as tinyframe's History. Batches are gathered in NumPy
(``X[rows]``, which also works on an ``np.memmap``) and wrapped with
``torch.from_numpy`` without a copy: faster than a ``DataLoader``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..machine import numpy_blas_threads
from ..workloads import LEARNING_RATE, N_HIDDEN, Digits, batch_rows


def _epochs(model, loss_fn, optimizer, X, y, batch_size, rng) -> Callable[[int], float]:
    """``run(epochs) -> the last epoch's mean loss`` for any model, loss and optimizer: the training loop."""
    import torch

    def run(epochs: int) -> float:
        for _ in range(epochs):
            total = 0.0
            for rows in batch_rows(X.shape[0], batch_size, rng):
                xb, yb = (X, y) if rows is None else (X[rows], y[rows])
                optimizer.zero_grad()
                loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
                loss.backward()
                optimizer.step()
                total += loss.item() * xb.shape[0]
        return total / X.shape[0]

    return run


def digits(work: Digits) -> Callable[[int], float]:
    """The article's network from ``work.weights``; loss ``0.5 * sum((h - y)**2) / m`` as tinyframe's."""
    import torch

    torch.set_num_threads(numpy_blas_threads())
    dtype = getattr(torch, work.dtype.name)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, N_HIDDEN), torch.nn.Sigmoid(), torch.nn.Linear(N_HIDDEN, 10), torch.nn.Sigmoid()
    ).to(dtype)
    W1, b1, W2, b2 = work.weights
    with torch.no_grad():  # torch keeps W as (out, in): the transpose of the Keras layout
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))

    def loss_fn(h, y):
        return 0.5 * torch.nn.functional.mse_loss(h, y, reduction="sum") / h.shape[0]

    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    rng = np.random.default_rng(work.seed)
    return _epochs(model, loss_fn, optimizer, work.X, work.Y, work.batch_size, rng)


def large(X: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> Callable[[], float]:
    """``run() -> last step's loss``: one epoch of 784-256-10 ReLU, ``cross_entropy`` on logits, Adam."""
    import torch

    torch.set_num_threads(numpy_blas_threads())
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    run = _epochs(
        model, torch.nn.functional.cross_entropy, optimizer, X, labels, batch_size, np.random.default_rng(seed)
    )
    return lambda: run(1)
