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


def derived_totals(area_um2, energy_pj, latency_ns, interval_ns, peak_current_a
                   ) -> dict[str, Any]:
    """The totals that follow from area, energy, latency, the interval between inferences
    and the peak current (numbers or arrays alike)."""
    area_mm2 = area_um2 * 1e-6
    average_power_mw = energy_pj / interval_ns  # pJ / ns = mW
    return {"area_mm2": area_mm2, "inferences_per_s": 1e9 / interval_ns,
            "average_power_mw": average_power_mw,
            "power_density_mw_per_mm2": average_power_mw / area_mm2,
            "peak_current_a_per_mm2": peak_current_a / area_mm2,
            "area_latency_mm2_us": area_mm2 * latency_ns * 1e-3,
            "energy_delay_nj_us": energy_pj * latency_ns * 1e-6}


# The totals a design reports beside its area, energy and latency, with what each means
# (`CostReport` and `BatchResult` carry them; tables and exports read this).
TOTALS: dict[str, str] = {
    "interval_ns": "time between inferences: the latency, or the slowest layer's time where "
                   "the layers are pipelined",
    "inferences_per_s": "1e9 / interval_ns",
    "average_power_mw": "energy_pj / interval_ns",
    "peak_power_mw": "the busiest cycle's energy over the cycle (every layer's busiest cycle "
                     "at once where the layers are pipelined), static power included",
    "peak_current_a": "the supply current of the busiest cycle: its energy's average over "
                      "the cycle / supply_v, plus the read current of every cell sensed at once",
    "peak_current_a_per_mm2": "peak_current_a / area_mm2",
    "power_density_mw_per_mm2": "average_power_mw / area_mm2",
    "area_latency_mm2_us": "area_mm2 x latency (us)",
    "energy_delay_nj_us": "energy (nJ) x latency (us) per inference",
}


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
    busy_units: int = Field(description="tiles (or neuron trees, neuron_parallel) working at "
                                        "once")
    rows_at_once: int = Field(description="weight rows sensed in one cycle (its cells' read "
                                          "current flows at once)")
    tree_width: int = Field(description="inputs of one popcount tree (a row's lanes, or a "
                                        "neuron's fan-in sensed at once)")
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
    peak_power_mw: float = Field(description="the layer's busiest cycle: energy / cycle")
    peak_current_a: float = Field(description="the layer's busiest cycle: supply current")
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


class ErrorBudget(ReportModel):
    """Where a stored bit's error rate comes from, at the rated age and temperature
    (`hwmodel.device_errors`): each cause alone, and the reads and time behind them."""

    temperature_k: float = Field(description="the rates' temperature, for the whole life")
    age_s: float = Field(description="the age the rates are quoted at (end of life)")
    since_write_s: float = Field(description="the retention time: the age, or the refresh "
                                             "period")
    reads_per_inference: float = Field(description="reads of the most-read weight per "
                                                   "inference")
    reads: float = Field(description="reads of the most-read weight since its last write")
    by_cause: dict[str, float] = Field(description="decision, write, retention, read_disturb")


class CostBand(ReportModel):
    """A total at the technology's cost-lowering corner, nominal and cost-raising corner
    (`hwmodel.corners`): low <= nominal <= high."""

    low: float
    nominal: float
    high: float


class CostReport(ReportModel):
    """Area, energy per inference, latency and throughput of one design, with breakdowns."""

    workload: str
    technology: str
    architecture: Architecture
    effective_bitstream_length: int = Field(description="N; 1 for the fixed-point modes")
    area_um2: float
    area_mm2: float
    energy_pj: float = Field(description="per inference")
    latency_ns: float = Field(description="per inference, first input to last output")
    interval_ns: float = Field(description=TOTALS["interval_ns"])
    inferences_per_s: float = Field(description=TOTALS["inferences_per_s"])
    average_power_mw: float = Field(description=TOTALS["average_power_mw"])
    peak_power_mw: float = Field(description=TOTALS["peak_power_mw"])
    peak_current_a: float = Field(description=TOTALS["peak_current_a"])
    peak_current_a_per_mm2: float = Field(description=TOTALS["peak_current_a_per_mm2"])
    power_density_mw_per_mm2: float = Field(description=TOTALS["power_density_mw_per_mm2"])
    area_latency_mm2_us: float = Field(description=TOTALS["area_latency_mm2_us"])
    energy_delay_nj_us: float = Field(description=TOTALS["energy_delay_nj_us"])
    bit_error_rate: float = Field(description="a stored bit reads wrong (device errors)")
    weight_error_rate: float = Field(description="a weight reads wrong after error correction")
    error_budget: ErrorBudget
    bands: dict[str, CostBand] = Field(
        default_factory=dict,
        description="metric -> its low / nominal / high over the technology's ranges (asked "
                    "for: `HardwareDesign.evaluate(bands=True)`, hwmodel.corners); empty if not")
    area_by_component_um2: dict[str, float]
    energy_by_component_pj: dict[str, float]
    area_by_layer_um2: dict[str, float] = Field(
        description="per layer, plus 'shared' for the tiles, buffers and control"
    )
    energy_by_layer_pj: dict[str, float]
    layers: list[LayerCost]
    counts: Counts


class ReadVoltagePoint(ReportModel):
    """One read voltage of a design's sweep (`HardwareDesign.read_voltage_sweep`): its energy
    and its bit-error rates at the rated age, by cause at the rated temperature and in total
    at both temperatures; or why the voltage is refused."""

    read_voltage_mv: int
    refused: str | None = None
    energy_pj: float | None = None
    by_cause: dict[str, float] = Field(default_factory=dict)
    bit_error_rate: float | None = Field(None, description="at the rated temperature")
    weight_error_rate: float | None = Field(None, description="after ECC, rated temperature")
    bit_error_rate_operating: float | None = None
    bit_error_rate_worst_case: float | None = None
