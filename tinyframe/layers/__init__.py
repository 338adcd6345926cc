"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .activation import Activation
from .base import Layer
from .batch_normalization import BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .input import Input, InputLayer
from .layer_normalization import LayerNormalization
from .noise import GaussianNoise

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise", "Input", "InputLayer", "Activation"]
__all__ += ["BatchNormalization", "LayerNormalization", "Embedding"]
