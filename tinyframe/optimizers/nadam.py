"""Nadam: Adam with Nesterov momentum (Dozat, 2016), as Keras 3 computes it."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from .adam import Adam
from .schedules import LearningRateSchedule


class Nadam(Adam):
    """Adam whose momentum looks one step ahead (Dozat, 2016), with Keras 3's momentum schedule.

    Update rule at step ``t = 1, 2, ...`` (``self.iterations``), for every parameter
    ``w`` with gradient ``g``::

        w = w - learning_rate * weight_decay * w           # only if weight_decay (as in `Adam`)
        u_t = beta_1 * (1 - 0.5 * 0.96**t)                 # momentum schedule
        U_t = u_1 * u_2 * ... * u_t                        # and its running product
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_hat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    ``m`` and ``v`` start at zero and are kept in ``self.state[key]["m"]`` and
    ``["v"]``. ``U_t`` depends on ``t`` only, so it is not saved: it is multiplied
    up again (in float64, once) after loading or after `fit` undid a step; it
    reaches 0 and stays there after a few thousand steps (``beta_1 = 0.9``).
    This is Keras 3's rule (``0.96**t``; Keras keeps ``U_t`` in the model's dtype).
    PyTorch's ``NAdam`` decays the momentum far more slowly,
    ``0.96**(0.004 * t)`` (its ``momentum_decay=0.004``), with ``epsilon`` in the
    same place; ``torch.optim.NAdam(momentum_decay=1.0)`` is this rule.

    Args:
        learning_rate: step size (> 0) or a schedule; 0.001.
        beta_1: decay of the first-moment estimate, in ``[0, 1)``; 0.9.
        beta_2: decay of the second-moment estimate, in ``[0, 1)``; 0.999.
        epsilon: small constant (> 0) added to ``sqrt(v_hat)``; 1e-7.
        weight_decay: decoupled decay rate (>= 0) or None for none, as in `Adam`.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (`Optimizer`).

    Example:
        >>> import numpy as np
        >>> w = np.array([1.0])
        >>> Nadam(learning_rate=0.1).step([w], [np.array([2.0])])
        >>> w.round(6)                         # u_1 = 0.468, u_2 = 0.48528, m = 0.2, v_hat = 4:
        array([0.893721])
        >>> round(1 - 0.1 * (0.48528 * 0.2 / (1 - 0.468 * 0.48528) + 2.0) / (2.0 + 1e-7), 6)   # by hand
        0.893721
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        **clipping: float | None,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay, **clipping)
        self._product = (0, 1.0)  # (t, U_t): the running product of the momentum schedule, cached

    def momentum_schedule(self, t: int) -> tuple[float, float, float]:
        """``(u_t, u_{t+1}, U_t)``; ``U_t`` multiplied up from the last step asked for (or from 1)."""
        done, product = self._product
        if done > t:
            done, product = 0, 1.0
        while done < t and product != 0.0:  # once 0.0 (underflow, or beta_1 = 0) it stays 0.0
            done += 1
            product *= self._u(done)
        self._product = (t, product)
        return self._u(t), self._u(t + 1), product

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        t = self.iterations
        u_t, u_next, product = self.momentum_schedule(t)
        m, v = self.slot(key, "m", param), self.slot(key, "v", param)
        work, denominator = self.scratch(key, param), self.scratch(("denominator", key), param)
        if self.weight_decay:
            param *= 1.0 - self._rate * self.weight_decay
        np.subtract(grad, m, out=work)  # m += (1 - beta_1) * (g - m)
        work *= 1.0 - self.beta_1
        m += work
        np.square(grad, out=work)  # v += (1 - beta_2) * (g**2 - v)
        work -= v
        work *= 1.0 - self.beta_2
        v += work
        np.multiply(grad, (1.0 - u_t) / (1.0 - product), out=work)  # m_hat, the denominator array as a temporary
        work += np.multiply(m, u_next / (1.0 - product * u_next), out=denominator)
        np.multiply(v, 1.0 / (1.0 - self.beta_2**t), out=denominator)  # sqrt(v_hat) + epsilon
        np.sqrt(denominator, out=denominator)
        denominator += self.epsilon
        np.divide(work, denominator, out=work)
        work *= self._rate
        param -= work
