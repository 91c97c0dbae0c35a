"""Buildable designs by hand: read parallelism, the busiest cycle's current and power, the
folded baseline, layer pipelining, wires and placement (docs/hwmodel.md sections 3, 6, 14).

Every expected number follows from the equations of docs/hwmodel.md and the test technology
of tests/hwmodel/test_hw_golden.py (round numbers, 1 ns cycles, 0.9 V), never from the
evaluator. Notation as there; S rows sensed at once, g row groups (cycles to sense every row
of an array once), h cycles of one neuron's fan-in, parallel_rows R_p.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwmodel import (
    COMPONENTS,
    Architecture,
    LayerShape,
    Technology,
    Workload,
    architectures_to_columns,
    evaluate,
    evaluate_batch,
)
from tests.hwmodel.test_device_golden import ERRORS
from tests.hwmodel.test_hw_golden import (
    A_CELL,
    A_CMP,
    A_CTRL,
    A_FF,
    A_SA,
    A_SRAM,
    A_XNOR,
    ACC_BIT,
    ACC_E,
    ACTIVATIONS,
    ARRAY,
    E_ACT,
    E_CMP,
    E_CTRL,
    E_FF,
    E_MUX,
    E_SA,
    E_SRAM_READ,
    E_SRAM_WRITE,
    INPUT_REGISTER,
    LINE_REGISTER,
    MLP,
    RIPPLE_4_1,
    RIPPLE_6_1,
    RIPPLE_6_3,
    SCORE_BITS,
    SOBOL_AREA,
    SOBOL_BANK_AREA,
    TRNG_AREA,
    TRNG_STEP,
    B,
    C,
    N,
    R,
    arch,
    neuron_parallel_parallel,
    shared_tiles_parallel,
    technology,
    tile_per_array_sc,
)

SUPPLY_V = 0.9
CYCLE_NS = 1.0


DEVICE = {"resistance_parallel_kohm": 5.0, "tmr": 2.0, "tmr_half_bias_mv": 100.0,
          "resistance_sigma": 0.05, "sense_offset_ua": 1.0, "thermal_stability": 60.0,
          "attempt_time_ns": 1.0, "write_error_rate": 0.0}
WIRES = {"energy_fj_per_bit_mm": 2.0, "delay_ns_per_mm": 100.0, "wire_pitch_um": 0.5,
         "folded_ratio": 2.0}


def variant(tech: Technology, **sections) -> Technology:
    """`tech` with whole sections or top-level numbers replaced (validated)."""
    return Technology.model_validate({**tech.model_dump(), **sections})


def with_device(tech: Technology) -> Technology:
    """A device model whose read currents are round: R_P = 5 kOhm, TMR_0 = 2 halving at
    100 mV, so at a 100 mV read I_P = 100 / 5 = 20 uA, TMR(100 mV) = 1, I_AP = 10 uA: a
    cell's mean read current is 15 uA."""
    return variant(tech, device_errors={**ERRORS, **DEVICE})


CELL_CURRENT_UA = 15.0


def _expect(report, area: dict, energy_fj: dict, latency_ns: float) -> None:
    expected_area = {name: area.get(name, 0.0) for name in COMPONENTS}
    assert report.area_by_component_um2 == pytest.approx(expected_area, rel=1e-12)
    expected_energy = {name: energy_fj.get(name, 0.0) / 1000 for name in COMPONENTS}
    assert report.energy_by_component_pj == pytest.approx(expected_energy, rel=1e-12)
    assert report.latency_ns == pytest.approx(latency_ns, rel=1e-12)


# --- the busiest cycle of one layer ----------------------------------------------------------

ONE_LAYER = Workload(name="one_layer", layers=[LayerShape(name="fc1", inputs=6, outputs=4)])


