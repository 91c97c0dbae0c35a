"""The two Optuna studies of a search, and how design points are recorded in them.

* `<name>` holds **design points**: one trial per kept (trained network, hardware
  configuration), with the objectives as named metrics, the budgets as constraints, and a link
  to the training run. This is the study to review in optuna-dashboard and to export from.
* `<name>:networks` holds **training runs**: the sampler proposes the training-relevant
  choices here, and each run reports its most accurate design point back to the sampler.

A trained network has up to thousands of hardware configurations (organisation x dataflow x
circuit x rows x tiles x N). All are costed; the ones not dominated within their network become
trials (a design dominated inside its own network can never be on the global front), and the
whole table is written beside the study (`design_points_table`, docs/search.md).
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import moocore
import numpy as np
import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from codesign.engine.dashboard_view import (
    dashboard_constraints,
    set_study_attributes,
    study_attributes,
    write_study_notes,
)
from codesign.problem.compiled import NETWORKS_SUFFIX, Problem, compile_problem, search_identity
from codesign.problem.compose import HardwarePoint, PointColumns, ber_key
from codesign.problem.design_space import Network
from codesign.problem.objectives import EXTRA_HARDWARE_METRICS, Objective, hardware_objectives
from codesign.problem.space import SamplerSpec, SearchSpace

IDENTITY_ATTR = "search_identity"  # what may not change when a search is resumed
SPACE_ATTR = "search_space"  # the space of the latest run (its budget may have grown)
ENCODING_ATTR = "network_parameters"  # network study: how numbers are asked (`network_encoding`)

SAMPLERS: dict[str, Callable[[SamplerSpec], optuna.samplers.BaseSampler]] = {
    "nsga2": lambda spec: optuna.samplers.NSGAIISampler(
        population_size=spec.population_size, seed=spec.seed),
    "tpe": lambda spec: optuna.samplers.TPESampler(seed=spec.seed, multivariate=True),
    "gp": lambda spec: optuna.samplers.GPSampler(seed=spec.seed),
    "random": lambda spec: optuna.samplers.RandomSampler(seed=spec.seed),
}


class StudyMismatch(Exception):
    """The study exists with a different search space: resuming it would mix two searches."""


def build_sampler(spec: SamplerSpec) -> optuna.samplers.BaseSampler:
    return SAMPLERS[spec.kind](spec)


def _current_identity(stored: str) -> str:
    """A stored identity in today's spelling (a space written before a field moved, say
    `input.sng_kinds` to `input.sngs`, reads as it would be written now)."""
    try:
        return search_identity(SearchSpace.model_validate(json.loads(stored)))
    except (ValueError, TypeError):  # not a space any more: it differs
        return stored


def open_studies(problem: Problem, storage: BaseStorage) -> tuple[optuna.Study, optuna.Study]:
    """Create or resume (`load_if_exists`) the design-point and network studies."""
    directions = problem.goals.directions
    designs = optuna.create_study(
        storage=storage, study_name=problem.name, directions=directions, load_if_exists=True,
    )
    networks = optuna.create_study(
        storage=storage, study_name=problem.networks_study, directions=directions,
        sampler=build_sampler(problem.sampler), load_if_exists=True,
    )
    stored = _records(storage, designs).get(IDENTITY_ATTR)
    if stored not in (None, problem.identity) and _current_identity(stored) != problem.identity:
        raise StudyMismatch(
            f"study '{problem.name}' exists in this storage with a different search space; "
            "give the search a new name or storage"
        )
    if [d.name.lower() for d in designs.directions] != directions:
        raise StudyMismatch(f"study '{problem.name}' exists with other objectives")
    for study, role in ((designs, "designs"), (networks, "networks")):
        if study.metric_names != problem.goals.shown_names:
            study.set_metric_names(problem.goals.shown_names)
        _set_record(storage, study, IDENTITY_ATTR, problem.identity)
        set_study_attributes(study, study_attributes(problem, role))
    _set_record(storage, designs, SPACE_ATTR, problem.document)
    write_study_notes(storage, problem, designs, networks)
    return designs, networks


def network_encoding(storage: BaseStorage, networks: optuna.Study) -> bool:
    """Whether the network study asks numbers as ordered integers (`Ordinal`, True) or as
    categorical choices (False): the way it was created, kept for good. A study that had
    trials before codesign recorded this was created with categorical choices, and resumes
    with them (its distributions cannot change under its parameters' names, and its sampler
    keeps learning from its trials); a new one is ordinal."""
    study_id = storage.get_study_id_from_name(networks.study_name)
    recorded = storage.get_study_system_attrs(study_id).get(ENCODING_ATTR)
    if recorded is None:
        recorded = "categorical" if networks.get_trials(deepcopy=False) else "ordinal"
        storage.set_study_system_attr(study_id, ENCODING_ATTR, recorded)
    return recorded == "ordinal"


def _records(storage: BaseStorage, study: optuna.Study) -> dict[str, Any]:
    """codesign's own records of a study (its identity, its space). They are study system
    attributes, which the dashboard does not show; studies written before kept them as user
    attributes."""
    system = storage.get_study_system_attrs(storage.get_study_id_from_name(study.study_name))
    return {key: system.get(key, study.user_attrs.get(key)) for key in (IDENTITY_ATTR, SPACE_ATTR)}


def _set_record(storage: BaseStorage, study: optuna.Study, key: str, value: str) -> None:
    storage.set_study_system_attr(storage.get_study_id_from_name(study.study_name), key, value)


def load_design_study(storage: BaseStorage, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=storage)


def load_network_study(storage: BaseStorage, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name + NETWORKS_SUFFIX, storage=storage)


def space_of(study: optuna.Study, storage: BaseStorage) -> SearchSpace | None:
    """The search space a study was created with (for export and reports)."""
    raw = _records(storage, study).get(SPACE_ATTR)
    return SearchSpace.model_validate(json.loads(raw)) if raw else None


def problem_of(study: optuna.Study, storage: BaseStorage) -> Problem | None:
    """The problem a study was created for, compiled from its stored space."""
    space = space_of(study, storage)
    return compile_problem(space) if space is not None else None


STATISTIC_KEYS = {"mean": "accuracy_by_ber", "low_percentile": "accuracy_percentile_by_ber"}


def accuracy_at(outcome: dict[str, Any], point: HardwarePoint, split: str = "val",
                statistic: str = "mean") -> float:
    """The trained network's accuracy at the design point's N, with its weights read at the
    point's bit-error rate rounded up to the grid (`HardwarePoint.evaluated_error_rate`): the
    mean over the error maps, or their low percentile (`budget.accuracy_over_maps`); the
    clean accuracy at rate 0."""
    n = str(point.bitstream_length)
    if point.evaluated_error_rate == 0:
        return outcome[f"{split}_accuracy"][n]
    key = f"{split}_{STATISTIC_KEYS[statistic]}"
    return outcome[key][ber_key(point.evaluated_error_rate)][n]


def is_measured(outcome: dict[str, Any], point: HardwarePoint, split: str = "val") -> bool:
    """Whether the training run measured the point's accuracy on `split` (a lazy evaluation,
    `trainer.evaluation_plan`, skips the points that could not enter the front)."""
    try:
        accuracy_at(outcome, point, split)
    except KeyError:
        return False
    return True


def searched_accuracy(problem: Problem, outcome: dict[str, Any], point: HardwarePoint,
                      split: str = "val") -> float:
    """The accuracy the search maximises: the statistic over the maps the space asks for."""
    return accuracy_at(outcome, point, split, problem.recipe.budget.accuracy_over_maps)


def searched_accuracies(problem: Problem, outcome: dict[str, Any],
                        points: Sequence[HardwarePoint]) -> np.ndarray:
    """`searched_accuracy` of every point, looked up once per pair of N and evaluated rate
    (all it depends on)."""
    by_pair: dict[tuple[int, float], float] = {}
    found = np.empty(len(points))
    for index, point in enumerate(points):
        pair = (point.bitstream_length, point.evaluated_error_rate)
        if pair not in by_pair:
            by_pair[pair] = searched_accuracy(problem, outcome, point)
        found[index] = by_pair[pair]
    return found


def accuracies_over_maps(outcome: dict[str, Any], point: HardwarePoint
                         ) -> dict[str, float | None]:
    """Both statistics over the maps, both splits (what every design point records; None
    for a statistic a training run did not record: a run from before the percentiles)."""
    found: dict[str, float | None] = {}
    for split in ("val", "test"):
        for short, statistic in (("mean", "mean"), ("low", "low_percentile")):
            try:
                found[f"{split}_accuracy_{short}"] = accuracy_at(outcome, point, split,
                                                                 statistic)
            except KeyError:
                found[f"{split}_accuracy_{short}"] = None
    return found


def network_front(problem: Problem, points: list[HardwarePoint],
                  outcome: dict[str, Any]) -> list[HardwarePoint]:
    """The points not dominated within the network, among the feasible ones if any is: each
    objective and bound on the points' columns (`problem.values` and `problem.feasible` of
    every point, a network's tens of thousands, took a second of its recording)."""
    accuracy, column = searched_accuracies(problem, outcome, points), PointColumns(points)

    def values(objective: Objective) -> np.ndarray:
        return accuracy if objective.source == "training" else column(objective.metric)

    goals = problem.goals
    losses = np.column_stack([o.oriented(values(o)) for o in goals.searched]
                             ).reshape(len(points), len(goals.searched))
    feasible = np.ones(len(points), dtype=bool)
    for bound in goals.bounds:
        feasible &= bound.violation(values(bound.objective)) <= 0
    candidates = np.flatnonzero(feasible) if feasible.any() else np.arange(len(points))
    if not len(candidates):
        return []
    # equal points are both kept (neither dominates the other), as Optuna's best_trials does;
    # moocore finds them in O(n log n) where a pairwise check of a network's 50,000 points took
    # minutes
    kept = moocore.is_nondominated(losses[candidates], keep_weakly=True)
    return [points[index] for index in candidates[kept]]


