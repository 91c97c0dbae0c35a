"""The evaluator: area, energy per inference and latency of many designs at once.

Written once, over arrays: every quantity is a numpy column with one value per design, and a
single design is a batch of one (`hwmodel.evaluate` wraps it into a `CostReport`). Categorical
choices dispatch to their kind classes (`hwmodel.kinds`), never to if-chains. The equations
are in docs/hwmodel.md; the layout of a layer is `hwmodel.plan`, what the organisation
contributes is `hwmodel.organisations`, the first-layer modes and dataflows their modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from hwmodel.architecture import CATEGORICAL, design_from_columns, validate_columns
from hwmodel.components import (
    MramArray,
    SramBuffer,
    bit_length,
    comparator_bits,
    generators,
    leakage_energy_pj,
)
from hwmodel.components.ecc import word_data_bits
from hwmodel.device_errors import raw_bit_error_rate, weight_error_rate
from hwmodel.organisations import Logic
from hwmodel.plan import Design, LayerPlan, plan_layer
from hwmodel.report import COMPONENTS
from hwmodel.technology import Technology
from hwmodel.workload import Workload

FJ_TO_PJ = 1e-3
CHUNK_DESIGNS = 16_384  # designs evaluated together (`evaluate_by_organisation`)
COUNT_NAMES = (
    "arrays", "row_reads", "bits_read", "popcounts", "accumulations", "threshold_comparisons",
    "sng_generators", "random_numbers", "random_bits_generated", "comparator_evaluations",
    "activation_bits_read", "activation_bits_written", "partial_sum_bits_accessed",
    "input_bits_delivered", "cycles",
)


def _total(values: Iterable[Any], size: int) -> np.ndarray:
    """The sum of columns, in place, skipping the scalar zeros of components a layer or a
    design does not have (most are, in any one layer): the batch path's hot loop."""
    total = None
    for value in values:
        if np.ndim(value) == 0 and value == 0.0:
            continue
        if total is None:
            total = np.array(np.broadcast_to(value, (size,)), dtype=float)
        else:
            total += value
    return total if total is not None else np.zeros(size)


def _columns_of(values: dict[str, Any], size: int) -> dict[str, np.ndarray]:
    """Every entry as a column of `size` (scalars broadcast, without a copy)."""
    return {key: np.broadcast_to(value, (size,)) for key, value in values.items()}


@dataclass
class LayerResult:
    """One layer of every design: its plan, work, time and cost (arrays over designs).

    The totals are summed as the layer is evaluated; the breakdowns are views made when
    first asked for (a search of thousands of designs needs the totals only)."""

    plan: LayerPlan
    size: int
    busy_units: np.ndarray
    cycles: np.ndarray
    latency_ns: np.ndarray
    area_total_um2: np.ndarray
    energy_total_pj: np.ndarray
    raw_counts: dict[str, Any]
    raw_area_um2: dict[str, Any]  # hardware this layer alone uses, by component
    raw_energy_fj: dict[str, Any]

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_counts, self.size)

    @cached_property
    def area_um2(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_area_um2, self.size)

    @cached_property
    def energy_pj(self) -> dict[str, np.ndarray]:
        return {key: np.broadcast_to(np.multiply(value, FJ_TO_PJ), (self.size,))
                for key, value in self.raw_energy_fj.items()}


@dataclass
class Evaluation:
    """Every design of a batch: totals, and (when asked for) breakdowns by component and by
    layer and the counts."""

    size: int
    layers: list[LayerResult]
    raw_shared_area_um2: dict[str, Any]  # hardware all layers use, by component
    area_um2: np.ndarray
    effective_bitstream_length: np.ndarray  # N; 1 without SC
    mram_cells: np.ndarray  # junctions of every array (check and reference cells included)
    bit_error_rate: np.ndarray  # a stored bit reads wrong (hwmodel.device_errors)
    weight_error_rate: np.ndarray  # a weight reads wrong after error correction

    @cached_property
    def energy_pj(self) -> np.ndarray:
        return _total((layer.energy_total_pj for layer in self.layers), self.size)

    @cached_property
    def latency_ns(self) -> np.ndarray:
        return _total((layer.latency_ns for layer in self.layers), self.size)

    @cached_property
    def shared_area_um2(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_shared_area_um2, self.size)

    @cached_property
    def area_by_component_um2(self) -> dict[str, np.ndarray]:
        return {name: _total([self.raw_shared_area_um2[name],
                              *(layer.raw_area_um2[name] for layer in self.layers)], self.size)
                for name in COMPONENTS}

    @cached_property
    def energy_by_component_pj(self) -> dict[str, np.ndarray]:
        return {name: _total((layer.raw_energy_fj[name] for layer in self.layers), self.size)
                * FJ_TO_PJ for name in COMPONENTS}

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        return {name: _total((layer.raw_counts[name] for layer in self.layers), self.size)
                for name in COUNT_NAMES}