def test_peak_current_and_power_of_a_small_design_by_hand() -> None:
    """fc1: 6 -> 4, the output layer; shared tiles (T = 2), 4 x 4 arrays, 1t1mtj (no
    reference columns), bit-serial B = 2, reads at 100 mV.
    k = 1, s = 2, W = 8, no threshold rows, a = bit_length(6 * 3) + 1 = 6, A = 2, r = 2,
    E = 16, u = 2, a row per tile per cycle: steps ceil(16 / 2) = 8, cycles 8 + 3 = 11.
    Energies (fJ): arrays 16 row reads x (100 + 4 x 10 x 100 / 200) = 1920 (the cell's read
    energy is quoted at 200 mV and scales with the voltage); amplifiers 16 x 4 x 3 = 192;
    popcount 16 x FA(4, 1) (1 FA + 3 HA: 2.5) = 40; accumulators M P s r a = 4 x 2 x 2 x 6
    = 96 bits x 3 = 288; input register 12 x 2 = 24; routing E C = 64 x 0.25 = 16; partial
    sums M P a = 24 bits, r = 2 accesses x 9 = 432; scores bit_length(18) + 1 = 6 bits x 4
    x 2 = 48; pipeline 16 x bit_length(4) = 3 bits x 2 = 96 and sequencer 11 x 20 = 220.
    Busiest cycle: u = 2 rows read at once, 2 x 120 = 240 fJ and 2 x 4 x 3 = 24 fJ of
    amplifiers; the rest (3276 - 1920 - 192 = 1164 fJ) over the 8 steps, 145.5 fJ; 409.5 fJ
    in a 1 ns cycle: 0.4095 mW. Current: 409.5 fJ / (0.9 V x 1 ns) = 455 uA, plus the 8
    cells read at once x 15 uA = 120 uA: 575 uA."""
    tech = with_device(technology())
    report = evaluate(ONE_LAYER, Architecture(
        organisation="shared_tiles", tiles=2, array_rows=R, array_cols=C, mram_cell="1t1mtj",
        first_layer_mode="fixed_point_bit_serial", input_bits=B, sng_kind="none",
        read_voltage_mv=100), tech)
    energy = {"mram_arrays": 1920.0, "sense_amplifiers": 192.0, "popcount": 40.0,
              "accumulators": 288.0, "input_register": 24.0, "layer_inputs": 16.0,
              "partial_sum_buffer": 432.0, "output_scores": 48.0,
              "registers_control": 96.0 + 220.0}
    assert report.energy_by_component_pj == pytest.approx(
        {name: energy.get(name, 0.0) / 1000 for name in COMPONENTS}, rel=1e-12)
    assert report.latency_ns == pytest.approx(11.0)
    cycle_fj = 240 + 24 + (sum(energy.values()) - 1920 - 192) / 8
    assert cycle_fj == pytest.approx(409.5)
    assert report.peak_power_mw == pytest.approx(cycle_fj / CYCLE_NS * 1e-3, rel=1e-12)
    assert report.peak_current_a == pytest.approx(
        (cycle_fj / (SUPPLY_V * CYCLE_NS) + 2 * 4 * CELL_CURRENT_UA) * 1e-6, rel=1e-12)
    assert report.peak_current_a == pytest.approx(575e-6, rel=1e-12)
    assert report.layers[0].rows_at_once == 2
    assert report.average_power_mw == pytest.approx(report.energy_pj / 11.0, rel=1e-12)
    assert report.power_density_mw_per_mm2 == pytest.approx(
        report.average_power_mw / report.area_mm2, rel=1e-12)
    assert report.peak_current_a_per_mm2 == pytest.approx(
        report.peak_current_a / report.area_mm2, rel=1e-12)
    assert report.area_latency_mm2_us == pytest.approx(report.area_mm2 * 11e-3, rel=1e-12)
    assert report.energy_delay_nj_us == pytest.approx(report.energy_pj * 1e-3 * 11e-3,
                                                      rel=1e-12)


def test_two_rows_at_once_double_the_lanes_and_the_cells_read() -> None:
    """The same layer with each tile sensing 2 rows at once: 2 x 4 lanes and 2 trees per
    tile, bitline segments of ceil(4 / 2) = 2 cells (the test technology's read energy does
    not depend on the length: bitline_fixed_fraction 1), steps ceil(16 / (2 x 2)) = 4,
    cycles 7. Busiest cycle: 4 rows read, 4 x 120 = 480 fJ, 4 x 4 x 3 = 48 fJ of amplifiers,
    the rest (as before, but the sequencer's 7 cycles: 40 + 288 + 24 + 16 + 432 + 48 + 96 +
    140 = 1084 fJ) over 4 steps, 271 fJ: 799 fJ, 0.799 mW; 799 / 0.9 uA + 16 cells x 15 uA."""
    tech = with_device(technology())
    report = evaluate(ONE_LAYER, Architecture(
        organisation="shared_tiles", tiles=2, array_rows=R, array_cols=C, mram_cell="1t1mtj",
        first_layer_mode="fixed_point_bit_serial", input_bits=B, sng_kind="none",
        read_voltage_mv=100, parallel_rows=2), tech)
    assert report.layers[0].cycles == 7 and report.layers[0].rows_at_once == 4
    assert report.area_by_component_um2["sense_amplifiers"] == 2 * 2 * C * A_SA
    assert report.area_by_component_um2["popcount"] == pytest.approx(2 * 2 * RIPPLE_4_1.area)
    assert report.energy_by_component_pj["mram_arrays"] == pytest.approx(1.92)
    assert report.peak_power_mw == pytest.approx(0.799, rel=1e-12)
    assert report.peak_current_a == pytest.approx((799 / 0.9 + 16 * CELL_CURRENT_UA) * 1e-6,
                                                  rel=1e-12)


