"""Threshold comparator: fire = count >= threshold (batch norm folded into the threshold).

A ripple chain of majority slices, carry_{i+1} = maj(count_i, ~threshold_i, carry_i) with
carry_0 = 1: the carry chain of count - threshold without its sum bits, one slice per bit
(the hardware model's comparator bit-slice). Signed operands (the conventional first layer's
fixed-point sum) compare as unsigned after inverting both sign bits. The threshold is an
input: it is read from memory with the neuron's weights.
"""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field

from rtl.gates import BitBuilder, value_bits
from rtl.spec import BlockSpec


class ThresholdSpec(BlockSpec):
    top_name: str = "threshold"
    count_bits: int = Field(ge=1, le=64, description="n: width of count and threshold")
    signed: bool = False

    def build(self) -> ThresholdComparator:
        return ThresholdComparator(self)


class ThresholdComparator(wiring.Component):
    def __init__(self, spec: ThresholdSpec):
        self.spec = spec
        n = spec.count_bits
        super().__init__({"count": In(n), "threshold": In(n), "fire": Out(1)})

    def elaborate(self, platform) -> Module:
        m = Module()
        builder = BitBuilder(m, "thr")
        count, threshold = value_bits(self.count), value_bits(self.threshold)
        if self.spec.signed:
            count[-1], threshold[-1] = ~count[-1], ~threshold[-1]
        m.d.comb += self.fire.eq(builder.compare_chain(count, threshold, carry_in=1))
        self.tally = builder.tally
        return m
