"""CostReport: what `evaluate` returns, with the counts behind every number.

Breakdowns are keyed by the registered hardware components (`hwmodel.costs`), in their order;
COMPONENTS is that order as the package declares it. Energies are per inference in pJ; areas
in um^2 (mm^2 given alongside for totals).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hwmodel.architecture import Architecture
from hwmodel.costs import component_names

COMPONENTS: tuple[str, ...] = component_names()  # the components `hwmodel.costs` declares

SHARED = "shared"  # area_by_layer key for hardware every layer uses (shared tiles, buffers)


def derived_totals(area_um2, energy_pj, latency_ns) -> dict[str, Any]:
    """The totals that follow from area, energy and latency (numbers or arrays alike)."""
    return {"area_mm2": area_um2 * 1e-6, "inferences_per_s": 1e9 / latency_ns,
            "average_power_mw": energy_pj / latency_ns}


class ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LayerCost(ReportModel):
    """One layer: its mapping onto arrays, the work it does per inference, and its cost."""

    name: str
    kind: str
    fan_in: int
    outputs: int
    positions: int
    weights: int
    neurons_per_row: int = Field(description="neurons packed in one array row (fan_in <= cols)")
    slices: int = Field(description="row reads per neuron and pass: ceil(fan_in / cols)")
    weight_rows: int
    threshold_rows: int
    arrays: int
    busy_units: int = Field(description="tiles (or neurons, neuron_parallel) working at once")
    repetitions: int = Field(description="passes (N) or bit-planes (B) the layer runs")
    accumulator_bits: int
    row_reads: int = Field(description="rows sensed (fewer than evaluations when latched)")
    bits_read: int = Field(description="weight and threshold bits sensed")
    popcounts: int = Field(description="popcount-tree evaluations")
    accumulations: int
    threshold_comparisons: int
    activation_bits_read: int
    activation_bits_written: int
    input_bits_delivered: int = Field(description="input bits routed to the lanes")
    cycles: int
    latency_ns: float
    area_um2: float = Field(description="hardware used by this layer only (its arrays, ...)")
    energy_pj: float
    energy_by_component_pj: dict[str, float]


class Counts(ReportModel):
    """The events behind the energies and the latency, per inference: each is a component's
    (`Component.counts`), but for the cells and the cycles. Counts of a component declared
    after these fields come after them."""

    model_config = ConfigDict(extra="allow")

    weight_bits: int
    mram_cells: int
    arrays: int
    row_reads: int
    bits_read: int
    popcounts: int
    accumulations: int
    threshold_comparisons: int
    sng_generators: int
    random_numbers: int
    random_bits_generated: int
    comparator_evaluations: int = Field(description="pixel-vs-random-number comparisons")
    activation_bits_read: int
    activation_bits_written: int
    partial_sum_bits_accessed: int
    input_bits_delivered: int
    cycles: int


class CostReport(ReportModel):
    """Area, energy per inference, latency and throughput of one design, with breakdowns."""

    workload: str
    technology: str
    architecture: Architecture
    effective_bitstream_length: int = Field(description="N; 1 for the fixed-point modes")
    area_um2: float
    area_mm2: float
    energy_pj: float = Field(description="per inference")
    latency_ns: float = Field(description="per inference, layers run one after another")
    inferences_per_s: float = Field(description="1e9 / latency_ns (no overlap of inferences)")
    average_power_mw: float = Field(description="energy_pj / latency_ns")
    bit_error_rate: float = Field(description="a stored bit reads wrong (device errors)")
    weight_error_rate: float = Field(description="a weight reads wrong after error correction")
    area_by_component_um2: dict[str, float]
    energy_by_component_pj: dict[str, float]
    area_by_layer_um2: dict[str, float] = Field(
        description="per layer, plus 'shared' for the tiles, buffers and control"
    )
    energy_by_layer_pj: dict[str, float]
    layers: list[LayerCost]
    counts: Counts
