"""Storage between the steps of an inference: the activation buffer between layers, layer 1's
partial sums, and the class scores."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from hwmodel.components import SramBuffer, bit_length
from hwmodel.costs.base import Component


class ActivationBuffer(Component):
    """SRAM, ping-pong: 2 max(M P) bits over the hidden layers. A layer after the first reads
    its input feature map once per pass; a hidden layer writes its output bits."""

    name = "activation_buffer"
    description = "binary activations between layers (ping-pong)"
    counts = ("activation_bits_read", "activation_bits_written")

    @cached_property
    def buffer(self) -> SramBuffer:
        hidden = [layer.plan.shape.output_values for layer in self.batch.layers
                  if layer.plan.hidden]
        return SramBuffer(self.tech, 2 * max(hidden, default=0))

    def shared_area_um2(self):
        return self.buffer.area_um2

    def energy_fj(self, layer):
        return (layer.activation_reads * self.buffer.read_energy_fj_per_bit
                + layer.activation_writes * self.buffer.write_energy_fj_per_bit)

    def layer_counts(self, layer):
        return {"activation_bits_read": layer.activation_reads,
                "activation_bits_written": layer.activation_writes}


class PartialSumBuffer(Component):
    """Layer 1's counts kept across its passes or bit-planes (reread), or across its slices
    at every position (a latched conv layer); none where each neuron's own accumulator holds
    its count (neuron_parallel with one position), nor with the output merge."""

    name = "partial_sum_buffer"
    description = "layer-1 counts kept across passes, bit-planes or slices"
    counts = ("partial_sum_bits_accessed",)

    @cached_property
    def bits(self):
        design, first = self.design, self.batch.first.plan
        dedicated = design.organisation.any(lambda kind: kind.dedicated_accumulators)
        accumulates_passes = (first.repetitions > 1) & ~design.output_merge
        single_position = first.shape.positions == 1
        needed = np.where(
            design.latched,
            (first.slices > 1) & (first.shape.positions > 1) & ~dedicated,
            ~(dedicated & single_position),
        ) & accumulates_passes
        return np.where(needed, first.shape.outputs * first.shape.positions * first.acc_bits, 0.0)

    @cached_property
    def accesses(self):
        """Bits read and written once each: every pass (reread) or every slice (latched)."""
        first = self.batch.first.plan
        return self.bits * np.where(self.design.latched, first.slices, first.repetitions)

    def area_um2(self, layer):
        return SramBuffer(self.tech, self.bits).area_um2 if layer.first else 0.0

    def energy_fj(self, layer):
        if not layer.first:
            return 0.0
        buffer = SramBuffer(self.tech, self.bits)
        return self.accesses * (buffer.read_energy_fj_per_bit + buffer.write_energy_fj_per_bit)

    def layer_counts(self, layer):
        return {"partial_sum_bits_accessed": 2 * self.accesses} if layer.first else {}


class OutputScores(Component):
    """M_L P_L registers of bit_length(F_L range passes) bits (+1 for a signed layer 1),
    written once per pass; with the output merge an adder sums them over the N passes."""

    name = "output_scores"
    description = "class scores (summed over passes with the output merge)"

    @cached_property
    def passes(self):
        return np.where(self.design.output_merge, self.design.n, 1.0)

    @cached_property
    def score_bits(self):
        design, final = self.design, self.batch.layers[-1].plan
        only = final.first  # the output layer is layer 1
        bits = bit_length(final.shape.fan_in * (design.first_range if only else 1.0)
                          * self.passes)
        return bits + (design.signed_first if only else 0.0)

    def area_um2(self, layer):
        if not layer.last:
            return 0.0
        cells = self.tech.logic
        adder = np.where(self.design.output_merge, self.score_bits * cells.full_adder.area_um2,
                         0.0)
        registers = layer.plan.shape.output_values * self.score_bits * cells.flip_flop.area_um2
        return registers + adder

    def energy_fj(self, layer):
        if not layer.last:
            return 0.0
        cells = self.tech.logic
        adds = self.passes * layer.plan.shape.output_values * self.score_bits
        return adds * (cells.flip_flop.energy_fj + np.where(self.design.output_merge,
                                                             cells.full_adder.energy_fj, 0.0))
