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

from hwmodel.components.primitives import Primitives
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

    def primitives(self, input_bits, lfsr_width_bits) -> Primitives:
        """One generator's logic as primitive counts."""
        raise NotImplementedError

    def bank_primitives(self, input_bits) -> Primitives:
        """Logic the whole bank shares (its generators step together): none by default."""
        return Primitives()

    def area_um2(self, tech: Technology, input_bits, lfsr_width_bits):
        return self.primitives(input_bits, lfsr_width_bits).area_um2(tech)

    def step_energy_fj(self, tech: Technology, input_bits, lfsr_width_bits):
        """Every primitive of the generator switches once per step."""
        return self.primitives(input_bits, lfsr_width_bits).energy_fj(tech)


class Lfsr(Generator):
    """Fibonacci LFSR of `lfsr_width_bits` flip-flops; the comparator reads `input_bits`.

    Each state bit has a 2:1 multiplexer in front of its flip-flop: the register steps once
    per pass and holds its number in between (the reread dataflow's stochastic image). The
    synthesized bank (docs/hwmodel-validation.md) showed this hold logic, missing before.
    """

    name = "lfsr"
    description = "Fibonacci LFSR + comparators: cheapest, correlated when shared"
    deterministic = True

    def primitives(self, input_bits, lfsr_width_bits):
        return Primitives(flip_flops=lfsr_width_bits, muxes=lfsr_width_bits,
                          xnors=LFSR_FEEDBACK_XORS)


class Sobol(Generator):
    """Sobol generators with hardwired direction numbers, after Liu & Han (DATE 2017).

    x_{n+1} = x_n XOR v_{c(n)}, c(n) the lowest zero bit of the step count n. The count, its
    incrementer and the lowest-zero detector (a one-hot select) serve the whole bank, since all
    generators step together; each generator keeps a k-bit state and XORs into it the selected
    direction number. The direction numbers are constants of the design (like LFSR seeds), so
    bit i of the selected number is an OR of the selects whose number has bit i set: about
    k D / 2 two-input gates for D = k direction numbers (exact for N <= 2^k). Synthesis of the
    bit-exact bank (docs/hwmodel-validation.md) gave this structure; the model had priced a
    programmable generator (direction numbers in k^2 flip-flops per generator), 5x larger.
    """

    name = "sobol"
    description = "Sobol generator (Liu & Han, DATE 2017): low-discrepancy at short N"
    deterministic = True

    def primitives(self, input_bits, lfsr_width_bits):
        k = input_bits
        return Primitives(flip_flops=k, xnors=k, and2_gates=k * k / 2)

    def bank_primitives(self, input_bits):
        k = input_bits  # the count has D = k bits
        return Primitives(flip_flops=k, half_adders=k - 1, and2_gates=2 * (k - 1))


class MtjTrng(Generator):
    """`input_bits` MTJ true random bit cells, each read once per step into a flip-flop."""

    name = "mtj_trng"
    description = "MTJ true random number generator (the trainer's ideal source)"
    deterministic = False

    def primitives(self, input_bits, lfsr_width_bits):
        return Primitives(flip_flops=input_bits)  # the junctions themselves are added below

    def area_um2(self, tech, input_bits, lfsr_width_bits):
        return input_bits * tech.mtj_trng.area_um2 + super().area_um2(
            tech, input_bits, lfsr_width_bits)

    def step_energy_fj(self, tech, input_bits, lfsr_width_bits):
        return input_bits * tech.mtj_trng.energy_fj_per_bit + super().step_energy_fj(
            tech, input_bits, lfsr_width_bits)


def generators(pixels, sharing):
    """Generators of a bank: one per `sharing` pixels."""
    return np.ceil(np.asarray(pixels, dtype=float) / sharing)


def comparator_bits(pixels, input_bits):
    """Comparator bit-slices of a bank: one input_bits-wide comparator per pixel."""
    return np.asarray(pixels, dtype=float) * input_bits
