"""Golden designs: the hardware model against numbers computed by hand from docs/hwmodel.md.

Every expected number is derived from the equations of docs/hwmodel.md (sections 2-6) and the
public specs (Technology, LayerShape / Workload, Architecture), never from the evaluator. The
technology has round numbers; unless a case says otherwise the arrays are 4 x 4, B =
`input_bits` = 2, N = 3 and T = 2 tiles, so that each count can be followed by hand. Areas are
in um^2, energies in fJ (the report's pJ are compared after / 1000). A component a design does
not name is expected to be 0.

Notation (docs/hwmodel.md): F fan-in, M outputs, P output positions, V pixels, k neurons per
row, s slices, W weight rows, a accumulator bits, A arrays, r repetitions, E = P W r
evaluations, u busy units, FA(w, b) full adders of a w-input tree of b-bit operands.

Pipeline register: it holds one tree output, so it is bit_length(width x operand range)
(+1 signed) with the operand range 2^B - 1 on the parallel layer 1 and 1 elsewhere (section 3).

Pipeline fill: 3 cycles per layer pass, paid once per layer where its passes or bit-planes
follow each other (N times only with the output merge, which runs the whole network per
pass). Neuron-parallel designs here sense every row at once (parallel_rows = R = 4); the
test technology has no wires and no placement whitespace, and its read energy does not depend
on the bitline's length (tests/hwmodel/test_buildable_golden.py covers those).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pytest

from hwmodel import (
    COMPONENTS,
    Architecture,
    CostReport,
    LayerShape,
    Technology,
    Workload,
    conv_workload,
    evaluate,
)

# --- the test technology: round numbers --------------------------------------------------

A_FA, E_FA = 1.0, 1.0  # full adder
A_HA, E_HA = 0.75, 0.5  # half adder
A_AND, E_AND = 0.4, 0.3  # 2-input AND
A_FF, E_FF = 2.0, 2.0  # flip-flop
A_XNOR, E_XNOR = 0.5, 0.5
A_CMP, E_CMP = 1.0, 1.0  # comparator bit-slice
A_MUX, E_MUX = 0.25, 0.25
A_SA, E_SA = 3.0, 3.0  # sense amplifier
A_CELL, E_CELL, E_ACT = 0.1, 10.0, 100.0  # MRAM cell, its read, a row activation
A_ROW, A_COL, A_OVERHEAD = 1.0, 2.0, 50.0  # array periphery per row / column / array
A_SRAM, E_SRAM_READ, E_SRAM_WRITE = 0.5, 4.0, 5.0  # per bit
A_TRNG, E_TRNG = 7.0, 70.0
A_CTRL, E_CTRL = 1000.0, 20.0  # sequencer, per cycle
CLOCK_MHZ = 1000.0  # 1 ns per cycle

R = C = 4  # array_rows x array_cols
B = 2  # input_bits
N = 3  # bitstream_length

# Derived unit costs (section 6), one cell per bit (1t1mtj, no reference columns in this
# technology):
ARRAY = R * C * 1 * A_CELL + R * A_ROW + C * A_COL + A_OVERHEAD  # one array: 63.6 um^2
ROW_READ = E_ACT + C * 1 * E_CELL  # one row read: E_act + C cpb e_cell = 140 fJ
ACC_BIT = A_FA + A_FF  # an accumulator bit: A_fa + A_ff
ACC_E = E_FA + E_FF  # an accumulation, per bit: e_fa + e_ff
PSUM_E = E_SRAM_READ + E_SRAM_WRITE  # a partial-sum access: a read and a write

# Generators, per generator and per step (section 6), LFSR width w = 4:
LFSR_AREA = 4 * (A_FF + A_MUX) + 3 * A_XNOR  # w (A_ff + A_mux) + 3 A_xnor: hold mux per bit
LFSR_STEP = 4 * (E_FF + E_MUX) + 3 * E_XNOR  # w (e_ff + e_mux) + 3 e_xnor
# Sobol, hardwired direction numbers: per generator a k-bit state, k XORs and k k / 2 gates
# selecting the directions; per bank the k-bit count, its incrementer (k - 1 half adders) and
# the lowest-zero detector (2 (k - 1) gates). k = B = 2.
SOBOL_AREA = B * A_FF + B * A_XNOR + B * B / 2 * A_AND
SOBOL_STEP = B * E_FF + B * E_XNOR + B * B / 2 * E_AND
SOBOL_BANK_AREA = B * A_FF + (B - 1) * A_HA + 2 * (B - 1) * A_AND
SOBOL_BANK_STEP = B * E_FF + (B - 1) * E_HA + 2 * (B - 1) * E_AND
TRNG_AREA = B * (A_TRNG + A_FF)
TRNG_STEP = B * (E_TRNG + E_FF)

@dataclass(frozen=True)
class Tree:
    """A tree's (full, half) adders (section 6): priced by `.area`, `.energy` per evaluation."""

    full: float
    half: float

    def __add__(self, other: Tree) -> Tree:
        return Tree(self.full + other.full, self.half + other.half)

    def __rmul__(self, count: float) -> Tree:
        return Tree(count * self.full, count * self.half)

    @property
    def area(self) -> float:
        return self.full * A_FA + self.half * A_HA

    @property
    def energy(self) -> float:
        return self.full * E_FA + self.half * E_HA


