"""The paper check: which hardware organisation and baseline reproduce which claim.

Hirtzlin et al., "Stochastic Computing for Hardware Implementation of Binarized Neural
Networks", IEEE Access 2019, report for the Fashion-MNIST MLP 784-1024-1024-10 that the SC
design needs 62 % less area than a conventional BNN with a fixed-point first layer, and 2.1x
less energy at the bitstream length that costs 1.4 accuracy points. Both ratios depend on the
organisation, the baseline and the first-layer dataflow, so the check evaluates every
combination at one operating point: the shortest N whose *measured* accuracy is within 1.4
points of the conventional BNN (from training runs: by default the 3-seed means of
docs/reproduction.md, shipped as `codesign/data/fmnist_accuracy_vs_n.json`). Nothing is
fitted: the table reports what the model gives.

A ratio between designs of different speed says little: the SC design runs layer 1 N times.
So each combination is compared three ways (`VIEWS`): raw (against the parallel and the
bit-serial baseline as built), at equal throughput and at equal latency (against the parallel
baseline folded over N cycles, `first_layer_fold`). Each organisation is checked reading one
row of each array at once and every row at once (the neuron-parallel design of the paper's
group), and every row says whether both designs meet the default buildability limits of a
search (`codesign.problem.objectives`). The sense amplifier's area, on which the area claim hinges,
is taken at both ends of its sourced range (`Technology.ranges`).

The "free layer 1" bound is the energy ratio an SC design could reach at best against a
baseline if its first layer cost nothing: baseline energy / baseline energy without layer 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from codesign.problem.kinds import SngSource, sng_source
from codesign.problem.objectives import hardware_objectives
from hwmodel import (
    Architecture,
    CostReport,
    FirstLayerDataflow,
    Organisation,
    PopcountCircuit,
    Technology,
    architectures_to_columns,
    evaluate,
    evaluate_batch,
    mlp_workload,
)
from trainer.config import SNGKind


class PaperCheckError(ValueError):
    """The check cannot run as asked (an SNG without measured accuracies): one line."""


@dataclass(frozen=True)
class PaperClaims:
    """The seed paper's numbers, defined once (experiments/ and docs quote these)."""

    area_reduction: float = 0.62
    energy_factor: float = 2.1
    accuracy_cost_points: float = 1.4
    network: tuple[int, ...] = (784, 1024, 1024, 10)


PAPER = PaperClaims()
BASELINES = ("fixed_point_parallel", "fixed_point_bit_serial")
ACCURACY_FILE = Path(__file__).resolve().parent.parent / "data" / "fmnist_accuracy_vs_n.json"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MeasuredAccuracy(Model):
    """Test accuracy (fractions) of trained networks: the conventional BNN, and SC-adapted
    networks (first-layer merge) per SNG kind at each N. Mean over seeds."""

    dataset: str
    source: str = Field(description="where these numbers were measured (command, runs)")
    conventional: float = Field(ge=0.0, le=1.0)
    sc: dict[SNGKind, dict[int, float]]

    def measured(self, sng: str) -> dict[int, float]:
        """The SC accuracies measured with SNG kind `sng`; a PaperCheckError if none."""
        found = self.sc.get(SNGKind(str(sng)))
        if not found:
            measured = ", ".join(str(kind) for kind in self.sc) or "none"
            raise PaperCheckError(f"no measured accuracy for SNG {sng} (measured: {measured}; "
                                  f"give --accuracy FILE with an sc.{sng} entry)")
        return found

    def operating_point(self, sng: str, cost_points: float) -> int | None:
        """The shortest N within `cost_points` accuracy points of the conventional BNN."""
        within = [n for n, accuracy in sorted(self.measured(sng).items())
                  if 100 * (self.conventional - accuracy) <= cost_points + 1e-9]
        return within[0] if within else None


def load_accuracy(path: Path = ACCURACY_FILE) -> MeasuredAccuracy:
    return MeasuredAccuracy.model_validate(json.loads(Path(path).read_text()))