def _zeros(size: int) -> dict[str, Any]:
    """A breakdown with every component at zero (scalars: numpy broadcasts them later)."""
    return dict.fromkeys(COMPONENTS, 0.0)


def _organisation_logic(design: Design, plans: list[LayerPlan]) -> Logic:
    """Each design's organisation's logic counts (one `Logic`, kinds merged by mask)."""
    if len(design.organisation.present) == 1:  # a group of `evaluate_by_organisation`
        return design.organisation.present[0].logic(plans, design)
    per_layer: list[dict[str, np.ndarray]] = [{} for _ in plans]
    shared: dict[str, np.ndarray] = {}
    for organisation in design.organisation.present:
        mask = design.organisation.mask(organisation.name)
        logic = organisation.logic(plans, design)
        for merged, counts in [*zip(per_layer, logic.per_layer, strict=True),
                               (shared, logic.shared)]:
            for key, value in counts.items():
                merged[key] = np.where(mask, value, merged.get(key, 0.0))
    return Logic(per_layer=per_layer, shared=shared)


# Counted logic (`hwmodel.organisations.Logic`) -> the component it belongs to and the area
# of one unit: a lane is one sense amplifier (which XNORs as it senses), an accumulator bit an
# adder bit and its register bit, pipeline and row-counter bits are flip-flops.
LOGIC_UNITS: dict[str, tuple[str, Any]] = {
    "lanes": ("sense_amplifiers", lambda t: t.sense_amplifier.area_um2),
    "xnor_gates": ("xnor", lambda t: t.logic.xnor.area_um2),
    "tree_full_adders": ("popcount", lambda t: t.logic.full_adder.area_um2),
    "tree_half_adders": ("popcount", lambda t: t.logic.half_adder.area_um2),
    "accumulator_bits": ("accumulators",
                         lambda t: t.logic.full_adder.area_um2 + t.logic.flip_flop.area_um2),
    "comparator_bits": ("threshold", lambda t: t.logic.comparator_bit.area_um2),
    "pipeline_bits": ("registers_control", lambda t: t.logic.flip_flop.area_um2),
    "row_counter_bits": ("registers_control", lambda t: t.logic.flip_flop.area_um2),
}


def _priced_logic(counts: dict[str, Any], tech: Technology, size: int) -> dict[str, np.ndarray]:
    """Area by component of counted logic."""
    area = _zeros(size)
    for key, count in counts.items():
        component, unit_area = LOGIC_UNITS[key]
        area[component] = area[component] + count * unit_area(tech)
    return area


def _weight_array(tech: Technology, design: Design) -> MramArray:
    """The arrays as the device choices build them: cells per bit, check and reference
    columns, read voltage."""
    cols = design.cols
    return MramArray(
        tech, design.rows, cols,
        cells_per_bit=design.cell.select(lambda cell: cell.cells_per_bit),
        check_columns=design.ecc.select(lambda ecc: ecc.check_columns(cols)),
        reference_columns=design.cell.select(
            lambda cell: tech.mram.reference_columns if cell.uses_reference else 0.0),
        read_voltage_mv=design.read_voltage,
    )


def _with_device_logic(area: dict[str, Any], lanes, array: MramArray, decoder_area_um2,
                       words_per_lane) -> dict[str, Any]:
    """Sense amplifiers for the check bits too, and an ECC decoder per word sensed at once."""
    area["sense_amplifiers"] = area["sense_amplifiers"] * array.sensed_per_data_bit
    area["ecc"] = area["ecc"] + lanes * words_per_lane * decoder_area_um2
    return area