# ripple_tree: adding an a-bit and a b-bit number (a >= b): a half adder at bit 0, full adders
# to bit b - 1, half adders above; the sum has a + 1 bits; an odd number passes up.
RIPPLE_4_1 = Tree(0, 2) + Tree(1, 1)  # 1+1, 1+1 -> 2+2 bits
RIPPLE_4_3 = Tree(4, 2) + Tree(3, 1)  # 3+3, 3+3 (2 full, 1 half each) -> 4+4 bits
RIPPLE_6_1 = Tree(0, 3) + Tree(1, 1) + Tree(1, 2)  # 3 x 1+1 -> 2+2 (2 passes) -> 3+2 bits
RIPPLE_6_3 = Tree(6, 3) + Tree(3, 1) + Tree(3, 2)  # 3 x 3+3 -> 4+4 (4 passes) -> 5+4 bits
RIPPLE_8_1 = Tree(0, 4) + Tree(2, 2) + Tree(2, 1)  # 4 x 1+1 -> 2 x 2+2 -> 3+3 bits
# compressor_tree (Dadda; stage heights 2, 3 and a final ripple adder):
# 4 bits in one column: stage 3 takes a half adder (4 -> 3, a carry up), stage 2 another
# (3 -> 2, a carry up), the final adder a half adder at bit 0 and a full adder at bit 1.
COMPRESSOR_4_1 = Tree(1, 3)
# 4 numbers of 3 bits (columns of height 4, 4, 4): the same schedule per column gives 7 full
# and 3 half adders (w b - bit_length(w (2^b - 1)) = 12 - 5 = 7 full adders).
COMPRESSOR_4_3 = Tree(7, 3)


def technology(logic_nw_per_um2: float = 0.0, cell_nw: float = 0.0) -> Technology:
    return Technology.model_validate({
        "name": "golden", "node_nm": 28, "clock_mhz": CLOCK_MHZ, "supply_v": 0.9,
        "mram": {"cell_area_um2": A_CELL, "reference_columns": 0, "read_energy_fj_per_cell": E_CELL,
                 "leakage_nw_per_cell": cell_nw, "row_activation_energy_fj": E_ACT,
                 "row_periphery_area_um2": A_ROW, "column_periphery_area_um2": A_COL,
                 "array_overhead_area_um2": A_OVERHEAD},
        "sense_amplifier": {"area_um2": A_SA, "energy_fj": E_SA},
        "logic": {"full_adder": {"area_um2": A_FA, "energy_fj": E_FA},
                  "half_adder": {"area_um2": A_HA, "energy_fj": E_HA},
                  "flip_flop": {"area_um2": A_FF, "energy_fj": E_FF},
                  "xnor": {"area_um2": A_XNOR, "energy_fj": E_XNOR},
                  "comparator_bit": {"area_um2": A_CMP, "energy_fj": E_CMP},
                  "mux2": {"area_um2": A_MUX, "energy_fj": E_MUX},
                  "and2": {"area_um2": A_AND, "energy_fj": E_AND}},
        "sram": {"area_um2_per_bit": A_SRAM, "read_energy_fj_per_bit": E_SRAM_READ,
                 "write_energy_fj_per_bit": E_SRAM_WRITE},
        "mtj_trng": {"area_um2": A_TRNG, "energy_fj_per_bit": E_TRNG},
        "control": {"area_um2": A_CTRL, "energy_fj_per_cycle": E_CTRL},
        "leakage": {"logic_nw_per_um2": logic_nw_per_um2},
    })


TECH = technology()

# fc1: F = 6 > C, so k = 1, s = ceil(6/4) = 2, W = ceil(4/1) * 2 = 8, V = 6 pixels.
# fc2: F = 4 <= C, so k = max(1, floor(4 / next_pow2(4))) = 1, s = 1, W = 2, a = bit_length(4)
#      = 3, no threshold rows (output layer), A = ceil(2 / 4) = 1, V_in = 4.
MLP = Workload(name="golden_mlp", layers=[LayerShape(name="fc1", inputs=6, outputs=4),
                                          LayerShape(name="fc2", inputs=4, outputs=2)])
# Shared by every MLP design (section 5):
INPUT_REGISTER = 6 * B  # V B flip-flops, written once
LINE_REGISTER = 4  # layer-inputs register: F of the largest dense layer > 1 (fc2)
ACTIVATIONS = 2 * 4  # ping-pong buffer: 2 max(M P over hidden layers) = 2 * 4 bits
SCORE_BITS = 3  # bit_length(F_L range_L passes) = bit_length(4 * 1 * 1)


def arch(organisation: str, mode: str, **fields: object) -> Architecture:
    """The designs' common geometry; fixed-point designs keep N = 3 to show it is ignored."""
    base: dict[str, object] = dict(
        organisation=organisation, first_layer_mode=mode, array_rows=R, array_cols=C, tiles=2,
        input_bits=B, bitstream_length=N, sng_kind="lfsr", lfsr_width_bits=4, sng_sharing=1,
        mram_cell="1t1mtj")
    return Architecture(**{**base, **fields})


def layer(row_reads: int, popcounts: int, accumulations: int, cycles: int, busy_units: int):
    return dict(row_reads=row_reads, popcounts=popcounts, accumulations=accumulations,
                cycles=cycles, busy_units=busy_units)


@dataclass(frozen=True)
class Golden:
    workload: Workload
    architecture: Architecture
    area_um2: dict[str, float]
    energy_fj: dict[str, float]
    latency_ns: float
    layers: dict[str, dict[str, int]]
    technology: Technology = field(default=TECH)


# --- shared_tiles (T = 2; u = min(T, A); cycles ceil(E / u) + 3 r) -------------------------

