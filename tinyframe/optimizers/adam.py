"""Adam: momentum and RMSProp combined, with bias correction (Kingma & Ba, 2015)."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .._checks import check_float
from .base import Optimizer
from .schedules import LearningRateSchedule


class Adam(Optimizer):
    """Adaptive moment estimation, Algorithm 1 of Kingma & Ba (2015), plus optional decoupled weight decay.

    Update rule at step ``t = 1, 2, ...`` (``self.iterations``), for every parameter
    ``w`` with gradient ``g``::

        w = w - learning_rate * weight_decay * w          # only if weight_decay (AdamW)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    ``m`` and ``v`` start at zero and are kept in ``self.state[key]["m"]`` and
    ``["v"]``; the bias correction undoes their pull towards zero in early steps.
    This is the paper's Algorithm 1 exactly, ``epsilon`` added to ``sqrt(v_hat)``
    (Keras folds the correction into the learning rate, which moves ``epsilon``
    by a factor ``sqrt(1 - beta_2**t)``).

    ``weight_decay`` shrinks the weights directly, *decoupled* from the gradient
    (Loshchilov & Hutter, 2019, "AdamW"), as Keras and PyTorch apply it: unlike an
    L2 penalty in the loss, the decay is not divided by ``sqrt(v_hat)``, so every
    weight decays at the same rate. It applies to every parameter, biases included.

    Args:
        learning_rate: step size (> 0) or a schedule; 0.001 by default.
        beta_1: decay of the first-moment (mean) estimate, in ``[0, 1)``; 0.9.
        beta_2: decay of the second-moment estimate, in ``[0, 1)``; 0.999.
        epsilon: small constant (> 0) added to ``sqrt(v_hat)``; 1e-7 (Keras; the paper uses 1e-8).
        weight_decay: decoupled decay rate (>= 0) or None for none.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0, 1.0])
        >>> Adam(learning_rate=0.1).step([w], [np.array([3.0, -0.5])])
        >>> w.round(6)                         # the first step is learning_rate * sign(g)
        array([0.9, 1.1])
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        amsgrad: bool = False,
        **clipping: float | None,
    ) -> None:
        owner = type(self).__name__
        if amsgrad is not False:
            raise ValueError(
                f"{owner}: amsgrad=True is not implemented (Keras's default False is). Received: {amsgrad!r}"
            )
        beta_1 = check_float(beta_1, "beta_1", owner, 0.0, 1.0, low_open=False, high_open=True)
        beta_2 = check_float(beta_2, "beta_2", owner, 0.0, 1.0, low_open=False, high_open=True)
        epsilon = check_float(epsilon, "epsilon", owner, high_open=True)
        if weight_decay is not None:
            weight_decay = check_float(weight_decay, "weight_decay", owner, low_open=False)
        super().__init__(learning_rate, **clipping)
        self.beta_1, self.beta_2, self.epsilon, self.weight_decay = beta_1, beta_2, epsilon, weight_decay

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        t = self.iterations
        m, v = self.slot(key, "m", param), self.slot(key, "v", param)
        work = self.scratch(key, param)
        if self.weight_decay:
            param *= 1.0 - self._rate * self.weight_decay
        # m += (1 - beta_1) * (g - m)  is  m = beta_1 * m + (1 - beta_1) * g, with one work array
        np.subtract(grad, m, out=work)
        work *= 1.0 - self.beta_1
        m += work
        np.square(grad, out=work)
        work *= 1.0 - self.beta_2
        v *= self.beta_2
        v += work
        np.multiply(v, 1.0 / (1.0 - self.beta_2**t), out=work)  # v_hat
        np.sqrt(work, out=work)
        work += self.epsilon
        np.divide(m, work, out=work)
        work *= self._rate / (1.0 - self.beta_1**t)  # the m_hat correction, folded into the scale
        param -= work

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "weight_decay": self.weight_decay,
        }
