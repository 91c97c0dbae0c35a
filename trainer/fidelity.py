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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytorch_lightning as pl
from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class OptimisticAccuracy(BaseModel):
    """An upper bound on a network's final accuracy at any bitstream length and bit-error rate,
    from its validation accuracies so far.

        bound = best so far + margin + remaining epochs x max(gain_per_epoch, latest gain)

    * `margin` covers what one validation number does not see: the accuracy at other N than
      the validation length (the SC networks' accuracy rises with N), the noise of one
      validation pass, and the checkpoint kept being the best epoch's.
    * A learning curve that flattens (concave: each epoch gains no more than the one before)
      gains at most its latest per-epoch gain in each epoch left; `gain_per_epoch` is a floor
      on that slope (noise can make the latest gain zero or negative while the curve still
      climbs). The bound shrinks as the epochs left do, to `best + margin` at the end.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    margin: float = Field(0.03, ge=0.0, le=1.0,
                          description="accuracy added for other N, noise and the kept epoch")
    gain_per_epoch: float = Field(0.01, ge=0.0, le=1.0,
                                  description="least accuracy gain assumed per epoch left")

    safety: float = Field(1.5, ge=1.0, description="factor on an observed excess")

    def bound(self, history: Sequence[float], epochs: int,
              observed_excess: float | None = None) -> float:
        """The optimistic final accuracy after `len(history)` of `epochs` epochs.

        With `observed_excess` (the most that earlier networks' final accuracies, at any N
        and bit-error rate, exceeded their best validation accuracy at this epoch), the
        bound is best + max(margin, safety x observed_excess) instead: learnt from the
        search's own curves, tighter where they flatten early and looser where they climb."""
        if not history:
            return 1.0
        if observed_excess is not None:
            return min(1.0, max(history) + max(self.margin, self.safety * observed_excess))
        remaining = max(0, epochs - len(history))
        latest_gain = history[-1] - history[-2] if len(history) > 1 else 0.0
        slope = max(self.gain_per_epoch, latest_gain)
        return min(1.0, max(history) + self.margin + remaining * slope)


def default_rungs(epochs: int, eta: int = 3) -> list[int]:
    """Epochs at which a training is checked: 1, eta, eta^2, ... before the last epoch
    (successive halving's geometric rungs; a check at the last epoch would save nothing)."""
    rungs, rung = [], 1
    while rung < epochs:
        rungs.append(rung)
        rung *= eta
    return rungs


class EarlyStopRule(BaseModel):
    """When to check a training and how optimistic to be (plain data: travels in a job)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    rungs: list[PositiveInt] | None = Field(
        None, description="epochs after which to check (default: 1, 3, 9, ... below the last)")
    optimism: OptimisticAccuracy = OptimisticAccuracy()

    def rungs_for(self, epochs: int) -> list[int]:
        chosen = self.rungs if self.rungs is not None else default_rungs(epochs)
        return sorted(r for r in set(chosen) if r < epochs)


@dataclass(eq=False)  # a callback is hashed by identity
class StopWhenHopeless(pl.Callback):
    """At each rung, stop the training if `could_matter(optimistic accuracy)` is False.

    `could_matter` is the caller's question (the co-design search: could any design point of
    this network enter the current Pareto front at that accuracy?). After `fit`, `stopped_at`
    is the epoch count it stopped after (None: it ran to its end), `history` the validation
    accuracies seen and `bounds` the optimistic accuracies checked, by rung."""

    could_matter: Callable[[float], bool]
    rule: EarlyStopRule = field(default_factory=EarlyStopRule)
    observed_excess: dict[int, float] = field(default_factory=dict)  # by rung (see bound)
    history: list[float] = field(default_factory=list)
    bounds: dict[int, float] = field(default_factory=dict)
    stopped_at: int | None = None

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
            self.stopped_at = done
            trainer.should_stop = True