def _line_buffer_bits(plan: LayerPlan) -> float:
    """Bits a layer's input must hold to read its input feature map once per pass: the whole
    input vector of a dense layer, k rows of a (square) input map of a conv layer."""
    shape = plan.shape
    if shape.kind == "dense":
        return float(shape.fan_in)
    width = np.sqrt(shape.input_positions or shape.positions)
    return float(shape.inputs * shape.kernel * np.ceil(width))


def evaluate_columns(workload: Workload, tech: Technology, fields: dict[str, Any]) -> Evaluation:
    """Score every design given as Architecture fields (scalars or arrays, broadcast)."""
    columns, size, masks = validate_columns(fields)
    return _evaluate(workload, tech, design_from_columns(columns, size, masks))


def evaluate_by_organisation(
    workload: Workload, tech: Technology, fields: dict[str, Any]
) -> tuple[int, list[tuple[np.ndarray | slice, Evaluation]]]:
    """Score designs in groups of one organisation each: (designs, [(where, evaluation)]).

    The organisation shapes every layer's logic and work, so a mixed batch would compute each
    organisation's formulas for every design and keep a third; a group computes its own only.
    Groups hold at most CHUNK_DESIGNS designs, so that their columns stay in the processor's
    cache (benchmarks/hw_throughput.py: 15-25 % faster than whole groups of 33,000). The batch
    path (`evaluate_batch`) puts the groups' results back in order."""
    columns, size, masks = validate_columns(fields)
    groups = [group[start:start + CHUNK_DESIGNS]
              for group in (np.flatnonzero(mask) for mask in masks["organisation"].values())
              for start in range(0, group.size, CHUNK_DESIGNS)]
    if len(groups) <= 1:
        return size, [(slice(None), _evaluate(workload, tech,
                                              design_from_columns(columns, size, masks)))]
    parts = []
    for where in groups:
        group_columns = {name: values[where] for name, values in columns.items()
                         if name not in CATEGORICAL}  # kinds travel as masks
        group_masks = {name: {kind: mask[where] for kind, mask in kinds.items()}
                       for name, kinds in masks.items()}
        design = design_from_columns(group_columns, where.size, group_masks)
        parts.append((where, _evaluate(workload, tech, design)))
    return size, parts