# --- read parallelism: neuron_parallel between row by row and every row ----------------------

def segmented_technology():
    """A read energy quoted for a 4-cell bitline, half of it fixed: a segment of L cells
    costs 10 (0.5 + 0.5 L / 4) fJ per cell."""
    tech = technology()
    return tech.with_values({"mram.read_energy_bitline_rows": 4,
                             "mram.bitline_fixed_fraction": 0.5})


def test_neuron_parallel_two_rows_at_once_by_hand() -> None:
    """The golden MLP (fc1 6 -> 4 hidden, fc2 4 -> 2), SC with an MTJ TRNG (N = 3),
    neuron_parallel sensing R_p = 2 of each array's 4 rows per cycle.
    fc1: W = 8, a = 5, 5 threshold rows, 13 rows in A = 4 arrays: S = 3 x 2 + min(2, 1) = 7,
      g = ceil(4 / 2) = 2, h = ceil(s / S) = ceil(2 / 7) = 1, trees min(4, ceil(4 / 2)) = 2
      of width min(6, 7 x 4) = 6; steps P r g = 6, cycles 6 + 3 = 9; 12 tree evaluations
      and accumulations (r = 3); lanes 7 x 4; accumulators M a = 20 bits (r > 1);
      comparators trees x a = 10 bits; pipeline 2 x bit_length(6) = 6 bits; row counters
      A bit_length(g - 1) = 4 bits; input delivered steps x F = 36 bits.
    fc2: W = 2 rows in one array: S = 2, g = 1, trees min(2, 2) = 2 of width 4, steps 1,
      cycles 4; lanes 2 x 4; pipeline 2 x 3 bits; delivered 4.
    Bitline segments of ceil(4 / 2) = 2 cells: 10 (0.5 + 0.5 x 2 / 4) = 7.5 fJ per cell, a
    row read 100 + 4 x 7.5 = 130 fJ, a threshold bit 7.5 fJ."""
    report = evaluate(MLP, arch("neuron_parallel", "sc", sng_kind="mtj_trng", parallel_rows=2),
                      segmented_technology())
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": (7 + 2) * C * A_SA,
        "popcount": (2 * RIPPLE_6_1 + 2 * RIPPLE_4_1).area,
        "accumulators": 4 * 5 * ACC_BIT,
        "threshold": 2 * 5 * A_CMP,
        "sng": 6 * TRNG_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (2 * 3 + 2 * 3 + 4 * 1) * A_FF + A_CTRL,
    }
    row_read = E_ACT + C * 7.5
    energy = {
        "mram_arrays": (24 + 2) * row_read + 20 * 7.5,
        "sense_amplifiers": ((24 + 2) * C + 20) * E_SA,
        "popcount": (12 * RIPPLE_6_1 + 2 * RIPPLE_4_1).energy,
        "accumulators": 12 * 5 * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 6 * N * TRNG_STEP + N * 6 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (36 + 4) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (12 * 3 + 2 * 3) * E_FF + (9 + 4) * E_CTRL,
    }
    _expect(report, area, energy, 13.0)
    assert [(layer.busy_units, layer.cycles, layer.rows_at_once) for layer in report.layers] == [
        (2, 9, 7), (2, 4, 2)]


