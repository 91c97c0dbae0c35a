"""`evaluate`: score one design, with a per-component and per-layer breakdown.

The reference evaluator: plain Python over the layers, one component object per block, every
count kept for the report. `hwmodel.batch` computes the same totals with numpy for sweeps.

What repeats N times depends on the merge point (docs/hwmodel.md has the equations):
- sc, first_layer: layer 1 is read N times (one stochastic image per pass); its counts are
  kept per neuron across passes in the partial-sum buffer and thresholded once. The rest of
  the network runs once.
- sc, output: the whole network runs N times; the class scores are summed over the passes.
- fixed_point_parallel: layer 1 runs once on a multi-bit adder datapath.
- fixed_point_bit_serial: layer 1 runs once per input bit-plane (input_bits times) on the
  binary datapath, combined by a shift-add accumulator.
"""

from __future__ import annotations

import math

from hwmodel.architecture import Architecture
from hwmodel.components import (
    Accumulator,
    Control,
    MramArray,
    MultiBitAdderTree,
    PopcountTree,
    Register,
    SenseAmplifiers,
    SngBank,
    SramBuffer,
    ThresholdComparator,
    XnorArray,
    generator_for,
    leakage_energy_pj,
)
from hwmodel.mapping import PIPELINE_DEPTH_CYCLES, bit_length, neurons_per_row, slices
from hwmodel.report import COMPONENTS, SHARED, CostReport, Counts, LayerCost
from hwmodel.technology import Technology
from hwmodel.workload import Workload

FJ_TO_PJ = 1e-3


def _zero() -> dict[str, float]:
    return dict.fromkeys(COMPONENTS, 0.0)


