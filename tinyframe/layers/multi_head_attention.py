"""MultiHeadAttention: queries read from values through ``num_heads`` learned attentions (Keras 3's layer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import initializers
from .._checks import check_float, check_positive_int, keras_default_only
from .base import Layer
from .dot_product_attention import AttentionRecord, attend, attend_backward, causal_mask
from .node import KerasTensor, symbolic
from .recording import CURRENT as _TAPE
from .shapes import fixed_axis


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), with Keras's arguments, call and weight layout.

    For ``query (m, T_q, d_q)``, ``value (m, T_k, d_v)`` and ``key (m, T_k, d_k)`` (the value
    by default), each head ``i`` projects them, attends (`attend`: the softmax of
    ``Q_i K_i^T / sqrt(key_dim)`` over the keys), and the heads' readings are projected back::

        Q_i = query @ Wq[:, i] + bq[i]     Wq: (d_q, heads, key_dim)        Q_i: (m, T_q, key_dim)
        K_i = key @ Wk[:, i] + bk[i]       Wk: (d_k, heads, key_dim)
        V_i = value @ Wv[:, i] + bv[i]     Wv: (d_v, heads, value_dim)
        C_i = softmax(Q_i K_i^T / sqrt(key_dim), masked) V_i                 C_i: (m, T_q, value_dim)
        y = sum_i C_i @ Wo[i] + bo         Wo: (heads, value_dim, d_out)    y: (m, T_q, d_out)

    ``d_out`` is ``output_shape`` or the query's width. Backward: the projections are Dense
    layers (``dJ/dW = x^T delta``, ``dJ/dx = delta W^T``) around `attend_backward`, whose
    module derives the attention's own. Weights are Keras's, in Keras's order (``get_weights``
    gives query kernel, query bias, key kernel, key bias, value ..., output ...), so
    ``set_weights`` takes a Keras layer's.

    Called as Keras's: ``mha(query, value, key=None, attention_mask=None,
    use_causal_mask=False, return_attention_scores=False, training=None)``:
    ``attention_mask`` is ``(m, T_q, T_k)`` (True or > 0.5 where a query may attend);
    ``use_causal_mask=True`` lets query ``i`` see keys ``j <= i`` only (a decoder's
    self-attention); both together combine. ``return_attention_scores=True`` also returns the
    weights ``(m, heads, T_q, T_k)``, on arrays (not inside a model yet). In a graph,
    ``attention_mask`` is a tensor (an `Input` of the model, say); called on arrays (or inside a
    subclassed model's ``call``), an array.

    Args:
        num_heads: the number of heads, >= 1.
        key_dim: the width of each head's queries and keys, >= 1.
        value_dim: the width of each head's values (``key_dim`` by default).
        dropout: the rate of dropout on the attention weights during training, in [0, 1).
        use_bias: whether the four projections have biases (True).
        output_shape: the width of the output (the query's width by default); an int or a
            one-element tuple.
        kernel_initializer, bias_initializer: names in `tinyframe.initializers` or callables
            (``"glorot_uniform"`` and ``"zeros"``, as Keras; the fans of a kernel are Keras's).
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.random.default_rng(0).normal(size=(3, 5, 8))
        >>> y, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
        >>> y.shape, scores.shape, bool(np.allclose(scores.sum(axis=-1), 1.0))
        ((3, 5, 8), (3, 2, 5, 5), True)
        >>> float(scores[0, 0, 0, 1])                 # the first query sees only the first key
        0.0
    """

    takes_variable_size = True  # an axis of variable size (Input(shape=(None, d))) is fine: each batch sets it

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: int | tuple[int] | None = None,
        attention_axes: Any = None,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = "MultiHeadAttention"
        self.num_heads = check_positive_int(num_heads, "num_heads", owner)
        self.key_dim = check_positive_int(key_dim, "key_dim", owner)
        self.value_dim = self.key_dim if value_dim is None else check_positive_int(value_dim, "value_dim", owner)
        self.dropout = check_float(dropout, "dropout", owner, 0.0, 1.0, low_open=False, high_open=True)
        self.use_bias = bool(use_bias)
        self.output_width = _output_width(output_shape)
        keras_default_only(owner, "attention_axes", attention_axes, None, "attention runs over axis 1 (time)")
        for init in (kernel_initializer, bias_initializer):
            initializers.get(init)  # an unknown name is refused now
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._kept: _Kept | None = None  # this call's inputs, projections and attention record, for backward

    # ------------------------------------------------------------------ calling
    def __call__(  # type: ignore[override]
        self,
        query: Any,
        value: Any,
        key: Any = None,
        attention_mask: Any = None,
        use_causal_mask: bool = False,
        return_attention_scores: bool = False,
        training: bool | None = None,
    ) -> Any:
        inputs = [query, value] if key is None else [query, value, key]
        options: dict[str, Any] = {"use_causal_mask": True} if use_causal_mask else {}
        graph = symbolic(query)
        if attention_mask is not None:
            if graph:
                if not isinstance(attention_mask, KerasTensor):
                    raise TypeError(
                        f"{self.name or 'MultiHeadAttention'}: in a model's graph, attention_mask must be a tensor "
                        f"(an Input of the model, or a layer's output). Received: {type(attention_mask).__name__}"
                    )
                inputs = [*inputs, value] if key is None else inputs  # the mask comes fourth: key = value
                inputs.append(attention_mask)
            else:
                options["attention_mask"] = np.asarray(attention_mask)
        if not return_attention_scores:
            return super().__call__(inputs, training, **options)
        if graph or _TAPE.get() is not None:
            raise ValueError(
                f"{self.name or 'MultiHeadAttention'}: return_attention_scores=True works on arrays only (in a "
                "model, a layer call has one output here). Call the layer on arrays to read the scores"
            )
        y, kept = self._attention(self._ready(inputs), bool(training), **options)
        return y, kept.record.A

    def _apply(self, x: Any, training: bool | None, options: dict[str, Any] | None) -> Any:
        return Layer.__call__(self, x, training, **(options or {}))  # a node's inputs are already the list

    def compute_output_shape(self, input_shape: Any) -> tuple[int, ...]:
        shapes = [tuple(s) for s in input_shape] if _is_list_of_shapes(input_shape) else None
        if shapes is None or not 2 <= len(shapes) <= 4 or any(len(s) != 2 for s in shapes[:3]):
            raise ValueError(
                f"{self!r}: expected query and value of shape (batch, time, features) (and a key like the value). "
                f"Received: {input_shape!r}"
            )
        query, value, key = shapes[0], shapes[1], shapes[2] if len(shapes) > 2 else shapes[1]
        for what, s in (("query", query), ("value", value), ("key", key)):
            fixed_axis(s[-1], self, f"the {what}'s last axis (its features)", s)
        if key[0] != value[0]:
            raise ValueError(f"{self!r}: key and value must have the same length. Received: {key} and {value}")
        if len(shapes) == 4 and tuple(shapes[3]) != (query[0], value[0]):
            raise ValueError(
                f"{self!r}: attention_mask must be (batch, {query[0]}, {value[0]}) (queries x keys). "
                f"Received: {(None, *shapes[3])}"
            )
        return (query[0], self.output_width or query[1])

    def build(self, input_shape: Any) -> None:
        shapes = [tuple(s) for s in input_shape]
        d_q, d_v = shapes[0][-1], shapes[1][-1]
        d_k = shapes[2][-1] if len(shapes) > 2 else d_v
        h, k, v = self.num_heads, self.key_dim, self.value_dim
        for part, width, size in (("query", d_q, k), ("key", d_k, k), ("value", d_v, v)):
            self.add_param(f"{part}_kernel", (width, h, size), self.kernel_initializer)
            if self.use_bias:
                self.add_param(f"{part}_bias", (h, size), self.bias_initializer)
        self.add_param("output_kernel", (h, v, self.output_width or d_q), self.kernel_initializer)
        if self.use_bias:
            self.add_param("output_bias", (self.output_width or d_q,), self.bias_initializer)

    # ----------------------------------------------------------------- the maths
    def forward(
        self,
        inputs: list[np.ndarray],
        training: bool = False,
        attention_mask: np.ndarray | None = None,
        use_causal_mask: bool = False,
        mask: list | None = None,
    ) -> np.ndarray:
        """``inputs``: ``[query, value]``, ``[query, value, key]`` or ``[query, value, key, attention_mask]``.

        ``mask``: the inputs' masks (padding, `tinyframe.layers.masks`), Keras's ``query_mask``,
        ``value_mask`` and ``key_mask``: a query attends to no masked value or key.
        """
        if mask is not None and isinstance(inputs, (list, tuple)):  # padding: folded into one attention mask
            given = inputs[3] if len(inputs) == 4 else attention_mask
            attention_mask = _with_input_masks(given, mask, inputs)
        y, self._kept = self._attention(inputs, training, attention_mask, use_causal_mask)
        return y

    supports_masking = True

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask[0] if isinstance(mask, list) else None  # the query's (Keras's)

    def _attention(
        self, inputs: Any, training: bool, attention_mask: Any = None, use_causal_mask: bool = False
    ) -> tuple:
        """The output and what the backward needs (`_Kept`)."""
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 4:
            raise TypeError(f"{self!r}: call it as mha(query, value), with arrays (m, time, features)")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if len(inputs) == 4 and attention_mask is None:
            attention_mask = inputs[3]
        m, T_q, T_k = query.shape[0], query.shape[1], value.shape[1]
        allowed = self._allowed(attention_mask, use_causal_mask, m, T_q, T_k)
        stacked = None  # self-attention: one product with the stacked kernels makes Q, K and V
        if _same(query, value) and _same(key, value):
            stacked = self._stacked()
            Q, K, V = self._project_together(query, stacked)
        else:
            Q, K, V = self._project(query, "query"), self._project(key, "key"), self._project(value, "value")
        rate = self.dropout if training else 0.0
        C, record = attend(Q, K, V, allowed, 1.0 / np.sqrt(self.key_dim), rate, self.rng)
        C = np.ascontiguousarray(C.transpose(0, 2, 1, 3)).reshape(m * T_q, -1)  # (m T_q, heads value_dim)
        Wo = self.params["output_kernel"]
        y = C @ Wo.reshape(-1, Wo.shape[-1])
        if self.use_bias:
            y += self.params["output_bias"]
        mask_input = inputs[3] if len(inputs) == 4 else None
        return y.reshape(m, T_q, -1), _Kept(query, key, value, C, record, len(inputs), mask_input, stacked)

    def _project(self, x: np.ndarray, part: str) -> np.ndarray:
        """``x @ W + b`` for every head: ``(m, T, d) -> (m, heads, T, size)`` (a view)."""
        W = self.params[f"{part}_kernel"]
        m, T = x.shape[0], x.shape[1]
        z = x.reshape(m * T, -1) @ W.reshape(W.shape[0], -1)
        if self.use_bias:
            z += self.params[f"{part}_bias"].reshape(-1)
        return z.reshape(m, T, self.num_heads, -1).transpose(0, 2, 1, 3)

    def _stacked(self) -> np.ndarray:
        """The query, key and value kernels side by side, ``(d, heads * (2 key_dim + value_dim))``."""
        return np.concatenate([self.params[f"{p}_kernel"].reshape(self.params[f"{p}_kernel"].shape[0], -1)
                               for p in ("query", "key", "value")], axis=1)  # fmt: skip

    def _project_together(self, x: np.ndarray, stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Q, K and V of ``x`` (self-attention) from one product with the stacked kernels: ``(m, heads, T, size)``."""
        m, T, h, k = x.shape[0], x.shape[1], self.num_heads, self.key_dim
        z = x.reshape(m * T, -1) @ stacked
        if self.use_bias:
            z += np.concatenate([self.params[f"{p}_bias"].reshape(-1) for p in ("query", "key", "value")])
        ends = (h * k, 2 * h * k)
        return tuple(part.reshape(m, T, h, -1).transpose(0, 2, 1, 3) for part in np.split(z, ends, axis=1))

    def _allowed(self, mask: Any, causal: bool, m: int, T_q: int, T_k: int) -> np.ndarray | None:
        """Where queries may attend, ``(m or 1, 1, T_q, T_k)`` booleans, or None (everywhere)."""
        allowed = causal_mask(T_q, T_k) if causal else None
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape not in ((m, T_q, T_k), (1, T_q, T_k), (T_q, T_k)):
                raise ValueError(
                    f"{self!r}: attention_mask must be ({m}, {T_q}, {T_k}) (batch, queries, keys). "
                    f"Received: {mask.shape}"
                )
            given = (mask if mask.dtype == bool else mask > 0.5).reshape(-1, 1, T_q, T_k)
            allowed = given if allowed is None else given & allowed
        return allowed

    def backward(self, grad_out: np.ndarray) -> list[np.ndarray]:
        """``[dJ/dquery, dJ/dvalue]`` (+ ``dJ/dkey``, + zeros for a mask input), as ``forward``'s inputs came."""
        kept = self._kept
        query, key, value, C, record, n = kept.query, kept.key, kept.value, kept.C, kept.record, kept.n
        m, T_q = grad_out.shape[0], grad_out.shape[1]
        g = grad_out.reshape(m * T_q, -1)
        Wo = self.params["output_kernel"]
        np.matmul(C.T, g, out=self.grads["output_kernel"].reshape(-1, Wo.shape[-1]))
        if self.use_bias:
            np.sum(g, axis=0, out=self.grads["output_bias"])
        dO = (g @ Wo.reshape(-1, Wo.shape[-1]).T).reshape(m, T_q, self.num_heads, -1).transpose(0, 2, 1, 3)
        dQ, dK, dV = attend_backward(dO, record)
        if kept.stacked is not None:  # one array was query, key and value: its whole gradient first, zeros after
            dx = self._project_together_backward(query, dQ, dK, dV, kept.stacked)
            return [dx, *(np.zeros_like(dx) for _ in range(n - 1 - (n == 4))), *self._mask_gradient(kept, n)]
        grads = [self._project_backward(query, dQ, "query"), self._project_backward(value, dV, "value")]
        dkey = self._project_backward(key, dK, "key")
        if n == 2:
            grads[1] += dkey  # the key was the value: both uses' gradients
        else:
            grads.append(dkey)
        return grads + self._mask_gradient(kept, n)

    @staticmethod
    def _mask_gradient(kept: _Kept, n: int) -> list[np.ndarray]:
        """A mask given as an input gets a zero gradient."""
        return [np.zeros(np.shape(kept.mask_input), dtype=kept.query.dtype)] if n == 4 else []

    def _project_together_backward(
        self, x: np.ndarray, dQ: np.ndarray, dK: np.ndarray, dV: np.ndarray, stacked: np.ndarray
    ) -> np.ndarray:
        """The three projections' parameter gradients (in place) and ``dJ/dx``, from one product each way."""
        m, T, h, k = x.shape[0], x.shape[1], self.num_heads, self.key_dim
        dZ = np.empty((m, T, h * (2 * k + self.value_dim)), dtype=x.dtype)
        for part, start, stop in ((dQ, 0, h * k), (dK, h * k, 2 * h * k), (dV, 2 * h * k, None)):
            np.copyto(dZ[:, :, start:stop].reshape(m, T, h, -1), part.transpose(0, 2, 1, 3))
        dZ = dZ.reshape(m * T, -1)
        dW = x.reshape(m * T, -1).T @ dZ
        db = dZ.sum(axis=0) if self.use_bias else None
        for p, start, stop in (("query", 0, h * k), ("key", h * k, 2 * h * k), ("value", 2 * h * k, None)):
            grad = self.grads[f"{p}_kernel"]
            np.copyto(grad, dW[:, start:stop].reshape(grad.shape))
            if db is not None:
                np.copyto(self.grads[f"{p}_bias"], db[start:stop].reshape(self.grads[f"{p}_bias"].shape))
        return (dZ @ stacked.T).reshape(x.shape)

    def _project_backward(self, x: np.ndarray, dZ: np.ndarray, part: str) -> np.ndarray:
        """The projection's parameter gradients (written in place) and ``dJ/dx``, from ``dZ (m, heads, T, size)``."""
        m, T = x.shape[0], x.shape[1]
        dZ = np.ascontiguousarray(dZ.transpose(0, 2, 1, 3)).reshape(m * T, -1)
        W = self.params[f"{part}_kernel"]
        W2 = W.reshape(W.shape[0], -1)
        np.matmul(x.reshape(m * T, -1).T, dZ, out=self.grads[f"{part}_kernel"].reshape(W2.shape))
        if self.use_bias:
            np.sum(dZ, axis=0, out=self.grads[f"{part}_bias"].reshape(-1))
        return (dZ @ W2.T).reshape(x.shape)

    # ------------------------------------------------------------- decoding
    def call_with_cache(
        self, query: np.ndarray, value: np.ndarray, cache: np.ndarray, cache_update_index: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Causal self-attention for new steps only, the earlier steps' keys and values read from ``cache``.

        For text generation (keras_hub's ``CachedMultiHeadAttention``): ``query`` and ``value`` are
        the ``t`` new steps ``(m, t, d)`` at positions ``i = cache_update_index ...``; their keys and
        values are written into ``cache`` ``(m, 2, T_max, heads, size)`` at those positions, and each
        new query attends to every cached position ``j <= i``. A step then costs one step's work,
        not a run over the whole context; the output equals the matching rows of a causal call on
        the whole sequence. Inference only (no backward, no dropout); returns ``(output, cache)``,
        the cache changed in place. Make an empty one with `empty_cache`.
        """
        self._require_built("call_with_cache")
        query, value = (np.asarray(a, dtype=self.dtype) for a in (query, value))
        m, t = query.shape[0], query.shape[1]
        start, stop = int(cache_update_index), int(cache_update_index) + t
        if cache.shape[:3] != (m, 2, cache.shape[2]) or stop > cache.shape[2]:
            raise ValueError(
                f"{self!r}: the cache {cache.shape} has no room for positions {start}..{stop - 1} of {m} sequences; "
                "make one with empty_cache(batch_size, length)"
            )
        cache[:, 0, start:stop] = self._project(value, "key").transpose(0, 2, 1, 3)
        cache[:, 1, start:stop] = self._project(value, "value").transpose(0, 2, 1, 3)
        Q = self._project(query, "query")
        K, V = (cache[:, k, :stop].transpose(0, 2, 1, 3) for k in (0, 1))
        allowed = np.tri(t, stop, k=start, dtype=bool)[None, None]  # query i (at start + i) sees keys j <= start + i
        C, _ = attend(Q, K, V, allowed, 1.0 / np.sqrt(self.key_dim))
        Wo = self.params["output_kernel"]
        y = np.ascontiguousarray(C.transpose(0, 2, 1, 3)).reshape(m * t, -1) @ Wo.reshape(-1, Wo.shape[-1])
        if self.use_bias:
            y += self.params["output_bias"]
        return y.reshape(m, t, -1), cache

    def empty_cache(self, batch_size: int, length: int) -> np.ndarray:
        """A zero cache for `call_with_cache`: ``(batch_size, 2, length, heads, key_dim)`` (keys, then values)."""
        if self.key_dim != self.value_dim:
            raise ValueError(f"{self!r}: a cache holds keys and values of one width; key_dim != value_dim here")
        return np.zeros((batch_size, 2, length, self.num_heads, self.key_dim), dtype=self.dtype)

    def get_config(self) -> dict[str, Any]:
        def named(init: Any) -> str:
            return init if isinstance(init, str) else getattr(init, "__name__", repr(init))

        return {
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_width,
            "kernel_initializer": named(self.kernel_initializer),
            "bias_initializer": named(self.bias_initializer),
        }


def _with_input_masks(attention_mask: Any, masks: list | None, inputs: list) -> Any:
    """``attention_mask`` and the inputs' padding masks (Keras's query, value and key masks), as one
    ``(m, T_q, T_k)`` mask: query ``i`` may attend to key ``j`` if both are data steps (and the given mask
    allows it); None when there is nothing to mask."""
    if not masks or all(m is None for m in masks[:3]):
        return attention_mask
    query, value = inputs[0], inputs[1]
    allowed = np.ones((query.shape[0], query.shape[1], value.shape[1]), bool)
    if masks[0] is not None:
        allowed &= np.asarray(masks[0], bool)[:, :, None]
    for m in masks[1:3]:  # the value's, and the key's when it is another tensor
        if m is not None:
            allowed &= np.asarray(m, bool)[:, None, :]
    if attention_mask is not None:
        given = np.asarray(attention_mask)
        allowed &= given if given.dtype == bool else given > 0.5
    return allowed


class _Kept:
    """What one call's forward keeps for its backward."""

    __slots__ = ("query", "key", "value", "C", "record", "n", "mask_input", "stacked")

    def __init__(
        self, query: Any, key: Any, value: Any, C: Any, record: AttentionRecord, n: int, mask_input: Any, stacked: Any
    ) -> None:
        self.query, self.key, self.value, self.C, self.record = query, key, value, C, record
        self.n, self.mask_input = n, mask_input
        self.stacked = stacked  # the stacked kernels of a self-attention call (None: three projections)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are one (the same object, or views of the same memory with the same layout)."""
    if a is b:
        return True
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.dtype == b.dtype
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _output_width(output_shape: Any) -> int | None:
    if output_shape is None:
        return None
    if isinstance(output_shape, (tuple, list)) and len(output_shape) == 1:
        output_shape = output_shape[0]
    return check_positive_int(output_shape, "output_shape", "MultiHeadAttention")


def _is_list_of_shapes(shape: Any) -> bool:
    return isinstance(shape, (list, tuple)) and bool(shape) and all(isinstance(s, (list, tuple)) for s in shape)
