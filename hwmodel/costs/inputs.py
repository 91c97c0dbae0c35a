"""Layer 1's input and every layer's input: the SNG bank, the input register, and the
registers and routing that hold a layer's input for its rows."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from hwmodel.components import comparator_bits, generators
from hwmodel.costs.base import Component
from hwmodel.plan import LayerPlan


class SngBank(Component):
    """ceil(V / sharing) generators, what the bank shares, and a comparator per pixel (SC
    designs only). Its random numbers: G N, or delivered / sharing where the dataflow
    regenerates each row's slice."""

    name = "sng"
    description = "stochastic number generators and per-pixel comparators"
    counts = ("sng_generators", "random_numbers", "random_bits_generated",
              "comparator_evaluations")

    @cached_property
    def generators(self):
        return np.where(self.design.stochastic, generators(self.batch.pixels, self.design.sharing),
                        0.0)

    @cached_property
    def regenerates(self):
        design = self.design
        return design.stochastic & design.latched & design.dataflow.any(
            lambda kind: kind.regenerates)

    @cached_property
    def random_numbers(self):
        design = self.design
        delivered = self.batch.first.work["delivered_bits"]
        return np.where(self.regenerates, delivered / design.sharing, self.generators * design.n)

    @cached_property
    def comparisons(self):
        design = self.design
        delivered = self.batch.first.work["delivered_bits"]
        return np.where(self.regenerates, delivered,
                        np.where(design.stochastic, self.batch.pixels * design.n, 0.0))

    @cached_property
    def unit_costs(self):
        """(area, step energy) of one generator and of the bank's shared logic, per design:
        once per distinct (kind, input bits, LFSR width)."""
        tech = self.tech

        def costs(kind, bits, width):
            bank = kind.bank_primitives(bits)
            return (kind.area_um2(tech, bits, width), kind.step_energy_fj(tech, bits, width),
                    bank.area_um2(tech), bank.energy_fj(tech))

        design = self.design
        return design.generator.select_distinct(costs, design.input_bits, design.lfsr_width,
                                                outputs=4)

    def area_um2(self, layer):
        if not layer.first:
            return 0.0
        design, tech = self.design, self.tech
        generator, _, bank, _ = self.unit_costs
        bank = np.where(design.stochastic, bank, 0.0)
        comparator = np.where(design.stochastic,
                              comparator_bits(self.batch.pixels, design.input_bits), 0.0)
        return (self.generators * generator + bank
                + comparator * tech.logic.comparator_bit.area_um2)

    def energy_fj(self, layer):
        if not layer.first:
            return 0.0
        _, step, _, bank_step = self.unit_costs
        bank_steps = self.random_numbers / np.maximum(self.generators, 1.0)  # the bank's count
        return (self.random_numbers * step + bank_steps * bank_step
                + self.comparisons * self.design.input_bits
                * self.tech.logic.comparator_bit.energy_fj)

    def layer_counts(self, layer):
        if not layer.first:
            return {}
        return {"sng_generators": self.generators, "random_numbers": self.random_numbers,
                "random_bits_generated": self.random_numbers * self.design.input_bits,
                "comparator_evaluations": self.comparisons}


class InputRegister(Component):
    """V B flip-flops, written once per inference (every first-layer mode)."""

    name = "input_register"
    description = "the multi-bit input image"

    def _bits(self):
        return self.batch.pixels * self.design.input_bits

    def area_um2(self, layer):
        return self._bits() * self.tech.logic.flip_flop.area_um2 if layer.first else 0.0

    def energy_fj(self, layer):
        return self._bits() * self.tech.logic.flip_flop.energy_fj if layer.first else 0.0


def line_buffer_bits(plan: LayerPlan) -> float:
    """Bits a layer's input must hold to read its input feature map once per pass: the whole
    input vector of a dense layer, k rows of a (square) input map of a conv layer."""
    shape = plan.shape
    if shape.kind == "dense":
        return float(shape.fan_in)
    width = np.sqrt(shape.input_positions or shape.positions)
    return float(shape.inputs * shape.kernel * np.ceil(width))


class LayerInputs(Component):
    """The register that holds a layer's input while its rows are evaluated (one, sized for
    the largest layer after the first, shared), the SC image register of `row_latched`, and
    the routing of input bits to the lanes (a mux per bit and operand bit delivered)."""

    name = "layer_inputs"
    description = "a layer's input held for its rows, the stochastic image, input routing"
    counts = ("input_bits_delivered",)

    @cached_property
    def image_bits(self):
        """The N x V stochastic image of a design that latches rows and stores the image."""
        design = self.design
        stores = design.stochastic & design.latched & design.dataflow.any(
            lambda kind: kind.stores_image)
        return np.where(stores, self.batch.pixels * design.n, 0.0)

    def shared_area_um2(self):
        bits = max((line_buffer_bits(layer.plan) for layer in self.batch.layers[1:]),
                   default=0.0)
        return bits * self.tech.logic.flip_flop.area_um2

    def area_um2(self, layer):
        return self.image_bits * self.tech.logic.flip_flop.area_um2 if layer.first else 0.0

    def _delivered_bits(self, layer):
        """Input bits routed to the lanes, counting each operand bit (B on the multi-bit
        datapath)."""
        width = np.where(layer.plan.multibit, self.design.input_bits, 1.0) if layer.first else 1.0
        return layer.work["delivered_bits"] * width

    def energy_fj(self, layer):
        cells = self.tech.logic
        energy = (self._delivered_bits(layer) * cells.mux2.energy_fj
                  + layer.activation_reads * cells.flip_flop.energy_fj)
        if layer.first:
            energy = energy + self.image_bits * cells.flip_flop.energy_fj
        return energy

    def layer_counts(self, layer):
        return {"input_bits_delivered": self._delivered_bits(layer)}
