"""The two Optuna studies of a search, and how design points are recorded in them.

* `<name>` holds **design points**: one trial per (trained network, N, tiles, first-layer
  hardware), with the objectives as named metrics, the budgets as constraints, and a link to
  the training run. This is the study to review in optuna-dashboard and to export from.
* `<name>:networks` holds **training runs**: the sampler proposes the training-relevant
  choices here, and each run reports its most accurate design point back to the sampler.
"""

from __future__ import annotations

import json
from typing import Any

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from codesign.compose import (
    HardwarePoint,
    NetworkChoice,
    accuracy_violation,
    directions,
    hardware_violations,
    metric_names,
    objective_values,
)
from codesign.space import ConvSpace, MLPSpace, SearchSpace

NETWORKS_SUFFIX = ":networks"
IDENTITY_ATTR = "search_identity"  # what may not change when a search is resumed
SPACE_ATTR = "search_space"  # the space of the latest run (its budget may have grown)


class StudyMismatch(Exception):
    """The study exists with a different search space: resuming it would mix two searches."""


def build_sampler(space: SearchSpace) -> optuna.samplers.BaseSampler:
    spec = space.sampler
    if spec.kind == "nsga2":
        return optuna.samplers.NSGAIISampler(
            population_size=spec.population_size, seed=spec.seed
        )
    if spec.kind == "tpe":
        return optuna.samplers.TPESampler(seed=spec.seed, multivariate=True)
    if spec.kind == "gp":
        return optuna.samplers.GPSampler(seed=spec.seed)
    return optuna.samplers.RandomSampler(seed=spec.seed)


def _search_identity(space: SearchSpace) -> str:
    """What must not change between a search and its resumption (budget and execution may)."""
    fixed = space.model_dump(mode="json", exclude={"budget", "execution", "storage", "sampler"})
    fixed["sampler"] = space.sampler.model_dump(mode="json")
    return json.dumps(fixed, sort_keys=True)


def open_studies(
    space: SearchSpace, storage: BaseStorage
) -> tuple[optuna.Study, optuna.Study]:
    """Create or resume (`load_if_exists`) the design-point and network studies."""
    designs = optuna.create_study(
        storage=storage,
        study_name=space.name,
        directions=directions(space),
        load_if_exists=True,
    )
    networks = optuna.create_study(
        storage=storage,
        study_name=space.name + NETWORKS_SUFFIX,
        directions=directions(space),
        sampler=build_sampler(space),
        load_if_exists=True,
    )
    identity = _search_identity(space)
    stored = designs.user_attrs.get(IDENTITY_ATTR)
    if stored is not None and stored != identity:
        raise StudyMismatch(
            f"study '{space.name}' exists in this storage with a different search space; "
            "give the search a new name or storage"
        )
    if [d.name.lower() for d in designs.directions] != directions(space):
        raise StudyMismatch(f"study '{space.name}' exists with other objectives")
    if stored is None:
        for study in (designs, networks):
            study.set_metric_names(metric_names(space))
            study.set_user_attr(IDENTITY_ATTR, identity)
            study.set_user_attr("sampler", space.sampler.model_dump(mode="json"))
    designs.set_user_attr(SPACE_ATTR, space.model_dump_json())
    return designs, networks


def load_design_study(storage: BaseStorage, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=storage)


def load_network_study(storage: BaseStorage, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name + NETWORKS_SUFFIX, storage=storage)


def space_of(study: optuna.Study) -> SearchSpace | None:
    """The search space a study was created with (for export and reports)."""
    raw = study.user_attrs.get(SPACE_ATTR)
    return SearchSpace.model_validate(json.loads(raw)) if raw else None