VIEWS: dict[str, str] = {
    "raw": "as built: each design at its own speed",
    "equal_throughput": "the parallel baseline folded over N cycles (layer 1 at SC's pace), "
                        "layers pipelined where the organisation allows it",
    "equal_latency": "the parallel baseline folded over N cycles, layers one after another",
}
SENSE_AMPLIFIER_AREA = "sense_amplifier.area_um2"  # the check's ranged number (issue 18)


class CheckRow(Model):
    """SC against one baseline in one view, on one organisation, read parallelism, popcount
    circuit and dataflow."""

    organisation: str
    parallel_rows: int = Field(description="rows each array senses at once")
    popcount_circuit: str
    dataflow: str
    view: str = Field(description="raw | equal_throughput | equal_latency (`VIEWS`)")
    baseline: str
    baseline_fold: int = Field(description="cycles the baseline's parallel layer 1 is folded "
                                           "over (1: not folded)")
    schedule: str = Field(description="both designs' schedule")
    sc_area_um2: float
    baseline_area_um2: float
    area_reduction: float = Field(description="1 - SC area / baseline area")
    area_reduction_low: float = Field(description="the same with the sense amplifier at the "
                                                  "low end of its range")
    area_reduction_high: float = Field(description="... and at the high end")
    sc_energy_pj: float
    baseline_energy_pj: float
    energy_ratio: float = Field(description="baseline energy / SC energy at the N of the check")
    sc_inferences_per_s: float
    baseline_inferences_per_s: float
    sc_latency_ns: float
    baseline_latency_ns: float
    area_latency_ratio: float = Field(description="baseline area x latency / SC's")
    energy_delay_ratio: float = Field(description="baseline energy x delay / SC's")
    free_layer1_ratio: float = Field(description="baseline energy / its energy without layer 1")
    sc_buildable: bool = Field(description="the SC design meets the default buildability "
                                           "limits (codesign.problem.objectives)")
    baseline_buildable: bool
    sc_over_limits: list[str] = Field(default_factory=list, description="the limits (their "
                                      "metrics, `PaperCheck.limits`) the SC design exceeds")
    baseline_over_limits: list[str] = Field(default_factory=list,
                                            description="... and the baseline")
    reaches_area: bool
    reaches_energy: bool

    @property
    def throughput_ratio(self) -> float:
        """SC's inferences per second over the baseline's."""
        return self.sc_inferences_per_s / self.baseline_inferences_per_s

    @property
    def buildable(self) -> bool:
        return self.sc_buildable and self.baseline_buildable


class Flip(Model):
    """A ranged preset number that alone, moved inside its range, flips a verdict."""

    field: str = Field(description="its dotted path in the technology")
    nominal: float
    value: float = Field(description="where the verdict flips (to 0.1 % of the way to the "
                                     "bound)")
    bound: float = Field(description="the end of its range past the flip")


class Verdict(Model):
    """One claim in one view, across the technology's ranges: the view's best figure (area
    saving or energy ratio over its buildable combinations) at nominal and over the ranges, whether
    the verdict holds across them, and which single number flips it where."""

    view: str
    claim: str = Field(description="area_reduction | energy_factor (`PaperClaims`)")
    threshold: float
    nominal: float | None = Field(description="None: no combination is buildable")
    low: float | None = Field(description="the smallest figure seen: each number alone at "
                                          "either bound, and all at the bounds that lower it")
    high: float | None = Field(description="the largest: ... and all at the bounds that "
                                           "raise it")
    reached: bool = Field(description="the claim is reached at nominal")
    holds: bool = Field(description="reached (or not) at both ends: across the ranges")
    flipped_by: list[Flip] = Field(description="numbers that alone flip it, largest swing "
                                               "first")