def shared_tiles_sc() -> Golden:
    """SC, first-layer merge, reread, LFSR, sharing 1.
    fc1: range N = 3, a = bit_length(6 * 3) = 5, threshold rows ceil(4 * 5 / 4) = 5,
    A = ceil((8 + 5) / 4) = 4, r = N = 3, E = 1 * 8 * 3 = 24, u = 2, cycles 12 + 3 = 15,
    accumulations M P s r = 4 * 2 * 3 = 24, comparisons 4, threshold bits 4 * 5 = 20.
    fc2: E = 2, u = 1, cycles 2 + 3 = 5, accumulations 2 * 1 * 1 * 1 = 2.
    Pipeline bits: bit_length(C) = 3 per tile (a pass's popcount, 1-bit operands)."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": 2 * C * A_SA,  # lanes T C
        "popcount": (2 * RIPPLE_4_1).area,  # (T - u1) FA(C, 1) + u1 FA(C, 1)
        "accumulators": 2 * 1 * 5 * ACC_BIT,  # T k_max a_max
        "threshold": 2 * 1 * 5 * A_CMP,  # T k_max a_max
        "sng": 6 * LFSR_AREA + 6 * B * A_CMP,  # G = ceil(6 / 1) generators + V B bit-slices
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "partial_sum_buffer": 4 * 1 * 5 * A_SRAM,  # reread: M1 P1 a1 bits
        "output_scores": 2 * 1 * SCORE_BITS * A_FF,  # M_L P_L score_bits
        "registers_control": (2 * 3 + 2 * 2) * A_FF + A_CTRL,  # T pipe + T bit_length(R-1)
    }
    energy = {
        "mram_arrays": (24 + 2) * ROW_READ + 20 * E_CELL,  # row reads, threshold bits
        "sense_amplifiers": ((24 + 2) * C + 20) * E_SA,  # row reads C + threshold bits
        "popcount": ((24 + 2) * RIPPLE_4_1).energy,  # tree evaluations E, width C
        "accumulators": (24 * 5 + 2 * 3) * ACC_E,  # accumulations a
        "threshold": 4 * 5 * E_CMP,  # comparisons a (fc1 only)
        "sng": 6 * N * LFSR_STEP + N * 6 * B * E_CMP,  # G N steps, N V comparisons of B bits
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (24 * C + 2 * C) * E_MUX + 4 * E_FF,  # delivered E C; fc2 reads 4
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,  # fc2 reads 4, fc1 writes 4
        "partial_sum_buffer": N * 20 * PSUM_E,  # r1 * bits accesses
        "output_scores": 1 * 2 * SCORE_BITS * E_FF,  # passes M_L score_bits
        "registers_control": (24 * 3 + 2 * 3) * E_FF + (15 + 5) * E_CTRL,  # evaluations pipe
    }
    return Golden(MLP, arch("shared_tiles", "sc"), area, energy, 20.0,
                  {"fc1": layer(24, 24, 24, 15, 2), "fc2": layer(2, 2, 2, 5, 1)})


def shared_tiles_parallel() -> Golden:
    """fixed_point_parallel: fc1 range 2^2 - 1 = 3, signed: a = bit_length(18) + 1 = 6,
    threshold rows 6, A = ceil(14 / 4) = 4, r = 1, E = 8, u1 = 2, cycles 4 + 3 = 7,
    accumulations 4 * 2 = 8, threshold bits 4 * 6 = 24, tree operand b = B + 1 = 3.
    Pipeline bits: bit_length(C (2^B - 1)) + 1 = bit_length(12) + 1 = 5 (layer 1's tiles)."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": 2 * C * A_SA,
        "xnor": 2 * C * B * A_XNOR,  # C B per layer-1 unit, u1 = 2
        "popcount": ((2 - 2) * RIPPLE_4_1 + 2 * RIPPLE_4_3).area,  # (T - u1) FA + u1 FA(C, 3)
        "accumulators": 2 * 1 * 6 * ACC_BIT,
        "threshold": 2 * 1 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (2 * 5 + 2 * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 24) * E_SA,
        "xnor": 8 * C * B * E_XNOR,  # E_1 C B
        "popcount": (8 * RIPPLE_4_3 + 2 * RIPPLE_4_1).energy,
        "accumulators": (8 * 6 + 2 * 3) * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (8 * C * B + 2 * C * 1) * E_MUX + 4 * E_FF,  # operand width B on fc1
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (8 * 5 + 2 * 3) * E_FF + (7 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("shared_tiles", "fixed_point_parallel"), area, energy, 12.0,
                  {"fc1": layer(8, 8, 8, 7, 2), "fc2": layer(2, 2, 2, 5, 1)})


def shared_tiles_bit_serial() -> Golden:
    """fixed_point_bit_serial: fc1 as the parallel baseline (a = 6, A = 4) but r = B = 2,
    b = 1: E = 16, cycles ceil(16 / 2) + 3 = 11 (one fill: the bit-planes follow each other),
    accumulations 4 * 2 * 2 = 16; the
    partial sums (reread) hold M P a = 24 bits, accessed r1 = 2 times. Pipeline bits:
    bit_length(C) = 3 (a bit-plane's popcount; the shift-add happens in the accumulator)."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": 2 * C * A_SA,
        "popcount": (2 * RIPPLE_4_1).area,
        "accumulators": 2 * 1 * 6 * ACC_BIT,
        "threshold": 2 * 1 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "partial_sum_buffer": 4 * 1 * 6 * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (2 * 3 + 2 * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (16 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((16 + 2) * C + 24) * E_SA,
        "popcount": ((16 + 2) * RIPPLE_4_1).energy,
        "accumulators": (16 * 6 + 2 * 3) * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (16 * C + 2 * C) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "partial_sum_buffer": 2 * 24 * PSUM_E,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (16 * 3 + 2 * 3) * E_FF + (11 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("shared_tiles", "fixed_point_bit_serial"), area, energy, 16.0,
                  {"fc1": layer(16, 16, 16, 11, 2), "fc2": layer(2, 2, 2, 5, 1)})


# --- tile_per_array (u = A; cycles r P ceil(W / A) + 3 fills) ------------------------------

def tile_per_array_sc() -> Golden:
    """SC with a Sobol generator; plan as shared_tiles_sc (fc1 A = 4, a = 5; fc2 A = 1, a = 3).
    fc1: u = 4, cycles 3 * 1 * ceil(8 / 4) + 3 = 9; fc2: u = 1, cycles 1 * 2 + 3 = 5.
    Pipeline bits bit_length(C) = 3 in every tile."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": (4 + 1) * C * A_SA,  # lanes sum A C
        "popcount": ((4 + 1) * RIPPLE_4_1).area,  # sum A FA(C, 1)
        "accumulators": (4 * 1 * 5 + 1 * 1 * 3) * ACC_BIT,  # sum A k a
        "threshold": 4 * 1 * 5 * A_CMP,  # sum over hidden layers A k a
        "sng": 6 * SOBOL_AREA + SOBOL_BANK_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "partial_sum_buffer": 4 * 1 * 5 * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 1 * 3 + (4 + 1) * 2) * A_FF + A_CTRL,  # A pipe + A counter
    }
    energy = {
        "mram_arrays": (24 + 2) * ROW_READ + 20 * E_CELL,
        "sense_amplifiers": ((24 + 2) * C + 20) * E_SA,
        "popcount": ((24 + 2) * RIPPLE_4_1).energy,
        "accumulators": (24 * 5 + 2 * 3) * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 6 * N * SOBOL_STEP + N * SOBOL_BANK_STEP + N * 6 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (24 * C + 2 * C) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "partial_sum_buffer": N * 20 * PSUM_E,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (24 * 3 + 2 * 3) * E_FF + (9 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("tile_per_array", "sc", sng_kind="sobol"), area, energy, 14.0,
                  {"fc1": layer(24, 24, 24, 9, 4), "fc2": layer(2, 2, 2, 5, 1)})


def tile_per_array_parallel(circuit: str = "ripple_tree") -> Golden:
    """fixed_point_parallel (fc1 a = 6, A = 4, r = 1): fc1 cycles 1 (2 + 3) = 5, fc2 5.
    The multi-bit tree and the negation XNORs sit in layer 1's A_1 = 4 tiles only."""
    fa_4_1, fa_4_3 = (COMPRESSOR_4_1, COMPRESSOR_4_3) if circuit == "compressor_tree" else (
        RIPPLE_4_1, RIPPLE_4_3)
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": (4 + 1) * C * A_SA,
        "xnor": 4 * C * B * A_XNOR,  # C B per layer-1 unit, A_1 = 4
        "popcount": (4 * fa_4_3 + 1 * fa_4_1).area,  # sum A FA(C, b)
        "accumulators": (4 * 1 * 6 + 1 * 1 * 3) * ACC_BIT,
        "threshold": 4 * 1 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 5 + 1 * 3 + (4 + 1) * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 24) * E_SA,
        "xnor": 8 * C * B * E_XNOR,
        "popcount": (8 * fa_4_3 + 2 * fa_4_1).energy,
        "accumulators": (8 * 6 + 2 * 3) * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (8 * C * B + 2 * C) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (8 * 5 + 2 * 3) * E_FF + (5 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("tile_per_array", "fixed_point_parallel", popcount_circuit=circuit),
                  area, energy, 10.0, {"fc1": layer(8, 8, 8, 5, 4), "fc2": layer(2, 2, 2, 5, 1)})


