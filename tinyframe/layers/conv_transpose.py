"""Conv1DTranspose and Conv2DTranspose: a convolution run backwards, each input pixel painting a kernel of output."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._im2col import SlidingWindows
from .conv import _Conv


class _ConvTranspose(_Conv):
    """The N-d core of `Conv1DTranspose` (r = 1) and `Conv2DTranspose` (r = 2); channels last, Keras's layout.

    Shapes: ``x`` is ``(m, n_1, ..., n_r, c)``, the kernel ``W`` is ``(k_1, ..., k_r, f, c)``
    (Keras's: the filters *before* the input channels, the layout of the convolution this one
    is the transpose of), ``b`` is ``(f,)`` and ``y`` is ``(m, o_1, ..., o_r, f)``. Each input
    position scatters its kernel-shaped contribution into a full output of
    ``(n - 1) s + k`` positions per axis, of which the layer keeps ``o`` starting at ``lo``::

        zf[b, o*s + i, :] += W[i] @ x[b, o, :]                 for every o, i   (o, i: index tuples)
        y = activation(zf[:, lo : lo + out, :] + b)             (zf is 0 where nothing lands)

    with, per axis (Keras 3's rule)::

        "valid": out = (n - 1) s + max(k, s),   lo = 0
        "same":  out = n s,                     lo = max(k - s, 0) // 2

    "valid" keeps the full output and, when ``s > k``, the ``s - k`` positions after it that no
    kernel reaches (they hold ``b``); "same" is the exact transpose of a "same" `Conv1D`/`Conv2D`
    on ``n s`` positions: that convolution's input gradient, zeros split as TensorFlow splits them.

    **Forward (col2im).** One product gives every input position's contributions at every
    kernel offset, one row per position, its columns in the kernel's ``(k_1, ..., k_r, f)`` order::

        cols = x.reshape(m * prod(n), c) @ W.reshape(prod(k) * f, c).T     (m * prod(n), prod(k) * f)

    and the columns of offset ``i`` land on one strided slab of ``zf`` (`tinyframe.layers._im2col`)::

        zf[:, i :: s, :] += cols[:, i].reshape(m, *n, f)                   for each offset i

    which is `Conv1D`'s backward: a transposed convolution's forward is a convolution's input gradient.

    **Backward (im2col).** With ``delta = dJ/dz`` on the kept positions, ``dJ/dzf`` is ``delta``
    inside the kept window and 0 outside it (what is cut off reaches nothing). Each entry of
    ``cols`` was added into one entry of ``zf``, so its gradient is that entry's: the gather
    ``dcols[(b, o), (i, :)] = dJ/dzf[b, o*s + i, :]``, the windows of `Conv1D`'s forward, one copy
    from a strided view. What is left is `Dense` on the rows of ``cols``::

        dJ/dx = dcols @ W.reshape(prod(k) * f, c)           (m * prod(n), c)
        dJ/dW = dcols.T @ x.reshape(m * prod(n), c)         (prod(k) * f, c): W's own layout
        dJ/db = 1 @ delta                                   (f,), summed over batch and positions
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...],
        strides: int | tuple[int, ...] = 1,
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: int | tuple[int, ...] = 1,
        activation: str | Any | None = None,
        use_bias: bool = True,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        **kwargs: Any,
    ) -> None:
        owner = type(self).__name__
        if output_padding is not None:
            raise ValueError(
                f"{owner}: only output_padding=None (Keras's default) is supported; crop or pad the output "
                f"instead (Cropping1D/2D, ZeroPadding1D/2D). Received: output_padding={output_padding!r}"
            )
        super().__init__(
            filters, kernel_size, strides, padding, dilation_rate, activation, use_bias, kernel_initializer,
            bias_initializer, data_format=data_format, **kwargs,
        )  # fmt: skip
        if max(self.dilation_rate) > 1:
            raise ValueError(
                f"{owner}: only dilation_rate=1 (Keras's default) is supported. "
                f"Received: dilation_rate={dilation_rate!r}"
            )
        self._windows = SlidingWindows(self.kernel_size, self.strides, self.dilation_rate, "valid")  # over zf

    # ------------------------------------------------------------------ shapes
    def geometry(self, spatial: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """``(out, lo, extent)`` per axis: the output size, where it starts in ``zf``, and ``zf``'s size.

        ``zf`` holds the full output ``(n - 1) s + k`` and, when the output reaches past it (strides above
        the kernel), the positions after it, which no kernel reaches.
        """
        out, lo, extent = [], [], []
        for n, k, s in zip(spatial, self.kernel_size, self.strides):
            o, start = ((n - 1) * s + max(k, s), 0) if self.padding == "valid" else (n * s, max(k - s, 0) // 2)
            out.append(o)
            lo.append(start)
            extent.append(max((n - 1) * s + k, start + o))
        return tuple(out), tuple(lo), tuple(extent)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 1:
            raise ValueError(f"{self!r} expects inputs of shape {self.layout}. Received: input shape {input_shape}")
        W = self.params.get("W")
        if W is not None and W.shape[-1] != input_shape[-1]:
            raise ValueError(
                f"{self!r} was built for {W.shape[-1]} input channels. Received: input shape {input_shape}"
            )
        return (*self.geometry(input_shape[:-1])[0], self.filters)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.compute_output_shape(input_shape)
        self.add_param("W", (*self.kernel_size, self.filters, input_shape[-1]), self.kernel_initializer)
        if self.use_bias:
            self.add_param("b", (self.filters,), self.bias_initializer)
        if self.activation is not None:
            self.activation.build((self.filters,), dtype=self.dtype)

    def _kept(self, out: tuple[int, ...], lo: tuple[int, ...]) -> tuple[slice, ...]:
        return (slice(None), *(slice(a, a + o) for a, o in zip(lo, out)), slice(None))

    # ---------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        m, n, c, f = x.shape[0], x.shape[1:-1], x.shape[-1], self.filters
        out, lo, extent = self.geometry(n)
        rows, width = m * math.prod(n), math.prod(self.kernel_size) * f
        X, kernel = x.reshape(rows, c), self.params["W"].reshape(width, c)
        cols = np.matmul(X, kernel.T, out=self.buffer("cols", (rows, width)))
        taps = cols.reshape(m, *n, *self.kernel_size, f)
        zf = self.buffer("z_full", (m, *extent, f))
        zf.fill(0)
        every = (slice(None),) * (self.rank + 1)
        for i in self._windows.offsets:  # col2im: offset i of every input position lands on one strided slab
            zf[self._windows.slab(i, n)] += taps[(*every, *i)]
        self._X, self._shapes = X, (n, out, lo, extent)  # for backward; the local z is returned
        z = zf
        if extent != out:  # "same" cuts lo positions before and some after; a contiguous copy of what is kept
            z = self.buffer("z", (m, *out, f))
            np.copyto(z, zf[self._kept(out, lo)])
        if self.use_bias:
            z += self.params["b"]
        if self.activation is not None:
            return self.activation.forward(z.reshape(-1, f), training).reshape(m, *out, f)
        return z

    def backward_params(self, grad_out: np.ndarray) -> None:
        (n, out, lo, extent), f = self._shapes, self.filters
        m = grad_out.shape[0]
        delta = grad_out.reshape(-1, f)
        if self.activation is not None:
            delta = self.activation.backward(delta)  # dJ/dz, through the layer's own activation
        if self.use_bias:  # a product with ones sums over the rows faster than .sum(0)
            np.matmul(self.buffer("ones", (delta.shape[0],), fill=1), delta, out=self.grads["b"])
        dzf = delta.reshape(m, *out, f)
        if extent != out:  # "same" cut positions off: the buffer's border is never written, so it stays zero
            dzf = self.buffer(("grad_full", lo), (m, *extent, f), fill=0)
            dzf[self._kept(out, lo)] = delta.reshape(m, *out, f)
        rows, c = self._X.shape
        dcols = self.buffer("grad_cols", (rows, math.prod(self.kernel_size) * f))
        np.copyto(dcols.reshape(m, *n, *self.kernel_size, f), self._windows.taps(dzf, n))  # im2col
        np.matmul(dcols.T, self._X, out=self.grads["W"].reshape(-1, c))
        self._dcols = dcols  # backward reads it after calling this

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        (rows, width), c = self._dcols.shape, self._X.shape[1]
        dX = np.matmul(self._dcols, self.params["W"].reshape(width, c), out=self.buffer("grad_in", (rows, c)))
        return dX.reshape(-1, *self._shapes[0], c)

    # ----------------------------------------------------------------- config
    @property
    def kernel(self) -> np.ndarray:
        """Keras's name for the kernel ``W``, ``(*kernel_size, filters, channels)``: the live array."""
        return super().kernel

    def get_config(self) -> dict:
        return {**super().get_config(), "output_padding": None}


class Conv1DTranspose(_ConvTranspose):
    """The transposed 1-D convolution (Keras's ``layers.Conv1DTranspose``), channels last: it lengthens sequences.

    ``(m, steps, channels) -> (m, new_steps, filters)``: each input step adds ``W[i] @ x`` at
    output step ``step * strides + i`` for each of the ``kernel_size`` offsets ``i``, with the kernel
    ``W`` of shape ``(kernel_size, filters, channels)`` (Keras's layout). The input gradient of a
    `Conv1D` with the same kernel, strides and padding is this layer's output (bias aside).
    Forward, backward and their derivation: see `_ConvTranspose` (here r = 1).

    Args:
        filters: the number of output channels.
        kernel_size: the kernel's length (an int, or a tuple of one int).
        strides: the step between the places two consecutive input steps paint (1 by default).
        padding: ``"valid"`` (new_steps = (steps - 1) * strides + max(kernel_size, strides)) or
            ``"same"`` (new_steps = steps * strides), as Keras.
        output_padding: Keras's argument; only None (its default) is supported.
        data_format: Keras's argument; only ``"channels_last"`` (or None) is supported.
        dilation_rate: Keras's argument; only 1 (its default) is supported.
        activation, use_bias, kernel_initializer, bias_initializer, name, input_shape: as `Conv1D`.

    Example:
        >>> import numpy as np
        >>> up = Conv1DTranspose(1, 2, strides=2, use_bias=False).build((3, 1), dtype="float64", rng=0)
        >>> up.params["W"][:, 0, 0] = [1.0, 10.0]              # each step paints (1, 10) times its value
        >>> up.forward(np.array([[[1.0], [2.0], [3.0]]]))[0, :, 0].tolist()
        [1.0, 10.0, 2.0, 20.0, 3.0, 30.0]
        >>> Conv1DTranspose(8, 3, strides=2, padding="same").compute_output_shape((20, 4))
        (40, 8)
    """

    writes_in_place = True  # backward writes self.grads with out= (see Sequential._sync)
    rank = 1
    layout = "(steps, channels) (batch excluded)"


class Conv2DTranspose(_ConvTranspose):
    """The transposed 2-D convolution (Keras's ``layers.Conv2DTranspose``), channels last: it enlarges images.

    ``(m, height, width, channels) -> (m, new_height, new_width, filters)``, the kernel ``W`` of
    shape ``(kh, kw, filters, channels)`` as Keras's; each size (``kernel_size``, ``strides``) an int
    for both axes or a pair; ``padding`` per axis exactly as in `Conv1DTranspose`. Forward,
    backward and their derivation: see `_ConvTranspose` (here r = 2). Other arguments as
    `Conv1DTranspose`.

    Example:
        >>> import numpy as np
        >>> layer = Conv2DTranspose(16, 3, strides=2, padding="same").build((7, 7, 32), dtype="float32", rng=0)
        >>> layer.forward(np.ones((4, 7, 7, 32), "float32")).shape
        (4, 14, 14, 16)
        >>> Conv2DTranspose(4, (3, 2), strides=(2, 3)).compute_output_shape((5, 5, 1))
        (11, 15, 4)
    """

    writes_in_place = True
    rank = 2
    layout = "(height, width, channels) (batch excluded)"
