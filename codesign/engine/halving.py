"""Successive halving across networks (`budget.early_stopping.halving`): which networks go on
at an epoch rung, ranked by where each stands in the front the rung's networks make together.

A network is many design points whose costs are known before training and whose accuracy is
one unknown number; at a rung, the best validation accuracy it has shown so far. The networks
that reached a rung (the earlier ones, each at the accuracy it showed there, and the one being
checked) pool their points, and a network's level is the Pareto rank (non-dominated sorting)
of its best point in the pool. MO-ASHA (Schmucker et al., 2021) ranks a rung's candidates, one
point each, by non-dominated sorting; here a candidate is a set of points. A network goes on
if fewer than the top 1/eta of the rung rank strictly above it, so every network on the
rung's front goes on and, by default, a level shared goes on together. Every network is
compared at the same fidelity (what it showed by the same epoch) and against the same
networks, so early and late ones rank fairly, and a network that offers the front's most
accurate or cheapest corner goes on even where its own hypervolume is small. A first version
ranked each network's own hypervolume and stopped, after epoch 3 of 4, the fixed-point 256
network whose most accurate points lifted the benchmark's front (docs/benchmarks.md).

With three costs, a network is often on the rung's front by cost alone, whatever its accuracy,
and then halving stops little. `Halving.ties: hypervolume` tells a level apart by what each
network's points add to its layer (SMS-EMOA's tie-break). On six seeds of the benchmark it
trained 29% fewer epochs and reached the whole space's front in one search of six, where ties
together reached it in four; on the main job it stopped the network that lifts the front
(docs/benchmarks.md). So ties go on together by default.

A point's rank is the longest chain of points dominating it. Those above a point of the
checked network are all the others' (its own points share one accuracy and do not dominate
each other), and fewer of them dominate it as its accuracy rises, while its points can only
lengthen the chains above the others'. Within its level, what its points add only grows as
they rise, and what the others' add only shrinks. So whether it goes on turns at one accuracy:
the driver sends, by rung, the least accuracy with which it goes on (`goes_on_at`, found by
bisection; `tests/codesign/test_halving.py` checks the turn against a plain ranking), and the
trainer compares (plain numbers: a worker needs neither the hardware model nor the peers).
Each network trial records its cost front (`COST_FRONT_ATTR`) for the networks ranked after
it, on any driver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import moocore
import numpy as np
from optuna.trial import FrozenTrial

from codesign.engine.fidelity import NEVER
from codesign.engine.pareto import objective_scale
from codesign.problem.compiled import Problem
from codesign.problem.compose import HardwarePoint
from codesign.problem.objectives import ACCURACY
from trainer.stop_rule import Halving

COST_FRONT_ATTR = "cost_front"  # a network's non-dominated fitting costs, by metric
GOES_ON_AT_ATTR = "halving_goes_on_at"  # by rung: the least accuracy with which it went on
ACCURACY_RESOLUTION = 1e-4  # of the bisection: a tenth of a 1,000-example split's step


def cost_front(problem: Problem, points: Sequence[HardwarePoint]) -> dict[str, list[float]]:
    """By searched cost metric, the values of the network's points that fit every hardware
    budget and that no other such point dominates in cost: all of the network a front can
    hold, whatever its accuracy (every point of a network shares it)."""
    fitting = [p for p, fits in zip(points, problem.fits_hardware_budgets(points),
                                    strict=True) if fits]
    oriented = problem.oriented_costs(fitting)
    if len(oriented):
        oriented = oriented[moocore.is_nondominated(oriented, keep_weakly=False)]
    return {o.metric: o.oriented(oriented[:, column]).tolist()
            for column, o in enumerate(problem.goals.costs)}


@dataclass(frozen=True)
class RungEntry:
    """One network at a rung: its cost front as normalised losses (points x costs) and the
    accuracy it had shown by then."""

    losses: np.ndarray
    accuracy: float


def cost_losses(problem: Problem, front: Mapping[str, Sequence[float]],
                scales: Mapping[str, float]) -> np.ndarray | None:
    """A recorded `cost_front` as normalised losses (None: it lacks a searched cost, as one
    recorded before the space's objectives changed)."""
    costs = problem.goals.costs
    if any(o.metric not in front for o in costs):
        return None
    columns = [[o.loss(float(v), objective_scale(o, scales)) for v in front[o.metric]]
               for o in costs]
    count = len(columns[0]) if columns else 0
    return np.array(columns, dtype=float).T.reshape(count, len(costs))


def rung_entries(problem: Problem, networks: Sequence[FrozenTrial], rung: int,
                 scales: Mapping[str, float]) -> list[RungEntry]:
    """The earlier networks that reached `rung` (trained in full or stopped there or later;
    one interrupted before it did not), each at its best validation accuracy up to it. A
    network without a recorded cost front (trained before halving ranked this way, or without
    early stopping) is left out: it cannot be placed."""
    entries = []
    for trial in networks:
        attrs = trial.user_attrs
        curve, front = attrs.get("val_curve") or [], attrs.get(COST_FRONT_ATTR)
        if attrs.get("outcome") not in ("trained", "stopped") or len(curve) < rung or not front:
            continue
        losses = cost_losses(problem, front, scales)
        if losses is not None:
            entries.append(RungEntry(losses, float(max(curve[:rung]))))
    return entries


def _box(problem: Problem, entry: RungEntry, scales: Mapping[str, float]) -> np.ndarray:
    """An entry's points as losses with its accuracy, those inside the search's normalised
    box (`codesign.engine.pareto`); none below the space's accuracy bound (infeasible)."""
    bound = problem.goals.bound_on(ACCURACY)
    if bound is not None and entry.accuracy < bound.limit:
        return np.empty((0, len(problem.goals.searched)))
    accuracy_loss = ACCURACY.loss(entry.accuracy, objective_scale(ACCURACY, scales))
    box = np.insert(entry.losses, problem.goals.searched.index(ACCURACY), accuracy_loss, axis=1)
    return box[(box < 1.0).all(axis=1)]


@dataclass(frozen=True)
class Standing:
    """Where a network stands at a rung, compared in this order (`key`; greater ranks higher):
    its level (the Pareto rank of its best point in the pool, lower first), then, with
    `ties: hypervolume`, among the networks of one level, the hypervolume its points add to
    the level's layer in the search's normalised box (what the layer loses without them,
    SMS-EMOA's tie-break: Beume et al., 2007). With `ties: together` (the default), a level
    shared goes on together."""

    level: float  # inf: no point in the box, or below the accuracy bound
    contribution: float = 0.0

    @property
    def key(self) -> tuple[float, float]:
        return (-self.level, self.contribution)


CONTRIBUTION_DIGITS = 12  # rounded, so that equal volumes tie whatever the float noise


def _union(boxes: Sequence[np.ndarray], dimensions: int) -> tuple[np.ndarray, np.ndarray]:
    """The boxes' points together, and by point the index of its box."""
    union = np.concatenate([np.empty((0, dimensions)), *boxes])
    owner = np.concatenate([np.empty(0, dtype=int),
                            *(np.full(len(box), index) for index, box in enumerate(boxes))])
    return union, owner


def _contributions(layer: np.ndarray, owner: np.ndarray, members: Sequence[int]) -> list[float]:
    """By member, the hypervolume the layer's points lose without its points (unit box)."""
    reference = np.ones(layer.shape[1])

    def volume(points: np.ndarray) -> float:
        return moocore.hypervolume(points, ref=reference) if len(points) else 0.0

    whole = volume(layer)
    return [round(whole - volume(layer[owner != m]), CONTRIBUTION_DIGITS) for m in members]


def _standings(boxes: Sequence[np.ndarray], dimensions: int, break_ties: bool,
               among_level_of: int | None = None) -> list[Standing]:
    """By box, its `Standing` in the union of the boxes. With `among_level_of`, ties are
    broken only in that box's level: ranking that box needs no others (other levels are
    ordered by level alone)."""
    union, owner = _union(boxes, dimensions)
    if not len(union):
        return [Standing(np.inf) for _ in boxes]
    ranks = moocore.pareto_rank(union)
    levels = np.full(len(boxes), np.inf)
    np.minimum.at(levels, owner, ranks.astype(float))
    standings = [Standing(level) for level in levels]
    if not break_ties:
        return standings
    tied = np.unique(levels[np.isfinite(levels)]) if among_level_of is None else (
        [levels[among_level_of]] if np.isfinite(levels[among_level_of]) else [])
    for level in tied:
        members, in_layer = np.flatnonzero(levels == level), ranks == level
        for member, contribution in zip(members, _contributions(
                union[in_layer], owner[in_layer], members), strict=True):
            standings[member] = Standing(level, contribution)
    return standings


def front_standings(problem: Problem, entries: Sequence[RungEntry],
                    scales: Mapping[str, float], rule: Halving) -> list[Standing]:
    """By entry, its `Standing` among the entries: its points, each at its entry's accuracy,
    in the search's normalised box; level `inf` for an entry with no point in the box or
    below the space's accuracy bound (infeasible)."""
    return _standings([_box(problem, entry, scales) for entry in entries],
                      len(problem.goals.searched), rule.ties == "hypervolume")


def goes_on_at(problem: Problem, losses: np.ndarray, peers: Sequence[RungEntry],
               rule: Halving, scales: Mapping[str, float]) -> float:
    """The least accuracy with which a network of cost front `losses` ranks in the top
    1/eta at a rung among `peers` (`Halving.goes_on` on the `Standing` keys; a standing
    shared goes on together); 0 with fewer than `min_peers` peers, `NEVER` where even
    accuracy 1 ranks below."""
    if len(peers) < rule.min_peers:
        return 0.0
    dimensions, break_ties = len(problem.goals.searched), rule.ties == "hypervolume"
    theirs = [_box(problem, peer, scales) for peer in peers]  # the same at every step

    def goes_on(accuracy: float) -> bool:
        boxes = [*theirs, _box(problem, RungEntry(losses, accuracy), scales)]
        standings = _standings(boxes, dimensions, break_ties, among_level_of=len(theirs))
        return rule.goes_on(standings[-1].key, [s.key for s in standings[:-1]])

    if goes_on(0.0):
        return 0.0
    if not goes_on(1.0):
        return NEVER
    stops, goes = 0.0, 1.0
    while goes - stops > ACCURACY_RESOLUTION:
        middle = (stops + goes) / 2
        stops, goes = (stops, middle) if goes_on(middle) else (middle, goes)
    return goes


def halving_job(problem: Problem, points: Sequence[HardwarePoint], scales: Mapping[str, float],
                networks: Sequence[FrozenTrial]) -> dict[str, Any] | None:
    """What halving needs of a network about to train (None: the space does not ask for it):
    its `cost_front`, which its trial records, and by rung the least accuracy shown with which
    it goes on against the networks before it (`goes_on_at`), which its job carries."""
    rule = problem.budget.early_stopping.halving
    if rule is None or not problem.budget.early_stopping.enabled:  # halving rides on it
        return None
    front = cost_front(problem, points)
    mine = cost_losses(problem, front, scales)
    assert mine is not None  # built from the space's own objectives
    rungs = problem.budget.early_stopping.rungs_for(problem.budget.epochs)
    return {"cost_front": front, "goes_on_at": {str(rung): goes_on_at(
        problem, mine, rung_entries(problem, networks, rung, scales), rule, scales)
        for rung in rungs}}
