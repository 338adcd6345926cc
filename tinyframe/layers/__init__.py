"""Layers: the base `Layer`, Dense, and the steps of the article's "pathway to deep learning"."""

from .activation import Activation
from .base import Layer
from .batch_normalization import BatchNormalization
from .bidirectional import Bidirectional
from .conv import Conv1D, Conv2D
from .conv_transpose import Conv1DTranspose, Conv2DTranspose
from .cropping import Cropping1D, Cropping2D
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .global_pooling import GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D
from .gru import GRU
from .input import Input, InputLayer
from .lambda_layer import Lambda
from .layer_normalization import LayerNormalization
from .lstm import LSTM
from .masking import Masking
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .multi_head_attention import MultiHeadAttention
from .noise import GaussianNoise
from .normalization import Normalization
from .pooling import AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D
from .position_embedding import PositionEmbedding
from .repeat_vector import RepeatVector
from .rescaling import Rescaling
from .reshaping import Flatten, Reshape
from .rnn import RNN, GRUCell, LSTMCell, SimpleRNNCell
from .simple_rnn import SimpleRNN
from .sine_position_encoding import SinePositionEncoding
from .time_distributed import TimeDistributed
from .token_and_position_embedding import TokenAndPositionEmbedding
from .upsampling import UpSampling1D, UpSampling2D
from .zero_padding import ZeroPadding1D, ZeroPadding2D

__all__ = ["Layer", "Dense", "Dropout", "GaussianNoise", "Input", "InputLayer", "Activation"]
__all__ += ["Flatten", "Reshape", "ZeroPadding1D", "ZeroPadding2D", "Conv1D", "Conv2D"]
__all__ += ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"]
__all__ += ["Conv1DTranspose", "Conv2DTranspose", "UpSampling1D", "UpSampling2D", "Cropping1D", "Cropping2D"]
__all__ += ["RepeatVector", "TimeDistributed", "RNN", "SimpleRNNCell", "GRUCell", "LSTMCell", "Lambda"]
__all__ += ["GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D"]
__all__ += ["BatchNormalization", "LayerNormalization", "Embedding", "MultiHeadAttention"]
__all__ += ["PositionEmbedding", "TokenAndPositionEmbedding", "SinePositionEncoding", "Masking"]
__all__ += ["SimpleRNN", "GRU", "LSTM", "Bidirectional", "Rescaling", "Normalization"]
__all__ += ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"]
__all__ += ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]

# Keras keeps these activation layers in keras.layers too: the same classes as tinyframe.activations.
from ..activations import ELU, LeakyReLU, ReLU, Softmax  # noqa: E402 (after the layers they build on)

__all__ += ["ReLU", "LeakyReLU", "ELU", "Softmax"]
