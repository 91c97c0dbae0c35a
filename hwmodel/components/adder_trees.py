"""Adder trees: the binary popcount of a tile and the multi-bit tree of a fixed-point layer.

A balanced tree of ripple-carry adders. Level l adds pairs of (input_bits + l)-bit numbers
with one full adder per bit (the carry out becomes the new top bit), so a popcount of w bits
(input_bits = 1) has w/2^(l+1) adders of (l+1) bits at level l. An odd element passes to the
next level unchanged. Level-0 adders of 1-bit inputs are half adders; counting them as full
adders slightly overstates the popcount, the same way in every design.
"""

from __future__ import annotations

import numpy as np

from hwmodel.technology import Technology


def bit_length(value):
    """Bits of an unsigned register that holds 0..value: ceil(log2(value + 1))."""
    return np.ceil(np.log2(np.asarray(value, dtype=float) + 1.0))


def adder_tree_depth(n_inputs):
    """Levels of a balanced tree over n_inputs operands: ceil(log2(n_inputs))."""
    return np.ceil(np.log2(np.maximum(np.asarray(n_inputs, dtype=float), 1.0)))


def adder_tree_full_adders(n_inputs, input_bits=1):
    """Full adders in a tree that sums n_inputs numbers of input_bits each.

    Works elementwise on arrays (the batch path sweeps the tree width with the array columns).
    """
    remaining = np.asarray(n_inputs, dtype=float)
    bits = np.asarray(input_bits, dtype=float)
    total = np.zeros(np.broadcast(remaining, bits).shape)
    level = 0
    while np.any(remaining > 1):
        pairs = np.floor(remaining / 2)
        total = total + pairs * (bits + level)
        remaining = remaining - pairs
        level += 1
    return total if total.ndim else float(total)


class PopcountTree:
    """Counts the ones among `width` XNOR outputs in one evaluation."""

    def __init__(self, tech: Technology, width):
        self.width = width
        self.full_adders = adder_tree_full_adders(width, 1)
        self.output_bits = bit_length(width)
        fa = tech.logic.full_adder
        self.area_um2 = self.full_adders * fa.area_um2
        self.energy_fj = self.full_adders * fa.energy_fj


class MultiBitAdderTree:
    """Sums `width` signed operands of `operand_bits` each (fixed-point first layer).

    Used for the binary layers too (their operands are 1 bit wide, upper bits held at zero):
    an evaluation on binary inputs switches only the popcount part of the tree, so its energy
    is that of a popcount tree of the same width.
    """

    def __init__(self, tech: Technology, width, operand_bits):
        self.width = width
        self.full_adders = adder_tree_full_adders(width, operand_bits)
        fa = tech.logic.full_adder
        self.area_um2 = self.full_adders * fa.area_um2
        self.energy_fj = self.full_adders * fa.energy_fj
        self.binary_energy_fj = adder_tree_full_adders(width, 1) * fa.energy_fj
