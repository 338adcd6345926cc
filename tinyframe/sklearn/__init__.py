"""scikit-learn estimators built on `Sequential` (needs scikit-learn: ``pip install "tinyframe[sklearn]"``).

>>> from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor
"""

try:
    import sklearn  # noqa: F401  (the estimators subclass its classes)
except ModuleNotFoundError as error:
    raise ModuleNotFoundError(
        "tinyframe.sklearn needs scikit-learn, an optional extra: pip install 'tinyframe[sklearn]'"
    ) from error

from .base import TinyFrameEstimator, expected_failed_checks
from .classifier import TinyFrameClassifier
from .regressor import TinyFrameRegressor

__all__ = ["TinyFrameEstimator", "TinyFrameClassifier", "TinyFrameRegressor", "expected_failed_checks"]
