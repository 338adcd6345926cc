"""Extending tinyframe: a custom layer with its own parameter, trained and gradient-checked.

    python examples/custom_layer.py

`Scale` multiplies each feature (the last axis) by a learnable gain: ``y = x * g``.
Its ``build(input_shape)`` creates ``g`` for the width it is given; its backward
returns ``dJ/dx = grad * g`` and sets ``dJ/dg = sum over the batch of grad * x``.
That is all a layer needs to work in `Sequential`, `fit` and `tinyframe.gradcheck`.
"""

from __future__ import annotations

import numpy as np

from tinyframe import Sequential, gradcheck
from tinyframe.activations import Sigmoid
from tinyframe.layers import Dense, Layer


class Scale(Layer):
    """``y = x * g`` with a learnable gain ``g`` of shape ``(features,)``, initialised to ones."""

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.g = self.add_param("g", (input_shape[-1],), "ones")  # the returned array is the one trained

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = x
        return x * self.g

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.grads["g"][...] = (grad_out * self._x).reshape(-1, self.g.size).sum(axis=0)
        return grad_out * self.g


def main() -> float:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)  # two classes, not linearly separable

    model = Sequential([Scale(), Dense(4, 8), Sigmoid(), Dense(8, 2), Sigmoid()], dtype="float64", seed=0)
    model.compile(metrics=["accuracy"])
    check = gradcheck.check_model(model, X[:5], np.eye(2)[y[:5]])
    print(f"gradient check: {check}")
    model.fit(X, y, epochs=2000, verbose=0, batch_size=None)
    accuracy = model.evaluate(X, y, verbose=0, return_dict=True)["accuracy"]
    print(f"learned gains g = {np.round(model.layers[0].params['g'], 3)}; training accuracy {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