def tile_per_array_bit_serial() -> Golden:
    """fixed_point_bit_serial (fc1 a = 6, A = 4, r = 2): fc1 cycles 2 * 2 + 3 = 7.
    Pipeline bits bit_length(C) = 3 in every tile."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": (4 + 1) * C * A_SA,
        "popcount": ((4 + 1) * RIPPLE_4_1).area,
        "accumulators": (4 * 1 * 6 + 1 * 1 * 3) * ACC_BIT,
        "threshold": 4 * 1 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "partial_sum_buffer": 4 * 1 * 6 * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 1 * 3 + (4 + 1) * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (16 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((16 + 2) * C + 24) * E_SA,
        "popcount": ((16 + 2) * RIPPLE_4_1).energy,
        "accumulators": (16 * 6 + 2 * 3) * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (16 * C + 2 * C) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "partial_sum_buffer": 2 * 24 * PSUM_E,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (16 * 3 + 2 * 3) * E_FF + (7 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("tile_per_array", "fixed_point_bit_serial"), area, energy, 12.0,
                  {"fc1": layer(16, 16, 16, 7, 4), "fc2": layer(2, 2, 2, 5, 1)})


# --- neuron_parallel, every row at once (u = M; cycles P r + 3 fills; trees of width F) -----

def neuron_parallel_sc() -> Golden:
    """SC with an MTJ TRNG (fc1 a = 5, 5 threshold rows, r = 3; fc2 a = 3, r = 1).
    fc1: cycles 1 * 3 + 3 = 6, tree evaluations P r M = 12, accumulations M P r = 12;
    fc2: cycles 4, tree evaluations 2, accumulations 0 (r = 1). No partial sums (P = 1).
    Pipeline bits per neuron: bit_length(F) = bit_length(6) = 3 (fc1), bit_length(4) = 3."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": ((8 + 5) + (2 + 0)) * C * A_SA,  # sum (W + threshold rows) C
        "popcount": (4 * RIPPLE_6_1 + 2 * RIPPLE_4_1).area,  # sum M FA(F, 1)
        "accumulators": 4 * 5 * ACC_BIT,  # sum over r > 1 of M a: fc1 only
        "threshold": 4 * 5 * A_CMP,  # sum over hidden layers of M a
        "sng": 6 * TRNG_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 2 * 3) * A_FF + A_CTRL,  # no row counters
    }
    energy = {
        "mram_arrays": (24 + 2) * ROW_READ + 20 * E_CELL,
        "sense_amplifiers": ((24 + 2) * C + 20) * E_SA,
        "popcount": (12 * RIPPLE_6_1 + 2 * RIPPLE_4_1).energy,
        "accumulators": 12 * 5 * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 6 * N * TRNG_STEP + N * 6 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (1 * N * 6 + 1 * 1 * 4) * E_MUX + 4 * E_FF,  # delivered P r F
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (12 * 3 + 2 * 3) * E_FF + (6 + 4) * E_CTRL,
    }
    return Golden(MLP, arch("neuron_parallel", "sc", sng_kind="mtj_trng", parallel_rows=R), area,
                  energy, 10.0, {"fc1": layer(24, 12, 12, 6, 4), "fc2": layer(2, 2, 0, 4, 2)})


