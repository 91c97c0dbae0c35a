"""Successive halving across networks (`budget.early_stopping.halving`): what a network is worth
at an epoch rung, in terms the trainer can rank (`trainer.stop_rule.Halving`).

A network's worth at accuracy `a` is the hypervolume of its own design points, every one given
accuracy `a`, in the same normalised box as the search's front (`codesign.engine.pareto`): how
good a trade-off the network alone would offer were it to end at `a`. It depends on the network
and `a` only, not on the front when it was launched, so the worths of networks trained at
different times rank fairly (an improvement over a growing front would rank every late network
below the early ones). Whether a network could enter the front at all is the hopeless check's
question (`codesign.engine.fidelity`); halving then keeps, at each rung, the networks whose
worth at their best validation accuracy so far ranks in the top 1/eta of those that reached
the rung (what a network has shown, as successive halving ranks: optimistic bounds are looser
before the search has learnt them, and ranked the seeded networks above every later one).

Every design point's cost is known before training, so the worth is a function of `a` alone,
sent to the trainer as a table (plain data: a worker needs no hardware model).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import moocore
import numpy as np
from optuna.trial import FrozenTrial

from codesign.engine.pareto import objective_scale
from codesign.problem.compiled import Problem
from codesign.problem.compose import HardwarePoint
from codesign.problem.objectives import ACCURACY

WORTH_ACCURACIES = np.linspace(0.0, 1.0, 101)  # the table's accuracies (one point apart)
WORTH_ATTR = "rung_worth"  # a network trial's worth at each rung it reached


def worth_table(problem: Problem, points: Sequence[HardwarePoint],
                scales: Mapping[str, float]) -> list[list[float]]:
    """[accuracy, worth] rows over `WORTH_ACCURACIES` (see the module doc; every search has
    the accuracy objective). Points that fit no hardware budget, and accuracies below the
    space's accuracy bound, are worth nothing (infeasible)."""
    searched = problem.goals.searched
    fitting = [p for p in points if problem.fits_hardware_budget(p)]
    costs = [o for o in searched if o is not ACCURACY]
    column = searched.index(ACCURACY)
    losses = np.array([[o.loss(p.metric(o.metric), objective_scale(o, scales)) for o in costs]
                       for p in fitting], dtype=float).reshape(len(fitting), len(costs))
    if len(losses):
        losses = losses[moocore.is_nondominated(losses, keep_weakly=False)]
    bound = problem.goals.bound_on(ACCURACY)
    scale = objective_scale(ACCURACY, scales)
    rows = []
    for accuracy in WORTH_ACCURACIES:
        worth = 0.0
        if len(losses) and (bound is None or accuracy >= bound.limit):
            box = np.insert(losses, column, ACCURACY.loss(float(accuracy), scale), axis=1)
            inside = box[(box < 1.0).all(axis=1)]
            if len(inside):
                worth = float(moocore.hypervolume(inside, ref=np.ones(box.shape[1])))
        rows.append([float(accuracy), worth])
    return rows


def peer_worths(networks: Sequence[FrozenTrial]) -> dict[str, list[float]]:
    """By rung: the worths the search's earlier networks had when they reached it (trained in
    full or stopped; a network interrupted before a rung has none there)."""
    by_rung: dict[str, list[float]] = {}
    for trial in networks:
        for rung, worth in (trial.user_attrs.get(WORTH_ATTR) or {}).items():
            by_rung.setdefault(str(rung), []).append(float(worth))
    return by_rung


def halving_job(problem: Problem, points: Sequence[HardwarePoint], scales: Mapping[str, float],
                networks: Sequence[FrozenTrial]) -> dict[str, Any] | None:
    """What a training job carries for halving (None: the space does not ask for it)."""
    if problem.budget.early_stopping.halving is None:
        return None
    return {"worth_table": worth_table(problem, points, scales),
            "peer_worths": peer_worths(networks)}
