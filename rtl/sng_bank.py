"""What every SNG bank shares: sharing groups, the per-member wiring, the per-pixel comparators
and the control interface.

Interface (both generator kinds): `pixels` holds one B-bit pixel per position (position i in
bits [B i, B i + B)), held for the inference; `start` loads the generators' initial states
(the trainer restarts its sequences at every inference: the cycle after `start` is cycle 0,
the seed state); `step` advances them by one number. `stream` is combinational from the
state: bit i is position i's stochastic bit of the current cycle. A pass that lasts several
clock cycles simply holds `step` low.

Wiring: `sharing` consecutive positions share one generator (position i reads group
i // sharing as member i % sharing); member m reads the source bits wiring[m] (MSB first) as
its k-bit word. Wires cost no logic, which is why the trainer models sharing this way.
"""

from __future__ import annotations

import math

from amaranth.hdl import Module, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field, model_validator

from rtl.gates import BitBuilder, Bits, value_bits
from rtl.sc_comparator import stochastic_bit
from rtl.spec import BlockSpec


class SngBankSpec(BlockSpec):
    """Fields common to the LFSR and Sobol banks."""

    positions: int = Field(ge=1, description="pixel positions (one stream bit each)")
    sharing: int = Field(default=1, ge=1, description="positions per generator")
    comparator_bits: int = Field(default=8, ge=1, le=32, description="k: word width")
    pixel_bits: int = Field(default=8, ge=1, le=16, description="B: x = p / (2^B - 1)")
    wiring: tuple[tuple[int, ...], ...] = Field(
        description="(sharing, k): the source bit each member reads, MSB first"
    )

    @property
    def groups(self) -> int:
        return math.ceil(self.positions / self.sharing)

    @property
    def source_bits(self) -> int:
        """Width of a generator's state that the wiring indexes."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _check_wiring(self):
        if len(self.wiring) != self.sharing:
            raise ValueError(f"wiring needs {self.sharing} rows (one per member)")
        for row in self.wiring:
            if len(row) != self.comparator_bits:
                raise ValueError(f"each wiring row needs {self.comparator_bits} source bits")
            if any(not 0 <= b < self.source_bits for b in row):
                raise ValueError(f"wiring entries must lie in 0..{self.source_bits - 1}")
        return self


def wired_word(state: Value, row: tuple[int, ...]) -> Bits:
    """A member's word, LSB first, from its wiring row (MSB first)."""
    return [state[bit] for bit in reversed(row)]


class SngBank(wiring.Component):
    """Generators (from the subclass) + wiring + one comparator per position."""

    def __init__(self, spec: SngBankSpec):
        self.spec = spec
        super().__init__(
            {
                "start": In(1),
                "step": In(1),
                "pixels": In(spec.positions * spec.pixel_bits),
                "stream": Out(spec.positions),
            }
            | self.extra_ports()
        )

    def extra_ports(self) -> dict:
        return {}

    def generator_states(self, m: Module, builder: BitBuilder) -> list[Signal]:
        """One state register per group, clocked in the `sync` domain."""
        raise NotImplementedError

    def elaborate(self, platform) -> Module:
        spec = self.spec
        m = Module()
        builder = BitBuilder(m, "sng")
        states = self.generator_states(m, builder)
        bits = []
        for position in range(spec.positions):
            group, member = divmod(position, spec.sharing)
            word = wired_word(states[group], spec.wiring[member])
            pixel = value_bits(self.pixels[position * spec.pixel_bits :][: spec.pixel_bits])
            bit = stochastic_bit(builder, pixel, word, spec.comparator_bits, spec.pixel_bits)
            bits.append(bit)
        for position, bit in enumerate(bits):
            m.d.comb += self.stream[position].eq(bit)
        self.tally = builder.tally
        return m
