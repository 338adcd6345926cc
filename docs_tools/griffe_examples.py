"""A griffe extension for the API reference: read tinyframe's ``Example:`` sections as examples.

tinyframe's docstrings head their doctests ``Example:`` (Keras's spelling). Griffe's Google
parser knows the plural, ``Examples:``, as the section whose ``>>>`` lines are code; the
singular becomes an admonition whose doctest lines render as nested quotes. This extension
renames the heading in the docstring text griffe parses (the source files are not changed).

A line that ends in reST's ``::`` (the code block after it is code in Markdown too) ends in
one colon. A doctest that stands in the description itself, at the docstring's own indentation and
under no heading, is fenced as a ``pycon`` code block for the same reason: Markdown reads
its ``>>>`` as three levels of quotes.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SINGULAR = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_LITERAL = re.compile(r"(?<=[^:\s])::$", re.MULTILINE)  # reST's "text::" before a code block: ":" in Markdown


class ExamplesSection(griffe.Extension):
    """Rewrite ``Example:`` to ``Examples:`` in every docstring before it is parsed."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _LITERAL.sub(":", _SINGULAR.sub(r"\1Examples:", obj.docstring.value))
            obj.docstring.value = fence_bare_doctests(text)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """The package's own docstring (``tinyframe/__init__.py``), which ``on_object`` is not called for."""
        self.on_object(obj=pkg)


def fence_bare_doctests(text: str) -> str:
    """Each paragraph of ``text`` that starts with ``>>>`` at column 0, fenced as a ``pycon`` block.

    >>> fence_bare_doctests("Ones.\\n\\n" + ">" * 3 + " 1 + 1\\n2\\n\\nDone.").splitlines()
    ['Ones.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if lines[i].startswith(">>>"):  # indented doctests belong to an Examples: section, which griffe reads
            end = i
            while end < len(lines) and lines[end].strip():
                end += 1
            out += ["```pycon", *lines[i:end], "```"]
            i = end
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)
