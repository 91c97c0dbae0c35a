"""The objectives a search can trade, each declared once.

An objective says which metric it is (the study's metric name and the design trial's
attribute), where its value comes from (`training`: known once the network is trained;
`hardware`: known before, from the cost model), its direction, unit and label, the constraint
field that bounds it and how a limit is written, how it is normalised for hypervolume, and how
a person reads it. The study, the constraints schema, the picks, the tables, the plots, the
dashboard and the export all read this registry, when they run: a new objective is one entry of
`OBJECTIVES`.

`Goals` is what a search space makes of them: the objectives it searches, in order, and the
bounds it sets (`codesign.problem.compiled`).
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


# The limits every design must meet to be built (docs/search.md, "Buildability limits"):
# the busiest cycle's supply current per die and per mm^2 of die, and the average power per
# mm^2.
PEAK_CURRENT_LIMIT_A = 5.0
PEAK_CURRENT_SOURCE = (
    "what the core supply of an edge inference chip delivers: Google's Edge TPU does 4 TOPS "
    "on 2 W (coral.ai, Edge TPU FAQ and USB Accelerator datasheet), about 2.2 A at 0.9 V "
    "on average; a small board's single-phase regulator gives a few amperes; 5 A leaves the "
    "peak twice that average")
CURRENT_DENSITY_LIMIT_A_PER_MM2 = 1.0
CURRENT_DENSITY_SOURCE = (
    "what a flip-chip package delivers to 1 mm^2: C4 bumps at 150-200 um pitch give 25-44 "
    "bumps per mm^2, a quarter of them VDD (half power and ground), each carrying 45-120 mA "
    "at Tj 150 C for a 10,000 h electromigration life (Flipchip Technologies' design guide, "
    "as quoted by M. Kaufmann, Broadcom, SI-LIST 2003): 0.3-1.3 A/mm^2; 1 A/mm^2 is the "
    "upper end (and the current density of a 100 W, 1 V, 100 mm^2 processor); a wire-bonded "
    "die, fed from its edge, gets less")
POWER_DENSITY_LIMIT_MW_PER_MM2 = 1000.0
POWER_DENSITY_SOURCE = (
    "100 W/cm^2, the heat flux of desktop processors of 2005 at the limit of fan-sink air "
    "cooling (ASME InterPACK 2005, a review of heat-pipe and vapour-chamber cooling of PC "
    "processors: 10-15 W/cm^2 in 2000, about 100 W/cm^2 by 2005; P. Rodgers, V. Eveloy, "
    "M. Pecht, 'Limits of air-cooling: status and challenges', SEMI-THERM 2005); a passively "
    "cooled package sheds far less")


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
    default_limit: float | None = None  # the bound every space sets unless it says otherwise
    limit_source: str = ""  # why the default limit is that number, with its sources
    drawn: bool = False  # the front's figure has its panel even where it is not searched
    long_label: str = ""  # the label where there is room (the dashboard), if not `label`

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
    def shown_name(self) -> str:
        """The study's objective name as optuna-dashboard shows it: the label and the unit the
        value is stored in (accuracy as a fraction; tables print it in percent)."""
        label = self.long_label or self.label
        return f"{label} ({'fraction' if self.unit == '%' else self.unit})"

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
                  parse_limit=accuracy_fraction, reported=("test_accuracy",),
                  long_label="validation accuracy"),
        Objective("energy", "energy_pj", "minimize", "energy", "pJ", "max_energy_pj",
                  "energy_pj", drawn=True),
        Objective("area", "area_mm2", "minimize", "area", "mm2", "max_area_mm2", "area_mm2",
                  drawn=True),
        Objective("latency", "latency_ns", "minimize", "latency", "ns", "max_latency_ns",
                  "latency_ns", drawn=True),
        # buildability: what the busiest cycle draws, and the heat the chip must shed
        Objective("peak_current", "peak_current_a", "minimize", "peak current", "A",
                  "max_peak_current_a", "peak_current_a", default_limit=PEAK_CURRENT_LIMIT_A,
                  limit_source=PEAK_CURRENT_SOURCE),
        Objective("current_density", "peak_current_a_per_mm2", "minimize", "peak current",
                  "A/mm2", "max_peak_current_a_per_mm2", "peak_current_a_per_mm2",
                  default_limit=CURRENT_DENSITY_LIMIT_A_PER_MM2,
                  limit_source=CURRENT_DENSITY_SOURCE),
        Objective("peak_power", "peak_power_mw", "minimize", "peak power", "mW",
                  "max_peak_power_mw", "peak_power_mw"),
        Objective("power_density", "power_density_mw_per_mm2", "minimize", "power density",
                  "mW/mm2", "max_power_density_mw_per_mm2", "power_density_mw_per_mm2",
                  default_limit=POWER_DENSITY_LIMIT_MW_PER_MM2,
                  limit_source=POWER_DENSITY_SOURCE),
        # comparisons at equal throughput: what a slower design saves is paid in time
        Objective("area_latency", "area_latency_mm2_us", "minimize", "area x latency",
                  "mm2 us", "max_area_latency_mm2_us", "area_latency_mm2_us"),
        Objective("energy_delay", "energy_delay_nj_us", "minimize", "energy x delay",
                  "nJ us", "max_energy_delay_nj_us", "energy_delay_nj_us"),
    )
}
ACCURACY = OBJECTIVES["accuracy"]
# Totals of the cost model every design trial records, objective or not (front CSV/JSON).
EXTRA_HARDWARE_METRICS = ("inferences_per_s", "average_power_mw", "interval_ns")
# Accuracy over the error maps of the point's rate (one map = one chip), whichever the search
# maximises (`budget.accuracy_over_maps`): their mean and their low percentile, both splits,
# the percentile they were taken at, and the weight bit-error rates: the device model's and
# the one the accuracy was evaluated at (rounded up to the grid, `codesign.problem.compose`).
MAP_ACCURACY_ATTRIBUTES = ("val_accuracy_mean", "val_accuracy_low", "test_accuracy_mean",
                           "test_accuracy_low", "accuracy_percentile", "accuracy_over_maps",
                           "weight_error_rate", "evaluated_error_rate")


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
    of the cost model, then the accuracy over the error maps (mean and low percentile) and
    the weight bit-error rates."""
    names: list[str] = []
    for item in OBJECTIVES.values():
        names += [item.attribute, *item.reported]
    names += EXTRA_HARDWARE_METRICS
    names += MAP_ACCURACY_ATTRIBUTES
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
    def shown_names(self) -> list[str]:
        """The studies' metric names (`study.set_metric_names`): each with its unit."""
        return [o.shown_name for o in self.searched]

    @property
    def directions(self) -> list[str]:
        return [o.direction for o in self.searched]

    @property
    def costs(self) -> tuple[Objective, ...]:
        """The searched objectives other than accuracy, in order (table columns)."""
        return tuple(o for o in self.searched if o is not ACCURACY)

    @property
    def shown_costs(self) -> tuple[Objective, ...]:
        """The searched costs, then the costs only bounded (the buildability limits): what a
        table of designs shows beside the accuracy."""
        bounded = tuple(b.objective for b in self.bounds if b.objective is not ACCURACY
                        and b.objective not in self.searched)
        return (*self.costs, *dict.fromkeys(bounded))

    def values(self, value_of: ValueOf) -> list[float]:
        return [value_of(o) for o in self.searched]

    def violations(self, value_of: ValueOf,
                   sources: Sequence[Source] = ("training", "hardware")) -> dict[str, float]:
        """Named constraint values (<= 0 met) of the bounds on objectives from `sources`."""
        return {b.objective.metric: b.violation(value_of(b.objective))
                for b in self.bounds if b.objective.source in sources}

    def bound_on(self, item: Objective) -> Bound | None:
        return next((b for b in self.bounds if b.objective is item), None)
