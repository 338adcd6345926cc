"""A griffe extension for the API reference: every documented parameter gets its type and default.

Griffe takes a documented parameter's type and default from the signature of the function (or,
for a class, of its ``__init__``) by the parameter's name. Three spellings that tinyframe's
docstrings use find nothing there, and the table then says *required* with no type:

- ``a, b: what both are``: one line for several parameters. It becomes one row per name, each
  with its own type and default and the shared description.
- A parameter that arrives through ``*args`` or ``**kwargs`` and is passed on to a base class
  (``Dense(..., name="d1")`` reaches `Layer.__init__`): its type and default are those of the
  first class in the method resolution order whose own ``__init__`` takes it.
- A base class that documents the parameters its subclasses take, without an ``__init__`` of its
  own (`TinyFrameEstimator`): the type and default come from the subclasses; defaults that
  differ are listed per subclass (named without the prefix they share: ``Classifier``).

A parameter found nowhere keeps griffe's reading (and ``tests/test_docs_api.py`` names it).
"""

from __future__ import annotations

import os
from typing import Any

import griffe

_VARIADIC = (griffe.ParameterKind.var_positional, griffe.ParameterKind.var_keyword)


class ParameterDefaults(griffe.Extension):
    """Fill the type and default of documented parameters that griffe's lookup by name misses."""

    def __init__(self) -> None:
        self.classes: list[griffe.Class] = []

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Every class of the package (loaded before any ``on_object``): where subclasses are looked for."""
        self.classes = [obj for obj in walk(pkg) if obj.is_class]

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Parse the docstring (after `ExamplesSection` rewrote it: listed before this one) and fill its table."""
        if obj.docstring is None or not (obj.is_class or obj.is_function):
            return
        sections = obj.docstring.parse()
        for section in sections:
            if section.kind is griffe.DocstringSectionKind.parameters:
                section.value = [row for entry in section.value for row in rows(obj, entry, self.classes)]
        obj.docstring.__dict__["parsed"] = sections  # what the templates read (a cached property)


def walk(obj: griffe.Object) -> Any:
    """``obj`` and every object defined inside it (aliases, i.e. imported names, are skipped)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from walk(member)


def rows(obj: griffe.Object, entry: griffe.DocstringParameter, classes: list[griffe.Class]) -> list:
    """The table rows of one documented ``entry``: one per name it lists, typed from the signatures."""
    names = [name.strip() for name in entry.name.split(",")]
    out = []
    for name in names:
        found = lookup(obj, name.lstrip("*"), classes)
        if found is None:
            if len(names) == 1:
                return [entry]
            annotation, default = None, None
        else:
            annotation, default = found
        out.append(griffe.DocstringParameter(name, description=entry.description, annotation=annotation, value=default))
    return out


def own_parameters(obj: griffe.Object) -> griffe.Parameters | None:
    """The parameters of a function, or of a class's own ``__init__`` (None when it has none of its own)."""
    if obj.is_function:
        return obj.parameters
    init = obj.members.get("__init__")
    return init.parameters if init is not None and not init.is_alias else None


def lookup(obj: griffe.Object, name: str, classes: list[griffe.Class]) -> tuple[Any, Any] | None:
    """``(annotation, default)`` of parameter ``name`` of ``obj``, where a reader's call would send it."""
    parameters = own_parameters(obj)
    if parameters is not None and name in parameters:
        return parameters[name].annotation, parameters[name].default
    owner = obj.parent if obj.is_function and obj.name == "__init__" else obj
    if not owner.is_class:
        return None
    if parameters is None or any(p.kind in _VARIADIC for p in parameters):
        for base in owner.mro():  # passed on through *args / **kwargs (or an __init__ inherited whole)
            inherited = own_parameters(base)
            if inherited is not None and name in inherited:
                return inherited[name].annotation, inherited[name].default
    if parameters is None:
        return from_subclasses(owner, name, classes)
    return None


def from_subclasses(owner: griffe.Class, name: str, classes: list[griffe.Class]) -> tuple[Any, Any] | None:
    """The type and default of ``name`` in the ``__init__`` of each subclass of ``owner`` that takes it."""
    found = {}
    for cls in classes:
        parameters = own_parameters(cls)
        if cls is not owner and parameters is not None and name in parameters and owner in cls.mro():
            found[cls.name] = parameters[name]
    if not found:
        return None
    annotations = {str(p.annotation) for p in found.values()}
    defaults = {str(p.default) for p in found.values()}
    annotation = next(iter(found.values())).annotation if len(annotations) == 1 else None
    if len(defaults) == 1:
        return annotation, next(iter(found.values())).default
    names = sorted(found)
    stem = os.path.commonprefix(names)  # TinyFrameClassifier, TinyFrameRegressor: Classifier, Regressor
    short = {name: name[len(stem) :] or name for name in names}
    return annotation, ", ".join(f"{found[name].default} ({short[name]})" for name in names)
