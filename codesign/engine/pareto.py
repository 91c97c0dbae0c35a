"""Reading a finished (or running) study: the feasible Pareto front, picks, hypervolume.

Hypervolume (computed by `moocore`, the reference implementation of its authors) is taken on
normalised losses in [0, 1], so that searches over one space are comparable: 1 - accuracy, and
each hardware objective divided by its largest value over the whole space (known analytically
before any training; a maximised one, 1 - value / largest). The reference point is then
(1, ..., 1) and the hypervolume at most 1. Knees and dominance use the unscaled values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import moocore
import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from codesign.problem.compiled import Problem
from codesign.problem.objectives import ACCURACY, KNEE, OBJECTIVES, Objective, hardware_objectives
from hwmodel import Technology


def pick_orders() -> dict[str, tuple[Objective, ...] | None]:
    """Pick name -> the objectives to sort by, the first one decisive (None: the knee)."""
    return {KNEE: None, **{o.pick: (o, *(x for x in OBJECTIVES.values() if x is not o))
                           for o in OBJECTIVES.values()}}


class PickError(Exception):
    """No design satisfies the request."""


def allows(limits: Mapping[str, float | None], trial: FrozenTrial) -> bool:
    """Whether a design meets extra limits keyed by constraint field (`max_energy_pj`, ...)."""
    for objective in OBJECTIVES.values():
        limit = limits.get(objective.constraint)
        if limit is not None and objective.violation(objective.value(trial.user_attrs),
                                                     limit) > 0:
            return False
    return True


def pareto_front(study: optuna.Study,
                 trials: Sequence[FrozenTrial] | None = None) -> list[FrozenTrial]:
    """Feasible non-dominated design points, most accurate first (ties: cheapest first, as
    `--pick max-accuracy` breaks them, so that the first listed is the one it exports):
    Optuna's `best_trials`
    (feasible: every constraint <= 0; ties kept), from `trials` where the caller has read
    them already, without the deep copy of every trial `best_trials` makes (a second on a
    study of 1,000 design points)."""
    if trials is None:
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    feasible = [t for t in complete if all(v <= 0 for v in t.constraints.values())]
    if not feasible:
        return []
    signs = np.array([-1.0 if d == optuna.study.StudyDirection.MAXIMIZE else 1.0
                      for d in study.directions])
    losses = np.array([t.values for t in feasible], dtype=float) * signs
    kept = moocore.is_nondominated(losses, keep_weakly=True)
    front = [t for t, keep in zip(feasible, kept, strict=True) if keep]
    most_accurate_first = pick_orders()[ACCURACY.pick]
    assert most_accurate_first is not None
    return sorted(front, key=lambda t: (*_pick_key(most_accurate_first, t), t.number))


def feasible_trials(study: optuna.Study,
                    trials: Sequence[FrozenTrial] | None = None) -> list[FrozenTrial]:
    """The completed design points within every limit (from `trials`, where the caller has
    read them already)."""
    if trials is None:
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return [t for t in trials if t.state == TrialState.COMPLETE
            and all(v <= 0 for v in t.constraints.values())]


def cost_scales(problem: Problem, technology: Technology) -> dict[str, float]:
    """The largest value of every hardware objective over every design of the space."""
    scales = {o.metric: 0.0 for o in hardware_objectives()}
    for network in problem.design_space.networks():
        batch = problem.hardware_batch(network, technology)
        if len(batch.area_mm2):  # every metric is a column of the batch
            for name in scales:
                scales[name] = max(scales[name], float(getattr(batch, name).max()))
    return scales


COST_SCALES_ATTR = "cost_scales"  # the design study's record of `cost_scales`


def study_cost_scales(study: optuna.Study, problem: Problem,
                      technology: Technology) -> dict[str, float]:
    """`cost_scales` as the search recorded them on the study (costing every network of the
    space again takes a minute on a large space), computed where a study lacks them (one
    recorded before they were)."""
    from codesign.engine.attribute_text import parse_attribute_line

    recorded = parse_attribute_line(study.user_attrs.get(COST_SCALES_ATTR))
    if all(o.metric in recorded for o in hardware_objectives()):
        return {name: float(value) for name, value in recorded.items()}
    return cost_scales(problem, technology)


def objective_scale(objective: Objective, scales: Mapping[str, float]) -> float:
    """What an objective is divided by for the hypervolume: its upper bound, else its largest
    value over the space (`cost_scales`)."""
    if objective.upper is not None:
        return objective.upper
    try:
        return scales[objective.metric]
    except KeyError:
        raise ValueError(f"no scale for {objective.metric}: the hypervolume needs its largest "
                         "value over the space") from None


def normalized_losses(trials: Sequence[FrozenTrial], objectives: Sequence[Objective],
                      scales: Mapping[str, float]) -> np.ndarray:
    """Each trial's objectives as losses in [0, 1] (`Objective.loss`)."""
    rows = [[o.loss(o.value(t.user_attrs), objective_scale(o, scales)) for o in objectives]
            for t in trials]
    return np.asarray(rows, dtype=float).reshape(len(rows), len(objectives))