def evaluate(workload: Workload, architecture: Architecture, technology: Technology) -> CostReport:
    """Area, energy per inference and latency of `architecture` running `workload`."""
    arch, tech = architecture, technology
    rows, cols, tiles, bits = arch.array_rows, arch.array_cols, arch.tiles, arch.input_bits
    sc = arch.first_layer_mode == "sc"
    parallel = arch.first_layer_mode == "fixed_point_parallel"
    serial = arch.first_layer_mode == "fixed_point_bit_serial"
    n = arch.effective_bitstream_length
    output_merge = sc and arch.merge_point == "output"
    layers = workload.layers
    last = len(layers) - 1
    # Largest value one layer-1 input contributes to a neuron's accumulated count.
    if not sc:
        first_layer_range = (1 << bits) - 1  # a B-bit pixel
    elif output_merge:
        first_layer_range = 1  # one stochastic bit per pass, thresholded every pass
    else:
        first_layer_range = n  # N stochastic bits, accumulated over the passes
    signed_first = 0 if sc else 1  # the fixed-point sum of +-pixels is signed

    # --- per-layer mapping and work counts -------------------------------------------------
    plans = []
    for index, layer in enumerate(layers):
        value_range = first_layer_range if index == 0 else 1
        acc_bits = bit_length(layer.fan_in * value_range) + (signed_first if index == 0 else 0)
        per_row = neurons_per_row(layer.fan_in, cols)
        n_slices = slices(layer.fan_in, cols)
        groups = math.ceil(layer.outputs / per_row)
        weight_rows = groups * n_slices
        hidden = index < last
        threshold_rows = math.ceil(layer.outputs * acc_bits / cols) if hidden else 0
        arrays = math.ceil((weight_rows + threshold_rows) / rows)
        if index == 0:
            repetitions = n if sc else (bits if serial else 1)
        else:
            repetitions = n if output_merge else 1
        threshold_passes = n if output_merge else 1
        row_reads = layer.positions * weight_rows * repetitions
        comparisons = layer.outputs * layer.positions * threshold_passes if hidden else 0
        busy = min(tiles, arrays)
        cycles = math.ceil(row_reads / busy) + PIPELINE_DEPTH_CYCLES * repetitions
        plans.append(
            dict(
                layer=layer,
                index=index,
                hidden=hidden,
                acc_bits=acc_bits,
                per_row=per_row,
                slices=n_slices,
                groups=groups,
                weight_rows=weight_rows,
                threshold_rows=threshold_rows,
                arrays=arrays,
                busy=busy,
                repetitions=repetitions,
                row_reads=row_reads,
                comparisons=comparisons,
                accumulations=layer.outputs * layer.positions * n_slices * repetitions,
                act_read=(
                    layer.positions * groups * layer.fan_in * repetitions if index > 0 else 0
                ),
                act_written=layer.outputs * layer.positions * threshold_passes if hidden else 0,
                cycles=cycles,
            )
        )

    # --- the hardware: arrays, tiles, first-layer input, buffers, output ------------------
    array = MramArray(tech, rows, cols)
    acc_bits_max = max(p["acc_bits"] for p in plans)
    per_row_max = max(p["per_row"] for p in plans)
    sense = SenseAmplifiers(tech, cols)
    popcount = PopcountTree(tech, cols)
    multibit = MultiBitAdderTree(tech, cols, bits + 1) if parallel else None
    xnor_binary = XnorArray(tech, cols)
    xnor_tile = XnorArray(tech, cols * bits) if parallel else xnor_binary
    tree_area = multibit.area_um2 if multibit else popcount.area_um2
    pipe_binary = Register(tech, bit_length(cols))
    pipe_first = (
        Register(tech, bit_length(cols * first_layer_range) + 1) if parallel else pipe_binary
    )
    control = Control(tech, tiles, bit_length(rows - 1))
    first, final = plans[0], plans[-1]
    values = layers[0].input_values
    input_register = Register(tech, values * bits)
    generator = generator_for(tech, arch.sng_kind, bits, arch.lfsr_width_bits) if sc else None
    sng = SngBank(tech, generator, values, arch.sng_sharing, bits) if generator else None
    partial_bits = (
        layers[0].outputs * layers[0].positions * first["acc_bits"]
        if (sc and not output_merge and n > 1)
        else 0
    )
    partial = SramBuffer(tech, partial_bits)
    hidden_values = [p["layer"].output_values for p in plans if p["hidden"]]
    activations = SramBuffer(tech, 2 * max(hidden_values, default=0))
    score_passes = n if output_merge else 1
    final_range = first_layer_range if final["index"] == 0 else 1
    score_bits = bit_length(final["layer"].fan_in * final_range * score_passes)
    score_bits += signed_first if final["index"] == 0 else 0
    scores = Register(tech, final["layer"].output_values * score_bits)
    score_adder_area = score_bits * tech.logic.full_adder.area_um2 if output_merge else 0.0

    area = _zero()
    layer_area = {layer.name: 0.0 for layer in layers}
    for p in plans:
        memory = p["arrays"] * array.area_um2
        area["mram_arrays"] += memory
        layer_area[p["layer"].name] += memory
    area["sense_amplifiers"] = tiles * sense.area_um2
    area["xnor"] = tiles * xnor_tile.area_um2
    area["popcount"] = tiles * tree_area
    area["accumulators"] = tiles * per_row_max * Accumulator(tech, acc_bits_max).area_um2
    area["threshold"] = tiles * per_row_max * ThresholdComparator(tech, acc_bits_max).area_um2
    area["registers_control"] = tiles * pipe_first.area_um2 + control.area_um2
    area["activation_buffer"] = activations.area_um2
    first_extras = input_register.area_um2 + partial.area_um2 + (sng.area_um2 if sng else 0.0)
    area["input_register"] = input_register.area_um2
    area["sng"] = sng.area_um2 if sng else 0.0
    area["partial_sum_buffer"] = partial.area_um2
    area["output_scores"] = scores.area_um2 + score_adder_area
    layer_area[layers[0].name] += first_extras
    layer_area[layers[-1].name] += area["output_scores"]
    total_area = sum(area.values())
    shared = ("sense_amplifiers", "xnor", "popcount", "accumulators", "threshold")
    shared += ("registers_control", "activation_buffer")
    layer_area[SHARED] = sum(area[name] for name in shared)
    cmos_area = total_area - sum(p["arrays"] for p in plans) * array.cell_area_um2
    mram_cells = sum(p["arrays"] for p in plans) * rows * cols * tech.mram.cells_per_bit

    # --- energy per inference, layer by layer ----------------------------------------------
    cycle_ns = tech.cycle_ns
    energy = _zero()
    layer_costs: list[LayerCost] = []
    ff, fa = tech.logic.flip_flop, tech.logic.full_adder
    for p in plans:
        layer, index, reads = p["layer"], p["index"], p["row_reads"]
        first_parallel = index == 0 and parallel
        threshold_bits_read = p["comparisons"] * p["acc_bits"]
        e = _zero()  # fJ here, pJ once summed
        e["mram_arrays"] = (
            reads * array.row_read_energy_fj + threshold_bits_read * array.bit_read_energy_fj
        )
        e["sense_amplifiers"] = (reads * cols + threshold_bits_read) * sense.energy_fj_per_bit
        e["xnor"] = reads * (xnor_tile.energy_fj if first_parallel else xnor_binary.energy_fj)
        e["popcount"] = reads * (multibit.energy_fj if first_parallel else popcount.energy_fj)
        e["accumulators"] = p["accumulations"] * Accumulator(tech, p["acc_bits"]).energy_fj
        e["threshold"] = p["comparisons"] * ThresholdComparator(tech, p["acc_bits"]).energy_fj
        e["activation_buffer"] = (
            p["act_read"] * activations.read_energy_fj_per_bit
            + p["act_written"] * activations.write_energy_fj_per_bit
        )
        pipe = pipe_first if first_parallel else pipe_binary
        e["registers_control"] = reads * pipe.energy_fj + p["cycles"] * control.energy_fj_per_cycle
        if index == 0:
            e["input_register"] = input_register.energy_fj
            if sng:
                e["sng"] = n * sng.energy_fj_per_pass
            e["partial_sum_buffer"] = (
                n
                * partial_bits
                * (partial.read_energy_fj_per_bit + partial.write_energy_fj_per_bit)
                if partial_bits
                else 0.0
            )
        if index == last:
            adds = score_passes * layer.output_values * score_bits
            e["output_scores"] = adds * (ff.energy_fj + (fa.energy_fj if output_merge else 0.0))
        latency_ns = p["cycles"] * cycle_ns
        e = {key: value * FJ_TO_PJ for key, value in e.items()}
        e["leakage"] = leakage_energy_pj(tech, cmos_area, mram_cells, latency_ns)
        for key, value in e.items():
            energy[key] += value
        layer_costs.append(
            LayerCost(
                name=layer.name,
                kind=layer.kind,
                fan_in=layer.fan_in,
                outputs=layer.outputs,
                positions=layer.positions,
                weights=layer.weights,
                neurons_per_row=p["per_row"],
                slices=p["slices"],
                weight_rows=p["weight_rows"],
                threshold_rows=p["threshold_rows"],
                arrays=p["arrays"],
                parallel_tiles=p["busy"],
                repetitions=p["repetitions"],
                accumulator_bits=p["acc_bits"],
                row_reads=reads,
                bits_read=reads * cols + threshold_bits_read,
                popcounts=reads,
                accumulations=p["accumulations"],
                threshold_comparisons=p["comparisons"],
                activation_bits_read=p["act_read"],
                activation_bits_written=p["act_written"],
                cycles=p["cycles"],
                latency_ns=latency_ns,
                area_um2=layer_area[layer.name],
                energy_pj=sum(e.values()),
                energy_by_component_pj=e,
            )
        )

    total_energy = sum(energy.values())
    total_cycles = sum(p["cycles"] for p in plans)
    latency_ns = total_cycles * cycle_ns
    sng_generators = int(sng.generators) if sng else 0
    counts = Counts(
        weight_bits=workload.total_weights,
        mram_cells=mram_cells,
        arrays=sum(p["arrays"] for p in plans),
        row_reads=sum(c.row_reads for c in layer_costs),
        bits_read=sum(c.bits_read for c in layer_costs),
        popcounts=sum(c.popcounts for c in layer_costs),
        accumulations=sum(c.accumulations for c in layer_costs),
        threshold_comparisons=sum(c.threshold_comparisons for c in layer_costs),
        sng_generators=sng_generators,
        random_numbers=sng_generators * n,
        random_bits_generated=int(sng.random_bits_per_pass) * n if sng else 0,
        comparator_evaluations=values * n if sng else 0,
        activation_bits_read=sum(c.activation_bits_read for c in layer_costs),
        activation_bits_written=sum(c.activation_bits_written for c in layer_costs),
        partial_sum_bits_accessed=2 * n * partial_bits,
        cycles=total_cycles,
    )
    return CostReport(
        workload=workload.name,
        technology=tech.name,
        architecture=arch,
        effective_bitstream_length=n,
        area_um2=total_area,
        area_mm2=total_area * 1e-6,
        energy_pj=total_energy,
        latency_ns=latency_ns,
        inferences_per_s=1e9 / latency_ns,
        average_power_mw=total_energy / latency_ns,
        area_by_component_um2=area,
        energy_by_component_pj=energy,
        area_by_layer_um2=layer_area,
        energy_by_layer_pj={c.name: c.energy_pj for c in layer_costs},
        layers=layer_costs,
        counts=counts,
    )
