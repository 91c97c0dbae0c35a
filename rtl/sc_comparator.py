"""The stochastic-number comparator: the cheapest circuit equal to the trainer's comparison.

The trainer (`DeterministicSNG.stream`) emits, for a B-bit pixel p (x = p / (2^B - 1)) and a
k-bit word w (u = w / 2^k),

    bit = [w * (2^B - 1) < p * 2^k]                                            (1)

Identity. Write 2^B * w = A * 2^k + R with A = floor(2^B w / 2^k) and 0 <= R < 2^k. Then

    bit = [p + d > A]   with   d = [R < w],                                     (2)

i.e. the carry out of the B-bit sum p + ~A + d: one B-bit ripple comparator whose carry-in
is d.

Proof. Since p is an integer, (1) <=> w (2^B - 1) / 2^k < p <=> floor(w (2^B - 1) / 2^k) < p.
Now w (2^B - 1) / 2^k = (A 2^k + R - w) / 2^k = A + (R - w) / 2^k, and -1 < (R - w) / 2^k < 1
because 0 <= R, w < 2^k, so floor(w (2^B - 1) / 2^k) = A - [R < w] = A - d and
(1) <=> A - d < p <=> p + d > A.  []

What it costs, by k:

* k = B (8-bit words, 8-bit pixels): A = w, R = 0, d = [w != 0], so bit = [p + [w != 0] > w],
  equivalently (p != 0) & (w <= p): B comparator slices and a k-input OR.
* k < B: A = w * 2^(B-k) has B-k zero low bits, R = 0, d = [w != 0]; the low slices of the
  chain reduce to ORs of the low pixel bits, so bit = [p_hi + c > w] with
  c = [w != 0] | [p_lo != 0]: k comparator slices, a (B - k)-input and a k-input OR.
* k > B: A = the top B bits of w, R = (low k-B bits of w) * 2^B, and d = [R < w] is a second
  comparator on the word alone (its low B slices fold to an OR of the low word bits).

The general comparison (1) would need a (k+B)-bit subtractor for w (2^B - 1) and a
(k+B)-bit comparator; (2) needs a B-bit chain and a k-bit OR (k <= B).
`reference_bits` and `identity_bits` are the two sides in numpy; the tests check them equal
for every p and w at k = 1..16 and the circuit against both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field

from rtl.gates import Bit, BitBuilder, value_bits
from rtl.spec import BlockSpec


def reference_bits(pixels, words, comparator_bits: int, pixel_bits: int = 8) -> np.ndarray:
    """The trainer's comparison (1), elementwise in exact integers."""
    p = np.asarray(pixels, dtype=np.int64)
    w = np.asarray(words, dtype=np.int64)
    return w * ((1 << pixel_bits) - 1) < p << comparator_bits


def identity_bits(pixels, words, comparator_bits: int, pixel_bits: int = 8) -> np.ndarray:
    """The comparator's identity (2): bit = [p + d > A], elementwise."""
    p = np.asarray(pixels, dtype=np.int64)
    w = np.asarray(words, dtype=np.int64)
    scaled = w << pixel_bits
    high = scaled >> comparator_bits
    remainder = scaled & ((1 << comparator_bits) - 1)
    return p + (remainder < w) > high


def stochastic_bit(
    builder: BitBuilder,
    pixel: Sequence[Bit],
    word: Sequence[Bit],
    comparator_bits: int,
    pixel_bits: int,
) -> Bit:
    """Build identity (2) for one pixel (B bits, LSB first) and one word (k bits, LSB
    first); returns the stream bit."""
    k, b = comparator_bits, pixel_bits
    if len(pixel) != b or len(word) != k:
        raise ValueError("pixel and word widths disagree with the comparator parameters")
    if k <= b:
        high = [0] * (b - k) + list(word)  # A = w << (B - k)
        nonzero = builder.or_reduce(word)  # d = [0 < w]
    else:
        high = list(word[k - b :])  # A = w >> (k - B)
        remainder = [0] * b + list(word[: k - b])  # R = (w mod 2^(k-B)) << B
        nonzero = builder.compare_chain(word, remainder, carry_in=0)  # d = [w > R]
    return builder.compare_chain(pixel, high, carry_in=nonzero)


class ScComparatorSpec(BlockSpec):
    """One pixel's comparator on its own (the per-pixel part of an SNG bank)."""

    top_name: str = "sc_comparator"
    comparator_bits: int = Field(default=8, ge=1, le=32, description="k: word width")
    pixel_bits: int = Field(default=8, ge=1, le=16, description="B: pixel width")

    def build(self) -> ScComparator:
        return ScComparator(self)


class ScComparator(wiring.Component):
    """`stream_bit` = [word * (2^B - 1) < pixel * 2^k], built as identity (2)."""

    def __init__(self, spec: ScComparatorSpec):
        self.spec = spec
        super().__init__(
            {"pixel": In(spec.pixel_bits), "word": In(spec.comparator_bits), "stream_bit": Out(1)}
        )

    def elaborate(self, platform) -> Module:
        m = Module()
        builder = BitBuilder(m, "cmp")
        bit = stochastic_bit(
            builder,
            value_bits(self.pixel),
            value_bits(self.word),
            self.spec.comparator_bits,
            self.spec.pixel_bits,
        )
        m.d.comb += self.stream_bit.eq(bit)
        self.tally = builder.tally
        return m