def test_row_by_row_neuron_parallel_counts_a_neuron_over_several_cycles() -> None:
    """fc2 (F = 4 = C, W = 2 rows of one array) sensed one row per cycle has S = 1 and
    g = 2, h = ceil(1 / 1) = 1; fc1 (s = 2) with S = 4 arrays x 1 row = 4 fits a neuron
    in a cycle. A layer whose neuron spans more rows than are sensed at once accumulates:
    an 8-input dense layer of 2 neurons on 4 x 4 arrays (s = 2, W = 4, one array): S = 1,
    g = 4, h = 2, trees min(2, ceil(2 x 2 / 4)) = 1 of width min(8, 4) = 4, accumulations
    M h = 4 into trees x a = bit_length(8) = 4 accumulator bits."""
    workload = Workload(name="spans", layers=[LayerShape(name="fc1", inputs=8, outputs=2)])
    report = evaluate(workload, arch("neuron_parallel", "fixed_point_bit_serial",
                                     input_bits=1, parallel_rows=1), technology())
    layer = report.layers[0]
    assert (layer.busy_units, layer.rows_at_once, layer.popcounts) == (1, 1, 4)
    assert layer.accumulations == 4 and layer.cycles == 4 + 3
    # accumulator bits: a = bit_length(8 x 1) + 1 (signed) = 5, one tree's neuron
    assert report.area_by_component_um2["accumulators"] == pytest.approx(5 * ACC_BIT)


def test_the_neuron_parallel_family_trades_cycles_for_lanes() -> None:
    """From row by row to every row of the paper's layer sizes: each doubling of R_p halves
    the row groups, so the cycles fall and the lanes, trees and peak current grow."""
    from hwmodel import load_technology, mlp_workload

    tech = load_technology("stt_mram_28nm")
    workload = mlp_workload(784, [1024, 1024], 10)
    reports = [evaluate(workload, Architecture(organisation="neuron_parallel",
                                               first_layer_mode="sc", bitstream_length=8,
                                               sng_kind="mtj_trng", parallel_rows=rows), tech)
               for rows in (1, 4, 16, 64, 256)]
    for fewer, more in zip(reports, reports[1:], strict=False):
        assert more.latency_ns < fewer.latency_ns
        assert more.peak_current_a > fewer.peak_current_a
        assert (more.area_by_component_um2["sense_amplifiers"]
                > fewer.area_by_component_um2["sense_amplifiers"])
    # every row at once: fc1's 4096 weight rows and 80 threshold rows all sensed, one step
    # per pass: 8 + 3 cycles (+ 1 + 3 for fc2 and fc3)
    full = reports[-1]
    assert full.layers[0].rows_at_once == 4096 and full.layers[0].cycles == 11
    assert full.latency_ns == pytest.approx((11 + 4 + 4) * tech.cycle_ns)
    # row by row: 256 row groups per pass
    assert reports[0].layers[0].cycles == 8 * 256 + 3


# --- the folded parallel baseline ------------------------------------------------------------

def test_folded_parallel_baseline_by_hand() -> None:
    """neuron_parallel_parallel (every row at once) with layer 1 folded over 2 cycles: fc1's
    S = 14 rows (8 weight + 6 threshold) halve to ceil(14 / 2) = 7 per cycle in g = 2
    groups; trees min(4, ceil(4 / 2)) = 2 of FA(6, 3), 7 x 4 lanes, negation XNORs
    min(7, 8) x 4 x B = 56, comparators 2 x 6, pipeline 2 x 6 bits, row counters
    4 x bit_length(1) = 4; steps 2, cycles 5; 4 tree evaluations, 12 input values delivered
    (2 B bits each). fc2 as unfolded. The memory reads and the multi-bit work are those of
    the unfolded baseline."""
    base = neuron_parallel_parallel()
    folded = evaluate(MLP, base.architecture.model_copy(update={"first_layer_fold": 2}),
                      base.technology)
    area = {
        **base.area_um2,
        "sense_amplifiers": (7 + 2) * C * A_SA,
        "xnor": 7 * C * B * A_XNOR,
        "popcount": (2 * RIPPLE_6_3 + 2 * RIPPLE_4_1).area,
        "threshold": 2 * 6 * A_CMP,
        "registers_control": (2 * 6 + 2 * 3 + 4 * 1) * A_FF + A_CTRL,
    }
    energy = {
        **base.energy_fj,
        "layer_inputs": (12 * B + 4) * E_MUX + 4 * E_FF,
        "registers_control": (4 * 6 + 2 * 3) * E_FF + (5 + 4) * E_CTRL,
    }
    _expect(folded, area, energy, 9.0)
    assert folded.layers[0].busy_units == 2


def test_fold_is_ignored_by_the_binary_first_layers() -> None:
    sc = arch("neuron_parallel", "sc", parallel_rows=R)
    for design in (sc, arch("neuron_parallel", "fixed_point_bit_serial", parallel_rows=R)):
        plain = evaluate(MLP, design, technology())
        folded = evaluate(MLP, design.model_copy(update={"first_layer_fold": 3}), technology())
        assert folded.energy_pj == plain.energy_pj and folded.area_um2 == plain.area_um2


