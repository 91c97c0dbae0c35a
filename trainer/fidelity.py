"""Stopping a training early when even an optimistic accuracy cannot make it worth finishing.

A search that knows, before training, everything about a network except its accuracy (the
co-design search costs every hardware point analytically) can ask at an epoch rung: "if this
network ended at accuracy `a`, would any of its design points be worth having?" The trainer
does not know what a front or a design point is; it is handed that question as a plain
callable (`could_matter`) and answers it with an optimistic accuracy (`OptimisticAccuracy`)
computed from the learning curve so far. A network whose optimistic accuracy does not matter
is stopped (`trainer.should_stop`); one that still could goes on to the next rung and, past the
last, to its full epochs (it is "promoted").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytorch_lightning as pl

from trainer.stop_rule import EarlyStopRule, Halving, OptimisticAccuracy, default_rungs

__all__ = ["EarlyStopRule", "Halving", "OptimisticAccuracy", "StopAtDeadline", "StopWhenHopeless",
           "default_rungs"]


@dataclass(eq=False)  # a callback is hashed by identity
class StopWhenHopeless(pl.Callback):
    """At each rung, stop the training if `could_matter(optimistic accuracy)` is False, or,
    with the rule's `halving`, if its best validation accuracy so far is below `goes_on_at`
    for that rung: the least accuracy with which it ranks in the top 1/eta of the trainings
    that reached the rung.

    `could_matter` and `goes_on_at` are the caller's answers (the co-design search: could any
    design point of this network enter the current Pareto front at that accuracy, and what
    accuracy ranks it among the networks at the rung, `codesign.engine.halving`). After `fit`,
    `stopped_at` is the epoch count it stopped after (None: it ran to its end) and
    `stopped_by` why ("hopeless" or "halving"), `history` the validation accuracies seen and
    `bounds` the optimistic accuracies checked, by rung."""

    could_matter: Callable[[float], bool]
    rule: EarlyStopRule = field(default_factory=EarlyStopRule)
    observed_excess: dict[int, float] = field(default_factory=dict)  # by rung (see bound)
    goes_on_at: dict[int, float] = field(default_factory=dict)  # by rung (halving)
    history: list[float] = field(default_factory=list)
    bounds: dict[int, float] = field(default_factory=dict)
    stopped_at: int | None = None
    stopped_by: str | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or "val/acc" not in trainer.callback_metrics:
            return
        self.history.append(float(trainer.callback_metrics["val/acc"]))
        done, epochs = trainer.current_epoch + 1, int(trainer.max_epochs or 0)
        if done not in self.rule.rungs_for(epochs):
            return
        optimistic = self.rule.optimism.bound(self.history, epochs,
                                              self.observed_excess.get(done))
        self.bounds[done] = optimistic
        if not self.could_matter(optimistic):
            self._stop(trainer, done, "hopeless")
            return
        # ranked at what it has shown (its best validation accuracy so far), as successive
        # halving ranks: optimistic bounds are not comparable between networks checked before
        # and after the search learnt its bound (`observed_excess`)
        if self.rule.halving is not None and max(self.history) < self.goes_on_at.get(done, 0.0):
            self._stop(trainer, done, "halving")

    def _stop(self, trainer: pl.Trainer, done: int, reason: str) -> None:
        self.stopped_at, self.stopped_by = done, reason
        trainer.should_stop = True

    def state_dict(self) -> dict[str, Any]:
        """What a resumed training needs (`trainer.fit.fit(resume_from=)`): the validation
        curve so far and the bounds checked (the thresholds are the new job's)."""
        return {"history": list(self.history),
                "bounds": {str(rung): bound for rung, bound in self.bounds.items()}}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.history = [float(accuracy) for accuracy in state_dict.get("history", [])]
        self.bounds = {int(rung): float(bound)
                       for rung, bound in state_dict.get("bounds", {}).items()}


@dataclass(eq=False)  # a callback is hashed by identity
class StopAtDeadline(pl.Callback):
    """Stop the training after the first epoch that ends at or past `deadline` (a
    `time.monotonic()` time): the search's wall time is spent, and a training that would run
    on for many epochs, then be tested, is cut rather than keep the search going long past
    its budget. `stopped_at` and `stopped_by` ("wall_time") as `StopWhenHopeless`'s; an epoch
    where another callback already stopped the training keeps that callback's reason (put
    this one after it), and the last epoch is never cut (nothing would be saved)."""

    deadline: float
    stopped_at: int | None = None
    stopped_by: str | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.should_stop or self.stopped_at is not None:
            return
        done, epochs = trainer.current_epoch + 1, int(trainer.max_epochs or 0)
        if done < epochs and time.monotonic() >= self.deadline:
            self.stopped_at, self.stopped_by = done, "wall_time"
            trainer.should_stop = True
