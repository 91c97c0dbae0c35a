"""Stochastic number generators (SNGs) and the comparators that turn pixels into bitstreams.

A generator produces one `input_bits`-wide number per step; each pixel has its own
comparator, bit_t = (r_t < x), and `sharing` pixels read the same generator. In the reread
dataflow the generators step once per pass and hold their numbers for the pass, so the
comparator outputs are the stochastic image of that pass without a buffer.

Each generator kind is one class of the `Generator` family (area and energy per step, and
whether it is deterministic: only a deterministic sequence can be regenerated identically).
`NO_GENERATOR` is the value of a design without SC (the fixed-point first layers).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwmodel.kinds import Kind
from hwmodel.technology import Technology

NO_GENERATOR = "none"

# A maximal-length LFSR polynomial needs at most 4 taps for every width from 3 to 32
# (Xilinx XAPP 052, "Efficient Shift Registers, LFSR Counters, and Long Pseudo-Random
# Sequence Generators", table 3): at most 3 two-input XOR gates in the feedback.
LFSR_FEEDBACK_XORS = 3


class Generator(Kind):
    """One random-number generator of an SNG bank, `input_bits` wide."""

    family: ClassVar[str] = "SNG kind"
    registry: ClassVar[dict[str, Kind]] = {}
    deterministic: ClassVar[bool]

    def area_um2(self, tech: Technology, input_bits, lfsr_width_bits):
        raise NotImplementedError

    def step_energy_fj(self, tech: Technology, input_bits, lfsr_width_bits):
        raise NotImplementedError


class Lfsr(Generator):
    """Fibonacci LFSR of `lfsr_width_bits` flip-flops; the comparator reads `input_bits`."""

    name = "lfsr"
    description = "Fibonacci LFSR + comparators: cheapest, correlated when shared"
    deterministic = True

    def area_um2(self, tech, input_bits, lfsr_width_bits):
        ff, x = tech.logic.flip_flop, tech.logic.xnor
        return lfsr_width_bits * ff.area_um2 + LFSR_FEEDBACK_XORS * x.area_um2

    def step_energy_fj(self, tech, input_bits, lfsr_width_bits):
        ff, x = tech.logic.flip_flop, tech.logic.xnor
        return lfsr_width_bits * ff.energy_fj + LFSR_FEEDBACK_XORS * x.energy_fj


class Sobol(Generator):
    """Sobol sequence generator in the style of Liu & Han (DATE 2017).

    A counter, a least-significant-zero detector that picks one of `input_bits` direction
    numbers (held in a register of input_bits^2 flip-flops), and an XOR into the state register:
    x_{k+1} = x_k XOR v_{lsz(k)}. Larger than an LFSR, low-discrepancy at short N.
    """

    name = "sobol"
    description = "Sobol generator (Liu & Han, DATE 2017): low-discrepancy at short N"
    deterministic = True

    def area_um2(self, tech, input_bits, lfsr_width_bits):
        g, b = tech.logic, input_bits
        flip_flops = b + b * b + b  # counter, direction numbers, state
        full_adders = b  # counter incrementer
        muxes = b * (b - 1) + b  # direction-number select + zero detector
        return (flip_flops * g.flip_flop.area_um2 + full_adders * g.full_adder.area_um2
                + muxes * g.mux2.area_um2 + b * g.xnor.area_um2)

    def step_energy_fj(self, tech, input_bits, lfsr_width_bits):
        # counter and state registers clocked, incrementer, one select path per output bit
        # (log-depth selection approximated by two muxes per bit), XOR per bit; the direction
        # numbers are static and only leak
        g = tech.logic
        return input_bits * (2 * g.flip_flop.energy_fj + g.full_adder.energy_fj
                             + 2 * g.mux2.energy_fj + g.xnor.energy_fj)


class MtjTrng(Generator):
    """`input_bits` MTJ true random bit cells, each read once per step into a flip-flop."""

    name = "mtj_trng"
    description = "MTJ true random number generator (the trainer's ideal source)"
    deterministic = False

    def area_um2(self, tech, input_bits, lfsr_width_bits):
        return input_bits * (tech.mtj_trng.area_um2 + tech.logic.flip_flop.area_um2)

    def step_energy_fj(self, tech, input_bits, lfsr_width_bits):
        return input_bits * (tech.mtj_trng.energy_fj_per_bit + tech.logic.flip_flop.energy_fj)


def generators(pixels, sharing):
    """Generators of a bank: one per `sharing` pixels."""
    return np.ceil(np.asarray(pixels, dtype=float) / sharing)


def comparator_bits(pixels, input_bits):
    """Comparator bit-slices of a bank: one input_bits-wide comparator per pixel."""
    return np.asarray(pixels, dtype=float) * input_bits