# --- layer pipelining ------------------------------------------------------------------------

def test_layer_pipelining_by_hand() -> None:
    """tile_per_array_sc (fc1 9 cycles, fc2 5) with its layers pipelined and leaky logic
    (2 nW/um^2, cells 5 nW): an inference enters every interval = 9 ns and takes
    2 x 9 = 18 ns; the chip's static power is charged per inference for the interval,
    P x 9 ns, split 9 : 5 between the layers; the busiest cycle is both layers' at once.
    The two-layer MLP's single hidden layer keeps the buffers' sizes."""
    base = tile_per_array_sc()
    tech = technology(2.0, 5.0)
    sequential = evaluate(MLP, base.architecture, tech)
    pipelined = evaluate(MLP, base.architecture.model_copy(update={"schedule":
                                                                   "layer_pipelined"}), tech)
    cells = 5 * R * C
    power_nw = 2.0 * (sum(base.area_um2.values()) - cells * A_CELL) + 5.0 * cells
    assert pipelined.latency_ns == pytest.approx(18.0) and pipelined.interval_ns == 9.0
    assert sequential.latency_ns == sequential.interval_ns == pytest.approx(14.0)
    assert pipelined.inferences_per_s == pytest.approx(1e9 / 9)
    assert pipelined.energy_by_component_pj["leakage"] == pytest.approx(
        power_nw * 9 * 1e-6, rel=1e-12)
    assert [layer.energy_by_component_pj["leakage"] for layer in pipelined.layers] == (
        pytest.approx([power_nw * 9 * 9 / 14 * 1e-6, power_nw * 9 * 5 / 14 * 1e-6]))
    assert pipelined.area_um2 == sequential.area_um2
    static_mw = power_nw * 1e-6
    assert pipelined.peak_power_mw == pytest.approx(
        sum(layer.peak_power_mw for layer in pipelined.layers) + static_mw, rel=1e-12)
    assert sequential.peak_power_mw == pytest.approx(
        max(layer.peak_power_mw for layer in sequential.layers) + static_mw, rel=1e-12)
    assert pipelined.average_power_mw == pytest.approx(pipelined.energy_pj / 9)


def test_pipelined_layers_keep_a_buffer_and_an_input_register_each() -> None:
    """Three layers (6 -> 4 -> 4 -> 2): sequential, one ping-pong buffer of 2 max(M P) = 8
    bits and one input register of max(F) = 4 bits; pipelined, 2 (4 + 4) = 16 bits and
    4 + 4 flip-flops."""
    workload = Workload(name="three", layers=[LayerShape(name="fc1", inputs=6, outputs=4),
                                              LayerShape(name="fc2", inputs=4, outputs=4),
                                              LayerShape(name="fc3", inputs=4, outputs=2)])
    design = arch("tile_per_array", "sc")
    sequential = evaluate(workload, design, technology())
    pipelined = evaluate(workload, design.model_copy(update={"schedule": "layer_pipelined"}),
                         technology())
    assert sequential.area_by_component_um2["activation_buffer"] == 8 * A_SRAM
    assert pipelined.area_by_component_um2["activation_buffer"] == 16 * A_SRAM
    assert sequential.area_by_component_um2["layer_inputs"] == 4 * A_FF
    assert pipelined.area_by_component_um2["layer_inputs"] == 8 * A_FF


def test_shared_tiles_cannot_pipeline_layers() -> None:
    with pytest.raises(ValueError, match="schedule: layer_pipelined: shared_tiles serves one "
                                         "layer at a time"):
        Architecture(first_layer_mode="sc", schedule="layer_pipelined")


# --- wires and placement ---------------------------------------------------------------------

def wired_technology() -> Technology:
    """2 fJ per bit and mm, 100 ns per mm (a slow wire, so that it costs cycles), a 0.5 um
    pitch folded over 2 layers, cells filling half of a placed block."""
    return variant(technology(), placement_utilisation=0.5, interconnect=WIRES)