def neuron_parallel_parallel() -> Golden:
    """fixed_point_parallel (fc1 a = 6, 6 threshold rows, r = 1): cycles 4 and 4, no
    accumulators (r = 1 everywhere); negation XNORs W_1 C B; trees FA(6, 3) on fc1.
    Pipeline bits: bit_length(6 * 3) + 1 = 6 (fc1), 3 (fc2)."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": ((8 + 6) + 2) * C * A_SA,
        "xnor": 8 * C * B * A_XNOR,  # W_1 C B
        "popcount": (4 * RIPPLE_6_3 + 2 * RIPPLE_4_1).area,
        "threshold": 4 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 6 + 2 * 3) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 24) * E_SA,
        "xnor": 8 * C * B * E_XNOR,  # E_1 C B
        "popcount": (4 * RIPPLE_6_3 + 2 * RIPPLE_4_1).energy,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (6 * B + 4) * E_MUX + 4 * E_FF,  # delivered P r F, width B on fc1
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (4 * 6 + 2 * 3) * E_FF + (4 + 4) * E_CTRL,
    }
    return Golden(MLP, arch("neuron_parallel", "fixed_point_parallel", parallel_rows=R), area,
                  energy, 8.0,
                  {"fc1": layer(8, 4, 0, 4, 4), "fc2": layer(2, 2, 0, 4, 2)})


def neuron_parallel_bit_serial() -> Golden:
    """fixed_point_bit_serial (fc1 a = 6, r = 2): fc1 cycles 1 * 2 + 3 = 5, 8 tree
    evaluations, 8 accumulations; no partial sums (neuron_parallel, P = 1). Pipeline bits
    bit_length(F) = 3 per neuron."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": ((8 + 6) + 2) * C * A_SA,
        "popcount": (4 * RIPPLE_6_1 + 2 * RIPPLE_4_1).area,
        "accumulators": 4 * 6 * ACC_BIT,
        "threshold": 4 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 2 * 3) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (16 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((16 + 2) * C + 24) * E_SA,
        "popcount": (8 * RIPPLE_6_1 + 2 * RIPPLE_4_1).energy,
        "accumulators": 8 * 6 * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (2 * 6 + 4) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (8 * 3 + 2 * 3) * E_FF + (5 + 4) * E_CTRL,
    }
    return Golden(MLP, arch("neuron_parallel", "fixed_point_bit_serial", parallel_rows=R), area,
                  energy, 9.0, {"fc1": layer(16, 8, 8, 5, 4), "fc2": layer(2, 2, 0, 4, 2)})


# --- dataflows, the output merge, the compressor tree ---------------------------------------

def tile_per_array_row_latched() -> Golden:
    """tile_per_array_sc with an LFSR and `row_latched`: fc1 senses each of its W = 8 rows
    once (24 evaluations still), C XNOR gates per layer-1 tile, an N x V = 18-bit stochastic
    image register written once; no partial sums (a dense layer 1)."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": (4 + 1) * C * A_SA,
        "xnor": 4 * C * A_XNOR,  # C per layer-1 unit, A_1 = 4
        "popcount": ((4 + 1) * RIPPLE_4_1).area,
        "accumulators": (4 * 1 * 5 + 1 * 1 * 3) * ACC_BIT,
        "threshold": 4 * 1 * 5 * A_CMP,
        "sng": 6 * LFSR_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": (LINE_REGISTER + N * 6) * A_FF,  # line register + image register
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 1 * 3 + (4 + 1) * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 20 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 20) * E_SA,
        "xnor": 24 * C * E_XNOR,  # E_1 C
        "popcount": ((24 + 2) * RIPPLE_4_1).energy,
        "accumulators": (24 * 5 + 2 * 3) * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 6 * N * LFSR_STEP + N * 6 * B * E_CMP,  # as reread
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (24 * C + 2 * C) * E_MUX + 4 * E_FF + N * 6 * E_FF,  # + image bits
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (24 * 3 + 2 * 3) * E_FF + (9 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("tile_per_array", "sc", first_layer_dataflow="row_latched"),
                  area, energy, 14.0, {"fc1": layer(8, 24, 24, 9, 4), "fc2": layer(2, 2, 2, 5, 1)})


def neuron_parallel_regenerated() -> Golden:
    """neuron_parallel_sc with an LFSR shared by 2 pixels and `row_latched_regenerated`:
    G = ceil(6 / 2) = 3; fc1 rows sensed once (8); XNORs W_1 C; no image register; the SNG
    regenerates each delivered bit: delivered P r F = 18, so 18 / 2 = 9 steps and 18
    comparisons."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": ((8 + 5) + 2) * C * A_SA,
        "xnor": 8 * C * A_XNOR,  # W_1 C
        "popcount": (4 * RIPPLE_6_1 + 2 * RIPPLE_4_1).area,
        "accumulators": 4 * 5 * ACC_BIT,
        "threshold": 4 * 5 * A_CMP,
        "sng": 3 * LFSR_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": (4 * 3 + 2 * 3) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 20 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 20) * E_SA,
        "xnor": 24 * C * E_XNOR,  # E_1 C
        "popcount": (12 * RIPPLE_6_1 + 2 * RIPPLE_4_1).energy,
        "accumulators": 12 * 5 * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 18 / 2 * LFSR_STEP + 18 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (N * 6 + 4) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (12 * 3 + 2 * 3) * E_FF + (6 + 4) * E_CTRL,
    }
    return Golden(MLP, arch("neuron_parallel", "sc", sng_sharing=2, parallel_rows=R,
                            first_layer_dataflow="row_latched_regenerated"),
                  area, energy, 10.0, {"fc1": layer(8, 12, 12, 6, 4), "fc2": layer(2, 2, 0, 4, 2)})


