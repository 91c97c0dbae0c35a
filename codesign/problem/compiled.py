"""The problem a search solves: its search space, compiled once.

`compile_problem` reads the schema (`codesign.problem.space.SearchSpace`) once; the engine (the
search driver, the studies, the front and its hypervolume), the outputs (`status`, `pareto` tables,
CSV and JSON, `export`, the plots) and the dashboard read the `Problem` it gives, never the
schema:

* `design_space`: the parameters, each with its values, its conditions and how a design
  shows it (`codesign.problem.design_space`);
* `goals`: the searched objectives in the study's order, each with its source (training or
  hardware), direction, unit and format, and the bounds (`codesign.problem.objectives`);
* `recipe`: how a chosen network is trained and built (`codesign.problem.compose`);
* the budget, the sampler, the execution, and where the studies and files go.

A new objective or parameter is one row that reaches every output from here. (Later
additions belong here too: a fidelity schedule, say, is a field of the problem that the driver
and the outputs read.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from codesign.problem.compose import (
    HardwarePoint,
    PointColumns,
    Recipe,
    compile_recipe,
    design_objective,
)
from codesign.problem.design_space import DesignSpace, Network, compile_design_space
from codesign.problem.objectives import Goals, recorded_attributes
from codesign.problem.space import Budget, Execution, SamplerSpec, SearchSpace
from hwmodel import BatchResult, Technology, corner_technology, load_technology
from trainer.config import TrainConfig

NETWORKS_SUFFIX = ":networks"
RESUMABLE = {"budget", "execution", "storage"}  # what may change when a search is resumed


@dataclass(frozen=True)
class Problem:
    """A search space compiled (see the module doc)."""

    name: str
    design_space: DesignSpace
    goals: Goals
    recipe: Recipe
    technology: str  # a preset name or a preset YAML path
    cost_corner: str  # the technology's corner the designs are costed at (`hwmodel.corners`)
    budget: Budget
    sampler: SamplerSpec
    execution: Execution
    initial_networks: tuple[Mapping[str, Any], ...]
    output_dir: str
    storage_url: str
    identity: str  # what may not change when the search is resumed (JSON)
    document: str  # the whole space (JSON), stored with the study

    @property
    def networks_study(self) -> str:
        return self.name + NETWORKS_SUFFIX

    @property
    def recorded(self) -> tuple[str, ...]:
        """The metrics every design trial records (`codesign.problem.objectives`)."""
        return recorded_attributes()

    def network(self, params: Mapping[str, Any]) -> Network:
        return self.design_space.network(params)

    def cost_technology(self) -> Technology:
        """The technology the designs are costed with: the preset at `cost_corner` (raises
        TechnologyError for a bad preset, ValueError for a corner without ranges)."""
        technology = load_technology(self.technology)
        if self.cost_corner != "nominal" and not technology.cost_range_fields:
            raise ValueError(f"{self.cost_corner}: technology {technology.name!r} has no "
                             "ranges to take a corner of")
        return corner_technology(technology, self.cost_corner)

    def hardware_batch(self, network: Network, technology: Technology) -> BatchResult:
        """Every hardware configuration of `network`, costed in one batch, as columns."""
        return self.recipe.hardware_batch(
            network, self.design_space.hardware_configurations(network), technology)

    def hardware_points(self, network: Network, technology: Technology) -> list[HardwarePoint]:
        """Every hardware configuration of `network`, costed in one batch."""
        return self.recipe.hardware_points(
            network, self.design_space.hardware_configurations(network), technology)

    def train_config(self, network: Network, output_dir: str,
                     eval_bers: Sequence[float] = ()) -> TrainConfig:
        return self.recipe.train_config(network, output_dir, eval_bers)

    def values(self, point: HardwarePoint, accuracy: float) -> list[float]:
        """A trained design point's objective values, in the study's order."""
        return self.goals.values(design_objective(point, accuracy))

    def violations(self, point: HardwarePoint, accuracy: float) -> dict[str, float]:
        """A trained design point's named constraint values (<= 0 met)."""
        return self.goals.violations(design_objective(point, accuracy))

    def feasible(self, point: HardwarePoint, accuracy: float) -> bool:
        return all(value <= 0 for value in self.violations(point, accuracy).values())

    def fits_hardware_budget(self, point: HardwarePoint) -> bool:
        """The point meets every bound known before training (its costs)."""
        return bool(self.fits_hardware_budgets([point])[0])

    def fits_hardware_budgets(self, points: Sequence[HardwarePoint]) -> np.ndarray:
        """By point, whether it meets every bound known before training, bound by bound on
        the points' columns (`PointColumns`)."""
        fits, column = np.ones(len(points), dtype=bool), PointColumns(points)
        for bound in self.goals.bounds:
            if bound.objective.source == "hardware":
                fits &= bound.violation(column(bound.objective.metric)) <= 0
        return fits

    def oriented_costs(self, points: Sequence[HardwarePoint]) -> np.ndarray:
        """The points' searched costs, each oriented to be minimised (points x costs, in
        `goals.costs` order): what dominance between design points of equal accuracy reads."""
        costs, column = self.goals.costs, PointColumns(points)
        return np.array([o.oriented(column(o.metric)) for o in costs],
                        dtype=float).reshape(len(costs), len(points)).T


def search_identity(space: SearchSpace) -> str:
    """What must not change between a search and its resumption (budget and execution may)."""
    return json.dumps(space.model_dump(mode="json", exclude=RESUMABLE), sort_keys=True)


def compile_problem(space: SearchSpace) -> Problem:
    """The problem of a validated search space."""
    design_space = compile_design_space(space)
    limits = {field: limit for field, limit in space.constraints if limit is not None}
    return Problem(
        name=space.name,
        design_space=design_space,
        goals=Goals.of(space.objectives, limits),
        recipe=compile_recipe(space, design_space),
        technology=space.hardware.technology,
        cost_corner=space.hardware.cost_corner,
        budget=space.budget,
        sampler=space.sampler,
        execution=space.execution,
        initial_networks=tuple(space.initial_networks),
        output_dir=space.output_dir,
        storage_url=space.storage_url,
        identity=search_identity(space),
        document=space.model_dump_json(),
    )
