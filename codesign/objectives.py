"""The objectives a search can trade, each declared once.

An objective says which metric it is (the study's metric name and the design trial's
attribute), where its value comes from (`training`: known once the network is trained;
`hardware`: known before, from the cost model), its direction, unit and label, the constraint
field that bounds it and how a limit is written, how it is normalised for hypervolume, and how
a person reads it. The study, the constraints schema, the picks, the tables, the plots, the
dashboard and the export all read this registry, when they run: a new objective is one entry of
`OBJECTIVES`.

`Goals` is what a search space makes of them: the objectives it searches, in order, and the
bounds it sets (`codesign.problem`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["training", "hardware"]


def accuracy_fraction(value: float) -> float:
    """The one convention for an accuracy a person writes (options, constraints): a fraction
    up to 1 (0.89), a percentage above it (89): both mean 89 %. Tables show percentages."""
    if not 0.0 <= value <= 100.0:  # NaN fails too
        raise ValueError(f"{value:g} is not an accuracy: give a percentage (89) or a fraction "
                         "(0.89)")
    return value / 100.0 if value > 1.0 else value


def positive_limit(value: float) -> float:
    """A limit on a cost: a positive number in the objective's unit."""
    if not value > 0.0:  # NaN fails too
        raise ValueError(f"{value:g} must be greater than 0")
    return float(value)


@dataclass(frozen=True)
class Objective:
    name: str  # as written in a search space's `objectives`
    metric: str  # the study's metric name; a total of the cost model for a hardware objective
    direction: Literal["maximize", "minimize"]
    label: str
    unit: str
    constraint: str  # the `constraints` field that bounds it
    attribute: str  # the design trial's user attribute holding the value, in `unit`
    source: Source = "hardware"  # training: its value needs the trained network
    upper: float | None = None  # the largest value it can take, where known (1 for accuracy)
    parse_limit: Callable[[float], float] = positive_limit  # a written limit, as a value
    reported: tuple[str, ...] = ()  # attributes shown beside it in reports (test accuracy)

    @property
    def maximize(self) -> bool:
        return self.direction == "maximize"

    def value(self, attrs: Mapping[str, Any]) -> float:
        return float(attrs[self.attribute])

    def violation(self, value: float, limit: float) -> float:
        """<= 0 where `value` meets the bound `limit` (Optuna's constraint convention)."""
        return limit - value if self.maximize else value - limit

    def oriented(self, value: float) -> float:
        """The value as a loss (smaller is better), unscaled: knees and dominance."""
        return -value if self.maximize else value

    def loss(self, value: float, scale: float) -> float:
        """The value normalised to [0, 1], 0 best, for hypervolume: value / scale for a
        minimised objective, 1 - value / scale for a maximised one, where `scale` is the
        largest value the space allows (its `upper` bound, or the largest cost over the
        space's designs). Values beyond the scale are clipped: the hypervolume stays in
        [0, 1]."""
        scaled = value / scale if scale > 0 else 0.0
        return min(1.0, max(0.0, 1.0 - scaled if self.maximize else scaled))

    def format(self, value: float) -> str:
        if self.unit == "%":
            return f"{100 * value:.2f}"
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"

    @property
    def heading(self) -> str:
        """The table heading, the unit on its own line (narrow numeric columns)."""
        return f"{self.label}\n({self.unit})"

    @property
    def pick(self) -> str:
        """The name of the export rule that picks the front's best design by this objective."""
        return f"{'max' if self.maximize else 'min'}-{self.name}"

    def bound_text(self, limit: float) -> str:
        """`accuracy >= 0.89`, `area_mm2 <= 1 mm2`: a bound as a person reads it."""
        if self.maximize:
            return f"{self.metric} >= {limit:g}" + (f" {self.unit}" if self.unit != "%" else "")
        return f"{self.metric} <= {limit:g} {self.unit}"