def shared_tiles_output_merge() -> Golden:
    """SC, output merge, LFSR shared by 4 pixels (G = ceil(6 / 4) = 2). The whole network
    runs once per pass, so every layer fills the pipeline N = 3 times.
    fc1: range 1, a = bit_length(6) = 3, threshold rows 3, A = ceil(11 / 4) = 3, u = 2,
    E = 24, cycles 12 + 9 = 21, accumulations 24, tp = N: comparisons 4 * 3 = 12, threshold
    bits 36. fc2: r = N, E = 2 * 3 = 6, u = 1, cycles 6 + 9 = 15, accumulations 2 * 3 = 6.
    Scores: bit_length(4 * 1 * 3) = 4 bits, with an adder, written every pass."""
    area = {
        "mram_arrays": (3 + 1) * ARRAY,
        "sense_amplifiers": 2 * C * A_SA,
        "popcount": (2 * RIPPLE_4_1).area,
        "accumulators": 2 * 1 * 3 * ACC_BIT,
        "threshold": 2 * 1 * 3 * A_CMP,
        "sng": 2 * LFSR_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * 1 * 4 * A_FF + 4 * A_FA,  # + score_bits A_fa
        "registers_control": (2 * 3 + 2 * 2) * A_FF + A_CTRL,  # pipe bit_length(C * 1) = 3
    }
    energy = {
        "mram_arrays": (24 + 6) * ROW_READ + 36 * E_CELL,
        "sense_amplifiers": ((24 + 6) * C + 36) * E_SA,
        "popcount": ((24 + 6) * RIPPLE_4_1).energy,
        "accumulators": (24 * 3 + 6 * 3) * ACC_E,
        "threshold": 12 * 3 * E_CMP,
        "sng": 2 * N * LFSR_STEP + N * 6 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (24 * C + 6 * C) * E_MUX + 4 * N * E_FF,  # fc2 reads V_in r = 4 * 3
        "activation_buffer": 4 * N * E_SRAM_READ + 4 * N * E_SRAM_WRITE,  # fc1 writes M P tp
        "output_scores": N * 2 * 4 * (E_FF + E_FA),
        "registers_control": (24 + 6) * 3 * E_FF + (21 + 15) * E_CTRL,
    }
    return Golden(MLP, arch("shared_tiles", "sc", sng_sharing=4, merge_point="output"),
                  area, energy, 36.0,
                  {"fc1": layer(24, 24, 24, 21, 2), "fc2": layer(6, 6, 6, 15, 1)})


def tile_per_array_compressor() -> Golden:
    """tile_per_array_parallel with compressor trees: FA(4, 3) = 7, FA(4, 1) = 1."""
    return tile_per_array_parallel("compressor_tree")


