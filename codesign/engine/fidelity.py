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

import moocore
import numpy as np
import optuna
from optuna.trial import FrozenTrial

from codesign.problem.compiled import Problem
from codesign.problem.compose import HardwarePoint, ber_key
from codesign.problem.objectives import ACCURACY
from trainer.fidelity import EarlyStopRule

NEVER = 2.0  # an accuracy no network reaches: the point can never enter the front
SAME_ACCURACY = 1e-12  # an accuracy equal to a limit meets it


def accuracy_needed(problem: Problem, points: Sequence[HardwarePoint],
                    front: Sequence[FrozenTrial]) -> np.ndarray:
    """By point: the accuracy it must exceed to enter `front` (a feasible front of design
    trials), as the module doc says; `NEVER` for a point that fits no hardware budget."""
    fits = problem.fits_hardware_budgets(points)
    bound = problem.goals.bound_on(ACCURACY)
    floor = bound.limit - SAME_ACCURACY if bound is not None else 0.0
    needed = np.full(len(points), floor)
    if front and ACCURACY in problem.goals.searched and len(points):
        costs = problem.goals.costs
        mine = problem.oriented_costs(points)
        theirs = np.array([[o.oriented(o.value(t.user_attrs)) for o in costs] for t in front])
        accuracies = np.array([ACCURACY.value(t.user_attrs) for t in front])
        covers = np.all(theirs[None, :, :] <= mine[:, None, :], axis=2)  # point x front point
        needed = np.maximum(floor, np.where(covers, accuracies[None, :], -np.inf).max(axis=1))
    return np.where(fits, needed, NEVER)


def accuracy_to_beat(needed: np.ndarray) -> float:
    """The accuracy a network must exceed for one of its points to enter the front: the
    least any of them needs (`needed`, from `accuracy_needed`)."""
    return float(needed.min()) if len(needed) else NEVER


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


def early_stop_job(problem: Problem, needed: np.ndarray, networks: optuna.Study | None = None
                   ) -> dict[str, Any] | None:
    """What a training job carries to stop itself early (None: the space does not ask for it):
    the threshold (`accuracy_to_beat` of the accuracies its points `needed`), the rule (rungs,
    optimism) and what the search's `networks` study so far showed (`observed_excess`), as
    plain data."""
    spec = problem.budget.early_stopping
    if not spec.enabled:
        return None
    rule = EarlyStopRule(rungs=spec.rungs, optimism=spec.optimism, halving=spec.halving)
    seen = observed_excess(networks.get_trials(deepcopy=False)) if networks is not None else {}
    return {"accuracy_to_beat": accuracy_to_beat(needed),
            "rule": rule.model_dump(mode="json"),
            "observed_excess": {str(k): v for k, v in seen.items()}}


# How far bit errors may lift a network's accuracy (the mean over its error maps) above its
# clean accuracy at the same N: flipped weights do not make a trained network better, but a
# few validation examples may flip to right by chance. 0.01 (one percentage point, a few
# standard errors of a difference of paired accuracies on a validation split of thousands) is
# the documented floor; what the search's trained networks showed raises it
# (`observed_error_excess`).
ERROR_NOISE_MARGIN = 0.01


def observed_error_excess(networks: Sequence[FrozenTrial]) -> float:
    """The most a trained network's validation accuracy under bit errors (mean over maps) was
    above its clean validation accuracy at the same N, over the pairs measured (0 if none)."""
    excess = 0.0
    for trial in networks:
        clean, by_rate = trial.user_attrs.get("val_accuracy"), trial.user_attrs.get(
            "val_accuracy_by_ber")
        if trial.user_attrs.get("outcome") != "trained" or not clean or not by_rate:
            continue
        excess = max([excess, *(accuracy - clean[n] for by_n in by_rate.values()
                                for n, accuracy in by_n.items() if n in clean)])
    return excess


def evaluation_job(problem: Problem, points: Sequence[HardwarePoint], needed: np.ndarray,
                   networks: optuna.Study | None = None) -> dict[str, Any] | None:
    """What a training job carries to test its network only where a design point could enter
    the front (`trainer.evaluation_plan`), as plain data: by N and evaluated bit-error rate
    (rate 0: clean), the least accuracy any of the pair's `points` `needed`
    (`accuracy_needed`),
    the margin, the statistic over the maps the search reads, and each pair's design points
    (`pair_points`: the test split is measured only where one of them would be recorded).
    None when the space records every network's own front (`budget.record: network_front`):
    then every point is needed."""
    if problem.budget.record != "search_front":
        return None
    thresholds: dict[str, dict[str, float]] = {}
    for point, accuracy in zip(points, needed.tolist(), strict=True):
        by_rate = thresholds.setdefault(str(point.bitstream_length), {})
        key = ber_key(point.evaluated_error_rate)
        by_rate[key] = min(by_rate.get(key, NEVER), accuracy)
    seen = (observed_error_excess(networks.get_trials(deepcopy=False))
            if networks is not None else 0.0)
    return {"thresholds": thresholds, "margin": max(ERROR_NOISE_MARGIN, seen),
            "statistic": problem.budget.accuracy_over_maps,
            "points": pair_points(problem, points, needed)}


def pair_points(problem: Problem, points: Sequence[HardwarePoint], needed: np.ndarray
                ) -> dict[str, dict[str, list[list[float]]]]:
    """By N then rate, the design points of the pair that fit the budgets, each as the
    accuracy it `needed` then its searched costs oriented to be minimised: what a worker needs
    to tell which pairs have a point on the network's own front (`network_front`, the points
    the search records). A pair keeps only its front in cost: at the pair's one accuracy, a
    point another of its points beats in every cost is never on the network's front; of
    points equal in every cost, the one that needs least (it enters wherever the others
    would)."""
    rows = np.column_stack([needed, problem.oriented_costs(points)])
    by_pair: dict[tuple[int, str], list[int]] = {}
    for index, point in enumerate(points):
        if needed[index] < NEVER:  # fits the budgets
            pair = (point.bitstream_length, ber_key(point.evaluated_error_rate))
            by_pair.setdefault(pair, []).append(index)
    found: dict[str, dict[str, list[list[float]]]] = {}
    for (n, rate), indices in by_pair.items():
        mine = rows[indices]
        cheapest = mine[moocore.is_nondominated(mine[:, 1:], keep_weakly=True)]
        kept = cheapest[moocore.is_nondominated(cheapest, keep_weakly=False)]
        found.setdefault(str(n), {})[rate] = kept.tolist()
    return found
