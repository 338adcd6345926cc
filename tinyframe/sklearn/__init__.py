"""scikit-learn estimators built on `Sequential` (needs scikit-learn: ``pip install tinyframe[examples]``).

>>> from tinyframe.sklearn import TinyFrameClassifier, TinyFrameRegressor
"""

from .base import TinyFrameEstimator, expected_failed_checks
from .classifier import TinyFrameClassifier
from .regressor import TinyFrameRegressor

__all__ = ["TinyFrameEstimator", "TinyFrameClassifier", "TinyFrameRegressor", "expected_failed_checks"]
