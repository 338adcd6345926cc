"""PyTorch on the CPU, written the usual way: ``nn.Sequential`` (an ``nn.Module`` for the residual MLP),
an optimizer, ``loss.backward()``.

Optional: ``pip install torch==2.13.0``. It is given the same number of threads as
NumPy's BLAS (``torch.set_num_threads``). Every step reads the loss with
``.item()``, as tinyframe computes the loss of every step, and ``run`` returns
the epoch's mean, as tinyframe's History. Batches are gathered in NumPy
(``X[rows]``, which also works on an ``np.memmap``) and wrapped with
``torch.from_numpy`` without a copy: faster than a ``DataLoader``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from .. import workloads as w
from ..machine import numpy_blas_threads
from ..workloads import LEARNING_RATE, N_HIDDEN, Digits, batch_rows


def _train(model, loss_fn, optimizer, batches: Iterable[tuple[np.ndarray, np.ndarray]]) -> float:
    """One pass of training steps over ``batches`` of NumPy ``(x, y)``; the mean loss per sample."""
    import torch

    total, count = 0.0, 0
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.shape[0]
        count += xb.shape[0]
    return total / count


def _epochs(model, loss_fn, optimizer, X, y, batch_size, rng) -> Callable[[int], float]:
    """``run(epochs) -> the last epoch's mean loss`` for any model, loss and optimizer: the training loop."""

    def run(epochs: int) -> float:
        for _ in range(epochs):
            rows_of_epoch = batch_rows(X.shape[0], batch_size, rng)
            loss = _train(model, loss_fn, optimizer, ((X, y) if r is None else (X[r], y[r]) for r in rows_of_epoch))
        return loss

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


def mnist1d_cnn(work: w.Mnist1d) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: the paper's CNN as its PyTorch code, from ``work.weights``, batches in order.

    ``Conv1d(padding=1, stride=2)`` and ReLU three times, ``Flatten``, ``Linear``; ``cross_entropy``
    on the logits, Adam(1e-2). The weights are tinyframe's (channels last) transposed to
    PyTorch's channels first: a kernel ``(k, c, f) -> (f, c, k)``, and the Dense rows, which
    Flatten orders ``(step, channel)`` in tinyframe and ``(channel, step)`` here, permuted to match.
    """
    import torch

    torch.set_num_threads(numpy_blas_threads())
    nn, layers = torch.nn, []
    for kernel_size, channels, filters in w.MNIST1D_CONVS:
        conv = nn.Conv1d(channels, filters, kernel_size, stride=w.MNIST1D_STRIDES, padding=w.MNIST1D_PADDING)
        layers += [conv, nn.ReLU()]
    length, filters = w.mnist1d_lengths()[-1], w.MNIST1D_CONVS[-1][2]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(length * filters, w.MNIST1D_CLASSES))
    weighted = [layer for layer in model if isinstance(layer, (nn.Conv1d, nn.Linear))]
    kernels = [W.transpose(2, 1, 0) for W in work.weights[:-2:2]]
    dense = work.weights[-2].reshape(length, filters, -1).transpose(2, 1, 0).reshape(w.MNIST1D_CLASSES, -1)
    with torch.no_grad():
        for layer, W, b in zip(weighted, [*kernels, dense], work.weights[1::2]):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    X, y, batch = work.X[:, None, :], work.labels, work.batch_size  # (n, 1, 40): one channel, then steps

    def run(steps: int) -> float:
        starts = range(0, steps * batch, batch)
        return _train(
            model, nn.functional.cross_entropy, optimizer, ((X[s : s + batch], y[s : s + batch]) for s in starts)
        )

    return run


def conv2d(X: np.ndarray, labels: np.ndarray, batch_size: int, seed: int = 0) -> Callable[[], float]:
    """``run() -> loss``: one shuffled epoch of the conv2d case's network, NCHW (``X`` ``(n, 784)`` as (n, 1, 28, 28)).

    Conv2d(1, 32, 3), ReLU, MaxPool2d(2), Conv2d(32, 64, 3), ReLU, MaxPool2d(2), Flatten,
    Linear(1600, 10); PyTorch's default init, ``cross_entropy`` on the logits, Adam(1e-3).
    """
    import torch

    torch.set_num_threads(numpy_blas_threads())
    torch.manual_seed(seed)
    nn, layers, channels = torch.nn, [], 1
    for filters in w.CONV2D_FILTERS:
        layers += [nn.Conv2d(channels, filters, w.CONV2D_KERNEL), nn.ReLU(), nn.MaxPool2d(w.CONV2D_POOL)]
        channels = filters
    flat = w.conv2d_sides()[-1][1] ** 2 * channels
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(flat, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = X.reshape(-1, 1, w.IMAGE_SIDE, w.IMAGE_SIDE)  # a view: one channel, so the same bytes as NHWC
    run = _epochs(
        model, nn.functional.cross_entropy, optimizer, images, labels, batch_size, np.random.default_rng(seed)
    )
    return lambda: run(1)


def residual(work: w.Residual) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: the residual MLP as an ``nn.Module`` from ``work.weights``, batches in order.

    ``x = x + block(x)`` for each of the blocks (``Linear, ReLU, Linear, ReLU``), then ``Linear`` logits;
    ``cross_entropy``, Adam(1e-3). tinyframe's kernels ``W`` (in, out) become ``Linear.weight`` (out, in).
    """
    import torch

    torch.set_num_threads(numpy_blas_threads())
    nn, width = torch.nn, w.RESIDUAL_FEATURES

    class ResidualMLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList(
                nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
                for _ in range(w.RESIDUAL_BLOCKS)
            )
            self.head = nn.Linear(width, w.RESIDUAL_CLASSES)

        def forward(self, x):
            for block in self.blocks:
                x = x + block(x)
            return self.head(x)

    model = ResidualMLP()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]  # the blocks' in order, then the head
    with torch.no_grad():
        for layer, W, b in zip(linears, work.weights[::2], work.weights[1::2], strict=True):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    return _in_order(model, optimizer, work)


