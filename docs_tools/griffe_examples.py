"""A griffe extension for the API reference: read tinyframe's ``Example:`` sections as examples.

tinyframe's docstrings head their doctests ``Example:`` (Keras's spelling). Griffe's Google
parser knows the plural, ``Examples:``, as the section whose ``>>>`` lines are code; the
singular becomes an admonition whose doctest lines render as nested quotes. This extension
renames the heading in the docstring text griffe parses (the source files are not changed).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SINGULAR = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExamplesSection(griffe.Extension):
    """Rewrite ``Example:`` to ``Examples:`` in every docstring before it is parsed."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _SINGULAR.sub(r"\1Examples:", obj.docstring.value)
