"""Optimizer: the base class of the parameter update rules."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from .._checks import check_float
from .._params import RunKey
from . import schedules
from .clipping import ARGUMENTS as CLIP_ARGUMENTS
from .clipping import Clipping
from .schedules import LearningRateSchedule


class Optimizer:
    """Updates parameters in place from their gradients, one model at a time.

    ``step(params, grads)`` takes parameters and gradients as two parallel lists
    and calls ``update(key, param, grad)`` for each, with the list index as the key.
    `fit` calls ``apply(runs)`` instead: each run is a stretch of the model's
    trainable parameters, contiguous in memory, whose key is the tuple of their
    keys ``(layer name, parameter name)``, so that one call updates a whole model built in
    one go. A run has ``key``, ``params`` and ``grads`` (flat views over its parameters and
    their gradients) and ``sizes`` (each parameter's element count, in key order).

    State lives per parameter: ``self.state[(layer name, parameter name)]`` is a dict of
    arrays shaped like that parameter (``self.state[i]`` for ``step``'s index ``i``), made
    by ``self.slot(key, name, like)``. For a run, ``slot`` returns one flat array over
    the run whose pieces *are* its parameters' state arrays, so freezing or unfreezing a
    layer changes which parameters are stepped and never moves or re-keys any state.
    One optimizer serves one model.

    Every optimizer takes, besides its own arguments (Keras's names):

    - ``learning_rate``: a finite positive number, which may be changed between
      steps (that is how `LearningRateScheduler` works), or a schedule
      (`tinyframe.optimizers.schedules`), called as ``schedule(iterations)`` before
      each update. ``learning_rate`` then reads the rate of the next update, and
      assigning a number to it is a TypeError, as in Keras.
    - ``clipnorm``, ``clipvalue`` or ``global_clipnorm`` (at most one): gradient
      clipping before the update rule, on a copy (`tinyframe.optimizers.clipping`).

    A subclass implements ``update(key, param, grad)``, reading the rate of this
    update from ``self.learning_rate``, and lists its own arguments in ``get_config``.
    """

    def __init__(
        self,
        learning_rate: float | LearningRateSchedule,
        *,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        self.iterations = 0
        self.state = {}
        self._scratch: dict[tuple, np.ndarray] = {}  # work arrays; owned here, the model's fit owns the optimizer
        self._schedule: LearningRateSchedule | None = None
        self._rate = math.nan  # the rate of the current update: the number given, or the schedule's at each step
        self._in_update = False
        self._clipping = Clipping(type(self).__name__, clipnorm, clipvalue, global_clipnorm)
        self.learning_rate = learning_rate

    # ---------------------------------------------------------------- learning rate and clipping
    @property
    def learning_rate(self) -> float:
        """The rate of the next update (during an update: of this one)."""
        if self._schedule is None or self._in_update:
            return self._rate
        return self._scheduled_rate(self.iterations)

    @learning_rate.setter
    def learning_rate(self, value: float | LearningRateSchedule) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
        elif self._schedule is not None:
            raise TypeError(
                f"{type(self).__name__} was created with a learning-rate schedule ({self._schedule!r}), so its "
                "learning rate cannot be set (as in Keras): create the optimizer with a number as its "
                f"learning_rate to change it by hand or with a callback. Received: learning_rate={value!r}"
            )
        else:
            self._rate = check_float(value, "learning_rate", type(self).__name__, high_open=True)
        self._refresh()

    def _scheduled_rate(self, step: int) -> float:
        rate = float(self._schedule(step))
        if not (math.isfinite(rate) and rate >= 0):
            raise ValueError(
                f"{type(self).__name__}: the learning-rate schedule {self._schedule!r} must give a finite rate "
                f">= 0. Received: {rate!r} at step {step}"
            )
        return rate

    @property
    def clipnorm(self) -> float | None:
        return self._clipping.config["clipnorm"]

    @property
    def clipvalue(self) -> float | None:
        return self._clipping.config["clipvalue"]

    @property
    def global_clipnorm(self) -> float | None:
        return self._clipping.config["global_clipnorm"]

    def _refresh(self) -> None:
        # The one flag the hot path reads: without a schedule or clipping, apply() is the plain loop.
        self._plain = self._schedule is None and not self._clipping.active

    def check_dtype(self, dtype: Any) -> None:
        """ValueError unless the learning rate is finite in ``dtype`` and not zero (called by compile).

        With a schedule: the current rate and the rates its formula passes through
        (``schedule.rates_to_check()``) must be finite in ``dtype``, not all zero.
        """
        if self._schedule is None:
            rates, what = {"learning_rate": self._rate}, "learning_rate must be finite and positive"
        else:
            rates = {"the current rate": self._scheduled_rate(self.iterations), **self._schedule.rates_to_check()}
            what = f"the learning-rate schedule {self._schedule!r} must give finite rates, not all zero,"
        with np.errstate(over="ignore", under="ignore"):  # an overflow to inf is what this reports
            in_dtype = {name: np.asarray(rate, dtype=dtype) for name, rate in rates.items()}
        bad = next((name for name, rate in in_dtype.items() if not np.isfinite(rate)), None)
        if bad is None and not any(rate > 0 for rate in in_dtype.values()):
            bad = next(iter(rates))
        if bad is not None:
            raise ValueError(
                f"{type(self).__name__}: {what} in the model's dtype ({np.dtype(dtype).name}, largest "
                f"{np.finfo(dtype).max:.4g}). Received: {bad}={rates[bad]!r}, which is {in_dtype[bad]} there"
            )

    # ---------------------------------------------------------------- one update of every parameter
    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Apply one update to every parameter, in place; the list index keys each one's state."""
        if not self._plain:
            self._update_all(list(range(len(params))), params, grads, [None] * len(params))
            return
        self.iterations += 1
        for i, (param, grad) in enumerate(zip(params, grads)):
            self.update(i, param, grad)

    def apply(self, runs: Sequence[Any]) -> None:
        """One update of every run (``key``, ``params``, ``grads``, ``sizes``): what `fit` calls each step."""
        if not self._plain:
            keys, sizes = [run.key for run in runs], [_sizes(run) for run in runs]
            self._update_all(keys, [run.params for run in runs], [run.grads for run in runs], sizes)
            return
        self.iterations += 1
        if len(runs) == 1:  # a model built in one go, nothing frozen: skip the loop
            run = runs[0]
            self.update(run.key, run.params, run.grads)
            return
        for run in runs:
            self.update(run.key, run.params, run.grads)

    def _update_all(self, keys: list, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], sizes: list) -> None:
        """`step` and `apply` with a schedule or clipping: the rate of this step, clipped copies, then the rule."""
        if self._schedule is not None:
            self._rate = self._scheduled_rate(self.iterations)  # before the count moves: step 0 is the first
        if self._clipping.active:
            outs = [self.scratch(("clipped", key), grad) for key, grad in zip(keys, grads)]
            grads = self._clipping.clip(grads, outs, sizes)
        self.iterations += 1
        self._in_update = True
        try:
            for key, param, grad in zip(keys, params, grads):
                self.update(key, param, grad)
        finally:
            self._in_update = False

    def apply_gradients(self, grads_and_vars: Any) -> bool:
        """Keras's ``optimizer.apply_gradients(zip(grads, vars))`` in a custom ``train_step``: one guarded step.

        ``vars`` must be the compiled model's `trainable_weights` and ``grads`` its
        `trainable_gradients` (the arrays themselves, in that order): the step is the model's own
        (`Model.apply_gradients`), keyed as `fit` keys it, frozen layers left alone, undone if
        it would leave a weight non-finite (then False is returned).
        """
        pairs = list(grads_and_vars)
        model = getattr(self, "_model", lambda: None)()
        if model is None:
            raise ValueError(f"{type(self).__name__}.apply_gradients: compile a model with this optimizer first")
        weights, gradients = model.trainable_weights, model.trainable_gradients
        if len(pairs) != len(weights) or any(
            g is not mg or v is not mv for (g, v), mg, mv in zip(pairs, gradients, weights)
        ):
            raise ValueError(
                f"{type(self).__name__}.apply_gradients: expected zip(model.trainable_gradients, "
                f"model.trainable_weights) of the model it was compiled with ({len(weights)} arrays, the arrays "
                f"themselves). Received: {len(pairs)} pairs of other arrays. To update other arrays, use "
                "step(params, grads)"
            )
        return model.apply_gradients()

    def update(self, key: Hashable, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------- state and work arrays
    @property
    def state(self) -> dict[Hashable, dict[str, np.ndarray]]:
        """Per-parameter state: ``{key: {slot name: array shaped like the parameter}}`` (see the class)."""
        return self._state

    @state.setter
    def state(self, value: dict[Hashable, dict[str, np.ndarray]]) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"{type(self).__name__}.state must be a dict. Received: {type(value).__name__}")
        self._state = value
        self._runs: dict[Any, tuple[Any, dict[str, np.ndarray]]] = {}  # run key -> (it, {slot: flat view})
        self._homes: dict[tuple, tuple[np.ndarray, dict[str, np.ndarray]]] = {}  # block -> (it, {slot: flat})

    def initial_slot_value(self, name: str) -> float:
        """The value every element of state slot ``name`` starts from: 0 (`Adagrad` overrides it)."""
        return 0.0

    def slot(self, key: Hashable, name: str, like: np.ndarray) -> np.ndarray:
        """State array ``name`` of ``key`` (filled with ``initial_slot_value(name)`` on first use).

        ``key`` is a parameter's (``step``'s index, or ``(layer, parameter)``) or a run's
        (`fit`): then the array is a flat view over the run, made of its parameters' own
        state arrays (any a parameter already had, from a file or an earlier fit, is kept).
        """
        found = self._runs.get(key)
        if found is not None and found[0] is key:  # this very run (an equal key of another block is not)
            view = found[1].get(name)
            if view is not None:
                return view
        if isinstance(key, RunKey):
            return self._run_slot(key, name, like)
        slots = self._state.setdefault(key, {})
        if name not in slots:
            slots[name] = np.full_like(like, self.initial_slot_value(name))
        return slots[name]

    def _run_slot(self, key: RunKey, name: str, like: np.ndarray) -> np.ndarray:
        """Slot ``name`` of run ``key``: a view of a flat array over the run's block, which its
        parameters' state arrays are views of too (their earlier values copied in)."""
        home = key.home
        place = (id(home if home.base is None else home.base), home.ctypes.data, home.size, like.dtype)
        found = self._homes.get(place)
        if found is None:  # kept with the block itself, so the id and address stay its own
            found = self._homes[place] = (home, {})
        flats = found[1]
        flat = flats.get(name)
        if flat is None:
            flat = flats[name] = np.full(home.size, self.initial_slot_value(name), like.dtype)
        for pkey, offset, shape in key.spans:
            slots = self._state.setdefault(pkey, {})
            old = slots.get(name)
            if old is not None and getattr(old, "base", None) is flat:
                continue  # already a piece of this flat array (the same array since it was made)
            view = flat[offset : offset + math.prod(shape)].reshape(shape)
            if old is not None:
                if not isinstance(old, np.ndarray) or old.shape != shape:
                    raise ValueError(
                        f"{type(self).__name__}: state {pkey}/{name!r} must be shaped like the parameter {pkey}, "
                        f"{shape}. Received: {getattr(old, 'shape', type(old).__name__)}"
                    )
                view[...] = old
            slots[name] = view
        run_view = flat[key.start : key.stop]
        found = self._runs.get(key)
        if found is None or found[0] is not key:
            found = self._runs[key] = (key, {})
        found[1][name] = run_view
        return run_view

    def reset_slots(self, keys: Sequence[Hashable]) -> None:
        """Set the state of parameters ``keys`` back to the slots' initial values, in place."""
        for key in keys:
            for name, value in self._state.get(key, {}).items():
                value[...] = self.initial_slot_value(name)

    def scratch(self, key: Hashable, like: np.ndarray) -> np.ndarray:
        """A work array like ``like`` for parameter ``key``; not state, never saved."""
        try:
            return self._scratch[key, like.shape, like.dtype]
        except KeyError:
            work = self._scratch[key, like.shape, like.dtype] = np.empty_like(like)
            return work

    def __getstate__(self) -> dict[str, Any]:
        state = {**self.__dict__, "_scratch": {}, "_runs": {}, "_homes": {}}  # views of the model's blocks: remade
        state.pop("_model", None)  # the model that compiled it (a weak reference) re-links itself on unpickling
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # State arrays may come back read-only (joblib loads pickles as memmaps): updates are in place.
        slots = state.pop("_state")
        self.__dict__.update(state)
        self.state = {key: {k: np.array(v) for k, v in each.items()} for key, each in slots.items()}

    # ---------------------------------------------------------------- configuration
    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments; a schedule as ``{"class_name", "config"}``. Subclasses add their own."""
        rate = self._rate if self._schedule is None else schedules.serialize(self._schedule)
        return {"learning_rate": rate, **self._clipping.config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """``cls(**config)``, with a saved schedule built again (from the built-in schedules only)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        config = self.get_config()
        if self._schedule is not None:
            config["learning_rate"] = self._schedule
        clipping = {name: config.pop(name) for name in CLIP_ARGUMENTS if name in config}
        config.update({name: value for name, value in clipping.items() if value is not None})
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"


def _sizes(run: Any) -> tuple[int, ...]:
    """Each parameter's element count in a run; a run built without sizes must hold one parameter."""
    if run.sizes:
        return run.sizes
    if len(run.key) != 1:
        raise ValueError(f"clipping needs the sizes of the parameters in run {run.key}. Received: Run.sizes=()")
    return (run.grads.size,)
