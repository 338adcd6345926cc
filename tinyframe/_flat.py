"""All of a model's parameters in one contiguous array, and all gradients in another."""

from __future__ import annotations

import numpy as np


class FlatParameters:
    """Packs every layer's parameters (and gradients) into one flat array; the layers keep views.

    Each ``layer.params[name]`` and ``layer.grads[name]`` becomes a reshaped view of
    a slice of ``self.params`` / ``self.grads``, so the layers read and write them as
    before, while the optimizer updates *all* parameters with one vectorised
    operation per step, and one reduction tells whether any gradient is NaN or
    infinite. (Optimizer rules are elementwise, so the result is bit-identical to
    updating the arrays one by one; there are just fewer Python calls.)

    >>> import numpy as np
    >>> from tinyframe.layers import Dense
    >>> layer = Dense(2, 3).build("float64", np.random.default_rng(0))
    >>> flat = FlatParameters([layer], "float64")
    >>> flat.params.shape, np.shares_memory(layer.params["W"], flat.params)
    ((9,), True)
    """

    def __init__(self, layers: list, dtype) -> None:
        entries = [(layer, name) for layer in layers for name in layer.params]
        total = sum(layer.params[name].size for layer, name in entries)
        self.params = np.empty(total, dtype)
        self.grads = np.zeros(total, dtype)
        self.param_views: list[np.ndarray] = []
        self._links = []
        offset = 0
        for layer, name in entries:
            shape, size = layer.params[name].shape, layer.params[name].size
            p = self.params[offset : offset + size].reshape(shape)
            g = self.grads[offset : offset + size].reshape(shape)
            p[...], g[...] = layer.params[name], layer.grads[name]
            layer.params[name], layer.grads[name] = p, g
            self.param_views.append(p)
            self._links.append((layer.params, layer.grads, name, p, g))
            offset += size

    def sync(self) -> None:
        """Take in any array a layer *rebound* instead of writing in place, and restore the link.

        Built-in layers write with ``out=``; a custom layer may well do
        ``self.grads["W"] = x.T @ delta``. This keeps that layer correct.
        """
        for params, grads, name, p, g in self._links:
            if params[name] is not p:
                p[...], params[name] = params[name], p
            if grads[name] is not g:
                g[...], grads[name] = grads[name], g
