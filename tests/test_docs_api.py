"""The API reference's parameter tables agree with the signatures Python sees.

The tables are what ``mkdocs build`` renders from griffe's reading of the docstrings, with the
extensions listed in mkdocs.yml. The oracle is `inspect.signature` of the live objects: a row
the page marks *required* must be a parameter Python requires, and a row with a default that
Python's own signature holds must show that default.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import re

import pytest

griffe = pytest.importorskip("griffe")
yaml = pytest.importorskip("yaml")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DENSE = "tinyframe.layers.dense.Dense"


def _handler_options() -> dict:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if "!!" not in line)  # no Python tags to construct
    plugins = yaml.safe_load(text)["plugins"]
    entry = next(p for p in plugins if isinstance(p, dict) and "mkdocstrings" in p)
    return entry["mkdocstrings"]["handlers"]["python"]["options"]


@pytest.fixture(scope="module")
def package():
    options = _handler_options()
    extensions = griffe.load_extensions(*(str(ROOT / spec) for spec in options["extensions"]))
    return griffe.load(
        "tinyframe",
        search_paths=[str(ROOT)],
        extensions=extensions,
        docstring_parser=options["docstring_style"],
        docstring_options=options["docstring_options"],
        resolve_aliases=False,
    )


def tables(obj):
    """``{object path: [(name, annotation, default), ...]}`` for every parameters table under ``obj``."""
    found = {}
    if obj.docstring is not None and (obj.is_class or obj.is_function):
        for section in obj.docstring.parsed:
            if section.kind is griffe.DocstringSectionKind.parameters:
                rows = [(p.name, p.annotation, p.default) for p in section.value]
                found.setdefault(obj.path, []).extend(rows)
    for member in obj.members.values():
        if not member.is_alias:
            found.update(tables(member))
    return found


def live(path: str):
    """The Python object at a dotted ``path``, or None (a name only griffe sees, e.g. under TYPE_CHECKING)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name, None)
        return obj
    return None


def rows_with_signatures(package):
    """``(path, name, default, signature)`` for every row of a table whose object Python can call."""
    for path, rows in tables(package).items():
        obj = live(path)
        if obj is not None and callable(obj):
            signature = inspect.signature(obj)
            yield from ((path, name, default, signature) for name, _, default in rows)


def test_every_row_names_one_parameter_and_required_means_required(package):
    """No row lists several names; a row without a default is a parameter the live signature requires."""
    checked = 0
    for path, name, default, signature in rows_with_signatures(package):
        assert "," not in name and name.strip(), f"{path}: a row named {name!r}"
        if default is None and name.lstrip("*") in signature.parameters:
            parameter = signature.parameters[name.lstrip("*")]
            required = parameter.default is inspect.Parameter.empty and parameter.kind not in (
                inspect.Parameter.VAR_POSITIONAL,
                inspect.Parameter.VAR_KEYWORD,
            )
            assert required, f"{path}: {name} has a default in Python but the table says required"
        elif default is None:
            pytest.fail(f"{path}: {name} is no parameter of {signature} and the table says required")
        checked += 1
    assert checked > 300, checked  # the walk reached the package's tables


def test_defaults_shown_are_python_defaults(package):
    """Where the live signature has the parameter, the row's default is the same value."""
    compared = 0
    for path, name, default, signature in rows_with_signatures(package):
        parameters = signature.parameters
        if default is None or name not in parameters:
            continue
        try:
            value = ast.literal_eval(str(default))
        except (ValueError, SyntaxError):
            continue  # not a literal (a name such as np.float64)
        assert value == parameters[name].default, f"{path}: {name} shows {default}"
        compared += 1
    assert compared > 150, compared


def test_forwarded_and_grouped_and_subclass_parameters(package):
    """The three spellings the extension reads, on cases whose answers are written here by hand."""
    found = tables(package)
    dense = {name: (str(annotation), str(default)) for name, annotation, default in found[DENSE]}
    assert dense["name"] == ("str | None", "None")  # **kwargs, passed on to Layer.__init__
    assert dense["input_shape"] == ("Sequence[int] | None", "None")
    estimator = {name: str(default) for name, _, default in found["tinyframe.sklearn.base.TinyFrameEstimator"]}
    assert estimator["learning_rate"] == "0.004 (Classifier), 0.001 (Regressor)"  # TinyFrame*'s, per estimator
    assert estimator["shuffle"] == "True"
    adamw = {name: str(default) for name, _, default in found["tinyframe.optimizers.adamw.AdamW"]}
    assert {"beta_1", "beta_2", "clipnorm"} <= set(adamw)  # "a, b: ..." rows, one per name


def test_public_docstrings_point_only_at_what_a_reader_can_open(package):
    """No public docstring sends the reader to a private module or to the repository's design notes."""
    private = re.compile(r"tinyframe\._[a-z]|\bDESIGN\.md\b|\bSTYLE\.md\b")
    found = []
    for obj in walk(package):
        public = not any(part.startswith("_") and not part.startswith("__") for part in obj.path.split("."))
        if public and obj.docstring is not None and private.search(obj.docstring.value):
            found.append(f"{obj.path}: {private.search(obj.docstring.value).group()}")
    assert not found, found


def walk(obj):
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from walk(member)
