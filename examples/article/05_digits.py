"""Article, part 5: the 64-30-10 sigmoid network learns scikit-learn's 8x8 digits, in pictures.

    python examples/article/05_digits.py --out figures [--iterations 3000]

Trains the article's network exactly as ``examples/digits.py`` does (the same data split
and model, imported from it): StandardScaler, a 60/40 split, weights uniform on [0, 1),
`SquaredError`, `GradientDescent(0.25)`, full batch. Prints the test accuracy beside the
article's (about 86%) and draws:

* ``digits.png``       the first ten digits of the data set with their labels
* ``cost.png``         the article's cost plot, average J against the iteration number
* ``predictions.png``  the first 24 test digits, predicted and true label, mistakes in red;
                       and 8 of the mistakes
* ``confusion.png``    the confusion matrix of the test set
"""

from __future__ import annotations

import numpy as np
from _article import load_example, parser, plt, save
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from tinyframe.plot import plot_confusion

digits_job = load_example("digits")  # examples/digits.py: load_split, article_model


def digits_figure(images: np.ndarray, labels: np.ndarray) -> plt.Figure:
    fig, axes = plt.subplots(2, 5, figsize=(7, 3.6), layout="constrained")
    for ax, image, label in zip(axes.flat, images, labels):
        ax.matshow(image, cmap="gray")  # the article's plt.gray(); plt.matshow(...)
        ax.set_title(f"label {label}", fontsize=10)
        ax.axis("off")
    fig.suptitle("scikit-learn's 8x8 digits")
    return fig


def cost_figure(loss: list[float]) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    ax.plot(np.arange(1, len(loss) + 1), loss)
    ax.set(xlabel="Iteration number", ylabel="Average J", title="The cost falls as gradient descent runs")
    ax.grid(alpha=0.3)
    return fig


def digit_grid(subfig, images: np.ndarray, predicted: np.ndarray, true: np.ndarray, rows: int) -> None:
    """``rows`` x 8 test digits, titled "predicted (true)"; a mistake gets a red title and a red frame."""
    axes = subfig.subplots(rows, 8).flat
    for ax in axes[len(images) :]:
        ax.axis("off")  # fewer digits than places (a network with fewer than 8 mistakes)
    for ax, image, p, t in zip(axes, images, predicted, true):
        wrong = p != t
        ax.matshow(image, cmap="gray_r")
        ax.set_title(f"{p} (true {t})", fontsize=9, color="red" if wrong else "black", weight="bold" if wrong else None)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set(color="red" if wrong else "0.8", linewidth=3 if wrong else 1)


def predictions_figure(images: np.ndarray, predicted: np.ndarray, true: np.ndarray) -> plt.Figure:
    fig = plt.figure(figsize=(9, 6.4), layout="constrained")
    first, mistakes = fig.subfigures(2, 1, height_ratios=[3, 1.25])
    n_wrong = int(np.sum(predicted[:24] != true[:24]))
    digit_grid(first, images, predicted, true, rows=3)
    first.suptitle(f"The first 24 test digits, predicted (true) label: {n_wrong} wrong, in red")
    wrong = np.flatnonzero(predicted != true)
    digit_grid(mistakes, images[wrong], predicted[wrong], true[wrong], rows=1)
    mistakes.suptitle(f"The first 8 of its {wrong.size} mistakes on the {true.size} test digits")
    return fig


def confusion_figure(model, X_test: np.ndarray, y_test: np.ndarray, accuracy: float) -> plt.Figure:
    """The confusion matrix as `tinyframe.plot.plot_confusion` draws every one (a zero cell blank)."""
    return plot_confusion(model, X_test, y_test, title=f"Confusion matrix, test accuracy {accuracy:.1%}")


def main(argv: list[str] | None = None) -> dict[str, object]:
    p = parser(__doc__)
    p.add_argument("--iterations", type=int, default=3000, help="full-batch gradient-descent steps")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    p.add_argument("--verbose", type=int, choices=[0, 1, 2], default=1)
    args = p.parse_args(argv)
    X_train, X_test, y_train, y_test = digits_job.load_split(split_seed=0)
    model = digits_job.article_model(digits_job.parse_args(["--seed", str(args.seed)]))
    history = model.fit(X_train, y_train, epochs=args.iterations, verbose=args.verbose, batch_size=None)
    predicted = model.predict(X_test).argmax(axis=1)
    accuracy = float(np.mean(predicted == y_test))
    loss = history.history["loss"]
    print(f"average J: {loss[0]:.4f} at iteration 1, {loss[-1]:.4f} at iteration {len(loss)}")
    print(f"test accuracy: {accuracy:.4f}  (the article reports about 0.86)")

    data = load_digits()
    # load_split scales with a StandardScaler fitted on all the digits; undo it to draw the pixels
    test_images = StandardScaler().fit(data.data).inverse_transform(X_test).reshape(-1, 8, 8)
    paths = [
        save(digits_figure(data.images[:10], data.target[:10]), args.out, "digits.png"),
        save(cost_figure(loss), args.out, "cost.png"),
        save(predictions_figure(test_images, predicted, y_test), args.out, "predictions.png"),
        save(confusion_figure(model, X_test, y_test, accuracy), args.out, "confusion.png"),
    ]
    return {"accuracy": accuracy, "loss": loss, "paths": paths}


if __name__ == "__main__":
    main()
