"""Scaled dot-product attention for many heads at once: the forward and its backward, side by side.

The queries ``Q`` of each head are compared with its keys ``K``; the softmax of the scores over
the keys says how much of each value ``V`` a query takes (Vaswani et al., 2017). For one head,
with ``s = 1 / sqrt(d_k)`` and ``allowed`` the positions a query may attend to::

    S = s * Q K^T                      (T_q, T_k)   raw scores
    S' = where(allowed, S, -1e9)                    masked scores (Keras's constant, not -inf)
    A = softmax(S', over the keys)                  attention weights, rows sum to 1
    C = A V                            (T_q, d_v)   what each query reads

Backward, given ``G = dJ/dC``: ``dJ/dV = A^T G`` and ``dJ/dA = G V^T``; the softmax's Jacobian
gives ``dJ/dS' = A * (dJ/dA - rowsum(dJ/dA * A))``; a masked score was replaced by a constant,
so ``dJ/dS = allowed * dJ/dS'``; and ``dJ/dQ = s dJ/dS K``, ``dJ/dK = s dJ/dS^T Q``.

A row with no allowed key (a query at a padded position) has equal weights on every key, as in
Keras; no gradient reaches its scores. With dropout (training only), ``A`` is multiplied by a
mask of ``0`` and ``1 / (1 - rate)`` before it meets ``V``, and ``dJ/dA`` by the same mask.

Shapes: heads are an axis of their own, ``Q: (m, h, T_q, d_k)``, ``K: (m, h, T_k, d_k)``,
``V: (m, h, T_k, d_v)``, ``allowed`` broadcastable to ``(m, h, T_q, T_k)`` (or None).

>>> import numpy as np
>>> Q = K = np.array([[[[1.0, 0.0], [0.0, 1.0]]]])       # one sample, one head, two positions
>>> V = np.array([[[[1.0], [3.0]]]])
>>> C, kept = attend(Q, K, V, causal_mask(2, 2), scale=1.0)
>>> C[0, 0, :, 0]                                            # the first query sees only the first value
array([1.        , 2.46211716])
"""

from __future__ import annotations

from typing import Any

import numpy as np

MASKED_SCORE = -1e9  # what a masked score becomes (Keras's value): exp of it underflows to 0 in float32 and float64


def causal_mask(query_length: int, key_length: int) -> np.ndarray:
    """``(1, 1, T_q, T_k)`` booleans, True where key ``j <= i`` for query ``i`` (Keras's causal mask).

    >>> causal_mask(2, 3)[0, 0]
    array([[ True, False, False],
           [ True,  True, False]])
    """
    return np.tri(query_length, key_length, dtype=bool)[None, None]


class AttentionRecord:
    """What `attend` keeps for `attend_backward`: the inputs, the weights, the dropout mask."""

    __slots__ = ("Q", "K", "V", "A", "dropped", "allowed", "scale")

    def __init__(self, Q: Any, K: Any, V: Any, A: Any, dropped: Any, allowed: Any, scale: float) -> None:
        self.Q, self.K, self.V, self.A, self.dropped, self.allowed, self.scale = Q, K, V, A, dropped, allowed, scale


def attend(
    Q: np.ndarray,
    K: np.ndarray,
    V: np.ndarray,
    allowed: np.ndarray | None,
    scale: float,
    rate: float = 0.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, AttentionRecord]:
    """``C = dropout(softmax(where(allowed, scale * Q K^T, -1e9))) V`` and the record for the backward.

    ``rate > 0`` needs ``rng`` (training); the record's ``A`` are the weights before dropout
    (what Keras returns as attention scores).
    """
    S = np.matmul(Q, np.swapaxes(K, -1, -2))
    S *= scale
    if allowed is not None:
        np.copyto(S, MASKED_SCORE, where=~allowed)
    S -= S.max(axis=-1, keepdims=True)  # every exponent <= 0: exp never overflows
    A = np.exp(S, out=S)
    A /= A.sum(axis=-1, keepdims=True)
    dropped = None
    if rate > 0.0:
        dropped = rng.random(A.shape, dtype=A.dtype)
        np.greater_equal(dropped, rate, out=dropped)
        dropped *= 1.0 / (1.0 - rate)
    C = np.matmul(A if dropped is None else A * dropped, V)
    return C, AttentionRecord(Q, K, V, A, dropped, allowed, scale)


def attend_backward(G: np.ndarray, record: AttentionRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dJ/dQ, dJ/dK, dJ/dV)`` from ``G = dJ/dC`` (the module docstring derives them)."""
    r = record
    weights = r.A if r.dropped is None else r.A * r.dropped
    dV = np.matmul(np.swapaxes(weights, -1, -2), G)
    dA = np.matmul(G, np.swapaxes(r.V, -1, -2))
    if r.dropped is not None:
        dA *= r.dropped
    dS = dA
    dS -= (dA * r.A).sum(axis=-1, keepdims=True)
    dS *= r.A
    if r.allowed is not None:
        dS *= r.allowed
    dS *= r.scale
    dQ = np.matmul(dS, r.K)
    dK = np.matmul(np.swapaxes(dS, -1, -2), r.Q)
    return dQ, dK, dV