def param_distributions(space: SearchSpace) -> dict[str, CategoricalDistribution]:
    """Every parameter a design point can carry, with the same choices on every trial."""
    inputs, hw = space.input, space.hardware
    distributions: dict[str, list[Any]] = {"input_mode": list(inputs.modes)}
    if isinstance(space.model, MLPSpace):
        for index in range(1, space.model.hidden_layers + 1):
            distributions[f"width_{index}"] = space.model.widths
    elif isinstance(space.model, ConvSpace):
        distributions["base_channels"] = space.model.base_channels
        distributions["fc_width"] = space.model.hidden
    distributions.update(
        merge_point=list(inputs.merge_points),
        sng_kind=list(inputs.sng_kinds),
        training_mode=list(inputs.training_modes),
        train_length=inputs.train_lengths,
        bitstream_length=inputs.bitstream_lengths,
        tiles=hw.tiles,
    )
    first_layer_hw = (["sc"] if "sc" in inputs.modes else []) + (
        list(hw.fixed_point_first_layers) if "fixed_point" in inputs.modes else []
    )
    distributions["first_layer_hw"] = first_layer_hw
    return {name: CategoricalDistribution(choices) for name, choices in distributions.items()}


def design_trials(
    space: SearchSpace,
    choice: NetworkChoice,
    points: list[HardwarePoint],
    outcome: dict[str, Any],
    network_trial: int,
) -> list[FrozenTrial]:
    """One completed trial per hardware point of a trained network."""
    distributions = param_distributions(space)
    trials = []
    for point in points:
        key = str(point.bitstream_length or 1)
        accuracy = outcome["val_accuracy"][key]
        params = {**choice.params(), **point.params()}
        trials.append(
            optuna.trial.create_trial(
                state=TrialState.COMPLETE,
                values=objective_values(space, accuracy, point),
                params=params,
                distributions={name: distributions[name] for name in params},
                user_attrs={
                    "network_trial": network_trial,
                    "network_key": choice.key(),
                    "test_accuracy": outcome["test_accuracy"][key],
                    "val_accuracy": accuracy,
                    "checkpoint": outcome["checkpoint"],
                    "area_mm2": point.area_mm2,
                    "energy_pj": point.energy_pj,
                    "latency_ns": point.latency_ns,
                    "inferences_per_s": point.cost["inferences_per_s"],
                    "architecture": point.architecture,
                    "area_by_component_um2": point.cost["area_by_component_um2"],
                    "energy_by_component_pj": point.cost["energy_by_component_pj"],
                },
                constraints=violations(space, accuracy, point) or None,
            )
        )
    return trials


def violations(space: SearchSpace, accuracy: float, point: HardwarePoint) -> dict[str, float]:
    return {**hardware_violations(point, space), **accuracy_violation(accuracy, space)}


def representative_point(
    space: SearchSpace, points: list[HardwarePoint], outcome: dict[str, Any]
) -> tuple[HardwarePoint, float]:
    """The most accurate feasible design of a network (ties: least energy) for the sampler."""

    def accuracy_of(point: HardwarePoint) -> float:
        return outcome["val_accuracy"][str(point.bitstream_length or 1)]

    def rank(point: HardwarePoint) -> tuple:
        feasible = all(v <= 0 for v in violations(space, accuracy_of(point), point).values())
        return (feasible, accuracy_of(point), -point.energy_pj, -point.area_mm2)

    best = max(points, key=rank)
    return best, accuracy_of(best)


def network_trials(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False)


def attempts(study: optuna.Study) -> int:
    """Networks that count against the budget: trained, failed, rejected by budgets, or in
    training now (by this driver or by another one sharing the study)."""
    counted = {"trained", "failed", "over_budget"}
    return sum(
        t.user_attrs.get("outcome") in counted
        or (t.state == TrialState.RUNNING and "network_key" in t.user_attrs)
        for t in network_trials(study)
    )


def competing_claim(study: optuna.Study, key: str, number: int) -> int | None:
    """Another trial that holds `key` (running, trained, or rejected by budgets), if any.

    Several drivers may share a study: each claims a network by writing its key on its trial,
    then reads the study and yields if any other trial holds the same key. With
    read-after-write storage, of two claims the one read second always sees the first, so a
    network is never trained twice; two claims written before either is read both yield,
    which costs one ask and is safe. (Yielding only to lower trial numbers is not enough: the
    higher number may have read before the lower one wrote, and both would train.)
    """
    for trial in network_trials(study):
        if trial.number == number or trial.user_attrs.get("network_key") != key:
            continue
        if trial.state == TrialState.RUNNING or trial.user_attrs.get("outcome") in (
            "trained", "over_budget"
        ):
            return trial.number
    return None
