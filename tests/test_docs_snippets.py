"""Every ```python block of README.md and docs/**/*.md runs: the blocks of a page in order, in one namespace.

A page is one test: its blocks run top to bottom in a fresh namespace (so a later block may
use what an earlier one defined, as a reader would), with a temporary folder as the current
directory and matplotlib on the Agg backend. A missing import or an undefined name fails the
page, naming the block's first line. A block that is not meant to run (a long download, minutes
of training) is preceded by the HTML comment ``<!-- no-run -->`` on the line before it; each
such block is listed as a skipped test with its page and line.
"""

from __future__ import annotations

import pathlib
import re
import sys
import textwrap
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
NO_RUN = "<!-- no-run -->"
# A fenced block: the opening fence (indented or not, as in a list), its language, the body, the same fence.
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.M | re.S,
)


def blocks(page: pathlib.Path) -> list[tuple[int, str, bool]]:
    """``(line, code, runs)`` for every ```python block of ``page``: its first line, its dedented code, and
    whether it runs (False after a ``<!-- no-run -->`` line)."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        if match["info"].strip().split(" ")[0].lower() not in ("python", "py"):
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        found.append((line + 1, textwrap.dedent(match["body"]), before != NO_RUN))
    return found


def _name(page: pathlib.Path) -> str:
    return page.relative_to(ROOT).as_posix()


RUN = [pytest.param(page, id=_name(page)) for page in PAGES if any(runs for _, _, runs in blocks(page))]
SKIPPED = [
    pytest.param(page, line, id=f"{_name(page)}:{line}") for page in PAGES for line, _, runs in blocks(page) if not runs
]


def test_the_pages_have_snippets():
    """The collector finds the pages' code (a broken pattern would make every test below vacuous)."""
    names = [param.values[0].name for param in RUN]
    assert "README.md" in names and len(names) >= 8, names
    assert sum(len(blocks(page)) for page in PAGES) >= 40


@pytest.mark.parametrize("page", RUN)
def test_page_snippets_run(page, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(page)])
    namespace = {"__name__": "__main__"}  # each page runs as a script would
    try:
        for line, code, runs in blocks(page):
            if not runs:
                continue
            try:
                compiled = compile(code, f"{_name(page)}:{line}", "exec")
                # One BLAS thread: on a busy 2-core machine two threads wait on each other for the
                # full-batch products (the pages' timings are measured so, see docs/performance.md).
                with warnings.catch_warnings(), threadpoolctl.threadpool_limits(1):
                    warnings.simplefilter("ignore", UserWarning)  # scikit-learn's ConvergenceWarning on short runs
                    exec(compiled, namespace)
            except Exception as error:
                first = code.strip().splitlines()[0] if code.strip() else ""
                raise AssertionError(
                    f"{_name(page)}, the block at line {line} ({first!r}) raised {type(error).__name__}: {error}"
                ) from error
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")


def test_blocks_reads_fences_and_the_no_run_marker(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "text\n```python\nx = 1\n```\n\n<!-- no-run -->\n```python\ndownload()\n```\n"
        "```bash\nls\n```\n- item\n\n  ```python\n  y = x + 1\n  ```\n",
        encoding="utf-8",
    )
    assert blocks(page) == [(3, "x = 1\n", True), (8, "download()\n", False), (16, "y = x + 1\n", True)]


@pytest.mark.parametrize(("page", "line"), SKIPPED)
def test_no_run_blocks_are_listed(page, line):
    pytest.skip(f"{_name(page)}:{line} is marked {NO_RUN}")


# The widest code line the site shows whole. Measured on the built site with headless Chromium
# (mkdocs-material's default theme, windows 1280, 1440 and 1920 pixels wide: the content column
# is at its maximum width from about 1220 pixels on): 82 monospace characters fit in a code
# block, and the first line's last two sit under the copy button. Wider lines scroll sideways.
CODE_WIDTH = 80


def wide_lines(page: pathlib.Path) -> list[str]:
    """``"line: text"`` for every line of a fenced block of ``page`` wider than `CODE_WIDTH`."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        first = text.count("\n", 0, match.start()) + 2
        for offset, line in enumerate(match["body"].split("\n")):
            if len(line[len(match["indent"]) :]) > CODE_WIDTH:
                found.append(f"{first + offset}: {line.strip()[:60]}")
    return found


@pytest.mark.parametrize(
    "page",
    [pytest.param(page, id=_name(page)) for page in sorted((ROOT / "docs").rglob("*.md"))],
)
def test_code_fits_the_content_column(page):
    wide = wide_lines(page)
    assert not wide, f"{_name(page)}: code lines wider than {CODE_WIDTH} characters: {wide}"


def test_wide_lines_finds_a_wide_line_in_an_indented_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"- item\n\n  ```text\n  {'x' * CODE_WIDTH}\n  {'y' * (CODE_WIDTH + 1)}\n  ```\n", encoding="utf-8")
    assert wide_lines(page) == [f"5: {'y' * 60}"]  # line 5: the y line, counted by hand
