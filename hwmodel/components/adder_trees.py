"""Adder trees: the binary popcount and the multi-bit first-layer tree, in two circuits.

A tree sums `w` operands of `b` bits (b = 1: a popcount of XNOR outputs; b = B + 1: the signed
pixels of a fixed-point first layer). Its cost is counted in full adders and half adders (a
slice with no carry in); the circuits differ by how many of each they need:

* `ripple_tree`: a balanced tree of ripple-carry adders. Level l adds pairs of (b + l)-bit
  numbers with b + l slices (the carry out becomes the new top bit); an odd operand passes up.
  Each of the w - 1 adders starts with a half adder (no carry in) and the rest are full
  adders: a popcount of 256 bits has 502 slices, 255 half and 247 full adders.
* `compressor_tree`: Dadda's schedule of 3:2 counters (full adders) and 2:2 counters (half
  adders) reduces the w * b operand bits column by column to two rows, and one ripple adder
  finishes (L. Dadda, "Some schemes for parallel multipliers", Alta Frequenza 1965). A full
  adder turns three bits into two, so there are about w * b - bit_length(w (2^b - 1)) of them
  (247 for a 256-bit popcount, as many as the ripple tree), and only a few half adders (20).

The half-adder split was added when synthesis of both circuits (`rtl`, docs/hwmodel-
validation.md) showed that counting every slice as a full adder overstated the ripple tree and
the saving of the compressor tree (about 2x in slices, 19 % in synthesized area at w = 256).
Formulas take numpy arrays (the batch evaluator sweeps widths) as well as Python numbers.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

import numpy as np

from hwmodel.distinct import distinct_values
from hwmodel.kinds import Column, Kind


def bit_length(value):
    """Bits of an unsigned register that holds 0..value (an integer): ceil(log2(value + 1)).

    Read from the float's binary exponent: value = m 2^e with 0.5 <= m < 1 gives e.
    """
    exponent = np.frexp(np.asarray(value, dtype=float))[1]
    return exponent.astype(float) if exponent.ndim else float(exponent)


def ripple_tree_slices(n_inputs, input_bits=1):
    """Adder slices (full and half) of a balanced tree of ripple adders over n_inputs numbers
    of input_bits."""
    full, half = ripple_tree_adders(n_inputs, input_bits)
    return full + half


BITS_KEY = 64  # operand bits stay below this (input bits <= 16, plus sign and growth)


@lru_cache(maxsize=4096)
def _ripple_counts(n_inputs: int, input_bits: int) -> tuple[int, int]:
    """The tree built pair by pair. Adding an a-bit and a b-bit number (a >= b) takes a half
    adder at bit 0 (no carry in), full adders up to bit b - 1 and half adders above it (one
    operand bit and the carry)."""
    widths, full, half = [input_bits] * n_inputs, 0, 0
    while len(widths) > 1:
        paired = []
        for wide, narrow in zip(widths[0::2], widths[1::2], strict=False):
            wide, narrow = max(wide, narrow), min(wide, narrow)
            full, half = full + narrow - 1, half + 1 + wide - narrow
            paired.append(wide + 1)
        widths = paired + ([widths[-1]] if len(widths) % 2 else [])
    return full, half


def ripple_tree_adders(n_inputs, input_bits=1):
    """(full adders, half adders) of the ripple tree (slices: `ripple_tree_slices`)."""
    return _on_distinct(_ripple_counts, n_inputs, input_bits)


def _on_distinct(counts, n_inputs, input_bits):
    """Apply an exact (w, b) -> (full, half) count to every distinct pair of the columns: a
    sweep of a million designs has a handful of tree shapes (`hwmodel.distinct`)."""
    widths, bits = np.broadcast_arrays(np.asarray(n_inputs, dtype=float),
                                       np.asarray(input_bits, dtype=float))
    if widths.ndim == 0:
        return tuple(float(v) for v in counts(int(widths), int(bits)))
    keys = widths.astype(np.int64) * BITS_KEY + bits.astype(np.int64)
    distinct, inverse = distinct_values(keys)
    table = np.array([counts(int(k // BITS_KEY), int(k % BITS_KEY)) for k in distinct],
                     dtype=float).reshape(len(distinct), 2)
    return (table[inverse, 0].reshape(widths.shape), table[inverse, 1].reshape(widths.shape))


@lru_cache(maxsize=4096)
def _dadda_counts(n_inputs: int, input_bits: int) -> tuple[int, int]:
    """Dadda's reduction of w rows of b bits to two rows (stage heights 2, 3, 4, 6, 9, 13,
    ...: as few counters as reach each height, full adders first), then a ripple
    carry-propagate adder: (full adders, half adders), counted on column heights alone."""
    heights = [n_inputs] * input_bits
    full = half = 0
    targets = [2]
    while targets[-1] < max(heights, default=0):
        targets.append(targets[-1] * 3 // 2)
    for target in reversed(targets[:-1]):
        carries = [0] * (len(heights) + 1)
        reduced = []
        for column, height in enumerate(heights):
            incoming = carries[column]
            while height + incoming > target:
                if height + incoming - target >= 2 and height >= 3:
                    full, height = full + 1, height - 3
                else:
                    half, height = half + 1, height - 2
                incoming += 1
                carries[column + 1] += 1
            reduced.append(height + incoming)
        heights = reduced + ([carries[-1]] if carries[-1] else [])
    carry = 0
    for height in heights:  # the final adder of the two rows left
        inputs = height + carry
        full, half, carry = full + (inputs == 3), half + (inputs == 2), int(inputs >= 2)
    return full, half


def compressor_tree_adders(n_inputs, input_bits=1):
    """(full adders, half adders) of the Dadda compressor tree and its final adder."""
    return _on_distinct(_dadda_counts, n_inputs, input_bits)


class PopcountCircuit(Kind):
    """How a tree of adders is built; `counts(w, b)` (full, half) is its whole cost."""

    family: ClassVar[str] = "popcount circuit"
    registry: ClassVar[dict[str, Kind]] = {}

    def counts(self, n_inputs: int, input_bits: int) -> tuple[int, int]:
        """(full, half) adders of a tree of n_inputs operands of input_bits, exactly."""
        raise NotImplementedError

    def adders(self, n_inputs, input_bits=1):
        """`counts` over columns (or numbers)."""
        return _on_distinct(self.counts, n_inputs, input_bits)


class RippleTree(PopcountCircuit):
    name = "ripple_tree"
    short = "ripple"
    description = "balanced tree of ripple-carry adders"

    def counts(self, n_inputs, input_bits):
        return _ripple_counts(n_inputs, input_bits)


class CompressorTree(PopcountCircuit):
    name = "compressor_tree"
    short = "compressor"
    description = "Dadda's 3:2 / 2:2 counters and one carry-propagate adder"

    def counts(self, n_inputs, input_bits):
        return _dadda_counts(n_inputs, input_bits)


def adders_by_circuit(circuit: Column[PopcountCircuit], n_inputs, input_bits
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(full, half) adders of each design's tree in its own circuit, once per distinct
    (circuit, width, bits)."""
    if len(circuit.present) == 1:
        full, half = circuit.present[0].adders(n_inputs, input_bits)
        return np.broadcast_to(full, circuit.shape), np.broadcast_to(half, circuit.shape)
    return circuit.select_distinct(lambda kind, widths, bits: kind.adders(widths, bits),
                                   n_inputs, input_bits, outputs=2)
