"""Write the figures of the guide pages that train something, by running the pages' own code.

    python docs_tools/figures.py

* ``docs/training.md``: its code blocks run in order (in a temporary folder, as the
  snippet tests run them); the pictures the "Pictures" block saves become
  ``docs/images/training-{history,confusion,weights}.png``.
* ``docs/getting-started.md``: the blocks up to the article's network (3000 full-batch
  steps) run; its ``history`` is drawn by `tinyframe.plot.plot_history` into
  ``docs/images/getting-started-history.png``.
* The other guide pages that fit something, each run up to its training block:
  ``index-history`` (the landing page's digits network), ``custom-logcosh-history`` (the
  custom loss's regression), ``saving-resume-history`` (the checkpointed run, and the run
  resumed from its fourth epoch drawn over it), ``sklearn-regressor-loss`` (the regressor's
  ``history_``), ``scaling-best-loss`` (the grid search's refitted best estimator) and
  ``onnx-confusion`` (the exported graph's predictions in ONNX Runtime on the test digits),
  ``vanishing-gradients-stats`` (the vanishing-gradients guide's `plot_layer_stats` figure).

``docs/threads.md`` (two runs compared bit for bit) and ``docs/errors.md`` (a refused
``fit``) train nothing worth a picture; ``why.md`` and ``performance.md`` run no ``fit``.

``python examples/vanishing_gradients.py --out docs/images`` writes the vanishing-gradients
guide's first figure, ``examples/residual_digits.py`` and ``examples/mnist1d.py`` (``--out
docs/images``) theirs, ``examples/article/05_digits.py --out docs`` the article's.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import tempfile
import warnings

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


def save(figure, name: str) -> None:
    """Write ``figure`` as ``docs/images/<name>.png`` (dpi 100, as every guide figure)."""
    figure.savefig(IMAGES / f"{name}.png", dpi=100)


def page_figures() -> None:
    """One figure of the training on each guide page whose code fits a model (see the module's docstring)."""
    from tinyframe.plot import plot_confusion, plot_history

    page = run_page("index.md", until="epochs=30")
    save(plot_history(page["history"], title="digits, 64-30-10, Adam: 30 epochs on 1078 images"), "index-history")

    page = run_page("custom.md", until="LogCosh()")
    title = "the custom LogCosh loss:\n4-16-2 regression, Adam, 20 epochs"
    save(plot_history(page["fitted"], title=title), "custom-logcosh-history")

    page = run_page("saving.md", until="initial_epoch=4")
    figure = plot_history(page["history"], title="10 epochs, checkpointed; x: resumed from epoch-004.npz")
    resumed = page["resumed"]
    for ax, name in zip(figure.axes, ("loss", "accuracy")):
        for key in (name, "val_" + name):
            label = "resumed" if key == name else None
            ax.plot([e + 1 for e in resumed.epoch], resumed.history[key], "x", color="black", ms=8, label=label)
        ax.legend()
    save(figure, "saving-resume-history")

    page = run_page("sklearn.md", until="TinyFrameRegressor(epochs=50")
    title = "TinyFrameRegressor on diabetes\n(MSE on the standardised target + L2)"
    save(plot_history(page["reg"][-1].history_, title=title), "sklearn-regressor-loss")

    page = run_page("scaling.md", until="search.fit(X, y)")
    title = "the search's best estimator,\nrefitted on 400 digits for 10 epochs"
    save(plot_history(page["search"].best_estimator_[-1].history_, title=title), "scaling-best-loss")

    page = run_page("onnx.md", until="onnxruntime.InferenceSession")
    session, X_test = page["session"], page["X_test"]

    class Runtime:
        """The exported graph in ONNX Runtime, with the ``predict`` that `plot_confusion` calls."""

        def predict(self, X):
            return session.run(None, {"input": X.astype("float32")})[0]

    figure = plot_confusion(Runtime(), X_test, page["y_test"])
    figure.axes[0].set_title(f"{figure.axes[0].get_title()}: ONNX Runtime, {len(X_test)} test digits")
    save(figure, "onnx-confusion")

    page = run_page("guides/vanishing-gradients.md", until="plot_layer_stats(")
    save(page["fig"], "vanishing-gradients-stats")


def main() -> None:
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scikit-learn's ConvergenceWarning on the pages' short runs
        os.chdir(folder)
        try:
            run_page("training.md")
            for name in ("history", "confusion", "weights"):
                shutil.copy(f"{name}.png", IMAGES / f"training-{name}.png")
            from tinyframe.plot import plot_history

            page = run_page("getting-started.md", until="epochs=3000")
            fig = plot_history(page["history"], title="the article's network, 3000 full-batch steps")
            save(fig, "getting-started-history")
            page_figures()
        finally:
            os.chdir(here)
    print("wrote", *sorted(p.name for p in IMAGES.glob("*.png")))


if __name__ == "__main__":
    main()