def hypervolume(trials: Sequence[FrozenTrial], objectives: Sequence[Objective],
                scales: Mapping[str, float]) -> float:
    """The volume the trials dominate in the unit box of normalised losses: in [0, 1]."""
    if not trials:
        return 0.0
    losses = normalized_losses(trials, objectives, scales)
    inside = losses[(losses < 1.0).all(axis=1)]
    if len(inside) == 0:
        return 0.0
    return float(moocore.hypervolume(inside, ref=np.ones(losses.shape[1])))


def hypervolume_history(study: optuna.Study, objectives: Sequence[Objective],
                        scales: Mapping[str, float],
                        feasible: Sequence[FrozenTrial] | None = None
                        ) -> list[tuple[int, float]]:
    """(training runs so far, hypervolume of their feasible design points), run by run
    (`feasible`: the study's `feasible_trials`, where the caller has them)."""
    by_network: dict[int, list[FrozenTrial]] = {}
    for trial in feasible_trials(study) if feasible is None else feasible:
        by_network.setdefault(trial.user_attrs["network_trial"], []).append(trial)
    history, seen = [], []
    for count, network in enumerate(sorted(by_network), start=1):
        seen += by_network[network]
        history.append((count, hypervolume(seen, objectives, scales)))
    return history


class RunningFront:
    """The feasible front of a study and its hypervolume, kept up to date as a search records
    networks (its progress line), without reading the study back."""

    def __init__(self, objectives: Sequence[Objective], scales: Mapping[str, float],
                 front: Sequence[FrozenTrial] = ()):
        self.objectives, self.scales = tuple(objectives), scales
        self.front: list[FrozenTrial] = []
        self.hypervolume = 0.0
        self.add(front)

    def add(self, trials: Sequence[FrozenTrial]) -> None:
        feasible = [t for t in trials if all(v <= 0 for v in t.constraints.values())]
        candidates = self.front + feasible
        if not candidates:
            return
        losses = _oriented(candidates, self.objectives)
        kept = moocore.is_nondominated(losses, keep_weakly=True)
        self.front = [t for t, keep in zip(candidates, kept, strict=True) if keep]
        self.hypervolume = hypervolume(self.front, self.objectives, self.scales)

    def not_dominated(self, trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
        """The trials no point of the front dominates (infeasible ones kept: the front is the
        feasible one). A dominated trial can never join the front, which only improves, nor
        change its hypervolume."""
        if not self.front or not trials:
            return list(trials)
        theirs, mine = _oriented(self.front, self.objectives), _oriented(trials, self.objectives)
        dominated = np.any(np.all(theirs[None] <= mine[:, None], axis=2)
                           & np.any(theirs[None] < mine[:, None], axis=2), axis=1)
        return [t for t, beaten in zip(trials, dominated, strict=True)
                if not beaten or any(v > 0 for v in t.constraints.values())]

    @property
    def size(self) -> int:
        return len(self.front)

    def summary(self) -> dict[str, float]:
        return {"front_size": self.size, "hypervolume": self.hypervolume}


def _oriented(trials: Sequence[FrozenTrial], objectives: Sequence[Objective]) -> np.ndarray:
    """The trials' objectives as unscaled losses (smaller is better): dominance and knees."""
    rows = [[o.oriented(o.value(t.user_attrs)) for o in objectives] for t in trials]
    return np.asarray(rows, dtype=float).reshape(len(rows), len(objectives))


def knee_point(front: Sequence[FrozenTrial], objectives: Sequence[Objective]) -> FrozenTrial:
    """The front's point closest to the ideal point, each objective scaled to [0, 1] on the
    front (a standard knee definition, e.g. the "compromise solution" of Deb's textbook)."""
    losses = _oriented(front, objectives)
    low, high = losses.min(axis=0), losses.max(axis=0)
    scaled = (losses - low) / np.where(high > low, high - low, 1.0)
    return front[int(np.argmin(np.linalg.norm(scaled, axis=1)))]


def pick(study: optuna.Study, objectives: Sequence[Objective], how: str,
         limits: Mapping[str, float | None] | None = None,
         trials: Sequence[FrozenTrial] | None = None) -> FrozenTrial:
    """A design from the feasible front by rule, under optional extra limits (from `trials`,
    where the caller has read them already)."""
    orders = pick_orders()
    if how not in orders:
        raise PickError(f"unknown pick '{how}' (choose from {', '.join(orders)})")
    candidates = [t for t in pareto_front(study, trials) if allows(limits or {}, t)]
    if not candidates:
        raise PickError("no design on the feasible Pareto front satisfies the limits")
    order = orders[how]
    if order is None:
        return knee_point(candidates, objectives)
    return min(candidates, key=lambda trial: _pick_key(order, trial))


def _pick_key(order: Sequence[Objective], trial: FrozenTrial) -> tuple[float, ...]:
    """A trial's rank under a pick's order: its first objective, ties going to the other
    objectives it recorded (a study recorded before an objective existed lacks it)."""
    return tuple(o.oriented(o.value(trial.user_attrs)) for o in order
                 if o is order[0] or o.attribute in trial.user_attrs)
