"""LFSR stochastic number generators with their comparators, bit-exact with
`trainer.sng.LFSRSNG`.

One Fibonacci LFSR per sharing group (trainer convention, `trainer/lfsr.py`): tap n (1-based)
is state bit n - 1, the register shifts left and the XOR of the tapped bits enters at bit 0.
`start` loads every register with its group's seed (cycle 0 is the seed state, as in the
trainer, which restarts its generators at every inference); `step` shifts. The seeds are
constants of the design (the trainer draws them from its `seed`; `LFSRSNG.group_seeds`), so
loading them costs one AND or OR per state bit, not a multiplexer.

The feedback is len(taps) - 1 XOR gates; the comparators are those of `rtl.sc_comparator`.
"""

from __future__ import annotations

from functools import reduce

from amaranth.hdl import Cat, Module, Signal
from pydantic import Field, model_validator

from rtl.gates import BitBuilder
from rtl.sng_bank import SngBank, SngBankSpec


class LfsrSngSpec(SngBankSpec):
    """An LFSR SNG bank; `seeds` has one non-zero state per group."""

    top_name: str = "lfsr_sng_bank"
    width_bits: int = Field(ge=2, le=32, description="LFSR width")
    taps: tuple[int, ...] = Field(min_length=1, description="1-based, trainer convention")
    seeds: tuple[int, ...] = Field(min_length=1, description="one start state per group")

    @property
    def source_bits(self) -> int:
        return self.width_bits

    @model_validator(mode="after")
    def _check_lfsr(self):
        if any(not 1 <= t <= self.width_bits for t in self.taps):
            raise ValueError(f"taps must lie in 1..{self.width_bits}")
        if len(self.seeds) != self.groups:
            raise ValueError(f"seeds: {self.groups} groups need {self.groups} seeds")
        if any(not 0 < s < 1 << self.width_bits for s in self.seeds):
            raise ValueError(f"seeds must be non-zero {self.width_bits}-bit states")
        if self.comparator_bits > self.width_bits:
            raise ValueError("comparator_bits exceed the LFSR width")
        return self

    def build(self) -> LfsrSngBank:
        return LfsrSngBank(self)


class LfsrSngBank(SngBank):
    """Registers + feedback XORs per group; comparators per position (see SngBank)."""

    spec: LfsrSngSpec

    def generator_states(self, m: Module, builder: BitBuilder) -> list[Signal]:
        spec = self.spec
        states = []
        for group, seed in enumerate(spec.seeds):
            state = Signal(spec.width_bits, init=seed, reset_less=True, name=f"lfsr{group}")
            feedback = reduce(lambda a, b: a ^ b, [state[t - 1] for t in spec.taps])
            with m.If(self.start):
                m.d.sync += state.eq(seed)
            with m.Elif(self.step):
                m.d.sync += state.eq(Cat(feedback, state[:-1]))
            builder.tally.flip_flops += spec.width_bits
            builder.tally.add("feedback_xor", len(spec.taps) - 1)
            states.append(state)
        return states
