"""The hardware model's counts for each block, written independently of `hwmodel`.

`hwmodel` prices logic as counts of five primitives (full adder, flip-flop, XNOR, comparator
bit-slice, 2:1 mux) times the preset's unit areas. `model_counts(spec)` returns those counts
for an rtl block from the formulas `hwmodel/components` uses today, re-derived here so that
`rtl` stays a leaf package (it imports no project package); `UnitAreas` carries the preset's
unit areas as plain numbers. `experiments/rtl_vs_model.py` puts them next to synthesis.

Formulas (w inputs, b-bit operands, n-bit registers, k-bit words, G generators, V pixels):

* ripple popcount / multi-bit tree: `adder_tree_full_adders(w, b)` full adders (level l adds
  pairs of (b + l)-bit numbers with b + l full adders; an odd operand passes up);
* negation lane (parallel first layer): w * (b - 1) XNORs; XNOR lane of a popcount: w;
* accumulator: n full adders + n flip-flops; threshold comparator: n comparator bit-slices;
* SC comparator of one pixel: k comparator bit-slices;
* LFSR bank: G * (width flip-flops + 3 XNORs) + V * k comparator bit-slices;
* Sobol bank: G * ((2k + k^2) flip-flops + k full adders + k^2 muxes + k XNORs)
  + V * k comparator bit-slices.

Compressor trees have no formula in hwmodel yet; `compressor_tree_full_adders` is the one
proposed (bits in minus bits out, plus Dadda's half adders counted as full adders, as the
ripple formula counts its half adders).
"""

from __future__ import annotations

import math
from functools import singledispatch

from pydantic import BaseModel, ConfigDict

from rtl.accumulator import AccumulatorSpec
from rtl.adder_tree import MultiBitAdderTreeSpec
from rtl.lfsr_sng import LfsrSngSpec
from rtl.popcount import PopcountSpec
from rtl.sc_comparator import ScComparatorSpec
from rtl.sobol_sng import SobolSngSpec
from rtl.threshold import ThresholdSpec

LFSR_FEEDBACK_XORS = 3  # hwmodel: at most 4 taps for every width 3..32 (XAPP 052)


class ModelCounts(BaseModel):
    """Counts of the hardware model's logic primitives."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_adders: float = 0.0
    flip_flops: float = 0.0
    xnors: float = 0.0
    comparator_bits: float = 0.0
    muxes: float = 0.0

    def __add__(self, other: ModelCounts) -> ModelCounts:
        return ModelCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
        )

    def scaled(self, factor: float) -> ModelCounts:
        return ModelCounts(
            **{name: getattr(self, name) * factor for name in type(self).model_fields}
        )

    def area_um2(self, units: UnitAreas) -> float:
        return (
            self.full_adders * units.full_adder_um2
            + self.flip_flops * units.flip_flop_um2
            + self.xnors * units.xnor_um2
            + self.comparator_bits * units.comparator_bit_um2
            + self.muxes * units.mux2_um2
        )


class UnitAreas(BaseModel):
    """The preset's area per primitive (hwmodel `Technology.logic.*.area_um2`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_adder_um2: float
    flip_flop_um2: float
    xnor_um2: float
    comparator_bit_um2: float
    mux2_um2: float


def adder_tree_full_adders(inputs: int, input_bits: int = 1) -> int:
    """hwmodel's ripple adder tree count: level l adds floor(r/2) pairs of (b + l) bits."""
    remaining, total, level = inputs, 0, 0
    while remaining > 1:
        pairs = remaining // 2
        total += pairs * (input_bits + level)
        remaining -= pairs
        level += 1
    return total


