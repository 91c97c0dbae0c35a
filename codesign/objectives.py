"""The objectives a search can trade, each declared once.

An objective says which metric it is (the study's metric name and the design trial's
attribute), its direction, unit and label, the constraint field that bounds it, how it is
normalised for hypervolume and picks, and how a person reads it. The study, the constraints
schema, the picks, the tables, the plots and the export all read this table; a new objective
is one entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Objective:
    name: str  # as written in a search space's `objectives`
    metric: str  # the study's metric name; also the design trial's attribute, in this unit
    direction: Literal["maximize", "minimize"]
    label: str
    unit: str
    constraint: str  # the `constraints` field that bounds it
    attribute: str  # the design trial's user attribute holding the value

    @property
    def maximize(self) -> bool:
        return self.direction == "maximize"

    def value(self, attrs: Mapping[str, Any]) -> float:
        return float(attrs[self.attribute])

    def violation(self, value: float, limit: float) -> float:
        """<= 0 where `value` meets the bound `limit` (Optuna's constraint convention)."""
        return limit - value if self.maximize else value - limit

    def loss(self, value: float, scale: float) -> float:
        """Normalised loss in [0, 1] for hypervolume and knees: 1 - accuracy; cost / scale."""
        return 1.0 - value if self.maximize else value / scale

    def format(self, value: float) -> str:
        if self.unit == "%":
            return f"{100 * value:.2f}"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"

    @property
    def heading(self) -> str:
        """The table heading, the unit on its own line (narrow numeric columns)."""
        return f"{self.label}\n({self.unit})"


def accuracy_fraction(value: float) -> float:
    """The one convention for an accuracy a person writes (options, constraints): a fraction
    up to 1 (0.89), a percentage above it (89): both mean 89 %. Tables show percentages."""
    if not 0.0 <= value <= 100.0:  # NaN fails too
        raise ValueError(f"{value:g} is not an accuracy: give a percentage (89) or a fraction "
                         "(0.89)")
    return value / 100.0 if value > 1.0 else value


OBJECTIVES: dict[str, Objective] = {
    objective.name: objective
    for objective in (
        Objective("accuracy", "accuracy", "maximize", "val acc", "%", "min_accuracy",
                  "val_accuracy"),
        Objective("energy", "energy_pj", "minimize", "energy", "pJ", "max_energy_pj",
                  "energy_pj"),
        Objective("area", "area_mm2", "minimize", "area", "mm2", "max_area_mm2", "area_mm2"),
        Objective("latency", "latency_ns", "minimize", "latency", "ns", "max_latency_ns",
                  "latency_ns"),
    )
}
ObjectiveName = Literal[tuple(OBJECTIVES)]  # type: ignore[valid-type]
ACCURACY = OBJECTIVES["accuracy"]
COSTS = tuple(o for o in OBJECTIVES.values() if not o.maximize)  # known before training
