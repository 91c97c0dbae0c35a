"""What optuna-dashboard shows a person about a search, written into the studies themselves.

A search is two studies (`codesign.engine.study`), and the dashboard knows nothing of how they
relate. This module writes what it needs to show the co-design, through the public APIs of Optuna's
storage and of optuna-dashboard:

* **constraint values where the dashboard reads them.** optuna-dashboard (0.21, and its main
  branch) reads a trial's constraints from the trial system attribute `constraints`, a list:
  the format Optuna's samplers write for `constraints_func`. Optuna 5's `set_constraint`
  stores `constraints:NAME` instead, which the dashboard ignores (every design point looked
  feasible). Trials carry both: the named values for Optuna and the code, the list (values in
  the order of their sorted names) for the dashboard. Optuna's `trial.constraints` then lists
  each value twice, by position and by name; feasibility (every value <= 0) is unchanged.
* **readable study attributes**: one line of text per subject (objectives, constraints,
  sampler, budget, each parameter's choices), never a JSON blob;
* **objective names with their units** (`study.set_metric_names`, `Goals.shown_names`);
* **the project's Pareto figure** (`codesign.engine.dashboard_figure`: accuracy in percent on log
  cost axes, what `codesign pareto` draws), attached to the design study with
  `optuna_dashboard.save_plotly_graph_object` and replaced after every training run;
* **notes** (Markdown, `optuna_dashboard.save_note`): one per study explaining the pair, one
  per training run linking its design points (a design point names its run in the user
  attribute `network_trial`; see `annotate_training_run` for why it has no note). Links use
  the dashboard's own routes under `/dashboard` (`codesign dashboard`, `optuna-dashboard URL`);
  the text names the study and trial as well, for dashboards served under another prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from codesign.problem.compiled import Problem
from codesign.problem.objectives import ACCURACY, Goals
from codesign.problem.space import Budget, DataSpace, SamplerSpec

DASHBOARD_CONSTRAINTS = "constraints"  # the trial system attribute optuna-dashboard reads
URL_PREFIX = "/dashboard"  # where optuna-dashboard's server mounts its pages


# --- constraints ----------------------------------------------------------------------------


def constraint_list(values: Mapping[str, float]) -> list[float]:
    """The dashboard's list: the named constraint values in the order of their sorted names."""
    return [float(values[name]) for name in sorted(values)]


def dashboard_constraints(values: Mapping[str, float]) -> dict[str, list[float]] | None:
    """A trial's system attributes that show its named constraint values in the dashboard."""
    return {DASHBOARD_CONSTRAINTS: constraint_list(values)} if values else None


def constraint_labels(goals: Goals) -> list[str]:
    """A search's bounds as a person reads them, in the dashboard list's order."""
    labels = {bound.objective.metric: bound.text for bound in goals.bounds}
    return [labels[name] for name in sorted(labels)]


def _study_id(storage: BaseStorage, study: optuna.Study) -> int:
    return storage.get_study_id_from_name(study.study_name)


def _trial_id(storage: BaseStorage, study: optuna.Study, number: int) -> int:
    return storage.get_trial_id_from_study_id_trial_number(_study_id(storage, study), number)


def record_constraints(storage: BaseStorage, trial: optuna.Trial,
                       values: Mapping[str, float]) -> None:
    """Named constraint values on a running trial, and the dashboard's list beside them."""
    for name, value in values.items():
        trial.set_constraint(name, value)
    if values:
        storage.set_trial_system_attr(_trial_id(storage, trial.study, trial.number),
                                      DASHBOARD_CONSTRAINTS, constraint_list(values))


# --- study attributes -------------------------------------------------------------------------


def _objectives_line(goals: Goals) -> str:
    parts = []
    for objective in goals.searched:
        unit = "fraction, validation set" if objective is ACCURACY else objective.unit
        parts.append(f"{objective.metric} ({objective.direction}, {unit})")
    return ", ".join(parts)


def _constraints_line(goals: Goals) -> str:
    labels = constraint_labels(goals)
    if not labels:
        return "none: every design point is feasible"
    return "; ".join(labels) + " (the dashboard's constraint list, in this order; <= 0 is met)"


