"""Layers: the base `Layer` and the layers with parameters or randomness."""

from .activation import Activation
from .base import Layer
from .dense import Dense
from .dropout import Dropout
from .gru import GRU
from .input import Input, InputLayer
from .lstm import LSTM
from .noise import GaussianNoise
from .simple_rnn import SimpleRNN

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise", "Input", "InputLayer", "Activation"]
__all__ += ["SimpleRNN", "GRU", "LSTM"]