def _design_attributes(problem: Problem, point: HardwarePoint, outcome: dict[str, Any],
                       network: Network, network_trial: int) -> dict[str, Any]:
    """What a design trial records beside its values: its training run, both accuracies (the
    searched statistic over the maps, and each statistic), every total of the cost model
    (objective or not); numbers and short text (the dictionaries: `_design_records`)."""
    return {
        "network_trial": network_trial,
        "network_key": network.key(),
        "test_accuracy": searched_accuracy(problem, outcome, point, "test"),
        "val_accuracy": searched_accuracy(problem, outcome, point),
        **accuracies_over_maps(outcome, point),
        "accuracy_over_maps": problem.recipe.budget.accuracy_over_maps,
        "accuracy_percentile": outcome.get("accuracy_percentile"),
        "checkpoint": outcome["checkpoint"],
        "fidelity": outcome.get("fidelity", 1.0),  # a design trial's network trained in full
        **{o.attribute: point.metric(o.metric) for o in hardware_objectives()},
        **{name: point.metric(name) for name in EXTRA_HARDWARE_METRICS},
        "bit_error_rate": point.cost["bit_error_rate"],
        "weight_error_rate": point.weight_error_rate,
        "evaluated_error_rate": point.evaluated_error_rate,
    }


# A design trial's bulky records (dictionaries), kept as trial system attributes: what
# `export` reads, but optuna-dashboard does not send to the study page (it sends every user
# attribute of every trial; these were half of those bytes). Studies recorded before kept them as
# user attributes, which `design_record` still reads.
DESIGN_RECORDS = ("architecture", "area_by_component_um2", "energy_by_component_pj")
RECORD_PREFIX = "codesign:"