def dadda_counters(column_heights: list[int]) -> tuple[int, int]:
    """(full adders, half adders) of Dadda's reduction of the given columns to two rows and
    of the final ripple carry-propagate adder, counted on column heights alone (no circuit).
    Slices of the top column lose their carry; they count by their inputs (3: full, 2: half).
    """
    heights = list(column_heights)
    full = half = 0
    targets = [2]
    while targets[-1] < max(heights, default=0):
        targets.append(targets[-1] * 3 // 2)
    for target in reversed(targets[:-1]):
        if max(heights) <= target:
            continue
        carries = [0] * (len(heights) + 1)
        new = []
        for i, height in enumerate(heights):
            incoming = carries[i]
            while height + incoming > target:
                if height + incoming - target >= 2 and height >= 3:
                    full, height, incoming = full + 1, height - 3, incoming + 1
                else:
                    half, height, incoming = half + 1, height - 2, incoming + 1
                carries[i + 1] += 1
            new.append(height + incoming)
        heights = new
    carry = 0
    for height in heights:
        inputs = height + carry
        full += inputs == 3
        half += inputs == 2
        carry = int(inputs >= 2)
    return full, half


def compressor_tree_full_adders(inputs: int, input_bits: int = 1) -> int:
    """Proposed hwmodel formula: the counters of a Dadda compressor tree and its ripple
    carry-propagate adder, half adders counted as full adders (as the ripple formula does).

    Every full adder turns three bits into two, so there are about w*b - out_bits of them,
    out_bits the width of the sum (bit_length(w) for a popcount, b + ceil(log2 w) for
    signed operands); the half adders are few (7, 13, 20, 34 for popcounts of 16, 64, 256
    and 1024 bits).
    """
    if inputs <= 1:
        return 0
    signed_bits = input_bits + math.ceil(math.log2(inputs))
    out_bits = inputs.bit_length() if input_bits == 1 else signed_bits
    heights = [inputs] * input_bits + [0] * (out_bits - input_bits)
    full, half = dadda_counters(heights)
    return full + half


@singledispatch
def model_counts(spec) -> ModelCounts:
    raise TypeError(f"no model counts for {type(spec).__name__}")


@model_counts.register
def _(spec: PopcountSpec) -> ModelCounts:
    tree = (
        adder_tree_full_adders(spec.inputs, 1)
        if spec.circuit == "ripple_tree"
        else compressor_tree_full_adders(spec.inputs, 1)
    )
    return ModelCounts(full_adders=tree, xnors=spec.inputs if spec.xnor_lane else 0)


@model_counts.register
def _(spec: MultiBitAdderTreeSpec) -> ModelCounts:
    w, b = spec.operands, spec.operand_bits
    tree = (
        adder_tree_full_adders(w, b)
        if spec.circuit == "ripple_tree"
        else compressor_tree_full_adders(w, b)
    )
    return ModelCounts(full_adders=tree, xnors=w * (b - 1) if spec.negation_lane else 0)


@model_counts.register
def _(spec: AccumulatorSpec) -> ModelCounts:
    n = spec.accumulator_bits
    return ModelCounts(full_adders=n, flip_flops=n)


@model_counts.register
def _(spec: ThresholdSpec) -> ModelCounts:
    return ModelCounts(comparator_bits=spec.count_bits)


@model_counts.register
def _(spec: ScComparatorSpec) -> ModelCounts:
    return ModelCounts(comparator_bits=spec.comparator_bits)


@model_counts.register
def _(spec: LfsrSngSpec) -> ModelCounts:
    generator = ModelCounts(flip_flops=spec.width_bits, xnors=LFSR_FEEDBACK_XORS)
    comparators = ModelCounts(comparator_bits=spec.positions * spec.comparator_bits)
    return generator.scaled(spec.groups) + comparators


@model_counts.register
def _(spec: SobolSngSpec) -> ModelCounts:
    k = spec.comparator_bits
    generator = ModelCounts(flip_flops=k + k * k + k, full_adders=k, muxes=k * (k - 1) + k, xnors=k)
    comparators = ModelCounts(comparator_bits=spec.positions * k)
    return generator.scaled(spec.groups) + comparators
