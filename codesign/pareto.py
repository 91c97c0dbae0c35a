"""Reading a finished (or running) study: the feasible Pareto front, picks, hypervolume.

Hypervolume is computed by Optuna on normalised losses, so that searches over one space are
comparable: 1 - accuracy, and each hardware cost divided by its largest value over the whole
space (known analytically before any training). The reference point is then (1, ..., 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume
from optuna.trial import FrozenTrial, TrialState

from codesign.compose import enumerate_networks, hardware_points, metric_names
from codesign.space import SearchSpace
from hwmodel import Technology

PICKS = ("knee", "max-accuracy", "min-energy", "min-area")


class PickError(Exception):
    """No design satisfies the request."""


@dataclass(frozen=True)
class Limits:
    min_accuracy: float | None = None
    max_energy_pj: float | None = None
    max_area_mm2: float | None = None
    max_latency_ns: float | None = None

    def allows(self, trial: FrozenTrial) -> bool:
        attrs = trial.user_attrs
        checks = [
            (self.min_accuracy, lambda v: attrs["val_accuracy"] >= v),
            (self.max_energy_pj, lambda v: attrs["energy_pj"] <= v),
            (self.max_area_mm2, lambda v: attrs["area_mm2"] <= v),
            (self.max_latency_ns, lambda v: attrs["latency_ns"] <= v),
        ]
        return all(limit is None or ok(limit) for limit, ok in checks)


def pareto_front(study: optuna.Study) -> list[FrozenTrial]:
    """Feasible non-dominated design points (Optuna's `best_trials`), most accurate first."""
    return sorted(study.best_trials, key=lambda t: (-t.user_attrs["val_accuracy"], t.number))


def feasible_trials(study: optuna.Study) -> list[FrozenTrial]:
    return [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if all(v <= 0 for v in t.constraints.values())
    ]


def cost_scales(space: SearchSpace, technology: Technology) -> dict[str, float]:
    """The largest energy, area and latency any design of the space can have."""
    scales = {"energy_pj": 0.0, "area_mm2": 0.0, "latency_ns": 0.0}
    for choice in enumerate_networks(space):
        for point in hardware_points(choice, space, technology):
            for name in scales:
                scales[name] = max(scales[name], getattr(point, name))
    return scales


def normalized_losses(
    trials: Sequence[FrozenTrial], space: SearchSpace, scales: dict[str, float]
) -> np.ndarray:
    rows = []
    for trial in trials:
        row = []
        for name in metric_names(space):
            if name == "accuracy":
                row.append(1.0 - trial.user_attrs["val_accuracy"])
            else:
                row.append(trial.user_attrs[name] / scales[name])
        rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(metric_names(space)))


def hypervolume(
    trials: Sequence[FrozenTrial], space: SearchSpace, scales: dict[str, float]
) -> float:
    if not trials:
        return 0.0
    losses = normalized_losses(trials, space, scales)
    inside = losses[(losses < 1.0).all(axis=1)]
    if len(inside) == 0:
        return 0.0
    return float(compute_hypervolume(inside, np.ones(losses.shape[1])))


def hypervolume_history(
    study: optuna.Study, space: SearchSpace, scales: dict[str, float]
) -> list[tuple[int, float]]:
    """(training runs so far, hypervolume of their feasible design points), run by run."""
    by_network: dict[int, list[FrozenTrial]] = {}
    for trial in feasible_trials(study):
        by_network.setdefault(trial.user_attrs["network_trial"], []).append(trial)
    history, seen = [], []
    for count, network in enumerate(sorted(by_network), start=1):
        seen += by_network[network]
        history.append((count, hypervolume(seen, space, scales)))
    return history


def knee_point(front: Sequence[FrozenTrial], space: SearchSpace) -> FrozenTrial:
    """The front's point closest to the ideal point, each objective scaled to [0, 1] on the
    front (a standard knee definition, e.g. the "compromise solution" of Deb's textbook)."""
    losses = normalized_losses(front, space, {n: 1.0 for n in metric_names(space)})
    low, high = losses.min(axis=0), losses.max(axis=0)
    scaled = (losses - low) / np.where(high > low, high - low, 1.0)
    return front[int(np.argmin(np.linalg.norm(scaled, axis=1)))]


def pick(
    study: optuna.Study, space: SearchSpace, how: str, limits: Limits = Limits()
) -> FrozenTrial:
    """A design from the feasible front by rule, under optional extra limits."""
    candidates = [t for t in pareto_front(study) if limits.allows(t)]
    if not candidates:
        raise PickError("no design on the feasible Pareto front satisfies the limits")
    attrs = [t.user_attrs for t in candidates]
    if how == "knee":
        return knee_point(candidates, space)
    if how == "max-accuracy":
        key = [(-a["val_accuracy"], a["energy_pj"], a["area_mm2"]) for a in attrs]
    elif how == "min-energy":
        key = [(a["energy_pj"], -a["val_accuracy"], a["area_mm2"]) for a in attrs]
    elif how == "min-area":
        key = [(a["area_mm2"], -a["val_accuracy"], a["energy_pj"]) for a in attrs]
    else:
        raise PickError(f"unknown pick '{how}' (choose from {', '.join(PICKS)})")
    return candidates[min(range(len(candidates)), key=key.__getitem__)]
