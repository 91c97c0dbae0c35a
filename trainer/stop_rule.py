"""When a training is checked and how optimistic its accuracy bound is: plain pydantic data
(a search space holds it, a job carries it), kept apart from the Lightning callback that
applies it (`trainer.fidelity.StopWhenHopeless`) so that reading a space imports no Lightning."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

Worth = float | tuple[float, ...]  # what `Halving.goes_on` ranks


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


class Halving(BaseModel):
    """Successive halving across trainings, asynchronous (as ASHA, Li et al., MLSys 2020): at a
    rung, a training goes on only if its worth ranks in the top 1/eta of the trainings that
    reached that rung, itself included; the others stop there. A training cannot be paused and
    resumed here, so one that ranks low is stopped rather than kept waiting for promotion.

    What "worth" means is the caller's (the co-design search: where a network's design points,
    at the accuracy it has shown, stand in the front of the networks at the rung); the caller
    ranks with `goes_on` and hands the training the least accuracy that ranks
    (`trainer.fidelity.StopWhenHopeless.goes_on_at`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    eta: int = Field(3, ge=2, description="the top 1/eta at a rung go on")
    min_peers: PositiveInt = Field(
        2, description="earlier trainings seen at a rung before it ranks (fewer: all go on)")
    ties: Literal["together", "hypervolume"] = Field(
        "together", description="trainings the caller's rank cannot tell apart: go on "
                                "together, or are told apart by exclusive hypervolume")

    def goes_on(self, worth: Worth, peers: Sequence[Worth]) -> bool:
        """Whether `worth` ranks in the top ceil(n / eta) of the n = len(peers) + 1 trainings
        at the rung (ties go on). A worth is a number or a tuple of them, compared in order
        (a rank, then its tie-breaks)."""
        if len(peers) < self.min_peers:
            return True
        better = sum(1 for peer in peers if peer > worth)
        return better < -(-(len(peers) + 1) // self.eta)


class EarlyStopRule(BaseModel):
    """When to check a training and how optimistic to be (plain data: travels in a job)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    rungs: list[PositiveInt] | None = Field(
        None, description="epochs after which to check (default: 1, 3, 9, ... below the last)")
    optimism: OptimisticAccuracy = OptimisticAccuracy()
    halving: Halving | None = Field(
        None, description="also stop trainings outside the top 1/eta at a rung (None: only "
                          "those that cannot matter)")

    def rungs_for(self, epochs: int) -> list[int]:
        chosen = self.rungs if self.rungs is not None else default_rungs(epochs)
        return sorted(r for r in set(chosen) if r < epochs)
