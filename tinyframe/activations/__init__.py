"""Activations: elementwise (or row-wise) layers without parameters."""

from .base import Activation
from .elu import ELU, SELU
from .gelu import GELU
from .identity import Identity
from .leaky_relu import LeakyReLU
from .relu import ReLU
from .sigmoid import Sigmoid
from .softmax import Softmax
from .softplus import Softplus
from .swish import Swish
from .tanh import Tanh

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


def get(identifier: str | Activation | type | dict | None) -> Activation | None:
    """A new `Activation` for Keras's name (``"relu"``), an instance (itself), a class, or a saved spec.

    ``None`` and ``"linear"`` mean no activation (None is returned), as in Keras's
    ``Dense(activation=None)``. Names are matched in any case; the class names work too
    (``"ReLU"``). A dict ``{"class_name": ..., "config": ...}`` (what `serialize` writes for
    an activation with arguments) is built from the classes of this module only.

    >>> get("relu"), get(None)
    (ReLU(), None)
    """
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Activation) and identifier is not Activation:
        return identifier()
    classes = {name: globals()[name] for name in __all__ if name != "Activation" and name in globals()}
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
    raise ValueError(
        f"Unknown activation: expected one of {known}, an Activation instance or class, or None. "
        f"Received: {identifier!r}"
    )


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
