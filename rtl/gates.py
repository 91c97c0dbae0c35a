"""Bit-level arithmetic written gate by gate: full and half adders, ripple adders, ripple
comparators and Dadda column compression.

Why gate by gate: Yosys maps a Verilog `+` or `>=` to a Brent-Kung carry network (its
`techmap` of `$lcu`), which is neither the ripple tree the hardware model counts nor a
compressor tree. Writing every full adder explicitly fixes the architecture being measured;
synthesis then only optimises it (constant inputs, shared terms), and the difference between
the model's count and the synthesized area is the model's error, not Yosys' choice of adder.

A bit is an Amaranth `Value` of width 1 or a Python int 0/1 (a constant). Constants are folded
while building, so a full adder with a constant input becomes a half adder, and the tally
records what was actually built: `full_adders` (three variable inputs), `half_adders` (two
variable inputs and a constant), `sum_only` (the top slice of a signed or truncated adder,
whose carry would leave the word: an XOR, no carry logic) and `comparator_slices`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from amaranth.hdl import Module, Signal, Value

Bit = Value | int
Bits = list[Bit]


@dataclass
class GateTally:
    """What a builder created, by kind (constant-folded slices are not counted)."""

    full_adders: int = 0
    half_adders: int = 0
    sum_only: int = 0
    comparator_slices: int = 0
    xnor_gates: int = 0
    flip_flops: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int = 1) -> None:
        self.extra[kind] = self.extra.get(kind, 0) + count


def is_const(bit: Bit) -> bool:
    return isinstance(bit, int)


def value_bits(value: Value, width: int | None = None) -> Bits:
    """The bits of `value`, LSB first."""
    width = len(value) if width is None else width
    return [value[i] for i in range(width)]


def const_bits(number: int, width: int) -> Bits:
    """`number` mod 2**width as constant bits, LSB first."""
    return [(number >> i) & 1 for i in range(width)]


def extend(bits: Sequence[Bit], width: int, signed: bool) -> Bits:
    """Zero- or sign-extend (or truncate) to `width` bits; sign extension repeats a wire."""
    bits = list(bits)[:width]
    fill: Bit = bits[-1] if signed and bits else 0
    return bits + [fill] * (width - len(bits))


class BitBuilder:
    """Adds named single-bit wires to a Module, folding constants and tallying the slices."""

    def __init__(self, module: Module, prefix: str):
        self.m = module
        self.prefix = prefix
        self.tally = GateTally()
        self._names = 0

    def wire(self, expr: Value, kind: str) -> Signal:
        """A named 1-bit signal driven by `expr` (keeps the Verilog readable)."""
        self._names += 1
        signal = Signal(name=f"{self.prefix}_{kind}{self._names}")
        self.m.d.comb += signal.eq(expr)
        return signal

    # Single gates with constant folding ---------------------------------------------------

    def inv(self, a: Bit) -> Bit:
        return 1 - a if is_const(a) else ~a

    def xor(self, a: Bit, b: Bit) -> Bit:
        if is_const(a) and is_const(b):
            return a ^ b
        if is_const(a):
            a, b = b, a
        if is_const(b):
            return a if b == 0 else ~a
        return a ^ b

    def and_(self, a: Bit, b: Bit) -> Bit:
        if is_const(a):
            a, b = b, a
        if is_const(b):
            return a if b == 1 else 0
        return a & b

    def or_(self, a: Bit, b: Bit) -> Bit:
        if is_const(a):
            a, b = b, a
        if is_const(b):
            return a if b == 0 else 1
        return a | b

    def or_reduce(self, bits: Sequence[Bit]) -> Bit:
        """OR of many bits as a balanced tree (a NOR/NAND tree after mapping)."""
        level = [b for b in bits if not (is_const(b) and b == 0)]
        if any(is_const(b) for b in level):
            return 1
        if not level:
            return 0
        while len(level) > 1:
            paired = [self.or_(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            level = paired + ([level[-1]] if len(level) % 2 else [])
            level = [self.wire(b, "or") if not is_const(b) else b for b in level]
        return level[0]

    def and_reduce(self, bits: Sequence[Bit]) -> Bit:
        return self.inv(self.or_reduce([self.inv(b) for b in bits]))

    # Adders --------------------------------------------------------------------------------

    def full_adder(self, a: Bit, b: Bit, c: Bit, need_carry: bool = True) -> tuple[Bit, Bit]:
        """(sum, carry) of three bits, folded to a half adder or wires where inputs are
        constant. With `need_carry=False` only the sum is built (an XOR3)."""
        variables = [x for x in (a, b, c) if not is_const(x)]
        constant = sum(x for x in (a, b, c) if is_const(x))
        if not variables:
            return constant & 1, constant >> 1
        if len(variables) == 1:
            (x,) = variables
            return (x, 0) if constant == 0 else (~x, x) if constant == 1 else (x, 1)
        if len(variables) == 2:
            x, y = variables
            if not need_carry:
                self.tally.sum_only += 1
                return self.wire(x ^ y if constant == 0 else ~(x ^ y), "s"), 0
            self.tally.half_adders += 1
            if constant == 0:
                return self.wire(x ^ y, "hs"), self.wire(x & y, "hc")
            return self.wire(~(x ^ y), "hs"), self.wire(x | y, "hc")
        x, y, z = variables
        if not need_carry:
            self.tally.sum_only += 1
            return self.wire(x ^ y ^ z, "s"), 0
        self.tally.full_adders += 1
        half = self.wire(x ^ y, "p")
        return self.wire(half ^ z, "fs"), self.wire((x & y) | (z & half), "fc")

    def ripple_add(
        self,
        a: Sequence[Bit],
        b: Sequence[Bit],
        width: int,
        signed: bool = False,
        carry_in: Bit = 0,
    ) -> Bits:
        """a + b + carry_in mod 2**width, operands extended to `width` bits.

        The top slice needs no carry out (it would leave the word), so it is sum-only,
        unless the operands are unsigned and narrower than `width`, where the carry of the
        last full adder becomes the top bit (as in an unsigned adder tree).
        """
        a, b = extend(a, width, signed), extend(b, width, signed)
        out: Bits = []
        carry = carry_in
        for i in range(width):
            s, carry = self.full_adder(a[i], b[i], carry, need_carry=i < width - 1)
            out.append(s)
        return out

    def adder_tree(self, operands: Sequence[Sequence[Bit]], signed: bool) -> Bits:
        """Balanced tree of ripple adders: neighbours are paired level by level, an odd
        operand passes up; each adder is one bit wider than its wider operand."""
        level = [list(op) for op in operands]
        while len(level) > 1:
            paired = []
            for i in range(0, len(level) - 1, 2):
                width = max(len(level[i]), len(level[i + 1])) + 1
                paired.append(self.ripple_add(level[i], level[i + 1], width, signed))
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
        return level[0]

    def dadda(self, columns: Sequence[Sequence[Bit]]) -> Bits:
        """Sum of weighted bits (column i has weight 2**i) mod 2**len(columns).

        Dadda's schedule: stage targets 2, 3, 4, 6, 9, 13, ... (d_{j+1} = floor(1.5 d_j));
        each stage brings every column down to the largest target below the current maximum
        height with as few counters as possible (a full adder removes two bits from a
        column, a half adder one), then one ripple carry-propagate adder sums the two rows.
        Carries out of the top column are dropped (arithmetic mod 2**width).
        """
        width = len(columns)
        cols = [list(c) for c in columns]
        targets = [2]
        while targets[-1] < max((len(c) for c in cols), default=0):
            targets.append(targets[-1] * 3 // 2)
        for target in reversed(targets[:-1]):
            if max(len(c) for c in cols) <= target:
                continue
            new: list[Bits] = [[] for _ in range(width)]
            for i in range(width):
                bits = cols[i]
                top = i == width - 1
                while len(bits) + len(new[i]) > target:
                    excess = len(bits) + len(new[i]) - target
                    if excess >= 2 and len(bits) >= 3:
                        s, c = self.full_adder(bits[0], bits[1], bits[2], need_carry=not top)
                        bits = bits[3:]
                    elif len(bits) >= 2:
                        s, c = self.full_adder(bits[0], bits[1], 0, need_carry=not top)
                        bits = bits[2:]
                    else:
                        raise AssertionError("Dadda schedule cannot reach its target height")
                    new[i].append(s)
                    if not top and not (is_const(c) and c == 0):
                        new[i + 1].append(c)
                new[i].extend(bits)
            cols = new
        row_a = [c[0] if c else 0 for c in cols]
        row_b = [c[1] if len(c) > 1 else 0 for c in cols]
        return self.ripple_add(row_a, row_b, width)

    # Comparators ---------------------------------------------------------------------------

    def compare_chain(self, a: Sequence[Bit], b: Sequence[Bit], carry_in: Bit) -> Bit:
        """[a + ~b + carry_in >= 2**n] for n-bit unsigned a, b: a >= b with carry_in = 1,
        a > b with carry_in = 0. One majority slice per bit, LSB first (the carry chain of
        a subtractor without its sum outputs)."""
        carry = carry_in
        for x, y in zip(a, b, strict=True):
            carry = self.majority(x, self.inv(y), carry)
        return carry

    def majority(self, x: Bit, y: Bit, z: Bit) -> Bit:
        variables = [v for v in (x, y, z) if not is_const(v)]
        ones = sum(v for v in (x, y, z) if is_const(v))
        if len(variables) == 3:
            self.tally.comparator_slices += 1
            return self.wire((x & y) | (z & (x | y)), "cmp")
        if len(variables) == 2:
            p, q = variables
            return self.wire(p | q if ones else p & q, "cmp")
        if len(variables) == 1:
            return variables[0] if ones == 1 else ones >> 1
        return int(ones >= 2)