def _recurrent_weights(cell: str, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """Keras's layout -> torch's ``weight_ih, weight_hh, bias_ih, bias_hh``: rows per gate; GRU's gates r, z, n."""
    if cell != "GRU":  # LSTM: the same gate order i, f, g, o; SimpleRNN: one block
        return [W.T, U.T, b, np.zeros_like(b)]
    u = U.shape[0]

    def order(a: np.ndarray) -> np.ndarray:  # Keras z, r, h -> torch r, z, n on the last axis
        return np.concatenate([a[..., u : 2 * u], a[..., :u], a[..., 2 * u :]], axis=-1)

    return [order(W).T, order(U).T, order(b[0]), order(b[1])]


def recurrent(work: w.Sequences) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: ``nn.LSTM``/``nn.GRU``/``nn.RNN`` (``batch_first``) and a ``Linear`` head.

    The head reads the last state of each direction (``h_n``; a Bidirectional's backward direction
    ends at step 0, as tinyframe's backward layer), concatenated. Weights from ``work.weights``
    (`_recurrent_weights`; LSTM's and RNN's ``bias_hh`` held at 0); ``cross_entropy``, Adam(1e-3).
    """
    import torch

    torch.set_num_threads(numpy_blas_threads())
    nn = torch.nn
    bidirectional = work.model.startswith("Bidirectional(")
    cell = work.model[len("Bidirectional(") : -1] if bidirectional else work.model
    rnn = {"LSTM": nn.LSTM, "GRU": nn.GRU, "SimpleRNN": nn.RNN}[cell](
        w.SEQUENCE_FEATURES, w.SEQUENCE_UNITS, batch_first=True, bidirectional=bidirectional
    )
    head = nn.Linear(w.SEQUENCE_UNITS * (2 if bidirectional else 1), w.SEQUENCE_CLASSES)
    arrays = []
    for direction in range(2 if bidirectional else 1):
        arrays += _recurrent_weights(cell, *work.weights[3 * direction : 3 * direction + 3])
    arrays += [work.weights[-2].T, work.weights[-1]]
    with torch.no_grad():
        for param, value in zip([*rnn.parameters(), *head.parameters()], arrays, strict=True):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    if cell != "GRU":  # one bias in Keras's LSTM and SimpleRNN: torch's second one stays 0, as Adam would move it too
        for name, param in rnn.named_parameters():
            param.requires_grad_(not name.startswith("bias_hh"))

    class Last(nn.Module):
        def forward(self, x):
            state = rnn(x)[1]
            h_n = state[0] if cell == "LSTM" else state  # (directions, m, units)
            return head(torch.cat(list(h_n), dim=1))

    model = Last()
    trained = [p for p in [*rnn.parameters(), *head.parameters()] if p.requires_grad]
    optimizer = torch.optim.Adam(trained, lr=1e-3)
    return _in_order(model, optimizer, work)


def _in_order(model, optimizer, work: w.Residual | w.Sequences) -> Callable[[int], float]:
    """``run(steps) -> mean loss``: ``steps`` batches of ``work`` taken in order, ``cross_entropy`` on the logits."""
    import torch

    X, y, batch = work.X, work.labels, work.batch_size

    def run(steps: int) -> float:
        starts = range(0, steps * batch, batch)
        batches = ((X[s : s + batch], y[s : s + batch]) for s in starts)
        return _train(model, torch.nn.functional.cross_entropy, optimizer, batches)

    return run


def transformer_rate(step: int, steps: int) -> float:
    """The learning rate of update ``step`` (0 first): linear warm-up from 0, then a cosine down to the floor.

    As nanoGPT's ``get_lr``, at the example's end points (Keras's ``CosineDecay`` with a warm-up).
    """
    top, floor, warmup = w.TRANSFORMER_RATE, w.TRANSFORMER_MIN_RATE, w.TRANSFORMER_WARMUP
    if step < warmup:
        return top * step / warmup
    progress = min(step - warmup, steps - warmup) / max(1, steps - warmup)
    return floor + (top - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def _gpt(size: w.TransformerSize):
    """The example's decoder-only Transformer as an ``nn.Module``, written the usual (nanoGPT) way."""
    import torch

    nn, F = torch.nn, torch.nn.functional
    d, heads = size.width, size.heads

    class SelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.query, self.key, self.value, self.out = (nn.Linear(d, d) for _ in range(4))

        def forward(self, x):
            m, t, _ = x.shape
            q, k, v = (f(x).view(m, t, heads, d // heads).transpose(1, 2) for f in (self.query, self.key, self.value))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # softmax(q k^T / sqrt(d / heads)) v
            return self.out(y.transpose(1, 2).reshape(m, t, d))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm1, self.attention, self.norm2 = nn.LayerNorm(d), SelfAttention(), nn.LayerNorm(d)
            self.up, self.down = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x):
            x = x + self.attention(self.norm1(x))  # LayerNorm: eps 1e-5, as the example's
            return x + self.down(F.gelu(self.up(self.norm2(x))))  # exact (erf) GELU, PyTorch's default

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tokens, self.positions = nn.Embedding(size.vocabulary, d), nn.Embedding(size.context, d)
            self.blocks = nn.ModuleList(Block() for _ in range(size.layers))
            self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, size.vocabulary)

        def forward(self, ids):
            x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.norm(x))

    return GPT()


def _copy_gpt_weights(model, weights: list[np.ndarray]) -> None:
    """tinyframe's weights (Keras's layout, in `workloads.Transformer`'s order, which is ``model``'s) into ``model``.

    Embeddings and LayerNorm vectors are the same arrays. A kernel becomes ``Linear.weight`` (out, in):
    seen as (in, out), then transposed; an attention kernel ``(d, heads, key_dim)`` is
    ``(d, heads * key_dim)`` (head ``i``'s columns ``i * key_dim ...``, as ``view(m, t, heads, key_dim)``
    splits them), the output kernel ``(heads, key_dim, d)`` is ``(heads * key_dim, d)``, and an
    attention bias ``(heads, key_dim)`` is ``(heads * key_dim,)``.
    """
    import torch

    with torch.no_grad():
        for (name, param), W in zip(model.named_parameters(), weights, strict=True):
            if param.ndim == 2 and not name.startswith(("tokens.", "positions.")):  # a Linear's (out, in)
                W = W.reshape(param.shape[1], param.shape[0]).T
            param.copy_(torch.from_numpy(np.ascontiguousarray(W).reshape(param.shape)))


def transformer(work: w.Transformer) -> tuple[Callable[[int], float], Callable[[np.ndarray, np.ndarray], float]]:
    """``run(steps) -> mean loss`` on the next ``steps`` batches of ``work``, and ``evaluate(X, y) -> loss``.

    The example's model as an ``nn.Module`` (`_gpt`) from ``work.weights``; ``cross_entropy`` over
    every position; ``AdamW(betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)`` on every parameter,
    the rate of each step set by `transformer_rate` (as nanoGPT does), ``clip_grad_norm_(..., 1.0)``.
    """
    import torch

    torch.set_num_threads(numpy_blas_threads())
    model = _gpt(work.size)
    _copy_gpt_weights(model, work.weights)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.0, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    vocabulary, batch, done = work.size.vocabulary, work.size.batch_size, 0

    def loss_of(xb: np.ndarray, yb: np.ndarray):
        logits = model(torch.from_numpy(xb))
        return torch.nn.functional.cross_entropy(logits.view(-1, vocabulary), torch.from_numpy(yb).reshape(-1))

    def run(steps: int) -> float:
        nonlocal done
        total = 0.0
        model.train()
        for _ in range(steps):
            rows = work.rows(done, 1)
            for group in optimizer.param_groups:
                group["lr"] = transformer_rate(done, work.schedule_steps)
            optimizer.zero_grad()
            loss = loss_of(work.X[rows], work.y[rows])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
            done += 1
        return total / steps

    def evaluate(X: np.ndarray, y: np.ndarray) -> float:
        model.eval()
        with torch.no_grad():
            losses = [loss_of(X[s : s + batch], y[s : s + batch]).item() for s in range(0, X.shape[0], batch)]
        return sum(losses) / len(losses)

    return run, evaluate
