"""Accumulator: a ripple adder and a register, with clear and enable.

    value <= (clear ? 0 : value) + (enable ? addend : 0)

So `clear` with `enable` starts a new sum at the addend (the first slice or pass of a
neuron), `clear` alone empties the register, `enable` alone accumulates, neither holds. No
multiplexer in front of the register: the AND gates gate the operands, which is what the
hardware model's bits x (full adder + flip-flop) leaves out. The sum wraps mod 2^n; the
addend is zero- or sign-extended. Above the addend's width the adder is an incrementer (half
adders), which is why an accumulator is smaller than n full adders.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field, model_validator

from rtl.gates import BitBuilder, value_bits
from rtl.spec import BlockSpec


class AccumulatorSpec(BlockSpec):
    top_name: str = "accumulator"
    accumulator_bits: int = Field(ge=1, le=64, description="n: register width")
    addend_bits: int = Field(ge=1, le=64, description="m <= n: width of each addend")
    signed: bool = False

    @model_validator(mode="after")
    def _check(self):
        if self.addend_bits > self.accumulator_bits:
            raise ValueError("addend_bits exceed accumulator_bits")
        return self

    def build(self) -> Accumulator:
        return Accumulator(self)


class Accumulator(wiring.Component):
    def __init__(self, spec: AccumulatorSpec):
        self.spec = spec
        super().__init__(
            {
                "addend": In(spec.addend_bits),
                "enable": In(1),
                "clear": In(1),
                "value": Out(spec.accumulator_bits),
            }
        )

    def elaborate(self, platform) -> Module:
        spec = self.spec
        m = Module()
        builder = BitBuilder(m, "acc")
        register = Signal(spec.accumulator_bits, reset_less=True, name="acc")
        builder.tally.flip_flops += spec.accumulator_bits
        kept = [builder.wire(bit & ~self.clear, "keep") for bit in value_bits(register)]
        addend = [builder.wire(bit & self.enable, "gate") for bit in value_bits(self.addend)]
        total = builder.ripple_add(kept, addend, spec.accumulator_bits, signed=spec.signed)
        m.d.sync += register.eq(Cat(*total))
        m.d.comb += self.value.eq(register)
        self.tally = builder.tally
        return m
