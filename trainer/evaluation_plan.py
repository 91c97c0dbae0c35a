"""Testing a trained network only where it could matter: a lazy evaluation at (N, bit-error
rate) pairs.

A search deploys one network at many bitstream lengths N and weight bit-error rates, and testing
it under every rate's error maps, on validation and on test, costs more than its training
(docs/search.md, "Where the time goes"). The search knows before training what accuracy each
pair would need to matter (`EvaluationPlan.thresholds`: for a pair, the least accuracy with
which one of its design points would enter the search's front), so the kept checkpoint is
measured in three steps, each only as far as the one before says it could matter:

1. the clean validation accuracy at every N (one pass: cheap);
2. the validation error sweep only at the pairs (N, rate) where the clean accuracy at N plus
   `margin` exceeds the pair's threshold: bit errors do not lift accuracy above the clean
   accuracy beyond noise, so the others cannot reach it. A pair that can no longer beat
   its threshold, even with every example left decided correctly under every map, stops
   being scored part way through the split (`trainer.bit_errors.SweepCutoff`: an exact
   bound, so what is cut would have been measured below its threshold), and its rate's maps
   go on through its other lengths' rows only;
3. the test set only at the pairs whose measured validation accuracy (the searched statistic
   over the maps) exceeds their threshold and, where the plan has the pairs' design points
   (`EvaluationPlan.points`), one of whose points exceeds its own threshold and is on the
   network's front at the validation accuracies: the search records only those points
   (the test accuracy is what a report quotes; the front is chosen on validation), so a pair
   beaten within the network, by a cheaper pair at least as accurate, is not tested.

A split's pairs are measured in one test pass (one stream drawn at the longest N they ask for,
one clean pass), each rate scored only at its own pairs' lengths. The evaluation streams are
keyed (`trainer.sng.KeyedGenerators`) and the error maps seeded by map, so an accuracy
measured here equals the one a full evaluation gives at the same pair: what is measured does
not depend on what else is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import moocore
import numpy as np

from trainer.bit_errors import ErrorSweep, SweepCutoff
from trainer.data import SCDataModule
from trainer.evaluate import evaluate_module
from trainer.module import SCBNNModule

CLEAN = 0.0  # the rate of a pair measured without error maps
Pair = tuple[int, float]  # (N, bit-error rate)


@dataclass(frozen=True)
class EvaluationPlan:
    """What a lazy evaluation needs: every pair's threshold (rate 0: clean), the margin by
    which bit errors may lift accuracy above the clean one, the statistic over the maps
    the threshold is for ("mean" or "low_percentile"), and optionally by pair its design
    points that fit the budgets, one row each: the accuracy the point needs to enter the
    search's front (the pair's threshold is the least of these), then its costs oriented to
    be minimised (none: every pair beating its threshold is tested)."""

    thresholds: Mapping[Pair, float]
    margin: float
    statistic: str = "mean"
    points: Mapping[Pair, np.ndarray] = field(default_factory=dict)

    @classmethod
    def everything(cls, lengths: Iterable[int], bers: Iterable[float]) -> EvaluationPlan:
        """The plain full evaluation: every pair, every split."""
        rates = [CLEAN, *bers]
        return cls({(int(n), float(r)): float("-inf") for n in lengths for r in rates}, 0.0)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> EvaluationPlan:
        """The plan from the plain data a training job carries (JSON: a worker may be on
        another machine): `thresholds` by N then rate (strings), `margin`, `statistic`, and
        optionally `points` by N then rate."""
        return cls({(int(n), float(rate)): float(needed)
                    for n, by_rate in spec["thresholds"].items()
                    for rate, needed in by_rate.items()},
                   float(spec["margin"]), str(spec["statistic"]),
                   {(int(n), float(rate)): np.asarray(rows, dtype=float)
                    for n, by_rate in spec.get("points", {}).items()
                    for rate, rows in by_rate.items()})

    @property
    def lengths(self) -> list[int]:
        return sorted({n for n, _ in self.thresholds})

    def worth_validating(self, clean: Mapping[int, float]) -> set[Pair]:
        """The pairs with errors whose threshold the clean accuracy at their N (plus the
        margin) exceeds, and the `anchor` if there is one."""
        worth = self._could_matter(self.thresholds, clean)
        anchor = self.anchor(clean, worth)
        return worth | ({anchor} if anchor is not None else set())

    def anchor(self, clean: Mapping[int, float], worth: set[Pair]) -> Pair | None:
        """Where no pair is clean (every design point has bit errors), the pair measured
        whole whatever its threshold, so that the network has a measured value for the
        sampler: the one most likely to be its most accurate (best clean N, lowest rate),
        among those worth validating, else those any accuracy could make matter, else all.
        Measured whole: a sweep that cut every pair worth validating would leave the
        network no measured design point at all."""
        if any(r == CLEAN for _, r in self.thresholds):
            return None
        reachable = [p for p, needed in self.thresholds.items() if needed <= 1.0]
        return max(worth or reachable or self.thresholds, key=lambda p: (clean[p[0]], -p[1]))

    def cutoff(self, pairs: set[Pair], clean: Mapping[int, float]) -> dict[Pair, float]:
        """The thresholds a validation sweep of `pairs` may stop scoring at: those of the
        pairs worth validating by the rule above, but the anchor's (measured whole)."""
        worth = self._could_matter(pairs, clean)
        anchor = self.anchor(clean, worth)
        return {pair: self.thresholds[pair] for pair in worth if pair != anchor}

    def _could_matter(self, pairs: Iterable[Pair], clean: Mapping[int, float]) -> set[Pair]:
        """The pairs with errors whose threshold the clean accuracy at their N, plus the
        margin, exceeds."""
        return {(n, r) for n, r in pairs
                if r > CLEAN and clean[n] + self.margin > self.thresholds[(n, r)]}

    def accuracies(self, clean: Mapping[int, float], sweep: ErrorSweep | None
                   ) -> dict[Pair, float]:
        """The validation accuracy of every pair measured: clean by N, and the plan's
        statistic over the maps of each rate swept."""
        by_rate = {} if sweep is None else (
            sweep.low() if self.statistic == "low_percentile" else sweep.mean())
        measured = {(n, CLEAN): a for n, a in clean.items()}
        measured.update({(n, r): a for r, by_n in by_rate.items() for n, a in by_n.items()})
        return measured

    def worth_testing(self, measured: Mapping[Pair, float]) -> set[Pair]:
        """Of the pairs `measured` on validation (`accuracies`), those whose accuracy exceeds
        their threshold and, where the plan has their `points`, one of whose points is
        recorded: it exceeds its own threshold and is on the network's front, every measured
        point at its pair's accuracy."""
        beaten = {p for p, a in measured.items()
                  if p in self.thresholds and a > self.thresholds[p]}
        return beaten & self._recorded(measured) if self.points else beaten

    def _recorded(self, measured: Mapping[Pair, float]) -> set[Pair]:
        """The measured pairs with a point above its threshold on the network's front
        (equal points both kept, as the search's `network_front` keeps them)."""
        pairs = [p for p in measured if len(self.points.get(p, ()))]
        if not pairs:
            return set()
        losses = np.vstack([np.column_stack([np.full(len(self.points[p]), -measured[p]),
                                             self.points[p][:, 1:]]) for p in pairs])
        above = np.concatenate([self.points[p][:, 0] < measured[p] for p in pairs])
        owners = np.repeat(np.arange(len(pairs)), [len(self.points[p]) for p in pairs])
        on_front = moocore.is_nondominated(losses, keep_weakly=True) & above
        return {pairs[index] for index in np.unique(owners[on_front])}