class PaperCheck(Model):
    workload: str
    technology: str
    sng: str = Field(description="the trainer's SNG kind; its hardware generator in the rows")
    bitstream_length: int | None = Field(description="the operating point N (None: no N is "
                                                     "within the accuracy cost)")
    conventional_accuracy: float
    sc_accuracy: float | None
    accuracy_source: str
    tiles: int
    array_rows: int
    claims: dict[str, float]
    sense_amplifier_area_um2: tuple[float, float, float] = Field(
        description="low, nominal and high sense-amplifier area (um^2) of the technology")
    sense_amplifier_sources: tuple[str, str] = Field(
        description="where the low and high sense-amplifier areas come from")
    limits: dict[str, float] = Field(description="the buildability limits a row is held to")
    rows: list[CheckRow]
    verdicts: list[Verdict] = Field(default_factory=list, description="each claim and view "
                                    "across the ranges (asked for: `paper_check(..., "
                                    "ranges=True)`)")

    def in_view(self, view: str) -> list[CheckRow]:
        return [row for row in self.rows if row.view == view]

    def reproducing(self, view: str = "raw") -> tuple[list[CheckRow], list[CheckRow]]:
        """The rows of a view that reach the paper's area claim, and its energy claim."""
        rows = self.in_view(view)
        return [r for r in rows if r.reaches_area], [r for r in rows if r.reaches_energy]


def dataflows_for(sng: SngSource) -> list[str]:
    """The first-layer dataflows an SC design with this SNG can use."""
    return [name for name in FirstLayerDataflow.names()
            if not FirstLayerDataflow.get(name).regenerates or sng.deterministic]


def _baseline_dataflow(baseline: str, dataflow: str) -> str:
    """The bit-serial baseline streams its planes like the SC design (from its own input
    register when the SC design regenerates); the parallel one reads layer 1 once."""
    if baseline == "fixed_point_parallel":
        return "reread"
    return "row_latched" if FirstLayerDataflow.get(dataflow).regenerates else dataflow


def _fastest_schedule(organisation: str) -> str:
    """Layers pipelined where the organisation gives each layer its own logic."""
    return "layer_pipelined" if Organisation.get(organisation).layers_own_logic else "sequential"


def _comparisons(organisation: str, dataflow: str, n: int) -> list[tuple[str, dict, dict]]:
    """(view, SC fields, baseline fields) of one combination: raw against both baselines,
    then the folded parallel baseline at SC's throughput and at SC's latency."""
    fastest = _fastest_schedule(organisation)
    raw = [("raw", {}, {"first_layer_mode": baseline,
                        "first_layer_dataflow": _baseline_dataflow(baseline, dataflow)})
           for baseline in BASELINES]
    folded = {"first_layer_mode": "fixed_point_parallel", "first_layer_dataflow": "reread",
              "first_layer_fold": n}
    return [*raw,
            ("equal_throughput", {"schedule": fastest}, {**folded, "schedule": fastest}),
            ("equal_latency", {}, folded)]


def _over_limits(result, index: int, limits: dict[str, float]) -> list[str]:
    """The limits (by metric) that design `index` of the batch exceeds."""
    return [metric for metric, limit in limits.items()
            if float(getattr(result, metric)[index]) > limit]


def buildability_limits() -> dict[str, float]:
    """The default limits of a search (`codesign.problem.objectives`), by the metric they bound."""
    return {o.metric: o.default_limit for o in hardware_objectives()
            if o.default_limit is not None}


def _sense_amplifier_corners(technology: Technology) -> tuple[Technology, Technology]:
    """The technology with the sense amplifier's area at its cost-lowering and cost-raising
    bound (the nominal technology where the preset gives no range)."""
    if SENSE_AMPLIFIER_AREA not in technology.ranges:
        return technology, technology
    return tuple(technology.at_corner(corner, fields=[SENSE_AMPLIFIER_AREA])  # type: ignore
                 for corner in ("low", "high"))


