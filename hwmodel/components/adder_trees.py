"""Adder trees: the binary popcount and the multi-bit first-layer tree, in two circuits.

A tree sums `w` operands of `b` bits (b = 1: a popcount of XNOR outputs; b = B + 1: the signed
pixels of a fixed-point first layer). Its cost is counted in full adders; the circuits differ
by how many they need:

* `ripple_tree`: a balanced tree of ripple-carry adders. Level l adds pairs of (b + l)-bit
  numbers with b + l full adders (the carry out becomes the new top bit); an odd operand
  passes up. A popcount of w = 2^m bits has w / 2^(l+1) adders of l + 1 bits at level l:
  FA(256, 1) = 502. Level-0 adders of 1-bit inputs are half adders, counted as full adders.
* `compressor_tree`: 3:2 counters (full adders) reduce the w * b operand bits column by column
  (Wallace, Dadda) and a final carry-propagate adder produces the sum. A full adder turns three
  bits into two, so every full adder removes exactly one bit from the matrix, and the result
  keeps one bit per output column: FA = w * b - bit_length(w * (2^b - 1)), the minimum that
  Dadda's reduction reaches (e.g. Swartzlander, "Parallel counters", IEEE TC 1973):
  FA(256, 1) = 247. Its few half adders (about one per output column) are not counted.

Formulas take numpy arrays (the batch evaluator sweeps widths) as well as Python numbers.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwmodel.kinds import Kind


def bit_length(value):
    """Bits of an unsigned register that holds 0..value (an integer): ceil(log2(value + 1)).

    Read from the float's binary exponent: value = m 2^e with 0.5 <= m < 1 gives e.
    """
    exponent = np.frexp(np.asarray(value, dtype=float))[1]
    return exponent.astype(float) if exponent.ndim else float(exponent)


def ripple_tree_full_adders(n_inputs, input_bits=1):
    """Full adders of a balanced tree of ripple adders over n_inputs numbers of input_bits.

    Computed level by level on the distinct (inputs, bits) pairs only: a sweep of a million
    designs has a handful of tree shapes.
    """
    widths, bits = np.broadcast_arrays(np.asarray(n_inputs, dtype=float),
                                       np.asarray(input_bits, dtype=float))
    if widths.ndim == 0:
        return float(_ripple_levels(widths, bits))
    keys = widths.astype(np.int64) * BITS_KEY + bits.astype(np.int64)
    if keys.size and keys.min() >= 0 and keys.max() < 1 << 22:  # a look-up table, no sort
        present = np.zeros(keys.max() + 1, dtype=bool)
        present[keys] = True
        distinct = np.flatnonzero(present)
        table = np.zeros(present.size)
        table[distinct] = _ripple_levels((distinct // BITS_KEY).astype(float),
                                         (distinct % BITS_KEY).astype(float))
        return table[keys]
    distinct, inverse = np.unique(keys, return_inverse=True)
    counts = _ripple_levels((distinct // BITS_KEY).astype(float),
                            (distinct % BITS_KEY).astype(float))
    return counts[inverse].reshape(widths.shape)


BITS_KEY = 64  # operand bits stay below this (input bits <= 16, plus sign and growth)


def _ripple_levels(widths: np.ndarray, bits: np.ndarray) -> np.ndarray:
    remaining, total, level = widths.copy(), np.zeros(widths.shape), 0
    while np.any(remaining > 1):
        pairs = np.floor(remaining / 2)
        total = total + pairs * (bits + level)
        remaining = remaining - pairs
        level += 1
    return total


def compressor_tree_full_adders(n_inputs, input_bits=1):
    """Full adders of a 3:2-counter reduction plus final adder: one per bit removed."""
    w = np.asarray(n_inputs, dtype=float)
    b = np.asarray(input_bits, dtype=float)
    total = np.maximum(w * b - bit_length(w * (2.0**b - 1.0)), 0.0)
    return total if total.ndim else float(total)


class PopcountCircuit(Kind):
    """How a tree of adders is built; `full_adders(w, b)` is its whole cost."""

    family: ClassVar[str] = "popcount circuit"
    registry: ClassVar[dict[str, Kind]] = {}

    def full_adders(self, n_inputs, input_bits=1):
        raise NotImplementedError


class RippleTree(PopcountCircuit):
    name = "ripple_tree"
    description = "balanced tree of ripple-carry adders"

    def full_adders(self, n_inputs, input_bits=1):
        return ripple_tree_full_adders(n_inputs, input_bits)


class CompressorTree(PopcountCircuit):
    name = "compressor_tree"
    description = "3:2 counters (Wallace/Dadda) and one carry-propagate adder"

    def full_adders(self, n_inputs, input_bits=1):
        return compressor_tree_full_adders(n_inputs, input_bits)