def shared_tiles_parallel_more_tiles() -> Golden:
    """shared_tiles_parallel with T = 6 > A_1 = 4: u1 = 4 tiles run layer 1 and carry its
    datapath (negation XNORs, FA(C, 3) trees, 5-bit pipeline registers); the other T - u1 = 2
    tiles are binary. fc1: E = 8, cycles ceil(8 / 4) + 3 = 5; fc2: u = 1, cycles 5."""
    area = {
        "mram_arrays": (4 + 1) * ARRAY,
        "sense_amplifiers": 6 * C * A_SA,  # lanes T C
        "xnor": 4 * C * B * A_XNOR,  # C B per layer-1 unit, u1 = 4
        "popcount": ((6 - 4) * RIPPLE_4_1 + 4 * RIPPLE_4_3).area,  # (T - u1) FA + u1 FA(C, 3)
        "accumulators": 6 * 1 * 6 * ACC_BIT,  # T k_max a_max
        "threshold": 6 * 1 * 6 * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        # pipeline: u1 (bit_length(C (2^B - 1)) + 1) + (T - u1) bit_length(C); T row counters
        "registers_control": (4 * 5 + (6 - 4) * 3 + 6 * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (8 + 2) * ROW_READ + 24 * E_CELL,
        "sense_amplifiers": ((8 + 2) * C + 24) * E_SA,
        "xnor": 8 * C * B * E_XNOR,
        "popcount": (8 * RIPPLE_4_3 + 2 * RIPPLE_4_1).energy,
        "accumulators": (8 * 6 + 2 * 3) * ACC_E,
        "threshold": 4 * 6 * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (8 * C * B + 2 * C) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (8 * 5 + 2 * 3) * E_FF + (5 + 5) * E_CTRL,
    }
    return Golden(MLP, arch("shared_tiles", "fixed_point_parallel", tiles=6), area, energy, 10.0,
                  {"fc1": layer(8, 8, 8, 5, 4), "fc2": layer(2, 2, 2, 5, 1)})


# 4 x 8 arrays (C = 8): one array 4 * 8 * 0.1 + 4 * 1 + 8 * 2 + 50 = 73.2 um^2; a row read
# 100 + 8 * 10 = 180 fJ; FA(8, 1) = 4 * 1 + 2 * 2 + 1 * 3 = 11 (ripple).
ARRAY_8 = R * 8 * 1 * A_CELL + R * A_ROW + 8 * A_COL + A_OVERHEAD
ROW_READ_8 = E_ACT + 8 * 1 * E_CELL


def tile_per_array_sc_packed_rows() -> Golden:
    """tile_per_array, SC (LFSR), 4 x 8 arrays, so that fc2 packs k = 2 neurons per row.
    fc1: F = 6 <= 8: k = max(1, floor(8 / 8)) = 1, s = 1, W = 4, a = bit_length(18) = 5,
      threshold rows ceil(4 * 5 / 8) = 3, A = ceil(7 / 4) = 2, r = 3, E = 12, u = 2,
      cycles 3 * ceil(4 / 2) + 3 = 9, accumulations 4 * 1 * 1 * 3 = 12, threshold bits 20.
    fc2: F = 4: k = floor(8 / 4) = 2, s = 1, W = ceil(2 / 2) = 1, a = 3, A = 1, E = 1, u = 1,
      cycles 1 * 1 + 3 = 4, accumulations M P s r = 2. Pipeline bits bit_length(8) = 4."""
    area = {
        "mram_arrays": (2 + 1) * ARRAY_8,
        "sense_amplifiers": (2 + 1) * 8 * A_SA,
        "popcount": ((2 + 1) * RIPPLE_8_1).area,
        "accumulators": (2 * 1 * 5 + 1 * 2 * 3) * ACC_BIT,  # sum A k a
        "threshold": 2 * 1 * 5 * A_CMP,
        "sng": 6 * LFSR_AREA + 6 * B * A_CMP,
        "input_register": INPUT_REGISTER * A_FF,
        "layer_inputs": LINE_REGISTER * A_FF,
        "activation_buffer": ACTIVATIONS * A_SRAM,
        "partial_sum_buffer": 4 * 1 * 5 * A_SRAM,
        "output_scores": 2 * SCORE_BITS * A_FF,
        "registers_control": ((2 + 1) * 4 + (2 + 1) * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (12 + 1) * ROW_READ_8 + 20 * E_CELL,
        "sense_amplifiers": ((12 + 1) * 8 + 20) * E_SA,
        "popcount": ((12 + 1) * RIPPLE_8_1).energy,
        "accumulators": (12 * 5 + 2 * 3) * ACC_E,
        "threshold": 4 * 5 * E_CMP,
        "sng": 6 * N * LFSR_STEP + N * 6 * B * E_CMP,
        "input_register": INPUT_REGISTER * E_FF,
        "layer_inputs": (12 * 8 + 1 * 8) * E_MUX + 4 * E_FF,
        "activation_buffer": 4 * E_SRAM_READ + 4 * E_SRAM_WRITE,
        "partial_sum_buffer": N * 20 * PSUM_E,
        "output_scores": 2 * SCORE_BITS * E_FF,
        "registers_control": (12 * 4 + 1 * 4) * E_FF + (9 + 4) * E_CTRL,
    }
    return Golden(MLP, arch("tile_per_array", "sc", array_cols=8), area, energy, 13.0,
                  {"fc1": layer(12, 12, 12, 9, 2), "fc2": layer(1, 1, 2, 4, 1)})


# --- a conv workload -----------------------------------------------------------------------

# conv_workload((1, 2, 2), [2, 2], pool_every=0, hidden=[], num_classes=2), k = 3:
#   conv1: inputs 1, F = 9, M = 2, P = 4, V = 4 pixels;
#   conv2: inputs 2, F = 18, M = 2, P = 4, V_in = 8; fc1: F = 2 * 2 * 2 = 8, M = 2.
CONV = conv_workload((1, 2, 2), [2, 2], 0, [], 2)


def conv_shared_tiles_row_latched() -> Golden:
    """SC, LFSR, sharing 1, row_latched, shared tiles (T = 2).
    conv1: s = ceil(9/4) = 3, W = 6, a = bit_length(27) = 5, threshold rows ceil(10/4) = 3,
      A = ceil(9/4) = 3, r = 3, E = 4 * 6 * 3 = 72, row reads W = 6, u = 2, cycles 36 + 3 = 39,
      accumulations M P s r = 2 * 4 * 3 * 3 = 72, comparisons 8, threshold bits 40;
      partial sums M P a = 40 bits (conv layer 1, s > 1, P > 1), accessed s_1 = 3 times.
    conv2: s = 5, W = 10, a = bit_length(18) = 5, threshold rows 3, A = ceil(13/4) = 4, r = 1,
      E = 40, u = 2, cycles 20 + 3 = 23, accumulations 2 * 4 * 5 = 40, comparisons 8.
    fc1: s = 2, W = 4, a = bit_length(8) = 4, A = 1, E = 4, u = 1, cycles 4 + 3 = 7,
      accumulations 2 * 2 = 4. Latency 39 + 23 + 7 = 69.
    Line register: max(conv2: inputs k W_in = 2 * 3 * sqrt(4) = 12, fc1: F = 8) = 12.
    Pipeline bits: bit_length(C) = 3 in every tile."""
    area = {
        "mram_arrays": (3 + 4 + 1) * ARRAY,
        "sense_amplifiers": 2 * C * A_SA,
        "xnor": 2 * C * A_XNOR,  # C per layer-1 unit, u1 = 2
        "popcount": (2 * RIPPLE_4_1).area,
        "accumulators": 2 * 1 * 5 * ACC_BIT,
        "threshold": 2 * 1 * 5 * A_CMP,
        "sng": 4 * LFSR_AREA + 4 * B * A_CMP,
        "input_register": 4 * B * A_FF,
        "layer_inputs": (12 + N * 4) * A_FF,  # line register + N x V image register
        "activation_buffer": 2 * 8 * A_SRAM,  # 2 max(M P) = 2 * 8
        "partial_sum_buffer": 2 * 4 * 5 * A_SRAM,
        "output_scores": 2 * 1 * 4 * A_FF,  # score_bits = bit_length(8) = 4
        "registers_control": (2 * 3 + 2 * 2) * A_FF + A_CTRL,
    }
    energy = {
        "mram_arrays": (6 + 40 + 4) * ROW_READ + (40 + 40) * E_CELL,
        "sense_amplifiers": ((6 + 40 + 4) * C + 80) * E_SA,
        "xnor": 72 * C * E_XNOR,  # E_1 C
        "popcount": ((72 + 40 + 4) * RIPPLE_4_1).energy,
        "accumulators": (72 * 5 + 40 * 5 + 4 * 4) * ACC_E,
        "threshold": (8 * 5 + 8 * 5) * E_CMP,
        "sng": 4 * N * LFSR_STEP + N * 4 * B * E_CMP,
        "input_register": 4 * B * E_FF,
        # delivered E C; activation bits read V_in r (conv2 8, fc1 8); image bits N V
        "layer_inputs": (72 + 40 + 4) * C * E_MUX + (8 + 8) * E_FF + N * 4 * E_FF,
        "activation_buffer": (8 + 8) * E_SRAM_READ + (8 + 8) * E_SRAM_WRITE,
        "partial_sum_buffer": 3 * 40 * PSUM_E,
        "output_scores": 1 * 2 * 4 * E_FF,
        "registers_control": (72 * 3 + 40 * 3 + 4 * 3) * E_FF + 69 * E_CTRL,
    }
    return Golden(CONV, arch("shared_tiles", "sc", first_layer_dataflow="row_latched"),
                  area, energy, 69.0, {"conv1": layer(6, 72, 72, 39, 2),
                                       "conv2": layer(40, 40, 40, 23, 2),
                                       "fc1": layer(4, 4, 4, 7, 1)})


# --- leakage -------------------------------------------------------------------------------

LOGIC_LEAK_NW_PER_UM2, CELL_LEAK_NW = 2.0, 5.0


def shared_tiles_parallel_leaky() -> Golden:
    """shared_tiles_parallel with leakage: (logic_nw_per_um2 A_cmos + cells leak_cell) latency,
    A_cmos = total area - cell area; 5 arrays of R C = 16 cells; nW x ns = 1e-3 fJ."""
    base = shared_tiles_parallel()
    cells = 5 * R * C * 1
    cmos_area = sum(base.area_um2.values()) - cells * A_CELL
    power_nw = LOGIC_LEAK_NW_PER_UM2 * cmos_area + cells * CELL_LEAK_NW
    energy = {**base.energy_fj, "leakage": power_nw * base.latency_ns * 1e-3}
    return Golden(base.workload, base.architecture, base.area_um2, energy, base.latency_ns,
                  base.layers, technology(LOGIC_LEAK_NW_PER_UM2, CELL_LEAK_NW))


CASES = {
    "shared_tiles-sc": shared_tiles_sc,
    "shared_tiles-fixed_point_parallel": shared_tiles_parallel,
    "shared_tiles-fixed_point_bit_serial": shared_tiles_bit_serial,
    "tile_per_array-sc": tile_per_array_sc,
    "tile_per_array-fixed_point_parallel": tile_per_array_parallel,
    "tile_per_array-fixed_point_bit_serial": tile_per_array_bit_serial,
    "neuron_parallel-sc": neuron_parallel_sc,
    "neuron_parallel-fixed_point_parallel": neuron_parallel_parallel,
    "neuron_parallel-fixed_point_bit_serial": neuron_parallel_bit_serial,
    "tile_per_array-sc-row_latched": tile_per_array_row_latched,
    "neuron_parallel-sc-row_latched_regenerated": neuron_parallel_regenerated,
    "shared_tiles-sc-output_merge": shared_tiles_output_merge,
    "tile_per_array-fixed_point_parallel-compressor_tree": tile_per_array_compressor,
    "shared_tiles-fixed_point_parallel-6_tiles": shared_tiles_parallel_more_tiles,
    "tile_per_array-sc-8_columns": tile_per_array_sc_packed_rows,
    "conv-shared_tiles-sc-row_latched": conv_shared_tiles_row_latched,
    "shared_tiles-fixed_point_parallel-leakage": shared_tiles_parallel_leaky,
}

LAYER_COUNTS = ("row_reads", "popcounts", "accumulations", "cycles", "busy_units")


@functools.cache
def golden_and_report(case: str) -> tuple[Golden, CostReport]:
    golden = CASES[case]()
    assert set(golden.area_um2) <= set(COMPONENTS) and set(golden.energy_fj) <= set(COMPONENTS)
    return golden, evaluate(golden.workload, golden.architecture, golden.technology)


@pytest.mark.parametrize("case", list(CASES))
def test_golden_area(case: str) -> None:
    golden, report = golden_and_report(case)
    area = {name: golden.area_um2.get(name, 0.0) for name in COMPONENTS}
    assert report.area_by_component_um2 == pytest.approx(area, rel=1e-12)
    assert report.area_um2 == pytest.approx(sum(area.values()), rel=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_golden_energy(case: str) -> None:
    golden, report = golden_and_report(case)
    energy_pj = {name: golden.energy_fj.get(name, 0.0) / 1000 for name in COMPONENTS}
    assert report.energy_by_component_pj == pytest.approx(energy_pj, rel=1e-12)
    assert report.energy_pj == pytest.approx(sum(energy_pj.values()), rel=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_golden_latency_and_layer_counts(case: str) -> None:
    golden, report = golden_and_report(case)
    assert report.latency_ns == pytest.approx(golden.latency_ns, rel=1e-12)
    counts = {item.name: {key: getattr(item, key) for key in LAYER_COUNTS}
              for item in report.layers}
    assert counts == golden.layers
