"""The counting datapath beside the lanes: XNOR gates, popcount trees, accumulators and
threshold comparators. Their number is the organisation's (`hwmodel.organisations.Logic`);
their activity is the layer's work (`Organisation.work`)."""

from __future__ import annotations

from hwmodel.costs.base import Component


class XnorGates(Component):
    name = "xnor"
    description = "XNOR gates beside latched rows; negation lanes of the multi-bit first layer"
    logic_units = {"xnor_gates": lambda tech: tech.logic.xnor.area_um2}

    def energy_fj(self, layer):
        if not layer.first:  # later layers XNOR in their sense amplifiers
            return 0.0
        plan = layer.plan
        lane_evaluations = plan.evaluations * self.design.cols
        return lane_evaluations * plan.xnor_per_lane * self.tech.logic.xnor.energy_fj


class Popcount(Component):
    name = "popcount"
    description = "adder trees (ripple or compressor; multi-bit where the first layer needs it)"
    counts = ("popcounts",)
    logic_units = {"tree_full_adders": lambda tech: tech.logic.full_adder.area_um2,
                   "tree_half_adders": lambda tech: tech.logic.half_adder.area_um2}

    def energy_fj(self, layer):
        work, cells = layer.work, self.tech.logic
        return work["tree_evaluations"] * (work["tree_full_adders"] * cells.full_adder.energy_fj
                                           + work["tree_half_adders"] * cells.half_adder.energy_fj)

    def layer_counts(self, layer):
        return {"popcounts": layer.work["tree_evaluations"]}


class Accumulators(Component):
    """An accumulator bit is an adder bit and its register bit."""

    name = "accumulators"
    description = "accumulators (slices, passes, bit-planes)"
    counts = ("accumulations",)
    logic_units = {"accumulator_bits": lambda tech: (tech.logic.full_adder.area_um2
                                                     + tech.logic.flip_flop.area_um2)}

    def energy_fj(self, layer):
        cells = self.tech.logic
        return layer.work["accumulations"] * layer.plan.acc_bits * (
            cells.full_adder.energy_fj + cells.flip_flop.energy_fj)

    def layer_counts(self, layer):
        return {"accumulations": layer.work["accumulations"]}


class Threshold(Component):
    name = "threshold"
    description = "threshold comparators"
    counts = ("threshold_comparisons",)
    logic_units = {"comparator_bits": lambda tech: tech.logic.comparator_bit.area_um2}

    def energy_fj(self, layer):
        return layer.threshold_bits * self.tech.logic.comparator_bit.energy_fj

    def layer_counts(self, layer):
        return {"threshold_comparisons": layer.plan.comparisons}
