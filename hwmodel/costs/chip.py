"""What the whole chip carries: pipeline registers, row counters and the sequencer, and the
static energy that accrues while an inference runs."""

from __future__ import annotations

from functools import cached_property

from hwmodel.components.leakage import NW_NS_TO_PJ, leakage_power_nw
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
    """Static energy over the time each layer is charged with (its latency; its share of the
    interval where the layers are pipelined): the CMOS area by its density (the hardware's
    area less its MTJ cells; placement whitespace and wires hold no transistors of the model),
    the cells by their own figure (non-volatile: they leak only through their access
    transistors). Its power is drawn in every cycle, once for the chip."""

    name = "leakage"
    description = "static energy over the latency (no area of its own)"
    placed = False

    @cached_property
    def cmos_area_um2(self):
        batch = self.batch
        return batch.hardware_area_um2 - batch.arrays * batch.array.cell_area_um2

    @cached_property
    def power_nw(self):
        return leakage_power_nw(self.tech, self.cmos_area_um2, self.batch.mram_cells)

    def energy_fj(self, layer):
        return self.power_nw * layer.static_ns * NW_NS_TO_PJ / FJ_TO_PJ

    def cycle_energy_fj(self, layer):
        return 0.0  # the static power is the chip's, counted once (`static_power_nw`)

    def static_power_nw(self):
        return self.power_nw