def _evaluate(workload: Workload, tech: Technology, design: Design) -> Evaluation:
    size = design.size
    layers = workload.layers
    last = len(layers) - 1
    plans = [plan_layer(design, shape, index, last) for index, shape in enumerate(layers)]
    logic = _organisation_logic(design, plans)
    g, ff = tech.logic, tech.logic.flip_flop
    cols = design.cols
    array = _weight_array(tech, design)
    words_per_lane = np.ceil(cols / word_data_bits(cols)) / cols  # ECC words of a row, per bit
    decoder_area = design.ecc.select(lambda ecc: ecc.decoder_area_um2(tech, cols))
    decode_energy = design.ecc.select(lambda ecc: ecc.decode_energy_fj(tech, cols))
    ecc_stages = design.ecc.select(lambda ecc: ecc.pipeline_stages)
    first, final = plans[0], plans[-1]
    pixels = first.shape.input_values
    sc = design.stochastic
    organisation = design.organisation
    dedicated = organisation.any(lambda kind: kind.dedicated_accumulators)

    # --- layer 1's input: SNG bank, input register, stochastic image, partial sums -------
    generator_area = design.generator.select(
        lambda kind: kind.area_um2(tech, design.input_bits, design.lfsr_width))
    generator_step = design.generator.select(
        lambda kind: kind.step_energy_fj(tech, design.input_bits, design.lfsr_width))
    bank_shared_area = np.where(sc, design.generator.select(
        lambda kind: kind.bank_primitives(design.input_bits).area_um2(tech)), 0.0)
    bank_shared_step = design.generator.select(
        lambda kind: kind.bank_primitives(design.input_bits).energy_fj(tech))
    bank_generators = np.where(sc, generators(pixels, design.sharing), 0.0)
    bank_comparator_bits = np.where(sc, comparator_bits(pixels, design.input_bits), 0.0)
    regenerates = sc & design.latched & design.dataflow.any(lambda kind: kind.regenerates)
    image_bits = np.where(
        sc & design.latched & design.dataflow.any(lambda kind: kind.stores_image),
        pixels * design.n, 0.0)
    accumulates_passes = (first.repetitions > 1) & ~design.output_merge
    single_position = first.shape.positions == 1
    needs_partials = np.where(
        design.latched,
        (first.slices > 1) & (first.shape.positions > 1) & ~dedicated,
        ~(dedicated & single_position),
    ) & accumulates_passes
    partial_bits = np.where(
        needs_partials, first.shape.outputs * first.shape.positions * first.acc_bits, 0.0)
    partial_accesses = partial_bits * np.where(design.latched, first.slices, first.repetitions)
    partial = SramBuffer(tech, partial_bits)
    works = [organisation.merge(lambda kind, plan=plan: kind.work(plan, design)) for plan in plans]
    delivered_first = works[0]["delivered_bits"]
    random_numbers = np.where(regenerates, delivered_first / design.sharing,
                              bank_generators * design.n)
    comparisons_sng = np.where(regenerates, delivered_first, np.where(sc, pixels * design.n, 0.0))

    # --- buffers between layers, output scores ---------------------------------------------
    hidden_values = [p.shape.output_values for p in plans if p.hidden]
    activations = SramBuffer(tech, 2 * max(hidden_values, default=0))
    layer_input_bits = max((_line_buffer_bits(p) for p in plans[1:]), default=0.0)
    score_passes = np.where(design.output_merge, design.n, 1.0)
    score_bits = bit_length(final.shape.fan_in * (design.first_range if last == 0 else 1.0)
                            * score_passes)
    score_bits = score_bits + (design.signed_first if last == 0 else 0.0)
    score_adder = np.where(design.output_merge, score_bits * g.full_adder.area_um2, 0.0)

    # --- area ----------------------------------------------------------------------------
    shared_area = _with_device_logic(_priced_logic(logic.shared, tech, size),
                                     logic.shared.get("lanes", 0.0), array, decoder_area,
                                     words_per_lane)
    shared_area["activation_buffer"] += activations.area_um2
    shared_area["layer_inputs"] += layer_input_bits * ff.area_um2
    shared_area["registers_control"] += tech.control.area_um2
    layer_areas = []
    for plan, counts in zip(plans, logic.per_layer, strict=True):
        area = _with_device_logic(_priced_logic(counts, tech, size), counts.get("lanes", 0.0),
                                  array, decoder_area, words_per_lane)
        area["mram_arrays"] += plan.arrays * array.area_um2
        if plan.first:
            area["sng"] += bank_generators * generator_area + bank_shared_area + (
                bank_comparator_bits * g.comparator_bit.area_um2)
            area["input_register"] += pixels * design.input_bits * ff.area_um2
            area["layer_inputs"] += image_bits * ff.area_um2
            area["partial_sum_buffer"] += partial.area_um2
        if plan.index == last:
            area["output_scores"] += final.shape.output_values * score_bits * ff.area_um2
            area["output_scores"] += score_adder
        layer_areas.append(area)
    layer_area_totals = [_total(area.values(), size) for area in layer_areas]
    total_area = _total([*layer_area_totals, *shared_area.values()], size)
    total_arrays = sum(p.arrays for p in plans)
    cmos_area = total_area - total_arrays * array.cell_area_um2
    mram_cells = total_arrays * design.rows * array.cells_per_row

    # --- energy and time, layer by layer ----------------------------------------------------
    results = []
    sense_bit, cmp_bit = tech.sense_amplifier.energy_fj, g.comparator_bit.energy_fj
    for plan, area, area_total, work in zip(plans, layer_areas, layer_area_totals, works,
                                            strict=True):
        shape = plan.shape
        e = _zeros(size)
        threshold_bits = plan.comparisons * plan.acc_bits
        bits_sensed = plan.row_reads * cols + threshold_bits
        e["mram_arrays"] = plan.row_reads * array.row_read_energy_fj + (
            threshold_bits * array.bit_read_energy_fj)
        e["sense_amplifiers"] = bits_sensed * array.sensed_per_data_bit * sense_bit
        e["ecc"] = bits_sensed * words_per_lane * decode_energy
        latched = design.latched if plan.first else False
        multibit = design.multibit if plan.first else False
        lane_evaluations = plan.evaluations * cols
        xnor_per_lane = np.where(multibit, design.input_bits, np.where(latched, 1.0, 0.0))
        e["xnor"] = lane_evaluations * xnor_per_lane * g.xnor.energy_fj
        trees, width = work["tree_evaluations"], work["tree_width"]
        e["popcount"] = trees * (work["tree_full_adders"] * g.full_adder.energy_fj
                                 + work["tree_half_adders"] * g.half_adder.energy_fj)
        accumulations = work["accumulations"]
        e["accumulators"] = accumulations * plan.acc_bits * (g.full_adder.energy_fj
                                                             + ff.energy_fj)
        e["threshold"] = plan.comparisons * plan.acc_bits * cmp_bit
        delivered = work["delivered_bits"]
        operand_width = np.where(multibit, design.input_bits, 1.0)
        activation_reads = shape.input_values * plan.repetitions if not plan.first else 0.0
        activation_writes = plan.comparisons  # one output bit per thresholding
        e["layer_inputs"] = delivered * operand_width * g.mux2.energy_fj + (
            activation_reads * ff.energy_fj)
        e["activation_buffer"] = (activation_reads * activations.read_energy_fj_per_bit
                                  + activation_writes * activations.write_energy_fj_per_bit)
        value_range = np.where(multibit, design.first_range, 1.0)
        pipe_bits = bit_length(width * value_range) + np.where(multibit, 1.0, 0.0)
        cycles = work["cycles"] + ecc_stages * plan.repetitions  # the decoder's stage
        e["registers_control"] = (trees * pipe_bits * ff.energy_fj
                                  + cycles * tech.control.energy_fj_per_cycle)
        if plan.first:
            e["input_register"] = pixels * design.input_bits * ff.energy_fj
            e["layer_inputs"] = e["layer_inputs"] + image_bits * ff.energy_fj
            bank_steps = random_numbers / np.maximum(bank_generators, 1.0)  # the bank's count
            e["sng"] = (random_numbers * generator_step + bank_steps * bank_shared_step
                        + comparisons_sng * design.input_bits * cmp_bit)
            e["partial_sum_buffer"] = partial_accesses * (partial.read_energy_fj_per_bit
                                                          + partial.write_energy_fj_per_bit)
        if plan.index == last:
            adds = score_passes * shape.output_values * score_bits
            e["output_scores"] = adds * (ff.energy_fj + np.where(design.output_merge,
                                                                  g.full_adder.energy_fj, 0.0))
        latency_ns = cycles * tech.cycle_ns
        e["leakage"] = leakage_energy_pj(tech, cmos_area, mram_cells, latency_ns) / FJ_TO_PJ
        counts = {
            "arrays": plan.arrays,
            "row_reads": plan.row_reads,
            "bits_read": bits_sensed,
            "popcounts": trees,
            "accumulations": accumulations,
            "threshold_comparisons": plan.comparisons,
            "sng_generators": bank_generators if plan.first else 0.0,
            "random_numbers": random_numbers if plan.first else 0.0,
            "random_bits_generated": random_numbers * design.input_bits if plan.first else 0.0,
            "comparator_evaluations": comparisons_sng if plan.first else 0.0,
            "activation_bits_read": activation_reads,
            "activation_bits_written": activation_writes,
            "partial_sum_bits_accessed": 2 * partial_accesses if plan.first else 0.0,
            "input_bits_delivered": delivered * operand_width,
            "cycles": cycles,
        }
        results.append(LayerResult(
            plan=plan, size=size, busy_units=work["busy_units"], cycles=cycles,
            latency_ns=latency_ns, area_total_um2=area_total,
            energy_total_pj=_total(e.values(), size) * FJ_TO_PJ,
            raw_counts=counts, raw_area_um2=area, raw_energy_fj=e,
        ))
    raw = raw_bit_error_rate(tech.device_errors, design.cell, design.read_voltage)
    return Evaluation(size=size, layers=results, raw_shared_area_um2=shared_area,
                      area_um2=total_area, effective_bitstream_length=design.n,
                      mram_cells=np.broadcast_to(mram_cells, (size,)),
                      bit_error_rate=np.broadcast_to(raw, (size,)),
                      weight_error_rate=np.broadcast_to(
                          weight_error_rate(raw, design.ecc, cols), (size,)))