def paper_check(
    technology: Technology,
    accuracy: MeasuredAccuracy,
    sng: str = SNGKind.IDEAL,
    tiles: int = 16,
    array_rows: int = 256,
    ranges: bool = False,
) -> PaperCheck:
    """Every organisation (reading one row and every row at once) x popcount circuit x
    dataflow, against both baselines as built and the folded parallel baseline at equal
    throughput and latency, at the operating point; areas also at the ends of the sense
    amplifier's range. One batch evaluation per technology. With `ranges`, each verdict
    across every ranged number of the technology too (`verdicts_across_ranges`)."""
    source = sng_source(sng)
    n = accuracy.operating_point(source.name, PAPER.accuracy_cost_points)
    workload = mlp_workload(PAPER.network[0], list(PAPER.network[1:-1]), PAPER.network[-1],
                            name="fashion_mnist_mlp_784_1024_1024_10")
    sc_fields = {"first_layer_mode": "sc", **source.architecture_fields(source.default()),
                 "bitstream_length": n or 1}
    designs: dict[tuple, Architecture] = {}
    pairs = []
    for organisation in Organisation.names():
        for rows in sorted({1, array_rows}):
            for circuit in PopcountCircuit.names():
                for dataflow in dataflows_for(source):
                    common = {"organisation": organisation, "popcount_circuit": circuit,
                              "tiles": tiles, "array_rows": array_rows, "parallel_rows": rows}
                    for view, sc_extra, base_extra in _comparisons(organisation, dataflow,
                                                                   n or 1):
                        sc = {**common, **sc_fields, "first_layer_dataflow": dataflow,
                              **sc_extra}
                        base = {**common, "sng_kind": "none", **base_extra}
                        for fields in (sc, base):
                            designs.setdefault(tuple(sorted(fields.items())),
                                               Architecture(**fields))
                        pairs.append((view, tuple(sorted(sc.items())),
                                      tuple(sorted(base.items()))))
    keys = list(designs)
    index = {key: position for position, key in enumerate(keys)}
    columns = architectures_to_columns(designs.values())
    result = evaluate_batch(workload, technology, columns)
    low, high = (evaluate_batch(workload, corner, columns).area_um2
                 for corner in _sense_amplifier_corners(technology))
    limits = buildability_limits()
    layer1 = result.energy_by_layer_pj[workload.layers[0].name]
    rows = [_row(view, designs[sc], index[sc], index[base], designs[base], result, (low, high),
                 layer1, limits, n) for view, sc, base in pairs]
    interval = technology.ranges.get(SENSE_AMPLIFIER_AREA)
    nominal = technology.sense_amplifier.area_um2
    by_view: dict[str, tuple[list[int], list[int]]] = {}
    for view, sc, base in pairs:
        by_view.setdefault(view, ([], []))
        by_view[view][0].append(index[sc])
        by_view[view][1].append(index[base])
    verdicts = (verdicts_across_ranges(technology, lambda tech: _figures(
        evaluate_batch(workload, tech, columns), by_view, n, limits)) if ranges else [])
    return PaperCheck(
        workload=workload.name, technology=technology.name, sng=source.name,
        bitstream_length=n, conventional_accuracy=accuracy.conventional,
        sc_accuracy=accuracy.measured(source.name).get(n) if n else None,
        accuracy_source=accuracy.source,
        tiles=tiles, array_rows=array_rows,
        claims={"area_reduction": PAPER.area_reduction, "energy_factor": PAPER.energy_factor,
                "accuracy_cost_points": PAPER.accuracy_cost_points},
        sense_amplifier_area_um2=(interval.low if interval else nominal, nominal,
                                  interval.high if interval else nominal),
        sense_amplifier_sources=(interval.source_low, interval.source_high) if interval
        else ("no range in the technology", "no range in the technology"),
        limits=limits, rows=rows, verdicts=verdicts,
    )


Figures = dict[tuple[str, str], float]  # (view, claim) -> the view's best figure


def _figures(result, by_view: dict[str, tuple[list[int], list[int]]], n: int | None,
             limits: dict[str, float]) -> Figures:
    """Each view's best area saving and (with an operating point) best energy ratio among
    its buildable combinations at this technology (-inf where none is), as the verdicts
    judge them."""
    built = np.all([getattr(result, metric) <= limit for metric, limit in limits.items()],
                   axis=0)
    found: Figures = {}
    for view, (sc, base) in by_view.items():
        ok = built[sc] & built[base]

        def best(values, ok=ok) -> float:
            return float(np.max(values[ok])) if ok.any() else -np.inf

        found[view, "area_reduction"] = best(1 - result.area_um2[sc] / result.area_um2[base])
        if n is not None:
            found[view, "energy_factor"] = best(result.energy_pj[base] / result.energy_pj[sc])
    return found


