"""The registry: which class a saved name may become, so a loaded file names classes but never holds code.

Built-in classes need no registration: they are found by name in the public
namespaces (``__all__`` of `tinyframe.layers`, `tinyframe.activations`,
`tinyframe.losses`, `tinyframe.optimizers`) when a file is read, so a class added
to one of them is loadable at once. A user's own `Layer`, `Loss` or `Optimizer`
subclass registers itself with a decorator:

>>> import tinyframe
>>> from tinyframe.layers import Layer
>>> @tinyframe.register
... class Doubler(Layer):
...     def forward(self, x, training=False):
...         return 2 * x
...     def backward(self, grad_out):
...         return 2 * grad_out
>>> lookup("Doubler", "layer") is Doubler
True
"""

from __future__ import annotations

import functools

from . import activations, layers, losses, optimizers
from .activations.base import Activation
from .layers.base import Layer
from .layers.input import InputLayer
from .layers.lambda_layer import Lambda
from .losses.base import Loss
from .optimizers.base import Optimizer

# kind -> (base class, the public namespaces that hold its built-in classes)
_KINDS = {
    "layer": (Layer, (layers, activations)),
    "loss": (Loss, (losses,)),
    "optimizer": (Optimizer, (optimizers,)),
}
# Exported for subclassing, or (InputLayer) only a model's input shape, or (Lambda) a function: never built from a file.
_BASES = (Layer, Activation, Loss, Optimizer, InputLayer, Lambda)
_CUSTOM: dict[str, type] = {}  # name -> class, filled by @register
_A = {"layer": "a layer", "loss": "a loss", "optimizer": "an optimizer"}


def _kind_of(cls: type) -> str | None:
    return next((kind for kind, (base, _) in _KINDS.items() if issubclass(cls, base)), None)


@functools.cache
def builtins(kind: str) -> dict[str, type]:
    """The built-in classes of ``kind`` (``"layer"``, ``"loss"``, ``"optimizer"``) by name (fixed: read once)."""
    base, namespaces = _KINDS[kind]
    found = {}
    for namespace in namespaces:
        for name in namespace.__all__:
            obj = getattr(namespace, name)
            if isinstance(obj, type) and issubclass(obj, base) and obj not in _BASES:
                found[name] = obj
    return found


def register(cls: type | None = None, *, name: str | None = None):
    """Class decorator: make a custom `Layer`, `Loss` or `Optimizer` loadable by ``name`` (its class name).

    Args:
        cls: the class (when used as ``@register``).
        name: the name written to files; defaults to ``cls.__name__``. Use it when
            two of your classes share a name (``@register(name="MyScale")``).

    A name taken by a built-in class or by another registered class is refused; a
    class redefined under the same module and name (a re-run notebook cell) replaces
    its earlier version.
    """
    if cls is None:
        return lambda c: register(c, name=name)
    if not isinstance(cls, type) or _kind_of(cls) is None:
        raise TypeError(f"register expects a subclass of Layer, Loss or Optimizer. Received: {cls!r}")
    key = cls.__name__ if name is None else name
    if not isinstance(key, str) or not key:
        raise TypeError(f"register: name must be a non-empty string. Received: name={name!r}")
    if any(key in builtins(kind) for kind in _KINDS):
        raise ValueError(
            f"register: {key!r} is the name of a built-in tinyframe class; "
            f"rename {cls.__qualname__} or pass register(name=...). Received: {cls!r}"
        )
    old = _CUSTOM.get(key)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(
            f"register: {key!r} is already registered for {old.__module__}.{old.__qualname__}; "
            f"pass register(name=...) to register {cls.__module__}.{cls.__qualname__} under another name"
        )
    _CUSTOM[key] = cls
    return cls


def _known() -> dict[str, type]:
    """Every class a file may name: the built-ins of all kinds, then the registered ones."""
    return {name: cls for kind in _KINDS for name, cls in builtins(kind).items()} | _CUSTOM


def lookup(name: str, kind: str) -> type:
    """The class of ``kind`` called ``name`` in a file; ValueError (saying how to register) if there is none."""
    cls = _known().get(name)
    if cls is None:
        raise ValueError(
            f"unknown {kind} class {name!r}: it is not built into tinyframe and not registered. "
            f"If it is your own class, decorate it with @tinyframe.register and import the module "
            f"that defines it before loading (files name classes; they never contain code)"
        )
    if not issubclass(cls, _KINDS[kind][0]):
        raise ValueError(f"{name!r} is {_A[_kind_of(cls)]} class, but the file uses it as {_A[kind]}")
    return cls


def name_of(obj: object) -> str:
    """The name under which ``obj``'s class is saved; ValueError if loading could not find it again."""
    cls = type(obj)
    for name, known in _known().items():
        if known is cls:
            return name
    raise ValueError(
        f"{cls.__qualname__} is not registered, so a saved file could not name it: "
        f"decorate the class with @tinyframe.register"
    )
