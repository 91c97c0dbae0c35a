"""`evaluate`: score one design, with a per-component and per-layer breakdown.

One design is a batch of one: `hwmodel.core` computes it, this module only arranges the
numbers of design 0 into a `CostReport` (every count kept, for the report and the tests).
"""

from __future__ import annotations

from hwmodel.architecture import Architecture
from hwmodel.core import LayerResult, evaluate_columns
from hwmodel.report import SHARED, CostReport, Counts, ErrorBudget, LayerCost, derived_totals
from hwmodel.technology import Technology
from hwmodel.workload import Workload


def _layer_cost(layer: LayerResult) -> LayerCost:
    plan, shape, counts = layer.plan, layer.plan.shape, layer.counts
    energy = {key: float(value[0]) for key, value in layer.energy_pj.items()}
    return LayerCost(
        name=shape.name, kind=shape.kind, fan_in=shape.fan_in, outputs=shape.outputs,
        positions=shape.positions, weights=shape.weights,
        neurons_per_row=int(plan.per_row[0]), slices=int(plan.slices[0]),
        weight_rows=int(plan.weight_rows[0]), threshold_rows=int(plan.threshold_rows[0]),
        arrays=int(plan.arrays[0]), busy_units=int(layer.busy_units[0]),
        rows_at_once=int(layer.rows_at_once[0]), tree_width=int(layer.tree_width[0]),
        repetitions=int(plan.repetitions[0]), accumulator_bits=int(plan.acc_bits[0]),
        row_reads=int(counts["row_reads"][0]), bits_read=int(counts["bits_read"][0]),
        popcounts=int(counts["popcounts"][0]), accumulations=int(counts["accumulations"][0]),
        threshold_comparisons=int(counts["threshold_comparisons"][0]),
        activation_bits_read=int(counts["activation_bits_read"][0]),
        activation_bits_written=int(counts["activation_bits_written"][0]),
        input_bits_delivered=int(counts["input_bits_delivered"][0]),
        cycles=int(layer.cycles[0]), latency_ns=float(layer.latency_ns[0]),
        peak_power_mw=float(layer.peak_power_mw[0]), peak_current_a=float(layer.peak_current_a[0]),
        area_um2=float(sum(value[0] for value in layer.area_um2.values())),
        energy_pj=sum(energy.values()), energy_by_component_pj=energy,
    )


def _error_budget(evaluation) -> ErrorBudget:
    rates = evaluation.error_rates
    return ErrorBudget(
        temperature_k=rates.temperature_k, age_s=rates.age_s,
        since_write_s=float(rates.since_write_s[0]),
        reads_per_inference=float(rates.reads_per_inference[0]), reads=float(rates.reads[0]),
        by_cause={cause: float(value[0]) for cause, value in rates.by_cause.items()})


def evaluate(workload: Workload, architecture: Architecture, technology: Technology) -> CostReport:
    """Area, energy per inference and latency of `architecture` running `workload`."""
    fields = architecture.model_dump()
    evaluation = evaluate_columns(workload, technology, fields)
    layers = [_layer_cost(layer) for layer in evaluation.layers]
    area = float(evaluation.area_um2[0])
    energy = float(evaluation.energy_pj[0])
    latency = float(evaluation.latency_ns[0])
    interval = float(evaluation.interval_ns[0])
    peak_current = float(evaluation.peak_current_a[0])
    counts = {key: int(value[0]) for key, value in evaluation.counts.items()}
    cells = int(evaluation.mram_cells[0])
    return CostReport(
        workload=workload.name,
        technology=technology.name,
        architecture=architecture,
        effective_bitstream_length=architecture.effective_bitstream_length,
        area_um2=area,
        energy_pj=energy,
        latency_ns=latency,
        interval_ns=interval,
        peak_power_mw=float(evaluation.peak_power_mw[0]),
        peak_current_a=peak_current,
        **derived_totals(area, energy, latency, interval, peak_current),
        bit_error_rate=float(evaluation.bit_error_rate[0]),
        weight_error_rate=float(evaluation.weight_error_rate[0]),
        error_budget=_error_budget(evaluation),
        area_by_component_um2={k: float(v[0]) for k, v in evaluation.area_by_component_um2.items()},
        energy_by_component_pj={
            k: float(v[0]) for k, v in evaluation.energy_by_component_pj.items()},
        area_by_layer_um2={**{layer.name: layer.area_um2 for layer in layers},
                           SHARED: float(sum(v[0] for v in evaluation.shared_area_um2.values()))},
        energy_by_layer_pj={layer.name: layer.energy_pj for layer in layers},
        layers=layers,
        counts=Counts(weight_bits=workload.total_weights, mram_cells=cells, **counts),
    )
