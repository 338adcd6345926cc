"""Write the figures of the guide pages that train something, by running the pages' own code.

    python docs_tools/figures.py

* ``docs/training.md``: its code blocks run in order (in a temporary folder, as the
  snippet tests run them); the pictures the "Pictures" block saves become
  ``docs/images/training-{history,confusion,weights}.png``.
* ``docs/getting-started.md``: the blocks up to the article's network (3000 full-batch
  steps) run; its ``history`` is drawn by `tinyframe.plot.plot_history` into
  ``docs/images/getting-started-history.png``.

``examples/vanishing_gradients.py`` writes the vanishing-gradients guide's figure.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
sys.path.insert(0, str(ROOT))
from tests.test_docs_snippets import blocks  # noqa: E402  (the snippet tests' reading of a page)


def run_page(page: str, until: str | None = None) -> dict:
    """Run the page's ```python blocks in order in one namespace (stopping after the one containing ``until``)."""
    namespace: dict = {"__name__": "__page__"}
    for _, code, runs in blocks(ROOT / "docs" / page):
        if runs:
            exec(compile(code, page, "exec"), namespace)
        if until is not None and until in code:
            break
    return namespace


def main() -> None:
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            run_page("training.md")
            for name in ("history", "confusion", "weights"):
                shutil.copy(f"{name}.png", IMAGES / f"training-{name}.png")
            from tinyframe.plot import plot_history

            page = run_page("getting-started.md", until="epochs=3000")
            fig = plot_history(page["history"], title="the article's network, 3000 full-batch steps")
            fig.savefig(IMAGES / "getting-started-history.png", dpi=100)
        finally:
            os.chdir(here)
    print("wrote", *sorted(p.name for p in IMAGES.glob("*.png")))


if __name__ == "__main__":
    main()