def verdicts_across_ranges(technology: Technology,
                           measure: Callable[[Technology], Figures]) -> list[Verdict]:
    """Each verdict across the technology's ranged cost numbers: every number swept alone to
    each bound (as experiments/sensitivity.py does); the figure's range with every number at
    the bound that lowers (raises) it; and, for each number that alone flips the verdict, the
    value where it flips (bisection between its nominal value and that bound)."""
    nominal = measure(technology)
    fields = technology.cost_range_fields
    swept = {field: {corner: measure(technology.at_corner(corner, [field]))  # type: ignore
                     for corner in ("low", "high")} for field in fields}
    verdicts = []
    for key, value in nominal.items():
        view, claim = key
        threshold = getattr(PAPER, claim)
        ends = []
        for lowest in (True, False):
            pick = {field: min if lowest else max for field in fields}
            corners = {field: pick[field](("low", "high"), key=lambda c, f=field:
                                          swept[f][c][key]) for field in fields}
            ends.append(measure(technology.with_values(
                {field: technology.cost_bound(field, c) for field, c in corners.items()})
                           )[key] if fields else value)
        seen = [v for v in (value, *ends, *(swept[f][c][key] for f in fields
                                            for c in ("low", "high"))) if np.isfinite(v)]
        ends = [min(seen, default=-np.inf), max(seen, default=-np.inf)]
        reached = value >= threshold
        flips = [_flip(technology, field, corner, key, threshold, reached, measure)
                 for field in sorted(fields, key=lambda f: -abs(swept[f]["high"][key]
                                                               - swept[f]["low"][key]))
                 for corner in ("low", "high") if (swept[field][corner][key] >= threshold)
                 != reached]
        verdicts.append(Verdict(
            view=view, claim=claim, threshold=threshold, nominal=_finite(value),
            low=_finite(min(ends)), high=_finite(max(ends)), reached=reached,
            holds=(min(ends) >= threshold) == reached == (max(ends) >= threshold),
            flipped_by=flips))
    return verdicts


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _flip(technology: Technology, field: str, corner: str, key: tuple[str, str],
          threshold: float, reached: bool, measure: Callable[[Technology], Figures]) -> Flip:
    """Where a number flips a verdict between its nominal value and its `corner` bound."""
    start, bound = technology.value(field), technology.cost_bound(field, corner)  # type: ignore
    same, other = start, bound
    while abs(other - same) > 1e-3 * abs(bound - start):
        middle = (same + other) / 2
        if isinstance(start, int):
            middle = round(middle)
            if middle in (same, other):
                break
        if (measure(technology.with_values({field: middle}))[key] >= threshold) == reached:
            same = middle
        else:
            other = middle
    return Flip(field=field, nominal=start, value=other, bound=bound)


def _row(view: str, sc_arch: Architecture, sc: int, base: int, base_arch: Architecture,
         result, sa_areas, layer1, limits: dict[str, float], n: int | None) -> CheckRow:
    """One comparison, read from the batch (`sc`, `base`: the designs' indices)."""
    low, high = sa_areas
    area = result.area_um2
    area_reduction = 1.0 - area[sc] / area[base]
    energy_ratio = result.energy_pj[base] / result.energy_pj[sc]
    return CheckRow(
        organisation=sc_arch.organisation, parallel_rows=sc_arch.parallel_rows,
        popcount_circuit=sc_arch.popcount_circuit, dataflow=sc_arch.first_layer_dataflow,
        view=view, baseline=base_arch.first_layer_mode,
        baseline_fold=base_arch.first_layer_fold, schedule=sc_arch.schedule,
        sc_area_um2=area[sc], baseline_area_um2=area[base], area_reduction=area_reduction,
        area_reduction_low=1.0 - low[sc] / low[base],
        area_reduction_high=1.0 - high[sc] / high[base],
        sc_energy_pj=result.energy_pj[sc], baseline_energy_pj=result.energy_pj[base],
        energy_ratio=energy_ratio,
        sc_inferences_per_s=result.inferences_per_s[sc],
        baseline_inferences_per_s=result.inferences_per_s[base],
        sc_latency_ns=result.latency_ns[sc], baseline_latency_ns=result.latency_ns[base],
        area_latency_ratio=result.area_latency_mm2_us[base] / result.area_latency_mm2_us[sc],
        energy_delay_ratio=result.energy_delay_nj_us[base] / result.energy_delay_nj_us[sc],
        free_layer1_ratio=result.energy_pj[base] / (result.energy_pj[base] - layer1[base]),
        sc_buildable=not _over_limits(result, sc, limits),
        baseline_buildable=not _over_limits(result, base, limits),
        sc_over_limits=_over_limits(result, sc, limits),
        baseline_over_limits=_over_limits(result, base, limits),
        reaches_area=area_reduction >= PAPER.area_reduction,
        reaches_energy=n is not None and energy_ratio >= PAPER.energy_factor,
    )


