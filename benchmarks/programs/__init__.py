"""The programs a case times side by side, one module each, shared by the article and minibatch cases.

Every module has ``digits(work) -> run(epochs) -> loss``; tinyframe and PyTorch
also have ``large(X, labels, batch_size, seed) -> run() -> loss`` and ``conv2d`` of the
same form, and ``mnist1d_cnn(work) -> run(steps) -> loss`` and ``residual`` of that form. `load` returns
the module, or raises `Skipped` with a note when its library is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

DIGITS_PROGRAMS = ("tinyframe", "hand_numpy", "sklearn", "torch")  # the default set
EXTRA_PROGRAMS = ("numpy_floor",)  # on request: tinyframe's kernels without the framework
LARGE_PROGRAMS = ("tinyframe", "torch")  # also those of the conv2d, mnist1d_cnn and residual cases

_MODULES = {
    "tinyframe": "tinyframe_program",
    "hand_numpy": "hand_numpy",
    "numpy_floor": "numpy_floor",
    "sklearn": "sklearn_peer",
    "torch": "torch_peer",
}
_REQUIRES = {"sklearn": "sklearn", "torch": "torch"}
_INSTALL = {"sklearn": "pip install scikit-learn", "torch": "optional: pip install torch==2.13.0"}


class Skipped(Exception):
    """A program that cannot run here; the message says why (shown in the table and the JSON)."""


def load(name: str) -> ModuleType:
    """The program module ``name`` (one of `DIGITS_PROGRAMS` or `EXTRA_PROGRAMS`)."""
    if name not in _MODULES:
        raise ValueError(f"Unknown program: expected one of {sorted(_MODULES)}. Received: {name!r}")
    requirement = _REQUIRES.get(name)
    if requirement and importlib.util.find_spec(requirement) is None:
        raise Skipped(f"skipped: {requirement} is not installed ({_INSTALL[name]})")
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")


def load_available(names: list[str]) -> tuple[dict[str, ModuleType], dict[str, str]]:
    """The modules of ``names`` that can run here, and for the others why not (`Skipped`'s note)."""
    modules, skipped = {}, {}
    for name in names:
        try:
            modules[name] = load(name)
        except Skipped as reason:
            skipped[name] = str(reason)
    return modules, skipped
