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

The "free layer 1" bound is the energy ratio an SC design could reach at best against a
baseline if its first layer cost nothing: baseline energy / baseline energy without layer 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from codesign.kinds import SngSource, sng_source
from codesign.objectives import hardware_objectives
from hwmodel import (
    Architecture,
    CostReport,
    FirstLayerDataflow,
    Organisation,
    PopcountCircuit,
    Technology,
    evaluate,
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
ACCURACY_FILE = Path(__file__).resolve().parent / "data" / "fmnist_accuracy_vs_n.json"


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


class CheckRow(Model):
    organisation: str
    popcount_circuit: str
    dataflow: str
    baseline: str
    sc_area_um2: float
    baseline_area_um2: float
    area_reduction: float = Field(description="1 - SC area / baseline area")
    sc_energy_pj: float
    baseline_energy_pj: float
    energy_ratio: float = Field(description="baseline energy / SC energy at the N of the check")
    free_layer1_ratio: float = Field(description="baseline energy / its energy without layer 1")
    reaches_area: bool
    reaches_energy: bool


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
    rows: list[CheckRow]

    def reproducing(self) -> tuple[list[CheckRow], list[CheckRow]]:
        """The rows that reach the paper's area claim, and those that reach its energy claim."""
        return ([r for r in self.rows if r.reaches_area],
                [r for r in self.rows if r.reaches_energy])


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


def paper_check(
    technology: Technology,
    accuracy: MeasuredAccuracy,
    sng: str = SNGKind.IDEAL,
    tiles: int = 16,
    array_rows: int = 256,
) -> PaperCheck:
    """Every organisation x popcount circuit x dataflow x baseline, at the operating point."""
    source = sng_source(sng)
    n = accuracy.operating_point(source.name, PAPER.accuracy_cost_points)
    workload = mlp_workload(PAPER.network[0], list(PAPER.network[1:-1]), PAPER.network[-1],
                            name="fashion_mnist_mlp_784_1024_1024_10")
    common = {"tiles": tiles, "array_rows": array_rows}
    rows = []
    for organisation in Organisation.names():
        for circuit in PopcountCircuit.names():
            for dataflow in dataflows_for(source):
                sc = evaluate(workload, Architecture(
                    organisation=organisation, popcount_circuit=circuit,
                    first_layer_mode="sc", first_layer_dataflow=dataflow,
                    **source.architecture_fields(source.default()), bitstream_length=n or 1,
                    **common), technology)
                for baseline in BASELINES:
                    base = evaluate(workload, Architecture(
                        organisation=organisation, popcount_circuit=circuit,
                        first_layer_mode=baseline,
                        first_layer_dataflow=_baseline_dataflow(baseline, dataflow),
                        sng_kind="none", **common), technology)
                    layer1 = base.energy_by_layer_pj[workload.layers[0].name]
                    area_reduction = 1.0 - sc.area_um2 / base.area_um2
                    energy_ratio = base.energy_pj / sc.energy_pj
                    rows.append(CheckRow(
                        organisation=organisation, popcount_circuit=circuit, dataflow=dataflow,
                        baseline=baseline, sc_area_um2=sc.area_um2,
                        baseline_area_um2=base.area_um2, area_reduction=area_reduction,
                        sc_energy_pj=sc.energy_pj, baseline_energy_pj=base.energy_pj,
                        energy_ratio=energy_ratio,
                        free_layer1_ratio=base.energy_pj / (base.energy_pj - layer1),
                        reaches_area=area_reduction >= PAPER.area_reduction,
                        reaches_energy=n is not None and energy_ratio >= PAPER.energy_factor,
                    ))
    return PaperCheck(
        workload=workload.name, technology=technology.name, sng=source.name,
        bitstream_length=n, conventional_accuracy=accuracy.conventional,
        sc_accuracy=accuracy.measured(source.name).get(n) if n else None,
        accuracy_source=accuracy.source,
        tiles=tiles, array_rows=array_rows,
        claims={"area_reduction": PAPER.area_reduction, "energy_factor": PAPER.energy_factor,
                "accuracy_cost_points": PAPER.accuracy_cost_points},
        rows=rows,
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
