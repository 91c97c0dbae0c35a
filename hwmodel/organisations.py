"""Organisations: where the sensing and counting logic sits, and what works in parallel.

A *lane* is one sense amplifier (which also computes the XNOR of the bit it senses with its
input bit), feeding one input of a popcount tree. Every organisation performs the same lane
operations (each weight bit of a layer meets its input once per position and pass); they
differ in how many lanes exist, how the counts are summed, and how long it takes:

* `shared_tiles`: a pool of `tiles` compute tiles time-shared by every array and layer. A tile
  has C lanes, a C-input popcount tree, accumulators and threshold comparators for the neurons
  of one row; it reads one row per cycle from any array. min(tiles, arrays) tiles work on a
  layer at once. Little logic, many cycles.
* `tile_per_array` (near-memory): every array has its own tile; all arrays of a layer work at
  once, each through its own rows.
* `neuron_parallel` (fully parallel in-memory): every stored weight bit has its lane, and
  each neuron's whole fan-in is summed by its own popcount tree in one step. A layer takes one
  step per position and pass. The logic is large, the cycles few.

The multi-bit datapath of the parallel fixed-point baseline (negation lanes and a multi-bit
tree) exists only where layer 1 runs: on min(tiles, arrays_1) shared tiles, on the tiles of
layer 1's arrays, or in layer 1's neurons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from hwmodel.components.adder_trees import bit_length
from hwmodel.kinds import Kind
from hwmodel.plan import PIPELINE_DEPTH_CYCLES, Design, LayerPlan


@dataclass
class Logic:
    """The organisation's logic, counted: per component, a count per layer plus a shared one
    (counts of lanes, full adders, accumulator bits, ...; `hwmodel.core` prices them)."""

    per_layer: list[dict[str, np.ndarray]]
    shared: dict[str, np.ndarray] = field(default_factory=dict)


def _trees(units, tree: tuple[np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    """`units` trees of the given (full, half) adders, counted."""
    return {"tree_full_adders": units * tree[0], "tree_half_adders": units * tree[1]}


def pipeline_bits(plan: LayerPlan, design: Design, width):
    """Bits of the register after a tree of `width` inputs (its count, signed on layer 1's
    multi-bit datapath)."""
    value_range = np.where(design.multibit, design.first_range, 1.0) if plan.first else 1.0
    signed = np.where(design.multibit, 1.0, 0.0) if plan.first else 0.0
    return bit_length(width * value_range) + signed


class Organisation(Kind):
    family: ClassVar[str] = "organisation"
    registry: ClassVar[dict[str, Kind]] = {}
    dedicated_accumulators: ClassVar[bool] = False  # one accumulator per neuron
    uses_tiles: ClassVar[bool] = False  # the `tiles` field sizes it

    def work(self, plan: LayerPlan, design: Design) -> dict[str, Any]:
        """A layer's work on this organisation, as named columns:

        `busy_units` (tiles or neurons working at once), `cycles`, `tree_evaluations` and
        `tree_width` (popcount-tree evaluations, inputs of each tree), `accumulations`
        (additions into accumulators: slices, passes, bit-planes) and `delivered_bits` (input
        bits routed to the lanes).
        """
        shape = plan.shape
        return {
            "busy_units": self.busy_units(plan, design),
            "cycles": self.cycles(plan, design),
            "tree_evaluations": plan.evaluations,
            "tree_width": self.tree_inputs(shape.fan_in, design.cols),
            "tree_full_adders": plan.row_tree[0],
            "tree_half_adders": plan.row_tree[1],
            "accumulations": shape.outputs * shape.positions * plan.slices * plan.repetitions,
            "delivered_bits": plan.evaluations * design.cols,  # a C-bit slice per row
        }

    def tree_inputs(self, fan_in, cols):
        """Inputs of one popcount tree for a layer of `fan_in` on arrays of `cols` columns
        (what the RTL of a design builds): a tile sums one row's C lanes."""
        return cols

    def busy_units(self, plan: LayerPlan, design: Design):
        raise NotImplementedError

    def cycles(self, plan: LayerPlan, design: Design):
        raise NotImplementedError

    def logic(self, plans: list[LayerPlan], design: Design) -> Logic:
        raise NotImplementedError


def _row_tile(plan: LayerPlan, design: Design, units) -> dict[str, np.ndarray]:
    """`units` tiles of C lanes serving `plan`'s layer (row-wide trees), counted."""
    cols = design.cols
    return {
        "lanes": units * cols,
        "xnor_gates": units * cols * plan.xnor_per_lane,
        **_trees(units, plan.row_tree),
        "accumulator_bits": units * plan.per_row * plan.acc_bits,
        "comparator_bits": units * plan.per_row * plan.acc_bits if plan.hidden else 0.0 * units,
        "pipeline_bits": units * pipeline_bits(plan, design, cols),
        "row_counter_bits": units * bit_length(design.rows - 1),
    }


