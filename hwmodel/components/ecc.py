"""Error correction of the weight rows: none, or SECDED per row word.

`secded` protects each word of k = min(64, C) data bits of a row (C columns) with a Hsiao
code (M. Y. Hsiao, "A class of optimal minimum odd-weight-column SEC-DED codes", IBM J. Res.
Dev. 14(4), 1970): r check bits, the fewest with enough distinct odd-weight columns of weight
>= 3 for the k data bits (r = 8 for k = 64, the (72, 64) code of memory ECC). The parity-check
matrix H = [P | I_r] has odd-weight columns, so a single error gives a syndrome equal to its
column (corrected), and a double error an even-weight, non-zero syndrome (detected, not
corrected: the word passes as read).

What it costs here (`HsiaoCode.decoder_primitives`, counted from the code's H):
* storage: r check columns per word, in every array (cells, column periphery, sense amplifiers,
  read energy of every row and threshold read);
* a decoder per word sensed at once: syndrome XORs (ones of H minus r), syndrome-to-bit
  matching (a predecoded matcher, `matcher_tree`: about 2 x 24 + k AND2 at r = 8), correction
  (k XOR), double-error flag (r - 1 XOR for the syndrome's parity, r - 1 OR2 for non-zero),
  and k XNOR gates: the sense amplifiers must deliver the raw stored bits to the decoder, so
  the XNOR with the input bit that a precharge sense amplifier computes as it senses moves
  behind the corrector;
* one more pipeline stage (a cycle per run of a layer) for the decoder.
Energy by activity: the syndrome XORs, the correction XORs and the lane XNORs see the data and
switch with every word (one evaluation each); the matcher and the flag see the syndrome,
which stays zero on a word without errors, so they are charged only for the words with a
non-zero syndrome, 1 - (1 - p)^n of them at a raw rate p (`hwmodel.costs.memory`).
Both the count and the energy are checked against the synthesized RTL (`rtl/secded.py`,
tests/rtl/test_model_vs_synthesis.py).

`residual_error_rate` is the data-bit error rate after decoding, for independent raw errors
at rate p in an n = k + r bit word: a word with one error is corrected and a word with more is
not, so a data bit stays wrong when it is wrong and another bit of its word is too:
p (1 - (1 - p)^(n - 1)), about (n - 1) p^2. It neglects the one extra bit a decoder may flip
when >= 3 errors alias a single-error syndrome (the tests bound it against a Monte Carlo run of
the real decoder).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import combinations
from math import comb
from typing import ClassVar

import numpy as np

from hwmodel.components.primitives import Primitives
from hwmodel.distinct import distinct_values
from hwmodel.kinds import Kind

ECC_WORD_DATA_BITS = 64  # the (72, 64) SECDED word of memory ECC


def _odd_weight_columns_available(check_bits: int) -> int:
    return sum(comb(check_bits, w) for w in range(3, check_bits + 1, 2))


@dataclass(frozen=True)
class HsiaoCode:
    """A Hsiao SEC-DED code over `data_bits` data bits (numpy encoder and decoder)."""

    data_bits: int

    @cached_property
    def check_bits(self) -> int:
        r = 3
        while _odd_weight_columns_available(r) < self.data_bits:
            r += 1
        return r

    @property
    def length(self) -> int:
        return self.data_bits + self.check_bits

    @cached_property
    def parity(self) -> np.ndarray:
        """P (r, k): data columns, the lightest odd-weight vectors of weight >= 3 first."""
        r, columns = self.check_bits, []
        for weight in range(3, r + 1, 2):
            for ones in combinations(range(r), weight):
                if len(columns) == self.data_bits:
                    break
                column = np.zeros(r, dtype=np.uint8)
                column[list(ones)] = 1
                columns.append(column)
        return np.stack(columns, axis=1)

    @cached_property
    def check_matrix(self) -> np.ndarray:
        """H = [P | I_r] (r, n)."""
        return np.concatenate([self.parity, np.eye(self.check_bits, dtype=np.uint8)], axis=1)

    def encode(self, data: np.ndarray) -> np.ndarray:
        """Codewords (..., n) of data words (..., k) of 0/1."""
        data = np.asarray(data, dtype=np.uint8)
        checks = (data.astype(np.int64) @ self.parity.T.astype(np.int64)) % 2
        return np.concatenate([data, checks.astype(np.uint8)], axis=-1)

    def decode(self, received: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(data (..., k), corrected (...), uncorrectable (...)) of received words (..., n).

        A syndrome equal to a column of H flips that bit; any other non-zero syndrome (even
        weight: a double error) is flagged uncorrectable and the word passes as received.
        """
        received = np.asarray(received, dtype=np.uint8)
        syndrome = (received.astype(np.int64) @ self.check_matrix.T.astype(np.int64)) % 2
        matches = np.all(syndrome[..., None, :] == self.check_matrix.T, axis=-1)  # (..., n)
        single = matches.any(axis=-1)
        fixed = received ^ matches.astype(np.uint8)
        uncorrectable = syndrome.any(axis=-1) & ~single
        return fixed[..., : self.data_bits], single, uncorrectable

    @cached_property
    def matcher_and2_gates(self) -> int:
        """AND2 gates of the predecoded syndrome matcher (`matcher_tree`)."""
        return sum(len(patterns) for _, patterns in matcher_tree(self.parity))

    def active_primitives(self) -> Primitives:
        """The gates that switch with every word decoded: the syndrome XOR trees (ones of H
        less r), the correction XORs and the lane XNORs (k each), whose inputs are the data."""
        k, r = self.data_bits, self.check_bits
        return Primitives(xnors=int(self.check_matrix.sum()) - r + k + k)

    def error_primitives(self) -> Primitives:
        """The gates that switch only when a word's syndrome is non-zero (an error): the
        predecoded matcher and the double-error flag ((r - 1) XOR for the syndrome's parity,
        (r - 1) OR2 for non-zero, priced as AND2)."""
        r = self.check_bits
        return Primitives(xnors=r - 1, and2_gates=self.matcher_and2_gates + r - 1)

    def decoder_primitives(self) -> Primitives:
        """One decoder (and the lane XNORs behind it), counted from H."""
        return self.active_primitives() + self.error_primitives()


