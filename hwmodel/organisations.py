"""Organisations: where the sensing and counting logic sits, and what works in parallel.

A *lane* is one sense amplifier (which also computes the XNOR of the bit it senses with its
input bit), feeding one input of a popcount tree. Every organisation performs the same lane
operations (each weight bit of a layer meets its input once per position and pass); they
differ in how many lanes exist, how the counts are summed, and how long it takes:

Read parallelism (`Architecture.parallel_rows`, NeuroSim's partial-parallel read) is how many
rows each array senses at once: each column is cut into that many bitline segments of
array_rows / parallel_rows cells, each with its sense amplifier (its lane), so rows sensed at
once cost lanes and bitlines are shorter (`hwmodel.components.memory`).

* `shared_tiles`: a pool of `tiles` compute tiles time-shared by every array and layer. A tile
  senses parallel_rows rows of one array per cycle: parallel_rows x C lanes, as many C-input
  popcount trees, accumulators and threshold comparators for the neurons of those rows.
  min(tiles, arrays) tiles work on a layer at once. Little logic, many cycles.
* `tile_per_array` (near-memory): every array has its own tile, sensing parallel_rows of its
  rows per cycle; all arrays of a layer work at once, each through its own rows.
* `neuron_parallel` (in-memory, a neuron's whole fan-in summed by its own tree): every array
  senses parallel_rows rows per cycle, and the rows sensed together hold whole neurons (a
  neuron's slices sit in different segments), each counted by a tree over its fan-in. With
  parallel_rows = array_rows every stored bit has its lane and a layer takes one step per
  position and pass (fully parallel: the logic is large, the cycles few); with fewer rows it
  takes ceil(rows / parallel_rows) cycles per step with as many times fewer lanes and trees.

The multi-bit datapath of the parallel fixed-point baseline (negation lanes and a multi-bit
tree) exists only where layer 1 runs: on min(tiles, arrays_1) shared tiles, on the tiles of
layer 1's arrays, or in layer 1's neurons. Folded over f cycles (`first_layer_fold`: the
baseline at the throughput of an SC design of N = f), layer 1 runs on 1/f of those units, f
times as long.

Each organisation also says how its arrays and logic are wired (`Organisation.wiring`,
priced by `hwmodel.costs.layout.Interconnect`): shared tiles reach every array over a bus;
the organisations whose layers have their own logic deliver each layer's inputs over an
H-tree spanning that layer (NeuroSim's bus and H-tree).
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
    layers_own_logic: ClassVar[bool] = False  # every layer has its own logic (may overlap)

    def work(self, plan: LayerPlan, design: Design) -> dict[str, Any]:
        """A layer's work on this organisation, as named columns:

        `busy_units` (tiles or neuron trees working at once), `steps` (busy cycles, the
        pipeline fill aside) and `cycles` (with one fill per layer pass), `rows_at_once` (rows
        sensed in one cycle: the busiest cycle's reads), `tree_evaluations` and `tree_width`
        (popcount-tree evaluations, inputs of each tree), `accumulations` (additions into
        accumulators: slices, passes, bit-planes) and `delivered_bits` (input bits routed to
        the lanes).
        """
        raise NotImplementedError

    def logic(self, plans: list[LayerPlan], design: Design) -> Logic:
        raise NotImplementedError

    def wiring(self, plan: LayerPlan, work: dict[str, Any], design: Design
               ) -> dict[str, Any]:
        """The layer's interconnect between its arrays and its logic, as named columns:
        `bits` carried per inference, `reach` (sqrt of the leaves each bit reaches: 1 for a
        point-to-point path, more for a broadcast), `wires` (the bus's or tree's width) and
        `branches` (sqrt of the tree's leaves, for its length), `chip_wide` (1: one bus over
        the whole chip, shared by the layers; 0: a tree over the layer's own hardware)."""
        raise NotImplementedError


def _cycles(steps, plan: LayerPlan):
    """Busy steps and one pipeline fill per layer pass."""
    return steps + PIPELINE_DEPTH_CYCLES * plan.fills


def _row_work(plan: LayerPlan, design: Design, busy, rows_per_unit, steps) -> dict[str, Any]:
    """Row-wide evaluation on `busy` tiles sensing `rows_per_unit` rows each per cycle."""
    shape = plan.shape
    return {
        "busy_units": busy,
        "steps": steps,
        "cycles": _cycles(steps, plan),
        "rows_at_once": busy * rows_per_unit,
        "tree_evaluations": plan.evaluations,
        "tree_width": design.cols,
        "tree_full_adders": plan.row_tree[0],
        "tree_half_adders": plan.row_tree[1],
        "accumulations": shape.outputs * shape.positions * plan.slices * plan.repetitions,
        "delivered_bits": plan.evaluations * design.cols,  # a C-bit slice per row
    }


def _rows_per_tile(plan: LayerPlan, design: Design):
    """Rows a tile senses at once on this layer: parallel_rows, or fewer where its arrays
    hold fewer weight rows."""
    return np.minimum(design.parallel_rows, np.ceil(plan.weight_rows / plan.arrays))


def _row_tile(plan: LayerPlan, design: Design, tiles, rows) -> dict[str, np.ndarray]:
    """`tiles` tiles serving `plan`'s layer, each sensing `rows` rows of C lanes at once
    (row-wide trees), counted."""
    cols, slots = design.cols, tiles * rows
    return {
        "lanes": slots * cols,
        "xnor_gates": slots * cols * plan.xnor_per_lane,
        **_trees(slots, plan.row_tree),
        "accumulator_bits": slots * plan.per_row * plan.acc_bits,
        "comparator_bits": slots * plan.per_row * plan.acc_bits if plan.hidden else 0.0 * slots,
        "pipeline_bits": slots * pipeline_bits(plan, design, cols),
        "row_counter_bits": tiles * bit_length(np.ceil(design.rows / rows) - 1),
    }


class SharedTiles(Organisation):
    name = "shared_tiles"
    short = "shared"
    description = "a pool of tiles time-shared by every array and layer"
    uses_tiles = True

    def busy_units(self, plan, design):
        """min(tiles, arrays); layer 1's folded datapath on 1/fold of them."""
        busy = np.minimum(design.tiles, plan.arrays)
        return np.ceil(busy / plan.fold) if plan.first else busy

    def work(self, plan, design):
        busy, rows = self.busy_units(plan, design), _rows_per_tile(plan, design)
        return _row_work(plan, design, busy, rows, np.ceil(plan.evaluations / (busy * rows)))

    def logic(self, plans, design):
        """`tiles` tiles sized for the widest layer, each sensing parallel_rows rows; the
        min(tiles, arrays_1) / fold tiles that run layer 1 carry its datapath (multi-bit tree
        and negation lanes, or latch XNORs)."""
        first, cols, slots = plans[0], design.cols, design.parallel_rows
        layer1_tiles = self.busy_units(first, design)
        other = (design.tiles - layer1_tiles) * slots
        layer1 = _row_tile(first, design, layer1_tiles, slots)
        binary_tree = design.binary_row_tree
        per_row = np.max([p.per_row for p in plans], axis=0)
        acc_bits = np.max([p.acc_bits for p in plans], axis=0)
        every = design.tiles * slots
        shared = {
            "lanes": every * cols,
            "xnor_gates": layer1["xnor_gates"],
            "tree_full_adders": layer1["tree_full_adders"] + other * binary_tree[0],
            "tree_half_adders": layer1["tree_half_adders"] + other * binary_tree[1],
            "accumulator_bits": every * per_row * acc_bits,
            "comparator_bits": every * per_row * acc_bits,
            "pipeline_bits": layer1["pipeline_bits"] + other * bit_length(cols),
            "row_counter_bits": design.tiles * bit_length(np.ceil(design.rows / slots) - 1),
        }
        return Logic(per_layer=[{} for _ in plans], shared=shared)

    def wiring(self, plan, work, design):
        """A bus from every array to the tile pool, as wide as the tiles' lanes: each bit
        sensed crosses it (NeuroSim's bus: the whole length per bit)."""
        sensed = plan.row_reads * design.cols + plan.comparisons * plan.acc_bits
        return {"bits": sensed, "reach": 1.0, "wires": design.tiles * design.parallel_rows
                * design.cols, "branches": 1.0, "chip_wide": 1.0}


class TilePerArray(Organisation):
    name = "tile_per_array"
    short = "per-array"
    description = "every array has its own tile (near-memory); a layer's arrays work at once"
    layers_own_logic = True

    def busy_units(self, plan, design):
        """A tile per array; layer 1's folded datapath on 1/fold of them."""
        return np.ceil(plan.arrays / plan.fold) if plan.first else plan.arrays

    def work(self, plan, design):
        rows = _rows_per_tile(plan, design)
        groups = np.ceil(np.ceil(plan.weight_rows / plan.arrays) / rows) * plan.fold
        steps = plan.shape.positions * plan.repetitions * groups
        return _row_work(plan, design, self.busy_units(plan, design), rows, steps)

    def logic(self, plans, design):
        return Logic(per_layer=[_row_tile(p, design, self.busy_units(p, design),
                                          _rows_per_tile(p, design)) for p in plans])

    def wiring(self, plan, work, design):
        """An H-tree of C wires from the layer's input register to its tiles: the tiles
        evaluate rows at the same offset of their arrays, hence the same input slice, which
        is broadcast to them (the tree's length per bit, about D_l sqrt(tiles))."""
        leaves = np.sqrt(work["busy_units"])
        return {"bits": work["delivered_bits"] / work["busy_units"], "reach": leaves,
                "wires": design.cols, "branches": leaves, "chip_wide": 0.0}


class NeuronParallel(Organisation):
    name = "neuron_parallel"
    short = "neuron-par"
    description = "a tree per neuron over its whole fan-in; each array senses parallel_rows rows"
    dedicated_accumulators = True
    layers_own_logic = True

    @staticmethod
    def groups(plan: LayerPlan, design: Design):
        """(rows sensed per cycle S, row groups g): every array senses parallel_rows rows per
        cycle, so its rows take g = ceil(min(R, rows) / parallel_rows) cycles; a folded layer
        1 senses 1/fold of them per cycle, fold times as many cycles."""
        sensed = plan.rows_sensed(design.parallel_rows)
        groups = np.ceil(np.minimum(design.rows, plan.rows_stored) / design.parallel_rows)
        if plan.first:
            return np.ceil(sensed / plan.fold), groups * plan.fold
        return sensed, groups

    @staticmethod
    def shape_of(plan: LayerPlan, design: Design):
        """(S, g, h, trees, width): h = ceil(s / S) cycles bring one neuron's fan-in (1 when
        its slices fit the rows sensed at once), trees = the neurons counted per cycle,
        min(M, ceil(M h / g)), each over min(F, S C) lanes (once per layer: work and logic
        read it)."""
        if "neuron_shape" not in plan.cache:
            plan.cache["neuron_shape"] = NeuronParallel._shape(plan, design)
        return plan.cache["neuron_shape"]

    @staticmethod
    def _shape(plan: LayerPlan, design: Design):
        sensed, groups = NeuronParallel.groups(plan, design)
        outputs = plan.shape.outputs
        spans = np.ceil(plan.slices / sensed)
        trees = np.minimum(outputs, np.ceil(outputs * spans / groups))
        width = np.minimum(plan.shape.fan_in, sensed * design.cols)
        return sensed, groups, spans, trees, width

    def work(self, plan, design):
        """A tree per neuron of the group being sensed, its fan-in in `spans` cycles; a
        single step's count goes straight to the threshold; the input vector is broadcast
        once per cycle."""
        shape = plan.shape
        sensed, groups, spans, trees, width = self.shape_of(plan, design)
        passes = shape.positions * plan.repetitions
        evaluations = passes * shape.outputs * spans
        full, half = plan.tree(width)
        steps = passes * groups
        return {
            "busy_units": trees,
            "steps": steps,
            "cycles": _cycles(steps, plan),
            "rows_at_once": np.minimum(sensed, plan.weight_rows),
            "tree_evaluations": evaluations,
            "tree_width": width,
            "tree_full_adders": full,
            "tree_half_adders": half,
            "accumulations": np.where((plan.repetitions > 1) | (spans > 1), evaluations, 0.0),
            "delivered_bits": steps * shape.fan_in,
        }

    def logic(self, plans, design):
        per_layer = []
        for plan in plans:
            sensed, groups, spans, trees, width = self.shape_of(plan, design)
            acc_bits = plan.acc_bits
            per_layer.append({
                "lanes": sensed * design.cols,
                "xnor_gates": np.minimum(sensed, plan.weight_rows) * design.cols
                * plan.xnor_per_lane,
                **_trees(trees, plan.tree(width)),
                # a neuron keeps its count across passes; across its fan-in cycles only
                # the neurons being counted need one
                "accumulator_bits": np.where(plan.repetitions > 1, plan.shape.outputs * acc_bits,
                                             np.where(spans > 1, trees * acc_bits, 0.0)),
                "comparator_bits": trees * acc_bits if plan.hidden else 0.0 * trees,
                "pipeline_bits": trees * pipeline_bits(plan, design, width),
                "row_counter_bits": plan.arrays * bit_length(groups - 1),
            })
        return Logic(per_layer=per_layer)

    def wiring(self, plan, work, design):
        """An H-tree over the layer's arrays broadcasts the input vector to every array
        sensing at once (the tree's length, about side x sqrt(arrays), per bit)."""
        leaves = np.sqrt(np.ceil(plan.arrays / plan.fold) if plan.first else plan.arrays)
        return {"bits": work["delivered_bits"], "reach": leaves,
                "wires": float(plan.shape.fan_in), "branches": leaves, "chip_wide": 0.0}