def _sampler_line(sampler: SamplerSpec) -> str:
    population = f", population {sampler.population_size}" if sampler.kind == "nsga2" else ""
    return f"{sampler.kind}, seed {sampler.seed}{population}"


def _budget_line(budget: Budget) -> str:
    wall = f"{budget.wall_time_s:g} s" if budget.wall_time_s else "no limit"
    return (f"{budget.trials} networks, {budget.epochs} epochs each, "
            f"{100 * budget.subset:g}% of the training set, wall time {wall}")


def _choices(values: Sequence[Any]) -> str:
    return ", ".join(str(getattr(value, "value", value)) for value in values)


def _data_line(data: DataSpace, seed: int) -> str:
    return (f"{data.dataset}, validation {100 * data.val_fraction:g}% of the training set, "
            f"batch {data.batch_size}, seed {seed}")


def study_attributes(problem: Problem, role: str) -> dict[str, str]:
    """The design study's (`role` "designs") or network study's ("networks") readable user
    attributes: one line of text each."""
    if role == "designs":
        about = (f"design points: one trial per kept (trained network, hardware configuration); "
                 f"their training runs are the trials of study '{problem.networks_study}'")
    else:
        about = (f"training runs: one trial per proposed network; its design points are trials "
                 f"of study '{problem.name}'")
    space = problem.design_space
    attributes = {
        "about": about,
        "objectives": _objectives_line(problem.goals),
        "constraints": _constraints_line(problem.goals),
        "sampler": _sampler_line(problem.sampler),
        "budget": _budget_line(problem.budget),
        "data": _data_line(problem.recipe.data, problem.recipe.seed),
        "technology": problem.technology,
        "cost_corner": problem.cost_corner,
        "space size": (f"{len(space.networks()):,} networks, "
                       f"{space.count_designs():,} design points"),
    }
    rows = space.network_parameters if role == "networks" else space.parameters
    for row in rows:
        what = f" - {row.description}" if row.description else ""
        attributes[f"choices: {row.name}"] = _choices(row.domain) + what
    return attributes


def set_study_attributes(study: optuna.Study, attributes: Mapping[str, str]) -> None:
    for key, value in attributes.items():
        if study.user_attrs.get(key) != value:
            study.set_user_attr(key, value)


# --- notes ----------------------------------------------------------------------------------


def study_url(storage: BaseStorage, study: optuna.Study) -> str:
    return f"{URL_PREFIX}/studies/{_study_id(storage, study)}"


def trials_url(storage: BaseStorage, study: optuna.Study, numbers: Sequence[int]) -> str:
    return f"{study_url(storage, study)}/trials?numbers={','.join(map(str, numbers))}"


def design_study_note(problem: Problem, networks_url: str) -> str:
    name, networks = problem.name, problem.networks_study
    constraints = constraint_labels(problem.goals)
    lines = [
        f"# Co-design search `{name}`: design points",
        "",
        "A search is two studies. This one holds **design points**: one trial per pair of a "
        "trained network and a hardware configuration (first-layer hardware, N at deployment, "
        "organisation, tiles, array rows, dataflow, popcount circuit), kept when no other "
        "configuration of the same network dominates it. Its networks were proposed by the "
        f"sampler and trained once each in [`{networks}`]({networks_url}).",
        "",
        f"- **Objectives**: {_objectives_line(problem.goals)}. Accuracy is the network's "
        "validation accuracy at the design's N (`test_accuracy` beside it is for reports); "
        "the costs come from the analytical hardware model.",
        "- **Constraints** (feasible when every value is <= 0; list in this order): "
        + ("; ".join(constraints) if constraints else "none") + ".",
        "- **Training runs**: each design point's `network_trial` attribute is its training run "
        f"in `{networks}`; each run's note there links its design points.",
        "- **Timeline**: a design point spans its network's training run, from the proposal to "
        "the recorded result, so the points of one network share one bar.",
        "- **Every costed configuration** (kept or not) of network k is in "
        f"`{problem.output_dir}/{name}/design_points/network-k.csv.gz`.",
        "",
        f"Review: `python -m codesign pareto --study {name}`; export: "
        f"`python -m codesign export --study {name} --pick knee -o design.yaml`.",
    ]
    return "\n".join(lines)


