"""`evaluate_batch`: score many designs of one workload and technology at once, with numpy.

Every numeric and categorical Architecture field may be an array (they broadcast together);
the result holds one value per design. The formulas are those of `hwmodel.evaluate`, written
over arrays: categorical choices become masks and `np.where`. A test checks this path against
the scalar evaluator on random designs, component by component.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import annotated_types
import numpy as np

from hwmodel.architecture import FIRST_LAYER_MODES, MERGE_POINTS, SNG_KINDS, Architecture
from hwmodel.components import (
    Accumulator,
    Control,
    Lfsr,
    MramArray,
    MtjTrng,
    Register,
    SenseAmplifiers,
    SobolGenerator,
    SramBuffer,
    ThresholdComparator,
    XnorArray,
    adder_tree_full_adders,
    bit_length,
    leakage_energy_pj,
)
from hwmodel.mapping import PIPELINE_DEPTH_CYCLES, next_pow2
from hwmodel.report import COMPONENTS
from hwmodel.technology import Technology
from hwmodel.workload import Workload

FJ_TO_PJ = 1e-3
CATEGORICAL = {
    "first_layer_mode": FIRST_LAYER_MODES,
    "sng_kind": SNG_KINDS,
    "merge_point": MERGE_POINTS,
}
COUNT_NAMES = (
    "arrays",
    "row_reads",
    "bits_read",
    "popcounts",
    "accumulations",
    "threshold_comparisons",
    "sng_generators",
    "random_numbers",
    "random_bits_generated",
    "comparator_evaluations",
    "activation_bits_read",
    "activation_bits_written",
    "partial_sum_bits_accessed",
    "cycles",
)


@dataclass(frozen=True)
class BatchResult:
    """One entry per design; totals, the component breakdown and the counts, all arrays."""

    area_um2: np.ndarray
    area_mm2: np.ndarray
    energy_pj: np.ndarray
    latency_ns: np.ndarray
    inferences_per_s: np.ndarray
    average_power_mw: np.ndarray
    effective_bitstream_length: np.ndarray
    area_by_component_um2: dict[str, np.ndarray] = field(default_factory=dict)
    energy_by_component_pj: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.area_um2.shape[0])

    def row(self, index: int) -> dict[str, Any]:
        """Design `index` as plain numbers (for tables, JSON and tests)."""
        return {
            "area_um2": float(self.area_um2[index]),
            "area_mm2": float(self.area_mm2[index]),
            "energy_pj": float(self.energy_pj[index]),
            "latency_ns": float(self.latency_ns[index]),
            "inferences_per_s": float(self.inferences_per_s[index]),
            "average_power_mw": float(self.average_power_mw[index]),
            "effective_bitstream_length": int(self.effective_bitstream_length[index]),
            "area_by_component_um2": {
                k: float(v[index]) for k, v in self.area_by_component_um2.items()
            },
            "energy_by_component_pj": {
                k: float(v[index]) for k, v in self.energy_by_component_pj.items()
            },
            "counts": {k: int(v[index]) for k, v in self.counts.items()},
        }


def _integer_bounds() -> dict[str, tuple[int | None, int | None]]:
    """Valid ranges of the integer Architecture fields, read from the model itself."""
    bounds = {}
    for name, info in Architecture.model_fields.items():
        if info.annotation is not int:
            continue
        low = high = None
        for item in info.metadata:
            if isinstance(item, annotated_types.Ge):
                low = item.ge
            elif isinstance(item, annotated_types.Le):
                high = item.le
        bounds[name] = (low, high)
    return bounds


INTEGER_BOUNDS = _integer_bounds()


def _columns(fields: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int]:
    """Broadcast the fields to 1-D arrays, fill defaults, and validate every value."""
    unknown = sorted(set(fields) - set(Architecture.model_fields))
    if unknown:
        raise ValueError(f"unknown architecture field(s): {', '.join(unknown)}")
    if "first_layer_mode" not in fields:
        raise ValueError("first_layer_mode is required")
    values: dict[str, Any] = {}
    for name, info in Architecture.model_fields.items():
        values[name] = fields.get(name, info.default)
    arrays = dict(
        zip(values, np.broadcast_arrays(*[np.asarray(v) for v in values.values()]), strict=True)
    )
    size = max(1, int(np.prod(next(iter(arrays.values())).shape)))
    columns: dict[str, np.ndarray] = {}
    for name, array in arrays.items():
        flat = np.ravel(array)
        if flat.size == 0:
            raise ValueError("empty batch")
        if name in CATEGORICAL:
            flat = flat.astype(str)
            bad = ~np.isin(flat, CATEGORICAL[name])
            if bad.any():
                raise ValueError(
                    f"{name}: {str(flat[bad][0])!r} is not one of {', '.join(CATEGORICAL[name])}"
                )
            columns[name] = flat
            continue
        numbers = flat.astype(float)
        if not np.all(np.isfinite(numbers)) or np.any(numbers != np.round(numbers)):
            raise ValueError(f"{name}: values must be integers")
        low, high = INTEGER_BOUNDS[name]
        if low is not None and np.any(numbers < low):
            raise ValueError(f"{name}: values must be >= {low}")
        if high is not None and np.any(numbers > high):
            raise ValueError(f"{name}: values must be <= {high}")
        columns[name] = numbers
    sc = columns["first_layer_mode"] == "sc"
    if np.any(sc & (columns["sng_kind"] == "none")):
        raise ValueError("sng_kind: first_layer_mode 'sc' needs a stochastic number generator")
    lfsr = sc & (columns["sng_kind"] == "lfsr")
    if np.any(lfsr & (columns["lfsr_width_bits"] < columns["input_bits"])):
        raise ValueError("lfsr_width_bits: must be at least input_bits")
    return columns, size


def architectures_to_columns(architectures: Iterable[Architecture]) -> dict[str, np.ndarray]:
    """Field-wise arrays of a list of Architecture objects, ready for `evaluate_batch`."""
    items = list(architectures)
    return {
        name: np.asarray([getattr(arch, name) for arch in items])
        for name in Architecture.model_fields
    }


def evaluate_batch(
    workload: Workload,
    technology: Technology,
    designs: Mapping[str, Any] | None = None,
    **fields: Any,
) -> BatchResult:
    """Score many architectures of one workload: Architecture fields as arrays or scalars.

    `designs` (a mapping such as `architectures_to_columns(...)`) and keyword fields are
    merged, keywords winning. Fields left out take the Architecture defaults.
    """
    tech = technology
    merged = {**(designs or {}), **fields}
    col, _ = _columns(merged)
    rows, cols, tiles = col["array_rows"], col["array_cols"], col["tiles"]
    bits, sharing, lfsr_width = col["input_bits"], col["sng_sharing"], col["lfsr_width_bits"]
    mode, kind = col["first_layer_mode"], col["sng_kind"]
    sc = mode == "sc"
    parallel = mode == "fixed_point_parallel"
    serial = mode == "fixed_point_bit_serial"
    n = np.where(sc, col["bitstream_length"], 1.0)
    output_merge = sc & (col["merge_point"] == "output")
    first_range = np.where(sc, np.where(output_merge, 1.0, n), 2.0**bits - 1.0)
    signed_first = np.where(sc, 0.0, 1.0)
    ff, fa = tech.logic.flip_flop, tech.logic.full_adder
    layers = workload.layers
    last = len(layers) - 1
    zero = np.zeros_like(rows)

    # --- mapping and counts per layer ---------------------------------------------------
    plans = []
    for index, layer in enumerate(layers):
        fan_in, outputs, positions = layer.fan_in, layer.outputs, layer.positions
        hidden = index < last
        value_range = first_range if index == 0 else 1.0
        acc_bits = bit_length(fan_in * value_range) + (signed_first if index == 0 else zero)
        per_row = np.where(fan_in > cols, 1.0, np.maximum(1.0, np.floor(cols / next_pow2(fan_in))))
        n_slices = np.ceil(fan_in / cols)
        groups = np.ceil(outputs / per_row)
        weight_rows = groups * n_slices
        threshold_rows = np.ceil(outputs * acc_bits / cols) if hidden else zero
        arrays = np.ceil((weight_rows + threshold_rows) / rows)
        if index == 0:
            repetitions = np.where(sc, n, np.where(serial, bits, 1.0))
        else:
            repetitions = np.where(output_merge, n, 1.0)
        threshold_passes = np.where(output_merge, n, 1.0)
        row_reads = positions * weight_rows * repetitions
        comparisons = outputs * positions * threshold_passes if hidden else zero
        cycles = (
            np.ceil(row_reads / np.minimum(tiles, arrays)) + PIPELINE_DEPTH_CYCLES * repetitions
        )
        plans.append(
            dict(
                index=index,
                acc_bits=acc_bits,
                per_row=per_row,
                arrays=arrays,
                row_reads=row_reads,
                comparisons=comparisons,
                accumulations=outputs * positions * n_slices * repetitions,
                act_read=positions * groups * fan_in * repetitions if index > 0 else zero,
                act_written=outputs * positions * threshold_passes if hidden else zero,
                cycles=cycles,
            )
        )

    # --- area ---------------------------------------------------------------------------
    array = MramArray(tech, rows, cols)
    acc_bits_max = np.max([p["acc_bits"] for p in plans], axis=0)
    per_row_max = np.max([p["per_row"] for p in plans], axis=0)
    total_arrays = np.sum([p["arrays"] for p in plans], axis=0)
    popcount_fas = adder_tree_full_adders(cols, 1)
    multibit_fas = adder_tree_full_adders(cols, bits + 1)
    pipe_binary_bits = bit_length(cols)
    pipe_first_bits = np.where(parallel, bit_length(cols * first_range) + 1, pipe_binary_bits)
    first_layer, final_layer = layers[0], layers[-1]
    values = first_layer.input_values
    generators = np.ceil(values / sharing)
    generator_area = np.where(
        kind == "lfsr",
        Lfsr(tech, lfsr_width, bits).area_um2,
        np.where(
            kind == "sobol", SobolGenerator(tech, bits).area_um2, MtjTrng(tech, bits).area_um2
        ),
    )
    generator_energy = np.where(
        kind == "lfsr",
        Lfsr(tech, lfsr_width, bits).step_energy_fj,
        np.where(
            kind == "sobol",
            SobolGenerator(tech, bits).step_energy_fj,
            MtjTrng(tech, bits).step_energy_fj,
        ),
    )
    comparator = tech.logic.comparator_bit
    partial_bits = np.where(
        sc & ~output_merge & (n > 1),
        first_layer.outputs * first_layer.positions * plans[0]["acc_bits"],
        0.0,
    )
    partial = SramBuffer(tech, partial_bits)
    hidden_values = [layer.output_values for layer in layers[:-1]]
    activations = SramBuffer(tech, 2 * max(hidden_values, default=0))
    score_passes = np.where(output_merge, n, 1.0)
    final_range = first_range if last == 0 else 1.0
    score_bits = bit_length(final_layer.fan_in * final_range * score_passes)
    score_bits = score_bits + (signed_first if last == 0 else 0.0)

    area = {
        "mram_arrays": total_arrays * array.area_um2,
        "sense_amplifiers": tiles * SenseAmplifiers(tech, cols).area_um2,
        "xnor": tiles * XnorArray(tech, cols * np.where(parallel, bits, 1.0)).area_um2,
        "popcount": tiles * np.where(parallel, multibit_fas, popcount_fas) * fa.area_um2,
        "accumulators": tiles * per_row_max * Accumulator(tech, acc_bits_max).area_um2,
        "threshold": tiles * per_row_max * ThresholdComparator(tech, acc_bits_max).area_um2,
        "sng": np.where(sc, generators * generator_area + values * bits * comparator.area_um2, 0.0),
        "input_register": Register(tech, values * bits).area_um2,
        "activation_buffer": activations.area_um2 + zero,
        "partial_sum_buffer": partial.area_um2,
        "output_scores": final_layer.output_values * score_bits * ff.area_um2
        + np.where(output_merge, score_bits * fa.area_um2, 0.0),
        "registers_control": tiles * pipe_first_bits * ff.area_um2
        + Control(tech, tiles, bit_length(rows - 1)).area_um2,
        "leakage": zero,
    }
    total_area = sum(area.values())
    cmos_area = total_area - total_arrays * array.cell_area_um2

    # --- energy -------------------------------------------------------------------------
    energy = {name: zero.copy() for name in COMPONENTS}
    total_cycles = np.sum([p["cycles"] for p in plans], axis=0)
    popcount_energy = popcount_fas * fa.energy_fj
    multibit_energy = multibit_fas * fa.energy_fj
    xnor_binary = XnorArray(tech, cols).energy_fj
    xnor_first = XnorArray(tech, cols * bits).energy_fj
    bit_read = array.bit_read_energy_fj
    sense_bit = tech.sense_amplifier.energy_fj
    for p in plans:
        reads = p["row_reads"]
        first_parallel = parallel if p["index"] == 0 else np.zeros_like(parallel)
        threshold_bits_read = p["comparisons"] * p["acc_bits"]
        energy["mram_arrays"] += reads * array.row_read_energy_fj + threshold_bits_read * bit_read
        energy["sense_amplifiers"] += (reads * cols + threshold_bits_read) * sense_bit
        energy["xnor"] += reads * np.where(first_parallel, xnor_first, xnor_binary)
        energy["popcount"] += reads * np.where(first_parallel, multibit_energy, popcount_energy)
        energy["accumulators"] += p["accumulations"] * Accumulator(tech, p["acc_bits"]).energy_fj
        energy["threshold"] += p["comparisons"] * ThresholdComparator(tech, p["acc_bits"]).energy_fj
        energy["activation_buffer"] += (
            p["act_read"] * activations.read_energy_fj_per_bit
            + p["act_written"] * activations.write_energy_fj_per_bit
        )
        pipe_bits = np.where(first_parallel, pipe_first_bits, pipe_binary_bits)
        energy["registers_control"] += (
            reads * pipe_bits * ff.energy_fj + p["cycles"] * tech.control.energy_fj_per_cycle
        )
    energy["input_register"] += values * bits * ff.energy_fj
    energy["sng"] += np.where(
        sc, n * (generators * generator_energy + values * bits * comparator.energy_fj), 0.0
    )
    energy["partial_sum_buffer"] += (
        n * partial_bits * (partial.read_energy_fj_per_bit + partial.write_energy_fj_per_bit)
    )
    energy["output_scores"] += (
        score_passes
        * final_layer.output_values
        * score_bits
        * (ff.energy_fj + np.where(output_merge, fa.energy_fj, 0.0))
    )
    for name in energy:
        energy[name] = energy[name] * FJ_TO_PJ
    latency_ns = total_cycles * tech.cycle_ns
    mram_cells = total_arrays * rows * cols * tech.mram.cells_per_bit
    energy["leakage"] = leakage_energy_pj(tech, cmos_area, mram_cells, latency_ns)
    total_energy = sum(energy.values())

    # --- counts -------------------------------------------------------------------------
    def layer_sum(key: str) -> np.ndarray:
        return np.sum([p[key] for p in plans], axis=0)

    row_reads = layer_sum("row_reads")
    threshold_bits = np.sum([p["comparisons"] * p["acc_bits"] for p in plans], axis=0)
    random_numbers = np.where(sc, generators * n, 0.0)
    counts = {
        "arrays": total_arrays,
        "row_reads": row_reads,
        "bits_read": row_reads * cols + threshold_bits,
        "popcounts": row_reads,
        "accumulations": layer_sum("accumulations"),
        "threshold_comparisons": layer_sum("comparisons"),
        "sng_generators": np.where(sc, generators, 0.0),
        "random_numbers": random_numbers,
        "random_bits_generated": random_numbers * bits,
        "comparator_evaluations": np.where(sc, values * n, 0.0),
        "activation_bits_read": layer_sum("act_read"),
        "activation_bits_written": layer_sum("act_written"),
        "partial_sum_bits_accessed": 2 * n * partial_bits,
        "cycles": total_cycles,
    }
    return BatchResult(
        area_um2=total_area,
        area_mm2=total_area * 1e-6,
        energy_pj=total_energy,
        latency_ns=latency_ns,
        inferences_per_s=1e9 / latency_ns,
        average_power_mw=total_energy / latency_ns,
        effective_bitstream_length=n,
        area_by_component_um2=area,
        energy_by_component_pj=energy,
        counts=counts,
    )