class ReferenceDesign(Model):
    """One of the paper's designs placed beside a search's: its network, first layer and
    accuracy are the paper's (accuracy measured here), its costs the hardware model's."""

    name: str
    first_layer_mode: str
    bitstream_length: int | None
    accuracy: float = Field(description="measured test accuracy (a fraction)")
    costs: dict[str, float] = Field(description="the cost objectives' metrics (energy_pj, "
                                    "area_mm2, ...); the claimed point has energy and area")
    claimed: bool = Field(False, description="placed by the paper's claims, not the model")


REFERENCE_ORGANISATION = {"organisation": "shared_tiles", "tiles": 16, "array_rows": 256,
                          "popcount_circuit": "ripple_tree", "first_layer_dataflow": "reread"}


def reference_designs(
    technology: Technology, accuracy: MeasuredAccuracy, sng: str = SNGKind.IDEAL,
) -> list[ReferenceDesign]:
    """The paper's Fashion-MNIST MLP as the conventional BNN (both first-layer baselines), as
    the SC-BNN at the check's operating point, and as the paper claims the SC-BNN against the
    parallel baseline (62 % less area, 2.1x less energy, 1.4 points less accurate), on one
    organisation (`REFERENCE_ORGANISATION`, the check's default) and `technology`."""
    source = sng_source(sng)
    workload = mlp_workload(PAPER.network[0], list(PAPER.network[1:-1]), PAPER.network[-1],
                            name="fashion_mnist_mlp_784_1024_1024_10")

    def costs(report: CostReport) -> dict[str, float]:
        return {o.metric: float(getattr(report, o.metric)) for o in hardware_objectives()}

    designs = []
    for baseline, label in zip(BASELINES, ("parallel", "bit-serial"), strict=True):
        report = evaluate(workload, Architecture(first_layer_mode=baseline, sng_kind="none",
                                                 **REFERENCE_ORGANISATION), technology)
        designs.append(ReferenceDesign(
            name=f"conventional BNN ({label} layer 1)", first_layer_mode=baseline,
            bitstream_length=None, accuracy=accuracy.conventional, costs=costs(report)))
    n = accuracy.operating_point(source.name, PAPER.accuracy_cost_points)
    if n is not None:
        report = evaluate(workload, Architecture(
            first_layer_mode="sc", **source.architecture_fields(source.default()),
            bitstream_length=n, **REFERENCE_ORGANISATION), technology)
        designs.append(ReferenceDesign(
            name=f"SC-BNN ({source.name} SNG, N={n})", first_layer_mode="sc",
            bitstream_length=n, accuracy=accuracy.measured(source.name)[n],
            costs=costs(report)))
    parallel = designs[0].costs
    designs.append(ReferenceDesign(
        name="SC-BNN as claimed (vs parallel)", first_layer_mode="sc", bitstream_length=None,
        accuracy=designs[0].accuracy - PAPER.accuracy_cost_points / 100,
        costs={"energy_pj": parallel["energy_pj"] / PAPER.energy_factor,
               "area_mm2": parallel["area_mm2"] * (1 - PAPER.area_reduction)},
        claimed=True))
    return designs
