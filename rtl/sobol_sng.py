"""Sobol stochastic number generators with their comparators, bit-exact with
`trainer.sng.SobolSNG` (torch's scrambled `SobolEngine`, one dimension per sharing group).

The sequence (Antonov-Saleev / Gray-code order, as torch draws it): x_0 = the scrambling
shift, x_{n+1} = x_n XOR v_{c(n)} with c(n) the index of the lowest zero bit of n and v_j the
(scrambled) direction numbers. XOR is bitwise, so the k-bit word floor(x * 2^k) only needs the
top k bits of the shift and of each direction number.

Hardware (after Liu & Han, DATE 2017): one `counter_bits`-wide counter n and its lowest-zero
detector (a one-hot select sel_j = ~n_j & n_{j-1} & ... & n_0) serve the whole bank, since all
generators step together; each generator is a k-bit state register whose next value is
state XOR v_{c(n)}. With `direction_storage="hardwired"` (the design's direction numbers are
constants, like the LFSR seeds), bit i of the selected direction is the OR of the selects
sel_j whose v_j has bit i set: no multiplexer and no direction register. With "registers" the
direction numbers and the initial word sit in flip-flops loaded through a scan chain
(`scan_in`, `scan_enable`), the programmable generator the hardware model counts.

Exactness: a D-bit counter reproduces the first 2^D numbers (the step from n = 2^D - 1 would
need v_D); the spec holds D direction numbers per group.

torch's first point: `SobolEngine` returns its first point as float32 (quasi / 2^30 in the
default dtype), so where rounding the 30-bit shift to 24 significant bits carries into the top
k bits, the trainer's word at cycle 0 is one more than the shift's top bits (e.g. seed 1,
dimension 13021, k = 8: 174 instead of 173), while later points come from the exact integer
state. `first_words` holds the trainer's cycle-0 words; where one differs from its shift, the
state starts at it and the first step XORs the difference back in (an n == 0 detector shared
by the bank), so the stream stays bit-exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from amaranth.hdl import Cat, Module, Signal
from amaranth.lib.wiring import In
from pydantic import Field, model_validator

from rtl.gates import Bit, BitBuilder, value_bits
from rtl.sng_bank import SngBank, SngBankSpec

TORCH_SOBOL_MAXBIT = 30  # torch.quasirandom.SobolEngine.MAXBIT


def torch_first_word(shift: int, comparator_bits: int, maxbit: int = TORCH_SOBOL_MAXBIT) -> int:
    """floor(point_0 * 2^k) as torch computes it: point_0 = float32(shift) / 2^maxbit."""
    rounded = int(np.float32(shift))  # round to nearest even at 24 significant bits
    return rounded >> (maxbit - comparator_bits)


class SobolSngSpec(SngBankSpec):
    """A Sobol SNG bank: per group, D direction numbers and the initial words (k bits)."""

    top_name: str = "sobol_sng_bank"
    counter_bits: int = Field(ge=1, le=30, description="D: exact for the first 2^D cycles")
    directions: tuple[tuple[int, ...], ...] = Field(description="(groups, D) k-bit v_j")
    shifts: tuple[int, ...] = Field(description="per group: top k bits of the shift (x_0)")
    first_words: tuple[int, ...] | None = Field(
        default=None, description="per group: the trainer's word at cycle 0 (default: shifts)"
    )
    direction_storage: Literal["hardwired", "registers"] = "hardwired"

    @property
    def source_bits(self) -> int:
        return self.comparator_bits

    @property
    def initial_words(self) -> tuple[int, ...]:
        return self.first_words if self.first_words is not None else self.shifts

    @model_validator(mode="after")
    def _check_sobol(self):
        k, groups = self.comparator_bits, self.groups
        if len(self.directions) != groups or len(self.shifts) != groups:
            raise ValueError(f"directions and shifts need one entry per group ({groups})")
        if self.first_words is not None and len(self.first_words) != groups:
            raise ValueError(f"first_words needs one entry per group ({groups})")
        for row in self.directions:
            if len(row) != self.counter_bits:
                raise ValueError(f"each group needs counter_bits={self.counter_bits} directions")
        words = [v for row in self.directions for v in row] + list(self.shifts)
        words += list(self.initial_words)
        if any(not 0 <= v < 1 << k for v in words):
            raise ValueError(f"direction numbers and words must be {k}-bit")
        if self.direction_storage == "registers" and self.initial_words != self.shifts:
            raise ValueError("a first-word correction needs hardwired direction numbers")
        return self

    @classmethod
    def from_sobol_state(
        cls,
        direction_numbers: Sequence[Sequence[int]],
        shifts: Sequence[int],
        *,
        comparator_bits: int,
        counter_bits: int,
        positions: int,
        sharing: int,
        wiring: Sequence[Sequence[int]],
        maxbit: int = TORCH_SOBOL_MAXBIT,
        **fields,
    ) -> SobolSngSpec:
        """From full-precision tables (torch's `sobolstate` rows and `shift`, maxbit bits):
        keeps the top k bits and reproduces torch's float32 first point."""
        k = comparator_bits
        first = [torch_first_word(int(s), k, maxbit) for s in shifts]
        if any(w >= 1 << k for w in first):
            raise ValueError("torch rounds a first point up to 1.0: no k-bit word equals it")
        return cls(
            comparator_bits=k,
            counter_bits=counter_bits,
            positions=positions,
            sharing=sharing,
            wiring=tuple(tuple(int(b) for b in row) for row in wiring),
            directions=tuple(
                tuple(int(v) >> (maxbit - k) for v in row[:counter_bits])
                for row in direction_numbers
            ),
            shifts=tuple(int(s) >> (maxbit - k) for s in shifts),
            first_words=tuple(first),
            **fields,
        )

    def scan_bits(self) -> list[int]:
        """The register contents in chain order (per group: v_0..v_{D-1}, LSB first each,
        then the initial word); `scan_sequence` is the order to shift them in."""
        k = self.comparator_bits
        bits: list[int] = []
        for row, word in zip(self.directions, self.initial_words, strict=True):
            for value in (*row, word):
                bits.extend((value >> i) & 1 for i in range(k))
        return bits

    def scan_sequence(self) -> list[int]:
        return self.scan_bits()[::-1]

    def build(self) -> SobolSngBank:
        return SobolSngBank(self)


class SobolSngBank(SngBank):
    """Shared counter and lowest-zero detector; per group a state register and its XORs."""

    spec: SobolSngSpec

    def extra_ports(self) -> dict:
        if self.spec.direction_storage == "registers":
            return {"scan_in": In(1), "scan_enable": In(1)}
        return {}

    def generator_states(self, m: Module, builder: BitBuilder) -> list[Signal]:
        spec = self.spec
        k, depth = spec.comparator_bits, spec.counter_bits
        counter = Signal(depth, reset_less=True, name="sobol_index")
        builder.tally.flip_flops += depth
        increment = builder.ripple_add(value_bits(counter), [1], depth)
        with m.If(self.start):
            m.d.sync += counter.eq(0)
        with m.Elif(self.step):
            m.d.sync += counter.eq(Cat(*increment))

        # one-hot select of the lowest zero bit of the counter
        selects: list[Bit] = []
        ones_below: Bit = 1
        for j in range(depth):
            selects.append(builder.and_(ones_below, builder.inv(counter[j])))
            ones_below = builder.and_(ones_below, counter[j])
            if j < depth - 1 and not isinstance(ones_below, int):
                ones_below = builder.wire(ones_below, "ones")
        builder.tally.add("select_and", 2 * depth - 2)

        corrections = [w ^ s for w, s in zip(spec.initial_words, spec.shifts, strict=True)]
        first_step: Bit = 0
        if any(corrections):
            first_step = builder.inv(builder.or_reduce(value_bits(counter)))

        registers = self._scan_chain(m, builder) if spec.direction_storage == "registers" else []
        states = []
        per_group = (depth + 1) * k
        for group in range(spec.groups):
            state = Signal(k, init=spec.initial_words[group], reset_less=True, name=f"sobol{group}")
            builder.tally.flip_flops += k
            chain = registers[group * per_group : (group + 1) * per_group]
            next_bits = []
            for i in range(k):
                if chain:
                    terms = [builder.and_(selects[j], chain[j * k + i]) for j in range(depth)]
                else:
                    terms = [selects[j] for j in range(depth) if spec.directions[group][j] >> i & 1]
                direction = builder.or_reduce(terms)
                if corrections[group] >> i & 1:
                    direction = builder.xor(direction, first_step)
                next_bits.append(builder.xor(state[i], direction))
            builder.tally.xnor_gates += k
            initial = Cat(*chain[depth * k :]) if chain else spec.initial_words[group]
            with m.If(self.start):
                m.d.sync += state.eq(initial)
            with m.Elif(self.step):
                m.d.sync += state.eq(Cat(*next_bits))
            states.append(state)
        return states

    def _scan_chain(self, m: Module, builder: BitBuilder) -> list[Signal]:
        """All direction numbers and initial words as one shift register (scan chain)."""
        bits = self.spec.scan_bits()
        chain = Signal(len(bits), reset_less=True, name="sobol_tables")
        builder.tally.flip_flops += len(bits)
        with m.If(self.scan_enable):
            m.d.sync += chain.eq(Cat(self.scan_in, chain[:-1]))
        return [chain[i] for i in range(len(bits))]
