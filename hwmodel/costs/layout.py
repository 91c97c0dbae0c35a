"""What placing and wiring the hardware adds: the whitespace of placed standard cells, and
the bus or H-tree between the arrays and the logic.

Both are proportional to the rest of the chip, so both are computed after every other
component's area (`Component.after_total`): the placement's whitespace from the standard
cells' area, the wires' length from the side of the hardware they span. First order: the
wires' own area and the whitespace do not lengthen the wires.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from hwmodel.costs.base import Component

UM_PER_MM = 1e3


def side_mm(area_um2):
    """The side of a square of this area (mm)."""
    return np.sqrt(area_um2) / UM_PER_MM


class Interconnect(Component):
    """NeuroSim's bus and H-tree (Bus.cpp, HTree.cpp), first order, in the organisation's
    topology (`Organisation.wiring`): a chip-wide bus of `wires` wires over the chip's side D
    (shared tiles), or per layer an H-tree of `wires` wires spanning the side D_l of the
    layer's own hardware, about D_l sqrt(leaves) long. Area: wires x pitch x length / the
    folded ratio (a bus that does not overlap the cells, folded over routing layers);
    energy: each bit carried over D (bus), D_l (root to a leaf) or the tree's length (a
    broadcast to every leaf); time: a register stage for every whole cycle of wire delay,
    added to every pipeline fill (NeuroSim's synchronous mode rounds a transfer up to a
    cycle; here a wire shorter than a cycle rides in the stage it feeds, whose cycle the
    preset sizes for the array read with margin)."""

    name = "interconnect"
    description = "bus or H-tree between the arrays and the logic (NeuroSim's model)"
    placed = False
    after_total = True

    @cached_property
    def chip_side_mm(self):
        return side_mm(self.batch.hardware_area_um2)

    @cached_property
    def _spans(self) -> dict[int, Any]:
        """Each layer's span (mm): the chip's side for a chip-wide bus, else the side of the
        layer's own hardware (a number per design, or one for all where the organisation is
        one)."""
        spans = {}
        for layer in self.batch.layers:
            chip_wide = layer.wiring["chip_wide"]
            if np.ndim(chip_wide) == 0:
                spans[layer.plan.index] = (self.chip_side_mm if chip_wide
                                           else side_mm(layer.hardware_area_um2))
            else:
                spans[layer.plan.index] = np.where(chip_wide > 0, self.chip_side_mm,
                                                   side_mm(layer.hardware_area_um2))
        return spans

    def shared_area_um2(self):
        spec = self.tech.interconnect
        wiring = self.batch.layers[0].wiring
        if spec is None or (np.ndim(wiring["chip_wide"]) == 0 and not wiring["chip_wide"]):
            return 0.0
        return (wiring["chip_wide"] * wiring["wires"] * spec.wire_pitch_um / spec.folded_ratio
                * self.chip_side_mm * UM_PER_MM)

    def area_um2(self, layer):
        spec = self.tech.interconnect
        wiring = layer.wiring
        if spec is None or (np.ndim(wiring["chip_wide"]) == 0 and wiring["chip_wide"]):
            return 0.0
        side = (self._spans[layer.plan.index] if np.ndim(wiring["chip_wide"]) == 0
                else side_mm(layer.hardware_area_um2))
        return ((1.0 - wiring["chip_wide"]) * wiring["wires"] * wiring["branches"]
                * (spec.wire_pitch_um / spec.folded_ratio * UM_PER_MM) * side)

    def cycles(self, layer):
        spec = self.tech.interconnect
        if spec is None or spec.delay_ns_per_mm == 0:
            return 0.0
        delay = self._spans[layer.plan.index] * (spec.delay_ns_per_mm / self.tech.cycle_ns)
        if np.max(delay) < 1.0:  # every wire rides in the stage it feeds
            return 0.0
        return np.floor(delay) * layer.plan.fills

    def energy_fj(self, layer):
        spec = self.tech.interconnect
        if spec is None:
            return 0.0
        wiring = layer.wiring
        return (wiring["bits"] * wiring["reach"] * spec.energy_fj_per_bit_mm
                * self._spans[layer.plan.index])


class Placement(Component):
    """Placed standard cells fill `placement_utilisation` of their block: the rest (routing
    channels, filler, whitespace for timing repair) is (1 / u - 1) times their area, per
    layer and shared as the cells are."""

    name = "placement"
    description = "whitespace and routing around the placed standard cells"
    placed = False
    after_total = True

    @cached_property
    def overhead(self) -> float:
        return 1.0 / self.tech.placement_utilisation - 1.0

    def shared_area_um2(self):
        return self.batch.placed_shared_area_um2 * self.overhead if self.overhead else 0.0

    def area_um2(self, layer):
        return layer.placed_area_um2 * self.overhead if self.overhead else 0.0