def _design_records(point: HardwarePoint) -> dict[str, Any]:
    return {RECORD_PREFIX + "architecture": point.architecture,
            **{RECORD_PREFIX + name: point.cost[name] for name in DESIGN_RECORDS[1:]}}


def design_record(trial: FrozenTrial, name: str) -> Any:
    """A design trial's record `name` (one of DESIGN_RECORDS), wherever it was kept."""
    return trial.system_attrs.get(RECORD_PREFIX + name, trial.user_attrs.get(name))


def design_trials(
    problem: Problem,
    network: Network,
    points: list[HardwarePoint],
    outcome: dict[str, Any],
    network_trial: int,
    started: datetime | None = None,
) -> list[FrozenTrial]:
    """One completed trial per kept hardware point of a trained network.

    A design point lasts what its network's training run lasted (from `started`, the run's
    proposal, to now): that is what its accuracy cost, and the dashboard's timeline then
    shows the runs rather than instants."""
    finished = datetime.now()
    all_distributions = problem.design_space.distributions("design")
    trials = []
    for point in points:
        accuracy = searched_accuracy(problem, outcome, point)
        params = {**network.params, **point.params}
        params = {name: (value if isinstance(value, int) else str(value))
                  for name, value in params.items()}
        violations = problem.violations(point, accuracy)
        trials.append(optuna.trial.create_trial(
            state=TrialState.COMPLETE,
            values=problem.values(point, accuracy),
            params=params,
            distributions={name: all_distributions[name] for name in params},
            user_attrs=_design_attributes(problem, point, outcome, network, network_trial),
            system_attrs={**(dashboard_constraints(violations) or {}),
                          **_design_records(point)},
            constraints=violations or None,
        ))
    for trial in trials:
        trial.datetime_start, trial.datetime_complete = started or finished, finished
    return trials


