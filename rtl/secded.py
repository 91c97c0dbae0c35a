"""SEC-DED decoder of one row word, and the lane XNORs behind it.

Built from the code's parity-check matrix H = [P | I_r] (r rows, n = k + r columns, given as
plain 0/1 rows so that `rtl` needs no other package; `hwmodel.components.ecc.HsiaoCode`
makes them):

* syndrome: s_i = XOR of the received bits where row i of H has a one (ones(H) - r XOR2);
* matching: data bit j is the one in error when s equals column j of H: the AND of r syndrome
  literals, each inverted where the column has a zero (inverters free), predecoded: the r
  bits split in halves, recursively; each half decodes, one AND2 each, the patterns the
  columns take on its bits, and one AND2 per column joins a pattern of each half (about
  2 x 24 + k AND2 at r = 8, where an AND chain per column takes k (r - 1));
* correction: d_j = received_j XOR match_j (k XOR2);
* double-error flag: the syndrome is non-zero (r - 1 OR2) with even weight (its parity, r - 1
  XOR2; a Hsiao code's columns have odd weight, so a single error gives odd weight);
* with `xnor_lane`, the lane products XNOR(d_j, input_j) (k XNOR2): the sense amplifier hands
  the raw bit to the decoder, so the product it would compute moves behind the corrector.

The data outputs equal `HsiaoCode.decode`'s corrected data bit for bit on every received word
(tests/rtl/test_secded.py); the flag is exact for up to two errors (with three or more, a
syndrome of odd weight that matches no column is flagged by the software decoder, not here).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from pydantic import Field, model_validator

from rtl.gates import BitBuilder, value_bits
from rtl.spec import BlockSpec


class SecdedDecoderSpec(BlockSpec):
    top_name: str = "secded_decoder"
    check_matrix: tuple[tuple[int, ...], ...] = Field(
        description="H = [P | I_r]: r rows of n = k + r zeros and ones")
    xnor_lane: bool = True

    @model_validator(mode="after")
    def _systematic(self) -> SecdedDecoderSpec:
        r = len(self.check_matrix)
        widths = {len(row) for row in self.check_matrix}
        if r < 2 or len(widths) != 1 or widths.pop() <= r:
            raise ValueError("check_matrix: r >= 2 rows of one length n > r")
        if any(bit not in (0, 1) for row in self.check_matrix for bit in row):
            raise ValueError("check_matrix: zeros and ones only")
        k = self.data_bits
        if any(row[k + j] != int(i == j) for i, row in enumerate(self.check_matrix)
               for j in range(r)):
            raise ValueError("check_matrix: the last r columns must be the identity")
        return self

    @property
    def check_bits(self) -> int:
        return len(self.check_matrix)

    @property
    def data_bits(self) -> int:
        return len(self.check_matrix[0]) - self.check_bits

    def build(self) -> SecdedDecoder:
        return SecdedDecoder(self)


class SecdedDecoder(wiring.Component):
    """`data` = the corrected data bits (or their XNOR with `inputs`); `uncorrectable` = a
    double error was detected (the word passes as read)."""

    def __init__(self, spec: SecdedDecoderSpec):
        self.spec = spec
        k, n = spec.data_bits, spec.data_bits + spec.check_bits
        ports = {"received": In(n), "data": Out(k), "uncorrectable": Out(1)}
        if spec.xnor_lane:
            ports["inputs"] = In(k)
        super().__init__(ports)

    def elaborate(self, platform) -> Module:
        spec = self.spec
        m = Module()
        builder = BitBuilder(m, "ecc")
        tally = builder.tally
        received = value_bits(self.received)
        syndrome = []
        for row in spec.check_matrix:
            taps = [bit for bit, one in zip(received, row, strict=True) if one]
            value = taps[0]
            for bit in taps[1:]:
                value = builder.wire(builder.xor(value, bit), "syn")
            tally.xnor_gates += len(taps) - 1
            syndrome.append(value)
        columns = [tuple(row[j] for row in spec.check_matrix) for j in range(spec.data_bits)]
        literals = {(i, 1): s for i, s in enumerate(syndrome)}
        literals.update({(i, 0): builder.wire(~s, "nsyn")  # inverters: free
                         for i, s in enumerate(syndrome)})
        decoded = _predecode(builder, literals, tuple(range(spec.check_bits)), set(columns))
        corrected = []
        for j, column in enumerate(columns):
            corrected.append(builder.wire(builder.xor(received[j], decoded[column]), "fix"))
            tally.xnor_gates += 1
        nonzero, parity = syndrome[0], syndrome[0]
        for s in syndrome[1:]:
            nonzero = builder.wire(builder.or_(nonzero, s), "nz")
            parity = builder.wire(builder.xor(parity, s), "par")
        tally.add("and2", spec.check_bits - 1)  # the OR2s, priced as AND2s by the model
        tally.xnor_gates += spec.check_bits - 1
        m.d.comb += self.uncorrectable.eq(nonzero & ~parity)
        if spec.xnor_lane:
            inputs = value_bits(self.inputs)
            corrected = [builder.wire(~(d ^ x), "xnor")
                         for d, x in zip(corrected, inputs, strict=True)]
            tally.xnor_gates += spec.data_bits
        m.d.comb += self.data.eq(Cat(*corrected))
        self.tally = tally
        return m


def _predecode(builder: BitBuilder, literals: dict, bits: tuple[int, ...],
               patterns: set[tuple[int, ...]]) -> dict:
    """A wire for each pattern the syndrome bits `bits` must match: the bits split in
    halves, recursively, each pattern of a node the AND2 of one pattern of each half (the
    halves decode only the patterns the columns project onto them). Single bits are the
    syndrome literals."""
    if len(bits) == 1:
        return {pattern: literals[(bits[0], pattern[0])] for pattern in patterns}
    half = (len(bits) + 1) // 2
    low = _predecode(builder, literals, bits[:half], {p[:half] for p in patterns})
    high = _predecode(builder, literals, bits[half:], {p[half:] for p in patterns})
    builder.tally.add("and2", len(patterns))
    return {pattern: builder.wire(builder.and_(low[pattern[:half]], high[pattern[half:]]),
                                  "match")
            for pattern in sorted(patterns)}
