"""Every docstring example in the package runs and prints what it says.

Modules whose optional dependency is missing (onnx) are skipped; the rest run with
doctest's default options, as ``python -m doctest`` would.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tinyframe

MODULES = ["tinyframe", *sorted(info.name for info in pkgutil.walk_packages(tinyframe.__path__, "tinyframe."))]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        pytest.skip(f"{name} needs an optional dependency: {error}")
    result = doctest.testmod(module, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (printed above)"