@dataclass
class Measured:
    """One split's measurements: clean accuracy by N, the sweep, the pairs measured, and
    the pairs whose sweep was cut part way (not measured)."""

    clean: dict[int, float] = field(default_factory=dict)
    sweep: ErrorSweep | None = None
    pairs: set[Pair] = field(default_factory=set)
    cut: set[Pair] = field(default_factory=set)


def measure(module: SCBNNModule, datamodule: SCDataModule, split: str, pairs: set[Pair],
            accelerator: str = "cpu", precision: str = "32-true",
            cutoff: Mapping[Pair, float] | None = None, statistic: str = "mean") -> Measured:
    """Accuracy at `pairs` on `split`: one test pass at every length a pair asks for (one
    stream drawn, one clean pass), each rate's maps scored at its own pairs' lengths until
    they cannot beat their `cutoff` thresholds (`statistic` over the maps; none: to the end).
    The clean accuracy comes at every length of the pass. The module's lengths and rates
    are left as they were."""
    lengths_by_rate: dict[float, tuple[int, ...]] = {}
    for n, rate in sorted(pairs):
        lengths_by_rate[rate] = (*lengths_by_rate.get(rate, ()), n)
    rates = [rate for rate in lengths_by_rate if rate > CLEAN]
    saved = (module.eval_lengths, module.errors)
    result = Measured(pairs=set(pairs))
    if not pairs:
        return result
    try:
        module.set_eval_lengths(sorted({n for n, _ in pairs}))
        module.errors = replace(saved[1].at(rates), lengths_by_ber={
            rate: lengths_by_rate[rate] for rate in rates}, cutoff=(
                SweepCutoff(cutoff, statistic, datamodule.split_size(split)) if cutoff
                else None))
        tested = evaluate_module(module, datamodule, split, accelerator, precision)
    finally:
        module.set_eval_lengths(saved[0])
        module.errors = saved[1]
    result.clean, result.sweep = tested.accuracy, tested.sweep
    if result.sweep is not None:
        result.cut = result.sweep.unmeasured() & result.pairs
        result.pairs -= result.cut
    return result


def evaluate_lazily(module: SCBNNModule, datamodule: SCDataModule, plan: EvaluationPlan,
                    accelerator: str = "cpu", precision: str = "32-true"
                    ) -> dict[str, Measured]:
    """Validation and test measured as the module doc says, by split."""
    def run(split: str, pairs: set[Pair], cutoff: dict[Pair, float] | None = None
            ) -> Measured:
        return measure(module, datamodule, split, pairs, accelerator, precision, cutoff,
                       plan.statistic)

    val = run("val", {(n, CLEAN) for n in plan.lengths})
    worth = plan.worth_validating(val.clean)
    sweep = run("val", worth, plan.cutoff(worth, val.clean))
    val.sweep, val.pairs, val.cut = sweep.sweep, val.pairs | sweep.pairs, sweep.cut
    test = run("test", plan.worth_testing(plan.accuracies(val.clean, val.sweep)))
    return {"val": val, "test": test}


def counts(plan: EvaluationPlan, measured: Mapping[str, Measured]) -> dict[str, int]:
    """How many of the plan's pairs each split measured and skipped (a trial attribute)."""
    found = {}
    for split, result in measured.items():
        taken = len(result.pairs & set(plan.thresholds))
        found[f"{split}_pairs_measured"] = taken
        found[f"{split}_pairs_skipped"] = len(plan.thresholds) - taken
        if result.cut:  # started, then cut: among the skipped
            found[f"{split}_pairs_cut"] = len(result.cut & set(plan.thresholds))
    return found
