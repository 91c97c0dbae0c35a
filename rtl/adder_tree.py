"""The conventional BNN's parallel first layer: a tree that sums w signed multi-bit operands.

Each lane holds a B-bit pixel p and its weight's sign s. With `negation_lane` the lane forms
the (B+1)-bit two's complement operand {s, p XOR s...s} = s ? -p - 1 : p with B XOR gates;
the missing +1 of each negated lane is a per-neuron constant that folds into the threshold
(docs/hwmodel.md, section 3), so the tree's sum is sum_i (+-p_i) - #negated. Without the lane
the block sums w operands of `operand_bits` bits given directly.

* `ripple_tree`: pairs of (b + l)-bit signed operands added by ripple adders into b + l + 1
  bits: b + l full adders plus a sum-only top slice (the sign extension), which the hardware
  model does not count.
* `compressor_tree`: two's complement operands are made non-negative by inverting each sign
  bit and subtracting w * 2^(b-1) once (a constant, added as constant bits in its columns);
  Dadda's schedule then reduces the columns and one ripple adder finishes.

The output has b + ceil(log2 w) bits, enough for any sum of w b-bit signed numbers.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field

from rtl.gates import BitBuilder, Bits, const_bits, value_bits
from rtl.popcount import Circuit
from rtl.spec import BlockSpec


class MultiBitAdderTreeSpec(BlockSpec):
    top_name: str = "multibit_adder_tree"
    operands: int = Field(ge=1, description="w: lanes summed")
    operand_bits: int = Field(ge=2, le=32, description="b: signed operand width (B + 1)")
    circuit: Circuit = "ripple_tree"
    negation_lane: bool = False

    @property
    def pixel_bits(self) -> int:
        return self.operand_bits - 1

    @property
    def output_bits(self) -> int:
        return self.operand_bits + (self.operands - 1).bit_length()

    def build(self) -> MultiBitAdderTree:
        return MultiBitAdderTree(self)


class MultiBitAdderTree(wiring.Component):
    """`total` (two's complement) = sum of the lanes' signed operands."""

    def __init__(self, spec: MultiBitAdderTreeSpec):
        self.spec = spec
        ports = {"total": Out(spec.output_bits)}
        if spec.negation_lane:
            ports |= {"pixels": In(spec.operands * spec.pixel_bits), "negate": In(spec.operands)}
        else:
            ports |= {"operands": In(spec.operands * spec.operand_bits)}
        super().__init__(ports)

    def _lane_operands(self, builder: BitBuilder) -> list[Bits]:
        spec = self.spec
        if not spec.negation_lane:
            flat = value_bits(self.operands)
            b = spec.operand_bits
            return [flat[i * b : (i + 1) * b] for i in range(spec.operands)]
        flat, b = value_bits(self.pixels), spec.pixel_bits
        operands = []
        for lane in range(spec.operands):
            sign = self.negate[lane]
            magnitude = [builder.wire(p ^ sign, "neg") for p in flat[lane * b : (lane + 1) * b]]
            operands.append([*magnitude, sign])
        builder.tally.xnor_gates += spec.operands * b
        return operands

    def elaborate(self, platform) -> Module:
        spec = self.spec
        m = Module()
        builder = BitBuilder(m, "tree")
        operands = self._lane_operands(builder)
        width, b = spec.output_bits, spec.operand_bits
        if spec.circuit == "ripple_tree":
            total = builder.adder_tree(operands, signed=True)
        else:
            columns: list[Bits] = [[] for _ in range(width)]
            for operand in operands:
                for i, bit in enumerate(operand[:-1]):
                    columns[i].append(bit)
                columns[b - 1].append(builder.wire(~operand[-1], "sign"))
            offset = -spec.operands * (1 << (b - 1))
            for i, bit in enumerate(const_bits(offset, width)):
                if bit:
                    columns[i].append(1)
            total = builder.dadda(columns)
        m.d.comb += self.total.eq(Cat(*total))
        self.tally = builder.tally
        return m
