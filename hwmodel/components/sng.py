"""Stochastic number generators (SNGs) and the comparators that turn pixels into bitstreams.

A generator produces one `input_bits`-wide uniform random number per pass (per stochastic
bit-plane); each pixel has its own comparator, bit_t = (r_t < x), and `sharing` pixels read
the same generator. The generator steps once per pass and its number is held for the whole
pass, so the comparator outputs are the stochastic image of that pass without a buffer.
Random bits generated per inference = generators * input_bits * N.
"""

from __future__ import annotations

import numpy as np

from hwmodel.technology import Technology

# A maximal-length LFSR polynomial needs at most 4 taps for every width from 3 to 32
# (Xilinx XAPP 052, "Efficient Shift Registers, LFSR Counters, and Long Pseudo-Random
# Sequence Generators", table 3): at most 3 two-input XOR gates in the feedback.
LFSR_FEEDBACK_XORS = 3


class Lfsr:
    """Fibonacci LFSR of `width_bits` flip-flops; the comparator reads `input_bits` of it."""

    def __init__(self, tech: Technology, width_bits, input_bits):
        ff, x = tech.logic.flip_flop, tech.logic.xnor
        self.area_um2 = width_bits * ff.area_um2 + LFSR_FEEDBACK_XORS * x.area_um2
        self.step_energy_fj = width_bits * ff.energy_fj + LFSR_FEEDBACK_XORS * x.energy_fj
        self.random_bits_per_step = input_bits


class SobolGenerator:
    """Sobol sequence generator in the style of Liu & Han (DATE 2017).

    A counter, a least-significant-zero detector that picks one of `input_bits` direction
    numbers (held in a register of input_bits^2 flip-flops), and an XOR into the state register:
    x_{k+1} = x_k XOR v_{lsz(k)}. Larger than an LFSR, low-discrepancy at short N.
    """

    def __init__(self, tech: Technology, input_bits):
        g = tech.logic
        b = input_bits
        flip_flops = b + b * b + b  # counter, direction numbers, state
        full_adders = b  # counter incrementer
        muxes = b * (b - 1) + b  # direction-number select + zero detector
        xors = b
        self.area_um2 = (
            flip_flops * g.flip_flop.area_um2
            + full_adders * g.full_adder.area_um2
            + muxes * g.mux2.area_um2
            + xors * g.xnor.area_um2
        )
        # Per step: counter and state registers clocked, incrementer, one select path per
        # output bit (log-depth selection approximated by two muxes per bit), XOR per bit. The
        # direction numbers are static and only leak.
        self.step_energy_fj = b * (
            2 * g.flip_flop.energy_fj
            + g.full_adder.energy_fj
            + 2 * g.mux2.energy_fj
            + g.xnor.energy_fj
        )
        self.random_bits_per_step = input_bits


class MtjTrng:
    """`input_bits` MTJ true random bit cells, each read once per step into a flip-flop."""

    def __init__(self, tech: Technology, input_bits):
        t, ff = tech.mtj_trng, tech.logic.flip_flop
        self.area_um2 = input_bits * (t.area_um2 + ff.area_um2)
        self.step_energy_fj = input_bits * (t.energy_fj_per_bit + ff.energy_fj)
        self.random_bits_per_step = input_bits


def generator_for(tech: Technology, kind: str, input_bits, lfsr_width_bits):
    """One generator of the given kind, or None for `none` (no SNG)."""
    if kind == "lfsr":
        return Lfsr(tech, lfsr_width_bits, input_bits)
    if kind == "sobol":
        return SobolGenerator(tech, input_bits)
    if kind == "mtj_trng":
        return MtjTrng(tech, input_bits)
    if kind == "none":
        return None
    raise ValueError(f"unknown SNG kind {kind!r}")


class SngBank:
    """All the SNGs of the first layer: ceil(values / sharing) generators, one comparator per
    pixel. Area, energy per pass and random bits per pass."""

    def __init__(self, tech: Technology, generator, values, sharing, input_bits):
        cmp = tech.logic.comparator_bit
        self.generators = np.ceil(np.asarray(values, dtype=float) / sharing)
        self.comparator_bits = values * input_bits
        self.generator_area_um2 = self.generators * generator.area_um2
        self.comparator_area_um2 = self.comparator_bits * cmp.area_um2
        self.area_um2 = self.generator_area_um2 + self.comparator_area_um2
        self.energy_fj_per_pass = (
            self.generators * generator.step_energy_fj + self.comparator_bits * cmp.energy_fj
        )
        self.random_bits_per_pass = self.generators * generator.random_bits_per_step