class SharedTiles(Organisation):
    name = "shared_tiles"
    short = "shared"
    description = "a pool of tiles time-shared by every array and layer"
    uses_tiles = True

    def busy_units(self, plan, design):
        return np.minimum(design.tiles, plan.arrays)

    def cycles(self, plan, design):
        busy = self.busy_units(plan, design)
        return np.ceil(plan.evaluations / busy) + PIPELINE_DEPTH_CYCLES * plan.repetitions

    def logic(self, plans, design):
        """`tiles` tiles sized for the widest layer; the min(tiles, arrays_1) tiles that run
        layer 1 carry its datapath (multi-bit tree and negation lanes, or latch XNORs)."""
        first, cols = plans[0], design.cols
        layer1_tiles = np.minimum(design.tiles, first.arrays)
        other_tiles = design.tiles - layer1_tiles
        layer1 = _row_tile(first, design, layer1_tiles)
        binary_tree = design.binary_row_tree
        per_row = np.max([p.per_row for p in plans], axis=0)
        acc_bits = np.max([p.acc_bits for p in plans], axis=0)
        shared = {
            "lanes": design.tiles * cols,
            "xnor_gates": layer1["xnor_gates"],
            "tree_full_adders": layer1["tree_full_adders"]
            + other_tiles * binary_tree[0],
            "tree_half_adders": layer1["tree_half_adders"] + other_tiles * binary_tree[1],
            "accumulator_bits": design.tiles * per_row * acc_bits,
            "comparator_bits": design.tiles * per_row * acc_bits,
            "pipeline_bits": layer1["pipeline_bits"] + other_tiles * bit_length(cols),
            "row_counter_bits": design.tiles * bit_length(design.rows - 1),
        }
        return Logic(per_layer=[{} for _ in plans], shared=shared)


class TilePerArray(Organisation):
    name = "tile_per_array"
    short = "per-array"
    description = "every array has its own tile (near-memory); a layer's arrays work at once"

    def busy_units(self, plan, design):
        return plan.arrays

    def cycles(self, plan, design):
        rows_per_array = np.ceil(plan.weight_rows / plan.arrays)
        passes = plan.shape.positions * plan.repetitions
        return passes * rows_per_array + PIPELINE_DEPTH_CYCLES * plan.repetitions

    def logic(self, plans, design):
        return Logic(per_layer=[_row_tile(p, design, p.arrays) for p in plans])


class NeuronParallel(Organisation):
    name = "neuron_parallel"
    short = "neuron-par"
    description = "every weight bit has its lane, every neuron its own popcount tree"
    dedicated_accumulators = True

    def tree_inputs(self, fan_in, cols):
        return fan_in  # each neuron sums its whole fan-in at once

    def busy_units(self, plan, design):
        return plan.shape.outputs + 0.0 * design.cols

    def cycles(self, plan, design):
        steps = plan.shape.positions * plan.repetitions
        return steps + PIPELINE_DEPTH_CYCLES * plan.repetitions + 0.0 * design.cols

    def work(self, plan, design):
        """One tree per neuron, the whole fan-in per step; a single step's count goes
        straight to the threshold; the input vector is broadcast once per step."""
        shape = plan.shape
        steps = shape.positions * plan.repetitions
        return {
            "busy_units": self.busy_units(plan, design),
            "cycles": self.cycles(plan, design),
            "tree_evaluations": steps * shape.outputs,
            "tree_width": self.tree_inputs(float(shape.fan_in), design.cols),
            "tree_full_adders": plan.neuron_tree[0],
            "tree_half_adders": plan.neuron_tree[1],
            "accumulations": np.where(plan.repetitions > 1, steps * shape.outputs, 0.0),
            "delivered_bits": steps * shape.fan_in,
        }

    def logic(self, plans, design):
        per_layer = []
        for plan in plans:
            neurons, fan_in = plan.shape.outputs, plan.shape.fan_in
            lanes = (plan.weight_rows + plan.threshold_rows) * design.cols
            accumulate = plan.repetitions > 1
            per_layer.append({
                "lanes": lanes,
                "xnor_gates": plan.weight_rows * design.cols * plan.xnor_per_lane,
                **_trees(neurons, plan.neuron_tree),
                "accumulator_bits": np.where(accumulate, neurons * plan.acc_bits, 0.0),
                "comparator_bits": neurons * plan.acc_bits if plan.hidden else 0.0 * lanes,
                "pipeline_bits": neurons * pipeline_bits(plan, design, fan_in),
                "row_counter_bits": 0.0 * lanes,  # every row is sensed at once
            })
        return Logic(per_layer=per_layer)