def test_shared_bus_and_placement_by_hand() -> None:
    """shared_tiles_parallel (T = 2) on the wired technology. The hardware's own area H is
    the golden design's; its standard cells (all but the arrays, the amplifiers and the SRAM
    buffers) gain as much whitespace again (1 / 0.5 - 1). The bus: T R_p C = 8 wires over the
    chip's side D = sqrt(H), area 8 x 0.5 / 2 x D; every bit sensed crosses it: fc1 8 rows
    x 4 + 24 threshold bits = 56, fc2 8, at 2 fJ per bit and mm; floor(D x 100 / 1) cycles
    per fill (one fill per layer)."""
    base = shared_tiles_parallel()
    hardware = sum(base.area_um2.values())
    macros = sum(base.area_um2.get(name, 0.0) for name in
                 ("mram_arrays", "sense_amplifiers", "activation_buffer", "partial_sum_buffer"))
    side_mm = math.sqrt(hardware) / 1000
    stages = math.floor(side_mm * 100.0 / CYCLE_NS)
    assert stages >= 1  # the slow wire adds cycles
    report = evaluate(MLP, base.architecture, wired_technology())
    area = {**base.area_um2, "placement": (hardware - macros) * (1 / 0.5 - 1),
            "interconnect": 8 * 0.5 / 2 * side_mm * 1000}
    energy = {**base.energy_fj, "interconnect": (56 + 8) * 2.0 * side_mm,
              "registers_control": base.energy_fj["registers_control"]
              + 2 * stages * E_CTRL}
    _expect(report, area, energy, base.latency_ns + 2 * stages)


def test_a_tile_per_array_tree_by_hand() -> None:
    """tile_per_array_sc on the wired technology: per layer an H-tree of C = 4 wires to its
    A tiles, sqrt(A) branches over the side D_l of the layer's own hardware; each row
    evaluation's slice is broadcast to the tiles: E C / A bits, each over D_l sqrt(A).
    fc1 (A = 4): its 4 arrays, 4 tiles (lanes, trees, accumulators, comparators, pipeline
      and row counters), the SNG bank, the input register and the partial sums;
      24 x 4 / 4 = 24 bits over 2 D_1.
    fc2 (A = 1): its array, its tile and the score register; 2 x 4 = 8 bits over D_2."""
    fc1 = (4 * ARRAY + 4 * C * A_SA + 4 * RIPPLE_4_1.area + 4 * 5 * ACC_BIT + 4 * 5 * A_CMP
           + 6 * SOBOL_AREA + SOBOL_BANK_AREA + 6 * B * A_CMP + INPUT_REGISTER * A_FF
           + 4 * 5 * A_SRAM + (4 * 3 + 4 * 2) * A_FF)
    fc2 = ARRAY + C * A_SA + RIPPLE_4_1.area + 3 * ACC_BIT + 2 * SCORE_BITS * A_FF + (3 + 2) * A_FF
    side_1, side_2 = math.sqrt(fc1) / 1000, math.sqrt(fc2) / 1000
    report = evaluate(MLP, tile_per_array_sc().architecture, wired_technology())
    assert report.area_by_component_um2["interconnect"] == pytest.approx(
        4 * 0.5 / 2 * (2 * side_1 + 1 * side_2) * 1000, rel=1e-12)
    assert report.energy_by_component_pj["interconnect"] * 1000 == pytest.approx(
        24 * 2 * side_1 * 2.0 + 8 * 1 * side_2 * 2.0, rel=1e-12)


# --- batch = scalar with the new fields ------------------------------------------------------

def test_batch_equals_scalar_with_the_new_fields() -> None:
    tech = variant(with_device(segmented_technology()), placement_utilisation=0.7,
                   interconnect=WIRES)
    designs = []
    for organisation in ("shared_tiles", "tile_per_array", "neuron_parallel"):
        for mode in ("sc", "fixed_point_parallel", "fixed_point_bit_serial"):
            for rows in (1, 2, 4):
                schedule = "sequential" if organisation == "shared_tiles" else "layer_pipelined"
                designs.append(arch(organisation, mode, parallel_rows=rows, first_layer_fold=2,
                                    schedule=schedule, read_voltage_mv=100))
    batch = evaluate_batch(MLP, tech, architectures_to_columns(designs))
    for index, design in enumerate(designs):
        report = evaluate(MLP, design, tech)
        row = batch.row(index)
        for name in ("area_um2", "energy_pj", "latency_ns", "interval_ns", "peak_power_mw",
                     "peak_current_a", "power_density_mw_per_mm2", "energy_delay_nj_us"):
            assert row[name] == pytest.approx(getattr(report, name), rel=1e-12), name
    assert np.all(batch.peak_current_a > 0)
