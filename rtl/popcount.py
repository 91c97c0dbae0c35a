"""Binary popcount of w bits (optionally of w XNOR products), as a ripple adder tree or a
compressor tree.

* `ripple_tree`: the circuit `hwmodel.components.adder_trees` counts: neighbours are paired
  level by level by ripple-carry adders one bit wider than their operands, an odd operand
  passes up. Its level-0 adders add two single bits with no carry in: half adders, which the
  model counts as full adders.
* `compressor_tree`: all w bits start in one column; Dadda's schedule of 3:2 counters (full
  adders) and 2:2 counters (half adders) reduces the columns to two rows, then one ripple
  carry-propagate adder. Every full adder removes one bit from the w to be counted, so a
  popcount needs w - bit_length(w) full adders, as many as the ripple tree builds; it saves
  the ripple tree's w - 1 half adders (one per adder) but for a few (20 at w = 256), i.e.
  about half the adders as the model counts them, 19 % of the synthesized area at w = 256.

With `xnor_lane` the block takes input bits and weight bits and counts XNOR(input, weight),
the binary neuron's product: one XNOR gate per lane in front of the tree.
"""

from __future__ import annotations

from typing import Literal

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field

from rtl.gates import BitBuilder, value_bits
from rtl.spec import BlockSpec

Circuit = Literal["ripple_tree", "compressor_tree"]


class PopcountSpec(BlockSpec):
    top_name: str = "popcount"
    inputs: int = Field(ge=1, description="w: bits counted")
    circuit: Circuit = "ripple_tree"
    xnor_lane: bool = False

    @property
    def output_bits(self) -> int:
        return self.inputs.bit_length()

    def build(self) -> Popcount:
        return Popcount(self)


class Popcount(wiring.Component):
    """`count` = number of ones in `inputs` (or in XNOR(`inputs`, `weights`))."""

    def __init__(self, spec: PopcountSpec):
        self.spec = spec
        ports = {"inputs": In(spec.inputs), "count": Out(spec.output_bits)}
        if spec.xnor_lane:
            ports["weights"] = In(spec.inputs)
        super().__init__(ports)

    def elaborate(self, platform) -> Module:
        spec = self.spec
        m = Module()
        builder = BitBuilder(m, "pop")
        bits = value_bits(self.inputs)
        if spec.xnor_lane:
            weights = value_bits(self.weights)
            bits = [builder.wire(~(x ^ w), "xnor") for x, w in zip(bits, weights, strict=True)]
            builder.tally.xnor_gates += spec.inputs
        if spec.circuit == "ripple_tree":
            total = builder.adder_tree([[b] for b in bits], signed=False)
        else:
            columns = [bits] + [[] for _ in range(spec.output_bits - 1)]
            total = builder.dadda(columns)
        m.d.comb += self.count.eq(Cat(*total[: spec.output_bits]))
        self.tally = builder.tally
        return m