def matcher_tree(parity: np.ndarray) -> list[tuple[tuple[int, ...], set[tuple[int, ...]]]]:
    """The predecoded matcher of a code's data columns: (syndrome bits, patterns) of every
    AND2 level. The r syndrome bits split in halves, recursively, down to single bits (the
    syndrome literals, inverted for free); a node decodes, with one AND2 each, the patterns
    that the data columns take on its bits (a pattern of a node joins one pattern of each
    half). The root is the k columns: k AND2 (one per data bit), below it about
    2 x 2^(r/2) for r = 8 (2 x 24 + k = 112 at k = 64, against k (r - 1) = 448 gates for an
    AND of r literals per column: synthesis finds the sharing, docs/hwmodel-validation.md)."""
    levels: list[tuple[tuple[int, ...], set[tuple[int, ...]]]] = []

    def node(bits: tuple[int, ...], patterns: set[tuple[int, ...]]) -> None:
        if len(bits) < 2:
            return
        levels.append((bits, patterns))
        half = (len(bits) + 1) // 2
        for part in (slice(0, half), slice(half, None)):
            node(bits[part], {pattern[part] for pattern in patterns})

    columns = {tuple(int(bit) for bit in column) for column in parity.T}
    node(tuple(range(parity.shape[0])), columns)
    return levels


@lru_cache(maxsize=64)
def hsiao_code(data_bits: int) -> HsiaoCode:
    return HsiaoCode(int(data_bits))


def word_data_bits(cols):
    """Data bits of a row word: 64, or the whole row when it is narrower."""
    return np.minimum(float(ECC_WORD_DATA_BITS), np.asarray(cols, dtype=float))


def _by_word_size(cols, compute, *others):
    """`compute(code)` for each design's word size, broadcast with `others` (a sweep has a
    handful of row widths: one code each, `hwmodel.distinct`)."""
    k = word_data_bits(cols)
    shape = np.broadcast_shapes(np.shape(k), *(np.shape(o) for o in others))
    sizes, position = distinct_values(k)
    if sizes.size == 1:
        out = np.broadcast_to(compute(hsiao_code(int(sizes[0]))), shape)
        return out if out.ndim else float(out)
    out = np.zeros(shape)
    for index, size in enumerate(sizes):
        np.copyto(out, compute(hsiao_code(int(size))),
                  where=(position == index).reshape(np.shape(k)))
    return out


class ErrorCorrection(Kind):
    """How the weight rows are protected."""

    family: ClassVar[str] = "ECC"
    registry: ClassVar[dict[str, Kind]] = {}
    pipeline_stages: ClassVar[int] = 0

    def check_columns(self, cols):
        """Check-bit columns stored beside a row of `cols` data bits."""
        return 0.0 * np.asarray(cols, dtype=float)

    def decoder_area_um2(self, tech, cols):
        """One decoder (per word sensed at once)."""
        return 0.0 * np.asarray(cols, dtype=float)

    def decode_energy_fj(self, tech, cols):
        """One word decoded without error (the gates every word switches)."""
        return 0.0 * np.asarray(cols, dtype=float)

    def correction_energy_fj(self, tech, cols):
        """What a word whose syndrome is non-zero adds (the gates only errors switch)."""
        return 0.0 * np.asarray(cols, dtype=float)

    def word_bits(self, cols):
        """Bits of a protected word (data and check bits; 0 without a code)."""
        return 0.0 * np.asarray(cols, dtype=float)

    def residual_error_rate(self, raw, cols):
        """Data-bit error rate after decoding, raw errors independent at rate `raw`."""
        return np.asarray(raw, dtype=float) + 0.0 * np.asarray(cols, dtype=float)


class NoCorrection(ErrorCorrection):
    name = "none"
    description = "no error correction: the sense amplifiers XNOR as they sense"


class Secded(ErrorCorrection):
    name = "secded"
    description = "Hsiao SEC-DED per row word of 64 data bits: (72, 64)"
    pipeline_stages = 1

    def check_columns(self, cols):
        words = np.ceil(np.asarray(cols, dtype=float) / word_data_bits(cols))
        return words * _by_word_size(cols, lambda code: code.check_bits)

    def decoder_area_um2(self, tech, cols):
        return _by_word_size(cols, lambda code: code.decoder_primitives().area_um2(tech))

    def decode_energy_fj(self, tech, cols):
        return _by_word_size(cols, lambda code: code.active_primitives().energy_fj(tech))

    def correction_energy_fj(self, tech, cols):
        return _by_word_size(cols, lambda code: code.error_primitives().energy_fj(tech))

    def word_bits(self, cols):
        return _by_word_size(cols, lambda code: code.length)

    def residual_error_rate(self, raw, cols):
        raw = np.asarray(raw, dtype=float)

        def residual(code: HsiaoCode):
            # a data bit stays wrong when it is wrong and another bit of its word is too
            return raw * -np.expm1((code.length - 1) * np.log1p(-raw))

        return _by_word_size(cols, residual, raw)
