"""Export to ONNX, the exchange format every serving stack reads, and check the export in ONNX Runtime.

Needs the ``onnx`` extra (``pip install "tinyframe[onnx]"``: onnx, and onnxruntime to
run and check); ``import tinyframe`` never imports it, ``model.export`` imports this
package when called.

>>> import numpy as np, tinyframe.onnx
>>> from tinyframe import Sequential
>>> from tinyframe.layers import Dense, Input
>>> model = Sequential([Input((64,)), Dense(30, activation="sigmoid"), Dense(10)], dtype="float64", seed=0)
>>> model.export("digits.onnx")   # Keras 3's verb, the file written atomically   # doctest: +SKIP
>>> proto = tinyframe.onnx.to_onnx(model)            # an onnx.ModelProto, opset 17
>>> [i.name for i in proto.graph.input], proto.opset_import[0].version
(['input'], 17)
>>> bool(tinyframe.onnx.check(model, np.ones((5, 64))) < 1e-12)   # largest |ONNX Runtime - predict|
True

The graph: input ``"input"`` of shape ``("batch", *model.input_shape)``, output
``"output"``, in the model's dtype (float32 or float64; int64 indices for a model that
begins with an Embedding); the weights are initializers named ``"<layer>/<weight>"``;
``onnx.checker.check_model(proto, full_check=True)`` passes. A functional `Model` has an
input per `Input` and an output per output, a shared layer's weights written once
(``functional.py``); ops of `tinyframe.ops` and subclassed models are refused. Opset 17
by default (ONNX Runtime 1.17 runs opsets up to 20). The graph stays channels last between
layers, as the model is; each family's file says how its layers map to operators:

* ``core.py``: Dense, Dropout, GaussianNoise, Flatten, Reshape, ZeroPadding, Cropping,
  UpSampling, RepeatVector, Embedding, Rescaling
* ``activations.py``: every activation of `tinyframe.activations`
* ``conv.py``: Conv1D/2D, Conv1D/2DTranspose, Max/AveragePooling1D/2D, Global pooling
* ``normalization.py``: BatchNormalization, LayerNormalization
* ``recurrent.py``: SimpleRNN, GRU, LSTM (unrolled over the fixed number of steps)
* ``merging.py``: Add, Subtract, Multiply, Average, Maximum, Minimum (Keras's broadcasting),
  Concatenate, Dot
* ``attention.py``: MultiHeadAttention (causal or not; fixed lengths), PositionEmbedding,
  TokenAndPositionEmbedding, SinePositionEncoding (padding masks are refused)

Converters live here, by layer family, not as methods of the layers: the layers stay
free of ONNX (``onnx`` imports ``layers``, never the other way),
and each file shows one family's mapping side by side.

**Float64.** ONNX Runtime has no float64 kernel for Conv, ConvTranspose, AveragePool and Erf (GELU):
in a float64 model those run in float32 between two Casts (the proto's ``doc_string``
says which), so such a model matches ``predict`` to float32 precision, not float64's.
Everything else runs in float64.

**A custom layer** takes part by defining one method, ``to_onnx(self, builder, x) ->
str``: ``x`` is the name of its input tensor, the result the name of its output;
``builder`` (`GraphBuilder`) adds nodes, weights and constants::

    class Scale(Layer):
        '''y = x * k, one k per feature.'''

        def build(self, input_shape):
            self.add_param("k", input_shape[-1:], "ones")

        def forward(self, x, training=False):
            return x * self.params["k"]

        def to_onnx(self, builder, x):
            return builder.op("Mul", x, builder.weight(self, "k"))    # initializer "scale/k"

A layer with neither a converter here nor a ``to_onnx`` method is refused before any
node is made or file written: ``TypeError: Cannot export layer 3 (my_layer: MyLayer) to
ONNX: ... define to_onnx(self, builder, x) -> str``. A subclass of a built-in layer
needs its own ``to_onnx`` too (its forward may differ from its parent's).
"""

from __future__ import annotations

try:
    import onnx  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("tinyframe.onnx needs the onnx package: pip install 'tinyframe[onnx]'") from error

from .builder import GraphBuilder, converts
from .exporter import DEFAULT_OPSET, export, to_onnx
from .runtime import check, run, session

__all__ = ["to_onnx", "export", "check", "run", "session", "GraphBuilder", "converts", "DEFAULT_OPSET"]