def network_study_note(problem: Problem, designs_url: str) -> str:
    lines = [
        f"# Co-design search `{problem.name}`: training runs",
        "",
        f"The sampler ({_sampler_line(problem.sampler)}) proposes networks here; each trial "
        "trains one network once and evaluates it at every N of the space (with `record: "
        "search_front`, only where a point could enter the front: `evaluated` counts the "
        "pairs of N and bit-error rate measured and skipped). Its design points "
        "(every hardware configuration of the network, costed analytically) are trials of "
        f"[`{problem.name}`]({designs_url}).",
        "",
        "- **Values**: the network's most accurate feasible design point among those "
        "measured (what the sampler learns from).",
        "- **outcome** (user attribute): `trained`; `over_budget` (pruned before training: no "
        "hardware configuration meets the budgets); `duplicate` (pruned: a network already "
        "trained); `stopped` (pruned at an epoch rung: even an optimistic accuracy would put "
        "none of its design points on the front; `fidelity` = epochs run / epochs, and none "
        "of its points is a design trial); `failed` (see `error`); `interrupted` (retried on "
        "resume).",
        "- **Duration**: the training run, from the proposal to the recorded result "
        "(`train_time_s`: the training alone).",
    ]
    return "\n".join(lines)


def write_study_notes(storage: BaseStorage, problem: Problem, designs: optuna.Study,
                      networks: optuna.Study) -> None:
    """The notes explaining the pair, unless a study has one (a person may have edited it)."""
    from optuna_dashboard import get_note, save_note  # imports its web server: only here

    for study, note in (
        (designs, design_study_note(problem, study_url(storage, networks))),
        (networks, network_study_note(problem, study_url(storage, designs))),
    ):
        if not get_note(study):
            save_note(study, note)


def _ranges(numbers: Sequence[int]) -> str:
    """3, 4, 5, 9 as "3-5, 9" (a network's design points are recorded together)."""
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in spans)


def network_note(name: str, numbers: Sequence[int], designs_link: str) -> str:
    if not numbers:
        return "No design point recorded."
    return (f"**Trained**: {len(numbers)} design points in [`{name}`]({designs_link}) "
            f"(trials {_ranges(numbers)}).")


def annotate_training_run(storage: BaseStorage, problem: Problem, designs: optuna.Study,
                          network_trial: optuna.Trial) -> None:
    """The run's note (linking its design points) and the study's Pareto figure, redrawn.

    Design points get no note of their own: optuna-dashboard looks up each trial's note by
    scanning every note of the study (`get_note_from_system_attrs`), so the study page of
    1,564 design points with a note each took 131 s to serve (48 s without) on the shared machine
    (benchmarks/dashboard_payload.py);
    a design point names its run in the user attribute `network_trial`."""
    from optuna_dashboard import save_note  # imports its web server: only here

    number = network_trial.number
    complete = designs.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))  # read once
    numbers = [t.number for t in complete if t.user_attrs.get("network_trial") == number]
    save_note(network_trial, network_note(problem.name, numbers,
                                          trials_url(storage, designs, numbers)))
    attach_pareto_figure(problem, designs, complete)


def attach_pareto_figure(problem: Problem, designs: optuna.Study,
                         trials: Sequence[FrozenTrial] | None = None) -> None:
    """The project's Pareto figure on the design study's page, replacing the one before (from
    the study's completed `trials` where the caller has read them: a search redraws it after
    every network, and reading a study of thousands of trials three times a network made
    recording its slowest part)."""
    from optuna_dashboard import save_plotly_graph_object  # imports its web server: only here

    from codesign.engine.dashboard_figure import FIGURE_ID, pareto_plotly
    from codesign.engine.pareto import feasible_trials, knee_point, pareto_front
    from codesign.problem.paper_check import load_accuracy, reference_designs
    from hwmodel import load_technology

    front = pareto_front(designs, trials)
    measured = load_accuracy()  # the paper's designs, beside a search on the paper's dataset
    references = (reference_designs(load_technology(problem.technology), measured)
                  if measured.dataset == problem.recipe.data.dataset else [])
    knee = knee_point(front, problem.goals.searched) if front else None
    figure = pareto_plotly(feasible_trials(designs, trials), front, problem, knee, references)
    save_plotly_graph_object(designs, figure, graph_object_id=FIGURE_ID)
