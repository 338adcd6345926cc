"""Activations: elementwise (or row-wise) layers without parameters, and Keras's activation functions.

Each layer class has its function beside it, as Keras has ``keras.activations.relu`` beside
``keras.layers.ReLU``: `relu`, `sigmoid`, `tanh`, `softmax`, `gelu`, `elu`, `selu`, `softplus`,
`silu` (`swish`), `leaky_relu` and `linear` take an array and return the values (NumPy in, NumPy
out), and ``Dense(3, activation=relu)`` gives the layer the class that computes it.

The functions take the names of the modules their classes live in (``tinyframe.activations.relu``
is the function; ``from tinyframe.activations.relu import ReLU`` still reads the module).
"""

from collections.abc import Callable

from .base import Activation
from .elu import ELU, SELU, elu, selu
from .gelu import GELU, gelu
from .identity import Identity, linear
from .leaky_relu import LeakyReLU, leaky_relu
from .relu import ReLU, relu
from .sigmoid import Sigmoid, sigmoid
from .softmax import Softmax, softmax
from .softplus import Softplus, softplus
from .swish import Swish, silu, swish
from .tanh import Tanh, tanh

__all__ = [
    "Activation",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Softmax",
    "Identity",
    "ELU",
    "SELU",
    "Swish",
    "Softplus",
    "GELU",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "gelu",
    "elu",
    "selu",
    "softplus",
    "silu",
    "swish",
    "leaky_relu",
    "linear",
]

# Keras's activation names -> the class that computes it (created with its default arguments).
_BY_NAME = {
    "sigmoid": "Sigmoid",
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "tanh": "Tanh",
    "softmax": "Softmax",
    "elu": "ELU",
    "selu": "SELU",
    "gelu": "GELU",
    "swish": "Swish",
    "silu": "Swish",
    "softplus": "Softplus",
}
_LINEAR = ("linear", "identity", None)
# Keras's activation functions -> the layer each becomes in Dense(activation=fn) (linear: none).
_BY_FUNCTION: dict[Callable, Callable[[], Activation | None]] = {
    relu: ReLU,
    sigmoid: Sigmoid,
    tanh: Tanh,
    softmax: Softmax,
    gelu: GELU,
    elu: ELU,
    selu: SELU,
    softplus: Softplus,
    silu: Swish,
    leaky_relu: lambda: LeakyReLU(negative_slope=0.2),  # the function's default slope, not the layer's 0.3
    linear: lambda: None,
}


def get(identifier: str | Activation | type | dict | Callable | None) -> Activation | None:
    """A new `Activation` for Keras's name (``"relu"``), a function of this module (`relu`), an
    instance (itself), a class, or a saved spec.

    ``None``, ``"linear"`` and `linear` mean no activation (None is returned), as in Keras's
    ``Dense(activation=None)``. Names are matched in any case; the class names work too
    (``"ReLU"``). A dict ``{"class_name": ..., "config": ...}`` (what `serialize` writes for
    an activation with arguments) is built from the classes of this module only.

    >>> get("relu"), get(relu), get(leaky_relu), get(None)
    (ReLU(), ReLU(), LeakyReLU(alpha=0.2), None)
    """
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Activation) and identifier is not Activation:
        return identifier()
    layer_of = next((make for fn, make in _BY_FUNCTION.items() if fn is identifier), None)
    if layer_of is not None:
        return layer_of()
    classes = _classes()
    if isinstance(identifier, dict):
        cls = classes.get(identifier.get("class_name"))
        config = identifier.get("config", {})
        if cls is None or not isinstance(config, dict):
            raise ValueError(f"Unknown activation: expected one of {sorted(classes)}. Received: {identifier!r}")
        return cls(**config)
    if identifier in _LINEAR or (isinstance(identifier, str) and identifier.lower() in _LINEAR):
        return None
    if isinstance(identifier, str):
        name = _BY_NAME.get(identifier.lower(), identifier)
        by_lower = {key.lower(): cls for key, cls in classes.items()}
        if name.lower() in by_lower:
            return by_lower[name.lower()]()
    known = sorted({*(k for k, v in _BY_NAME.items() if v in classes), "linear"})
    name = getattr(identifier, "__name__", None) if callable(identifier) else None
    hint = f" (another module's {name!r}: pass {name!r} or tinyframe.activations.{name})" if name in known else ""
    raise ValueError(
        f"Unknown activation: expected one of {known} (a name, or the function of that name from "
        f"tinyframe.activations), an Activation instance or class, or None. Received: {identifier!r}{hint}"
    )


def _classes() -> dict[str, type[Activation]]:
    """The built-in activation classes by name (``__all__`` also lists the functions)."""
    found = {name: globals().get(name) for name in __all__ if name != "Activation"}
    return {name: obj for name, obj in found.items() if isinstance(obj, type) and issubclass(obj, Activation)}


def serialize(activation: Activation) -> str | dict:
    """Keras's name when ``activation`` has its default arguments, else ``{"class_name", "config"}``."""
    cls = type(activation)
    for name, class_name in _BY_NAME.items():
        if (
            class_name == cls.__name__
            and globals().get(class_name) is cls
            and cls().get_config() == activation.get_config()
        ):
            return name
    return {"class_name": cls.__name__, "config": activation.get_config()}


__all__ += ["get", "serialize"]
