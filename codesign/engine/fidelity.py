"""Multi-fidelity search: the question a training asks at its epoch rungs, answered before it.

Every design point's hardware cost is known before its network is trained
(`codesign.problem.compose`); only the accuracy is unknown, and it is one number for the whole
network once `trainer.fidelity.OptimisticAccuracy` bounds it from above at every N and bit-error
rate. So "could any of this network's design points enter the current feasible front?" reduces to
one threshold, computed here from the front when the training is launched:

    accuracy_to_beat = min over the network's points p of the accuracy p needs:
        the best accuracy among the front's points whose costs are all at most p's (p must be
        more accurate than every such point, or it is dominated), and at least the space's
        `min_accuracy`. A point that fits no hardware budget needs more than 1.

A training whose optimistic accuracy is at most that threshold is stopped; its network trial
is PRUNED with outcome `stopped` and its `fidelity` (epochs run / epochs), and none of its
design points is recorded: every design trial, and so the front, `pareto`, `export`, the CSV
and the dashboard, has full-fidelity accuracies only. The threshold comes from the front when
the job leaves; fronts only improve, so a front grown meanwhile (parallel workers) stops less,
never wrongly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial

from codesign.problem.compiled import Problem
from codesign.problem.compose import HardwarePoint
from codesign.problem.objectives import ACCURACY
from trainer.fidelity import EarlyStopRule

NEVER = 2.0  # an accuracy no network reaches: the point can never enter the front
SAME_ACCURACY = 1e-12  # an accuracy equal to a limit meets it


def accuracy_to_beat(problem: Problem, points: Sequence[HardwarePoint],
                     front: Sequence[FrozenTrial]) -> float:
    """The accuracy a network must exceed for one of its `points` to enter `front` (a
    feasible front of design trials): see the module doc."""
    costs = [o for o in problem.goals.searched if o.source == "hardware"]
    fitting = [p for p in points if problem.fits_hardware_budget(p)]
    if not fitting:
        return NEVER
    bound = problem.goals.bound_on(ACCURACY)
    floor = bound.limit - SAME_ACCURACY if bound is not None else 0.0
    if not front or ACCURACY not in problem.goals.searched:  # then only the bound can say
        return floor
    mine = np.array([[o.oriented(p.metric(o.metric)) for o in costs] for p in fitting])
    theirs = np.array([[o.oriented(o.value(t.user_attrs)) for o in costs] for t in front])
    accuracies = np.array([ACCURACY.value(t.user_attrs) for t in front])
    covers = np.all(theirs[None, :, :] <= mine[:, None, :], axis=2)  # point x front point
    needed = np.where(covers, accuracies[None, :], -np.inf).max(axis=1)
    return float(max(floor, needed.min()))


MIN_CURVES = 2  # networks trained in full before their curves replace the prior bound


def observed_excess(networks: Sequence[FrozenTrial]) -> dict[int, float]:
    """By epoch: the most a network trained in full ended above its best validation accuracy
    at that epoch, its end taken at its most accurate N and bit-error rate (from `MIN_CURVES`
    such networks on; none before)."""
    excess: dict[int, list[float]] = {}
    for trial in networks:
        curve, attrs = trial.user_attrs.get("val_curve"), trial.user_attrs
        if attrs.get("outcome") != "trained" or not curve or not attrs.get("val_accuracy"):
            continue
        final = max([*attrs["val_accuracy"].values(),
                     *(a for by_n in (attrs.get("val_accuracy_by_ber") or {}).values()
                       for a in by_n.values())])
        for epoch in range(1, len(curve) + 1):
            excess.setdefault(epoch, []).append(final - max(curve[:epoch]))
    return {epoch: max(0.0, *gaps) for epoch, gaps in excess.items() if len(gaps) >= MIN_CURVES}


def early_stop_job(problem: Problem, points: Sequence[HardwarePoint],
                   front: Sequence[FrozenTrial], networks: optuna.Study | None = None
                   ) -> dict[str, Any] | None:
    """What a training job carries to stop itself early (None: the space does not ask for it):
    the threshold, the rule (rungs, optimism) and what the search's `networks` study so far
    showed (`observed_excess`), as plain data."""
    spec = problem.budget.early_stopping
    if not spec.enabled:
        return None
    rule = EarlyStopRule(rungs=spec.rungs, optimism=spec.optimism)
    seen = observed_excess(networks.get_trials(deepcopy=False)) if networks is not None else {}
    return {"accuracy_to_beat": accuracy_to_beat(problem, points, front),
            "rule": rule.model_dump(mode="json"),
            "observed_excess": {str(k): v for k, v in seen.items()}}