def write_design_table(path: Path, problem: Problem, network: Network,
                       points: list[HardwarePoint], outcome: dict[str, Any]) -> None:
    """Every hardware point of a network as a gzipped CSV (kept or not as a trial): the
    searched accuracy and each statistic over the maps (empty where not measured).

    A point's accuracies depend on its N and evaluated bit-error rate only, so they are
    looked up and written out once a pair (a network's tens of thousands of points share a
    few hundred pairs), and its costs are read by column (`PointColumns`): per point, the
    lookups and the text of the same numbers were most of recording a network
    (docs/benchmarks.md)."""
    hardware_names = sorted({name for point in points for name in point.params})
    objectives = hardware_objectives()
    statistics = ["val_accuracy_mean", "val_accuracy_low", "test_accuracy_mean",
                  "test_accuracy_low"]
    accuracy_names = ["val_accuracy", "test_accuracy", *statistics]
    columns = [*network.params, *hardware_names, "weight_error_rate", "evaluated_error_rate",
               *accuracy_names, *(o.attribute for o in objectives)]
    network_cells = [_cell(value) for value in network.params.values()]
    by_pair: dict[tuple[Any, float, float], list[str]] = {}  # and by the rate before snapping
    column = PointColumns(points)
    costs = [column(o.metric).tolist() for o in objectives]
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="", compresslevel=TABLE_COMPRESSION) as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for index, point in enumerate(points):
            pair = (point.bitstream_length, point.weight_error_rate,
                    point.evaluated_error_rate)
            if pair not in by_pair:
                found = _accuracy_columns(problem, outcome, point)
                by_pair[pair] = [_cell(point.weight_error_rate),
                                 _cell(point.evaluated_error_rate),
                                 *(_cell(found.get(name)) for name in accuracy_names)]
            writer.writerow([*network_cells,
                             *(point.params.get(name, "") for name in hardware_names),
                             *by_pair[pair], *(values[index] for values in costs)])


def _cell(value: Any) -> str:
    """A design-table cell as `csv.writer` writes it (None: empty), made once for many rows."""
    return "" if value is None else str(value)


# gzip's fastest: the 27 MB table of a 73,872-point SC network took 0.18 s to 6.5 MB, where
# the default 9 took 0.93 s to 5.4 MB (once, by hand, 2026-12-06): written once, read rarely
TABLE_COMPRESSION = 1


def _accuracy_columns(problem: Problem, outcome: dict[str, Any], point: HardwarePoint
                      ) -> dict[str, Any]:
    """A design table's accuracy columns at the point's pair: the searched accuracy by
    split (empty where not measured) and each statistic over the maps."""
    searched = {f"{split}_accuracy": (searched_accuracy(problem, outcome, point, split)
                                      if is_measured(outcome, point, split) else "")
                for split in ("val", "test")}
    return {**searched, **accuracies_over_maps(outcome, point)}


