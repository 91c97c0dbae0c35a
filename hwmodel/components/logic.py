"""Small datapath blocks built from the technology's logic primitives."""

from __future__ import annotations

from hwmodel.technology import Technology


class XnorArray:
    """`width` XNOR gates: binary multiplication of input bits by weight bits.

    In the parallel fixed-point first layer the same gates, `input_bits` per lane, perform the
    conditional negation of each pixel by the sign of its weight (the +1 of two's complement
    is a per-neuron constant folded into the threshold).
    """

    def __init__(self, tech: Technology, width):
        gate = tech.logic.xnor
        self.width = width
        self.area_um2 = width * gate.area_um2
        self.energy_fj = width * gate.energy_fj


class Accumulator:
    """Adder + register: adds one partial count per cycle (popcounts over slices and passes)."""

    def __init__(self, tech: Technology, bits):
        fa, ff = tech.logic.full_adder, tech.logic.flip_flop
        self.bits = bits
        self.area_um2 = bits * (fa.area_um2 + ff.area_um2)
        self.energy_fj = bits * (fa.energy_fj + ff.energy_fj)


class ThresholdComparator:
    """Compares an accumulated count with the neuron's threshold (batch norm folded in)."""

    def __init__(self, tech: Technology, bits):
        cell = tech.logic.comparator_bit
        self.bits = bits
        self.area_um2 = bits * cell.area_um2
        self.energy_fj = bits * cell.energy_fj


class Register:
    """A bank of flip-flops; energy per write of all its bits."""

    def __init__(self, tech: Technology, bits):
        ff = tech.logic.flip_flop
        self.bits = bits
        self.area_um2 = bits * ff.area_um2
        self.energy_fj = bits * ff.energy_fj