OBJECTIVES: dict[str, Objective] = {
    objective.name: objective
    for objective in (
        Objective("accuracy", "accuracy", "maximize", "val acc", "%", "min_accuracy",
                  "val_accuracy", source="training", upper=1.0,
                  parse_limit=accuracy_fraction, reported=("test_accuracy",)),
        Objective("energy", "energy_pj", "minimize", "energy", "pJ", "max_energy_pj",
                  "energy_pj"),
        Objective("area", "area_mm2", "minimize", "area", "mm2", "max_area_mm2", "area_mm2"),
        Objective("latency", "latency_ns", "minimize", "latency", "ns", "max_latency_ns",
                  "latency_ns"),
    )
}
ACCURACY = OBJECTIVES["accuracy"]
# Totals of the cost model every design trial records, objective or not (front CSV/JSON).
EXTRA_HARDWARE_METRICS = ("inferences_per_s",)


def objective(name: str) -> Objective:
    """The registered objective `name`; a one-line ValueError naming the known ones."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ValueError(f"unknown objective '{name}' (known: {', '.join(OBJECTIVES)})") from None


def hardware_objectives() -> tuple[Objective, ...]:
    """Every objective the cost model gives (known before training), searched or not."""
    return tuple(o for o in OBJECTIVES.values() if o.source == "hardware")


def constrained(field: str) -> Objective:
    """The objective a `constraints` field bounds; a one-line ValueError otherwise."""
    for candidate in OBJECTIVES.values():
        if candidate.constraint == field:
            return candidate
    known = ", ".join(o.constraint for o in OBJECTIVES.values())
    raise ValueError(f"unknown constraint '{field}' (known: {known})")


def recorded_attributes() -> tuple[str, ...]:
    """The metrics every design trial records, in report order (front CSV and JSON columns):
    each objective's attribute and the attributes reported beside it, then the other totals
    of the cost model."""
    names: list[str] = []
    for item in OBJECTIVES.values():
        names += [item.attribute, *item.reported]
    names += EXTRA_HARDWARE_METRICS
    return tuple(dict.fromkeys(names))


def picks() -> tuple[str, ...]:
    """The export rules: the knee, and the best design by each objective."""
    return (KNEE, *(o.pick for o in OBJECTIVES.values()))


KNEE = "knee"


@dataclass(frozen=True)
class Bound:
    """A hard budget of a search: `objective` must meet `limit`."""

    objective: Objective
    limit: float

    def violation(self, value: float) -> float:
        return self.objective.violation(value, self.limit)

    @property
    def text(self) -> str:
        return self.objective.bound_text(self.limit)


ValueOf = Callable[[Objective], float]  # a design's value of any objective


@dataclass(frozen=True)
class Goals:
    """What a search optimises: its objectives in the study's order, and its bounds."""

    searched: tuple[Objective, ...]
    bounds: tuple[Bound, ...] = ()

    @classmethod
    def of(cls, names: Sequence[str], limits: Mapping[str, float]) -> Goals:
        """From a space's `objectives` and `constraints` (constraint field -> limit)."""
        return cls(tuple(objective(name) for name in names),
                   tuple(Bound(constrained(field), limit) for field, limit in limits.items()))

    @property
    def metric_names(self) -> list[str]:
        return [o.metric for o in self.searched]

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.searched]

    @property
    def costs(self) -> tuple[Objective, ...]:
        """The searched objectives other than accuracy, in order (table columns)."""
        return tuple(o for o in self.searched if o is not ACCURACY)

    def values(self, value_of: ValueOf) -> list[float]:
        return [value_of(o) for o in self.searched]

    def violations(self, value_of: ValueOf,
                   sources: Sequence[Source] = ("training", "hardware")) -> dict[str, float]:
        """Named constraint values (<= 0 met) of the bounds on objectives from `sources`."""
        return {b.objective.metric: b.violation(value_of(b.objective))
                for b in self.bounds if b.objective.source in sources}

    def bound_on(self, item: Objective) -> Bound | None:
        return next((b for b in self.bounds if b.objective is item), None)
