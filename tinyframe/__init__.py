"""tinyframe: a small, object-oriented, Keras-like neural-network framework on NumPy.

Example:
    >>> from tinyframe import Sequential
    >>> from tinyframe.layers import Dense
    >>> from tinyframe.activations import Sigmoid
    >>> model = Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], seed=0)
"""

from .layers.input import Input
from .model import Model, Sequential
from .training import DivergenceWarning

__version__ = "0.1.0"

__all__ = ["Sequential", "Model", "Input", "DivergenceWarning", "__version__"]

from . import backend, models, ops, utils  # noqa: E402  (keras.backend, .models, .ops, .utils: where Keras code looks)
from .registry import register  # noqa: E402  (after __version__, which saving reads)
from .saving import load_model  # noqa: E402

__all__ += ["load_model", "register", "backend", "models", "ops", "utils"]
