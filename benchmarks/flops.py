"""FLOPs of one training sample, counted from the matrix products only (bias adds and activations ignored).

A layer of ``macs`` multiply-adds per sample (a `Dense` ``in x out``, or a convolution
``out_positions x kernel_taps x in_channels x filters``, as its im2col product) costs, in training::

    forward                     2 * macs      z = x @ W
    backward, weight gradient   2 * macs      dJ/dW = x.T @ delta
    backward, input gradient    2 * macs      dJ/dx = delta @ W.T   (not for the first layer: nothing needs it)

so ``6 * macs`` a layer and ``4 * macs`` for the first. tinyframe and PyTorch both skip the
first layer's input gradient (the input does not require one).
"""

from __future__ import annotations


def training_flops(macs: list[int]) -> int:
    """Matmul FLOPs of one training sample through layers of ``macs`` multiply-adds each, first layer first.

    Example:
        >>> training_flops([10, 100])      # 4 * 10 + 6 * 100
        640
    """
    return 6 * sum(macs) - 2 * macs[0]


def valid_length(length: int, kernel_size: int, strides: int = 1, padding: int = 0) -> int:
    """Positions of a kernel slid over ``length`` steps padded with ``padding`` zeros at each end.

    Example:
        >>> valid_length(40, 5, strides=2, padding=1), valid_length(28, 3), valid_length(26, 2, strides=2)
        (19, 26, 13)
    """
    return (length + 2 * padding - kernel_size) // strides + 1