def representative_point(
    problem: Problem, points: list[HardwarePoint], outcome: dict[str, Any]
) -> tuple[HardwarePoint, float]:
    """The most accurate feasible design of a network (ties: least energy) for the sampler."""

    def rank(point: HardwarePoint) -> tuple:
        accuracy = searched_accuracy(problem, outcome, point)
        return (problem.feasible(point, accuracy), accuracy, -point.energy_pj, -point.area_mm2)

    best = max(points, key=rank)
    return best, searched_accuracy(problem, outcome, best)


def network_trials(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False)


# outcomes that settle a network for good: trained, rejected by budgets before training, or
# stopped early because it could not reach the front (`codesign.engine.fidelity`)
SETTLED_OUTCOMES = ("trained", "over_budget", "stopped")
EXCUSED_FAILURES_ATTR = "failures_with_a_shared_cause"  # network study: trial numbers


def excuse_failures(study: optuna.Study, numbers: list[int]) -> None:
    """Record that these failed trainings had a cause every training shared (the search
    stopped on them): they never count against the budget, and their networks train again
    once the cause is fixed."""
    excused = set(study.user_attrs.get(EXCUSED_FAILURES_ATTR, [])) | set(numbers)
    study.set_user_attr(EXCUSED_FAILURES_ATTR, sorted(excused))


def failures_of_their_own(study: optuna.Study, trials: list[FrozenTrial]) -> set[int]:
    """Failed trainings that count as their network's own failure: a training asked after
    them succeeded, and the search did not stop on them (`excuse_failures`). Until then a
    failure may share its cause with every other training (the data, the configuration, the
    machine): it costs no budget and holds no claim, so a rerun after the fix trains it."""
    excused = set(study.user_attrs.get(EXCUSED_FAILURES_ATTR, []))
    last_trained = max((t.number for t in trials
                        if t.user_attrs.get("outcome") in ("trained", "stopped")),
                       default=-1)
    return {t.number for t in trials if t.user_attrs.get("outcome") == "failed"
            and t.number < last_trained and t.number not in excused}


INTERRUPTED_OUTCOMES = ("interrupted", "aborted", "abandoned")  # the run ended under them
OUT_OF_TIME = "out_of_time"  # the wall time cut the training (`budget.wall_time_s`)
UNFINISHED_OUTCOMES = (*INTERRUPTED_OUTCOMES, OUT_OF_TIME)  # retried on the next run
LAST_STOP_ATTR = "last_stop"  # the network study's record of why the last run stopped
STOPS = ("trials", "wall_time", "exhausted")  # what can stop a run that is not interrupted


def attempts(study: optuna.Study) -> int:
    """Networks that count against the budget: trained, rejected by budgets, failed of their
    own accord (`failures_of_their_own`), or in training now (by this driver or by another
    one sharing the study)."""
    trials = network_trials(study)
    own_failures = failures_of_their_own(study, trials)
    return sum(
        t.user_attrs.get("outcome") in SETTLED_OUTCOMES
        or t.number in own_failures
        or (t.state == TrialState.RUNNING and "network_key" in t.user_attrs)
        for t in trials
    )


def competing_claim(study: optuna.Study, key: str, number: int) -> int | None:
    """Another trial that holds `key` (running, trained, rejected by budgets, or failed of
    its own accord: retraining it would fail again), if any.

    Several drivers may share a study: each claims a network by writing its key on its trial,
    then reads the study and yields if any other trial holds the same key. With
    read-after-write storage, of two claims the one read second always sees the first, so a
    network is never trained twice; two claims written before either is read both yield,
    which costs one ask and is safe. (Yielding only to lower trial numbers is not enough: the
    higher number may have read before the lower one wrote, and both would train.)
    """
    trials = network_trials(study)
    own_failures = failures_of_their_own(study, trials)
    for trial in trials:
        if trial.number == number or trial.user_attrs.get("network_key") != key:
            continue
        if (trial.state == TrialState.RUNNING or trial.number in own_failures
                or trial.user_attrs.get("outcome") in SETTLED_OUTCOMES):
            return trial.number
    return None
