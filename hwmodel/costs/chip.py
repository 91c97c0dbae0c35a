"""What the whole chip carries: pipeline registers, row counters and the sequencer, and the
static energy that accrues while an inference runs."""

from __future__ import annotations

from functools import cached_property

from hwmodel.components import leakage_energy_pj
from hwmodel.costs.base import FJ_TO_PJ, Component, is_nothing
from hwmodel.organisations import pipeline_bits


class RegistersControl(Component):
    """A pipeline register after each tree (its count, one pass or bit-plane), a row counter
    per tile, and the sequencer (area once, energy per cycle)."""

    name = "registers_control"
    description = "pipeline registers, row counters, sequencer"
    logic_units = {"pipeline_bits": lambda tech: tech.logic.flip_flop.area_um2,
                   "row_counter_bits": lambda tech: tech.logic.flip_flop.area_um2}

    def shared_area_um2(self):
        logic = super().shared_area_um2()
        sequencer = self.tech.control.area_um2
        return sequencer if is_nothing(logic) else logic + sequencer

    def energy_fj(self, layer):
        work = layer.work
        register_bits = pipeline_bits(layer.plan, self.design, work["tree_width"])
        return (work["tree_evaluations"] * register_bits * self.tech.logic.flip_flop.energy_fj
                + layer.cycles * self.tech.control.energy_fj_per_cycle)


class Leakage(Component):
    """Static energy over each layer's latency: the CMOS area by its density (the chip's area
    less its MTJ cells), the cells by their own figure (non-volatile: they leak only through
    their access transistors)."""

    name = "leakage"
    description = "static energy over the latency (no area of its own)"

    @cached_property
    def cmos_area_um2(self):
        batch = self.batch
        return batch.area_um2 - batch.arrays * batch.array.cell_area_um2

    def energy_fj(self, layer):
        return leakage_energy_pj(self.tech, self.cmos_area_um2, self.batch.mram_cells,
                                 layer.latency_ns) / FJ_TO_PJ
