"""Conv1D and Conv2D: one small kernel slid over steps or pixels, computed as one large matrix product."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import activations, initializers
from .._checks import check_positive_int
from ._im2col import SlidingWindows
from .base import KernelAndBias, Layer

FEW_CHANNELS = 4  # below this many input channels, im2col fills its matrix one tap (row) at a time


class _Conv(KernelAndBias, Layer):
    """The N-d core of `Conv1D` (r = 1) and `Conv2D` (r = 2); channels last, kernel laid out as Keras's.

    Shapes: ``x`` is ``(m, n_1, ..., n_r, c)``, the kernel ``W`` is ``(k_1, ..., k_r, c, f)``,
    ``b`` is ``(f,)`` and ``y`` is ``(m, o_1, ..., o_r, f)``. With ``xp`` the input padded
    with zeros (none for "valid"; "same" as TensorFlow; "causal" all before the start; see `tinyframe.layers._im2col`),
    stride ``s`` and dilation ``d``::

        z[b, o, :] = sum_{i, c} xp[b, o*s + i*d, c] * W[i, c, :] + b        (o, i: index tuples)
        y = activation(z)

    **Forward (im2col).** The taps ``xp[b, o*s + i*d, c]`` are a strided view of ``xp``
    (``sliding_window_view``, sliced by ``s`` and ``d``); one copy lays them out as the rows
    of ``cols`` ``(m * prod(o), prod(k) * c)``, one row per output position, its columns in
    the kernel's ``(k_1, ..., k_r, c)`` order, so the whole layer is one product::

        z = cols @ W.reshape(prod(k) * c, f) + b                  (m * prod(o), f)

    With fewer than `FEW_CHANNELS` input channels (a grey-scale image, a raw signal) that
    copy would move ``c`` numbers at a time, so ``cols`` is then filled transposed, one
    contiguous row per tap ``(i, c)``, each copied from one strided slab of ``xp``
    (`tinyframe.layers._im2col`); the product is the same, ``cols`` being read transposed.
    There the bias rides along as the weight of one more tap that always reads 1 (a row
    of ones under the taps, ``b`` under ``W``), which spares a pass over ``z`` to add it and
    one over ``delta`` for ``dJ/db``: the product's last row.

    **Backward.** That is `Dense` on the rows of ``cols``; with ``delta = dJ/dz``::

        dJ/dW    = cols.T @ delta         (prod(k) * c, f), summed over batch and positions
        dJ/db    = 1 @ delta              (f,)
        dJ/dcols = delta @ W.T            (m * prod(o), prod(k) * c)

    and since ``cols`` only copies entries of ``xp``, each entry of ``dJ/dxp`` is the sum of
    the ``dJ/dcols`` entries copied from it (col2im). The columns of kernel offset ``i`` are
    ``delta @ W[i].T`` ``(m * prod(o), c)``, and they all go to one strided slab of ``xp``, so
    ``dJ/dcols`` is never formed whole::

        dJ/dxp[:, i*d :: s, :] += (delta @ W[i].T).reshape(m, *o, c)      for each offset i

    (``prod(k)`` products and strided adds, each writing runs of ``o * c`` contiguous numbers
    when ``s = 1``). ``dJ/dx`` is ``dJ/dxp`` without the padding. When nothing needs ``dJ/dx``
    (the model's first layer in training) ``backward_params`` skips it.
    """

    rank = 0  # set by the subclass
    paddings = ("valid", "same")  # and "causal" for Conv1D, as Keras
    layout = ""  # the input shape in words, for errors: "(steps, channels)"

    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int, ...],
        strides: int | tuple[int, ...] = 1,
        padding: str = "valid",
        dilation_rate: int | tuple[int, ...] = 1,
        activation: str | Any | None = None,
        use_bias: bool = True,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        *,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = check_positive_int(filters, "filters", owner)
        self.kernel_size = self._sizes(kernel_size, "kernel_size")
        self.strides = self._sizes(strides, "strides")
        self.dilation_rate = self._sizes(dilation_rate, "dilation_rate")
        if not isinstance(padding, str) or padding.lower() not in self.paddings:
            allowed = '"valid", "same" or "causal"' if "causal" in self.paddings else '"valid" or "same"'
            note = "" if "causal" in self.paddings else ' ("causal" is for Conv1D only)'
            raise ValueError(f"{owner}: padding must be {allowed}{note}. Received: padding={padding!r}")
        self.padding = padding.lower()
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f'{owner}: only data_format="channels_last" (inputs {self.layout}) is supported. '
                f"Received: data_format={data_format!r}"
            )
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"{owner}: use_bias must be True or False. Received: use_bias={use_bias!r}")
        self.use_bias = bool(use_bias)
        self.activation = activations.get(activation)
        initializers.get(kernel_initializer), initializers.get(bias_initializer)  # unknown names: refused now
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._windows = SlidingWindows(self.kernel_size, self.strides, self.dilation_rate, self.padding)
        self._cols: np.ndarray | None = None  # this step's im2col rows, kept by forward for backward

    def _sizes(self, value: Any, name: str) -> tuple[int, ...]:
        """An int or a sequence of ``rank`` ints, each >= 1, as a tuple of ``rank`` ints."""
        owner = type(self).__name__
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = (value,) * self.rank
        if not isinstance(value, (tuple, list)) or len(value) != self.rank:
            ints = "one int" if self.rank == 1 else f"{self.rank} ints"
            raise TypeError(f"{owner}: {name} must be an int or a tuple of {ints}. Received: {name}={value!r}")
        return tuple(check_positive_int(v, name, owner) for v in value)

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 1:
            raise ValueError(f"{self!r} expects inputs of shape {self.layout}. Received: input shape {input_shape}")
        W = self.params.get("W")
        if W is not None and W.shape[-2] != input_shape[-1]:
            raise ValueError(
                f"{self!r} was built for {W.shape[-2]} input channels. Received: input shape {input_shape}"
            )
        out = self._windows.geometry((1, *input_shape)).out
        if min(out) < 1:
            raise ValueError(
                f'{self!r}: with padding="valid" the kernel (dilated) spans {self._windows.spans} positions, '
                "more than the input has. "
                f"Received: input shape {input_shape}"
            )
        return (*out, self.filters)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.compute_output_shape(input_shape)
        self.add_param("W", (*self.kernel_size, input_shape[-1], self.filters), self.kernel_initializer)
        if self.use_bias:
            self.add_param("b", (self.filters,), self.bias_initializer)
        if self.activation is not None:
            self.activation.build((self.filters,), dtype=self.dtype)

    # ---------------------------------------------------------------- the maths
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        W, geometry = self.params["W"], self._windows.geometry(x.shape)
        xp = x
        if geometry.padded:  # the buffer's border is never written, so it stays zero (its key says where x sits)
            xp = self._windows.pad(x, self.buffer(("x_padded", geometry.lo), geometry.padded_shape, fill=0), geometry)
        m, c, out = x.shape[0], x.shape[-1], geometry.out
        rows, width = m * math.prod(out), W[..., 0].size
        kernel = W.reshape(-1, self.filters)
        if c < FEW_CHANNELS:  # one contiguous row per tap (i, c), copied from one slab of xp per offset
            by_tap = self.buffer("cols_by_tap", (width + self.use_bias, rows))
            taps = by_tap[:width].reshape(*self.kernel_size, c, m, *out)
            channels_first = (self.rank + 1, *range(self.rank + 1))  # a slab (m, *out, c) as (c, m, *out)
            for i in self._windows.offsets:
                np.copyto(taps[i], xp[self._windows.slab(i, out)].transpose(channels_first))
            if self.use_bias:  # b is the weight of one more tap that always reads 1: no pass over z to add it
                by_tap[width] = 1
                kernel = np.concatenate(
                    [kernel, self.params["b"][None]], out=self.buffer("kernel", (width + 1, self.filters))
                )
            cols = by_tap.T
        else:  # one row per output position, copied from the window view at once
            cols = self.buffer("cols", (rows, width))
            np.copyto(cols.reshape(m, *out, *self.kernel_size, c), self._windows.taps(xp, out))
        self._cols, self._geometry = cols, geometry  # for backward; the local z is returned
        z = np.matmul(cols, kernel, out=self.buffer("z", (rows, self.filters)))
        if self.use_bias and cols.shape[1] == width:
            z += self.params["b"]
        if self.activation is not None:
            z = self.activation.forward(z, training)
        return z.reshape(m, *out, self.filters)

    def backward_params(self, grad_out: np.ndarray) -> None:
        delta = grad_out.reshape(-1, self.filters)
        if self.activation is not None:
            delta = self.activation.backward(delta)  # dJ/dz, through the layer's own activation
        self._delta = delta  # backward reads it after calling this
        grad_W = self.grads["W"].reshape(-1, self.filters)
        if self._cols.shape[1] > grad_W.shape[0]:  # b folded in as a tap of ones: its gradient is the last row
            both = np.matmul(self._cols.T, delta, out=self.buffer("grad_kernel", (self._cols.shape[1], self.filters)))
            np.copyto(grad_W, both[:-1])
            np.copyto(self.grads["b"], both[-1])
            return
        np.matmul(self._cols.T, delta, out=grad_W)
        if self.use_bias:  # a product with ones sums over the rows faster than .sum(0)
            np.matmul(self.buffer("ones", (delta.shape[0],), fill=1), delta, out=self.grads["b"])

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.backward_params(grad_out)
        geometry, W = self._geometry, self.params["W"]
        m, c, out = geometry.padded_shape[0], geometry.padded_shape[-1], geometry.out
        dxp = self.buffer("grad_padded" if geometry.padded else "grad_in", geometry.padded_shape)
        dxp.fill(0)
        part = self.buffer("grad_tap", (self._delta.shape[0], c))
        for i in self._windows.offsets:  # col2im, one kernel offset at a time: dJ/dcols is never formed whole
            np.matmul(self._delta, W[i].T, out=part)
            dxp[self._windows.slab(i, out)] += part.reshape(m, *out, c)
        return dxp[self._windows.interior(geometry)] if geometry.padded else dxp

    # ----------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "dilation_rate": list(self.dilation_rate),
            "activation": None if self.activation is None else activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        for key in ("kernel_initializer", "bias_initializer"):
            value = getattr(self, key)
            config[key] = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
        return config

    def __repr__(self) -> str:
        def size(value: tuple[int, ...]) -> str:  # one int when every axis agrees, as it is usually written
            return str(value[0]) if len(set(value)) == 1 else str(value)

        args = [str(self.filters), size(self.kernel_size)]
        args += [
            f"{key}={size(getattr(self, key))}" for key in ("strides", "dilation_rate") if max(getattr(self, key)) > 1
        ]
        if self.padding != "valid":
            args.append(f"padding={self.padding!r}")
        if self.activation is not None:
            args.append(f"activation={activations.serialize(self.activation)!r}")
        if not self.use_bias:
            args.append("use_bias=False")
        return f"{type(self).__name__}({', '.join(args)})"


class Conv1D(_Conv):
    """1-D convolution over the steps of a sequence (Keras's ``layers.Conv1D``), channels last.

    ``(m, steps, channels) -> (m, new_steps, filters)``: each output step is a `Dense`
    applied to a window of ``kernel_size`` steps (every ``dilation_rate``-th step), the
    windows ``strides`` steps apart; the same kernel ``W`` of shape
    ``(kernel_size, channels, filters)`` serves every window. Forward, backward and
    their derivation: see `_Conv` (here r = 1).

    Args:
        filters: the number of output channels.
        kernel_size: the window's length (an int, or a tuple of one int).
        strides: the step between windows (1 by default).
        padding: ``"valid"`` (no padding, new_steps = (steps - span) // strides + 1 with
            span = (kernel_size - 1) * dilation_rate + 1), ``"same"`` (zeros added so
            that new_steps = ceil(steps / strides), the odd one on the right, as TensorFlow)
            or ``"causal"`` (span - 1 zeros before the first step and none after, so that
            output step t reads input steps t, t - dilation_rate, ... only, never a later
            one; new_steps = ceil(steps / strides)), as Keras.
        dilation_rate: the gap between the window's taps (1: adjacent steps).
        activation: applied inside the layer (a name such as ``"relu"``, see
            `tinyframe.activations.get`; None for linear), as in `Dense`.
        use_bias: whether the layer adds ``b`` (True by default).
        kernel_initializer, bias_initializer: names in `tinyframe.initializers` or callables
            (``"glorot_uniform"`` with Keras's fans and ``"zeros"`` by default).
        data_format: Keras's argument; only ``"channels_last"`` (or None) is supported.
        name, input_shape: see `Layer`.

    Example:
        >>> import numpy as np
        >>> layer = Conv1D(25, 5, strides=2, activation="relu").build((40, 1), dtype="float32", rng=0)
        >>> layer.forward(np.ones((100, 40, 1), "float32")).shape
        (100, 18, 25)
        >>> Conv1D(8, 4, padding="same", strides=3).compute_output_shape((40, 2))
        (14, 8)
        >>> causal = Conv1D(1, 2, padding="causal", use_bias=False).build((4, 1), dtype="float64", rng=0)
        >>> causal.params["W"][:, 0, 0] = [1.0, 2.0]                # y[t] = 1 x[t-1] + 2 x[t]
        >>> causal.forward(np.array([[[1.0], [2.0], [3.0], [4.0]]]))[0, :, 0].tolist()
        [2.0, 5.0, 8.0, 11.0]
    """

    writes_in_place = True  # backward writes self.grads with out= (see Sequential._sync)
    rank = 1
    paddings = ("valid", "same", "causal")
    layout = "(steps, channels) (batch excluded)"


class Conv2D(_Conv):
    """2-D convolution over the pixels of an image (Keras's ``layers.Conv2D``), channels last.

    ``(m, height, width, channels) -> (m, new_height, new_width, filters)``, with the kernel
    ``W`` of shape ``(kh, kw, channels, filters)`` slid over both axes. Each size
    (``kernel_size``, ``strides``, ``dilation_rate``) is an int for both axes or a pair
    ``(rows, cols)``; ``padding`` is ``"valid"`` or ``"same"`` per axis exactly as in
    `Conv1D` (the extra zero of "same" goes at the bottom and the right). Forward,
    backward and their derivation: see `_Conv` (here r = 2). Other arguments as `Conv1D`.

    Example:
        >>> import numpy as np
        >>> layer = Conv2D(32, 3, activation="relu").build((28, 28, 1), dtype="float32", rng=0)
        >>> layer.forward(np.ones((64, 28, 28, 1), "float32")).shape
        (64, 26, 26, 32)
        >>> Conv2D(4, (2, 3), strides=2, padding="same").compute_output_shape((7, 8, 3))
        (4, 4, 4)
    """

    writes_in_place = True
    rank = 2
    layout = "(height, width, channels) (batch excluded)"
