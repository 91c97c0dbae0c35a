"""The batch of designs being scored, and how each layer is laid out and scheduled on it.

`Design` holds an evaluation's architecture columns (one value per design) with the kinds
resolved; `LayerPlan` is one layer's mapping and work counts, as arrays over the designs. The
organisation, first-layer and dataflow kinds read these; `hwmodel.core` builds them.

Layout: one array row holds a slice of one neuron's weights (fan-in along the columns,
neurons along the rows). A neuron with fan_in > cols spans ceil(fan_in / cols) rows (slices);
neurons with fan_in <= cols are packed floor(cols / next_pow2(fan_in)) to a row, each in an
aligned power-of-two segment, so that a node of the popcount tree holds each neuron's count.
Hidden layers also store one threshold word per neuron, acc_bits wide, in extra rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hwmodel.components.adder_trees import PopcountCircuit, adders_by_circuit, bit_length
from hwmodel.components.ecc import ErrorCorrection
from hwmodel.components.mram_cell import MramCell
from hwmodel.components.sng import Generator
from hwmodel.dataflows import FirstLayerDataflow
from hwmodel.first_layer import FirstLayerMode
from hwmodel.kinds import Column
from hwmodel.workload import LayerShape

# read + sense | XNOR + popcount | accumulate + threshold: three register-to-register stages
# (the cycle time of the preset is sized for an STT-MRAM read, the longest of them).
PIPELINE_DEPTH_CYCLES = 3


def next_pow2(value):
    """Smallest power of two >= value (value >= 1), elementwise."""
    value = np.asarray(value, dtype=float)
    return np.where(value > 1, 2.0 ** np.ceil(np.log2(np.maximum(value, 1.0))), 1.0)


def neurons_per_row(fan_in, cols):
    return np.where(fan_in > cols, 1.0, np.maximum(1.0, np.floor(cols / next_pow2(fan_in))))


@dataclass
class Design:
    """The architecture columns of a batch of designs, kinds resolved, derived flags added."""

    size: int
    organisation: Column
    mode: Column[FirstLayerMode]
    dataflow: Column[FirstLayerDataflow]
    circuit: Column[PopcountCircuit]
    generator: Column[Generator]
    rows: np.ndarray
    cols: np.ndarray
    tiles: np.ndarray
    input_bits: np.ndarray
    sharing: np.ndarray
    lfsr_width: np.ndarray
    n: np.ndarray  # effective bitstream length: 1 without SC
    output_merge: np.ndarray  # SC with the output merge
    stochastic: np.ndarray  # SC first layer
    multibit: np.ndarray  # the parallel fixed-point datapath
    signed_first: np.ndarray  # 1 where layer 1's count is signed
    first_range: np.ndarray  # largest value one layer-1 input adds to a count
    first_repetitions: np.ndarray  # times layer 1 runs
    latched: np.ndarray  # layer-1 rows sensed once (a latched dataflow that repeats)
    cell: Column[MramCell]  # how a weight bit is stored and sensed
    ecc: Column[ErrorCorrection]  # how the rows are protected
    read_voltage: np.ndarray  # mV across a junction as it is read

    @cached_property
    def binary_row_tree(self) -> tuple[np.ndarray, np.ndarray]:
        """(full, half) adders of a popcount over one row's C lanes, per design's circuit:
        the tree of every tile, and of every layer but a multi-bit first layer."""
        return adders_by_circuit(self.circuit, self.cols, 1.0)


@dataclass
class LayerPlan:
    """One layer on the arrays of every design: mapping, work and accumulator widths."""

    index: int
    shape: LayerShape
    first: bool
    hidden: bool  # has a threshold (every layer but the output layer)
    per_row: np.ndarray  # neurons packed in one row
    slices: np.ndarray  # rows per neuron
    weight_rows: np.ndarray
    acc_bits: np.ndarray
    threshold_rows: np.ndarray
    arrays: np.ndarray
    repetitions: np.ndarray  # passes (N) or bit-planes (B) the layer runs
    threshold_passes: np.ndarray  # thresholdings per neuron and position
    evaluations: np.ndarray  # row-wide XNOR-popcounts: positions * weight_rows * repetitions
    row_reads: np.ndarray  # rows sensed (fewer than evaluations when latched)
    comparisons: np.ndarray
    operand_bits: np.ndarray  # bits of one tree operand: B + 1 on the multi-bit datapath
    design: Design = field(repr=False)

    @property
    def latched(self):
        """Rows sensed once and the planes streamed through them (layer 1 only)."""
        return self.design.latched if self.first else False

    @property
    def multibit(self):
        """The parallel fixed-point datapath (layer 1 only)."""
        return self.design.multibit if self.first else False

    @cached_property
    def xnor_per_lane(self):
        """XNOR gates beside each lane: B negation gates on the multi-bit datapath, one
        beside a latched row (the sense amplifier XNORs otherwise)."""
        return np.where(self.multibit, self.design.input_bits,
                        np.where(self.latched, 1.0, 0.0))

    @cached_property
    def row_tree(self) -> tuple[np.ndarray, np.ndarray]:
        """(full, half) adders of a tree over one row's C lanes (tiles), per design's circuit."""
        if not self.first:
            return self.design.binary_row_tree
        return adders_by_circuit(self.design.circuit, self.design.cols, self.operand_bits)

    @cached_property
    def neuron_tree(self) -> tuple[np.ndarray, np.ndarray]:
        """(full, half) adders of a tree over one neuron's whole fan-in (neuron_parallel)."""
        bits = self.operand_bits if self.first else 1.0  # one tree shape for every design
        return adders_by_circuit(self.design.circuit, float(self.shape.fan_in), bits)


def plan_layer(design: Design, shape: LayerShape, index: int, last: int) -> LayerPlan:
    cols, rows = design.cols, design.rows
    first, hidden = index == 0, index < last
    fan_in, outputs, positions = shape.fan_in, shape.outputs, shape.positions
    value_range = design.first_range if first else 1.0
    signed = design.signed_first if first else 0.0
    acc_bits = bit_length(fan_in * value_range) + signed + np.zeros_like(cols)
    per_row = neurons_per_row(fan_in, cols)
    slices = np.ceil(fan_in / cols)
    weight_rows = np.ceil(outputs / per_row) * slices
    threshold_rows = np.ceil(outputs * acc_bits / cols) if hidden else np.zeros_like(cols)
    arrays = np.ceil((weight_rows + threshold_rows) / rows)
    threshold_passes = np.where(design.output_merge, design.n, 1.0)
    repetitions = design.first_repetitions if first else threshold_passes
    evaluations = positions * weight_rows * repetitions
    row_reads = np.where(design.latched, weight_rows, evaluations) if first else evaluations
    comparisons = outputs * positions * threshold_passes if hidden else np.zeros_like(cols)
    operand_bits = np.where(design.multibit, design.input_bits + 1.0, 1.0) if first else (
        np.ones_like(cols))
    return LayerPlan(
        index=index, shape=shape, first=first, hidden=hidden, per_row=per_row, slices=slices,
        weight_rows=weight_rows, acc_bits=acc_bits, threshold_rows=threshold_rows,
        arrays=arrays, repetitions=repetitions, threshold_passes=threshold_passes,
        evaluations=evaluations, row_reads=row_reads, comparisons=comparisons,
        operand_bits=operand_bits, design=design,
    )
