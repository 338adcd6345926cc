"""Keras's JSON values both ways: wrapped objects, dtype policies, initializers, regularizers; a config's options.

Keras writes an object as ``{"module", "class_name", "config", "registered_name"}``. Only the
names below are read (a name picks a table entry; nothing is imported or called by name).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _config, initializers, regularizers

_MISSING = object()
DTYPES = ("float32", "float64")

# tinyframe's initializer -> (Keras's class, its config without the seed): the same distribution both ways.
_INITIALIZERS = {
    "zeros": ("Zeros", {}),
    "ones": ("Ones", {}),
    "uniform": ("RandomUniform", {"minval": -0.05, "maxval": 0.05}),
    "random_sample": ("RandomUniform", {"minval": 0.0, "maxval": 1.0}),
    "normal": ("RandomNormal", {"mean": 0.0, "stddev": 0.05}),
    "glorot_uniform": ("GlorotUniform", {}),
    "glorot_normal": ("GlorotNormal", {}),
    "he_uniform": ("HeUniform", {}),
    "he_normal": ("HeNormal", {}),
    "orthogonal": ("Orthogonal", {"gain": 1.0}),
}
_CONSTANT = ("Zeros", "Ones")  # the initializers Keras makes without a seed


def keras_object(module: str, class_name: str, config: Any) -> dict[str, Any]:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def policy(dtype: np.dtype) -> dict[str, Any]:
    """Keras's dtype policy for a model of ``dtype``."""
    return keras_object("keras", "DTypePolicy", {"name": np.dtype(dtype).name})


def policy_name(value: Any, where: str) -> str | None:
    """The dtype a Keras policy names (a string or a DTypePolicy), None if absent; others refused."""
    name = value
    if isinstance(value, dict) and value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
        name = value.get("config", {}).get("name") if isinstance(value.get("config"), dict) else None
    if value is not None and name not in DTYPES:
        raise ValueError(f"{where}: the dtype policy {value!r:.200} is not supported; tinyframe computes in {DTYPES}")
    return name


def initializer_to_keras(value: Any, default: str, where: str) -> dict[str, Any]:
    """Keras's initializer for tinyframe's ``value`` (a name or a function); a custom function: ``default``, warned."""
    fn = initializers.get(value)
    name = getattr(fn, "__name__", None)
    if name not in _INITIALIZERS or initializers.get(name) is not fn:
        _config.warn(
            f"save: {where}: the initializer {value!r} is a custom function, which a file cannot hold; the file "
            f"names {default!r} instead (only re-initialising the layer would use it; its weights are saved)"
        )
        name = default
    class_name, config = _INITIALIZERS[name]
    seed = {} if class_name in _CONSTANT else {"seed": None}
    return keras_object("keras.initializers", class_name, {**seed, **config})


def initializer_from_keras(value: Any, default: str, where: str) -> str:
    """tinyframe's name for a Keras initializer; one tinyframe lacks gives ``default``, with a warning.

    An initializer only draws a layer's first weights, which loading replaces with the file's,
    so it never changes what a loaded model computes.
    """
    if isinstance(value, str):
        try:
            found = initializers.get(value).__name__
        except ValueError:
            found = None
        if found in _INITIALIZERS:
            return found
    elif isinstance(value, dict) and isinstance(value.get("config"), dict):
        config = {k: v for k, v in value["config"].items() if k != "seed" and v is not None}
        for name, known in _INITIALIZERS.items():
            if known == (value.get("class_name"), config):
                return name
    _config.warn(
        f"load: {where}: the initializer {value!r:.200} is not one of tinyframe's; the layer takes {default!r}, "
        "which only re-initialising it would use (its weights are the file's)"
    )
    return default


def regularizer_to_keras(regularizer: Any) -> dict[str, Any] | None:
    """Keras's L1, L2 or L1L2 (the same classes, keys and convention as tinyframe's)."""
    if regularizer is None:
        return None
    return keras_object("keras.regularizers", type(regularizer).__name__, regularizer.get_config())


def regularizer_from_keras(value: Any, where: str) -> Any:
    if value is None:
        return None
    name = value.get("class_name") if isinstance(value, dict) else None
    if name not in ("L1", "L2", "L1L2") or not isinstance(value.get("config"), dict):
        raise ValueError(f"{where}: the regularizer {value!r:.200} is not supported; tinyframe has L1, L2 and L1L2")
    return regularizers.get({"class_name": name, "config": value["config"]})


class Options:
    """A Keras layer's config, read key by key; a key left unread with a value other than null is refused.

    ``where`` names the layer in every message (``layer 'dense' (Dense)``).
    """

    def __init__(self, config: dict[str, Any], where: str) -> None:
        self.config, self.where, self._read = config, where, {"name", "trainable", "dtype"}

    def get(self, key: str, default: Any = _MISSING) -> Any:
        self._read.add(key)
        if key in self.config:
            return self.config[key]
        if default is _MISSING:
            raise ValueError(f"{self.where}: the config has no {key!r}")
        return default

    def only(self, key: str, *allowed: Any) -> Any:
        """``config[key]`` (absent: the first allowed value), refused unless one of ``allowed``."""
        value = self.get(key, allowed[0])
        if not any(value == a and isinstance(value, bool) == isinstance(a, bool) for a in allowed):
            raise self.refusal(key, value, f"tinyframe has only {' or '.join(map(repr, allowed))}")
        return value

    def ignored(self, *keys: str) -> None:
        """Keys whose values change nothing tinyframe computes (a seed for a dropout that is 0, Keras's unroll)."""
        self._read.update(keys)

    def refusal(self, key: str, value: Any, why: str) -> ValueError:
        return ValueError(f"{self.where}: the option {key}={value!r:.100} is not supported ({why})")

    def done(self) -> None:
        """Refuse the options no one read (Keras's newer options are null when off)."""
        for key, value in self.config.items():
            if key not in self._read and value is not None:
                raise self.refusal(key, value, "tinyframe has no such option")
