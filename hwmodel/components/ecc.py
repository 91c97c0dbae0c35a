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
  matching (k (r - 1) AND2), correction (k XOR), double-error flag (r - 1 XOR for the
  syndrome's parity, r - 1 OR2 for non-zero), and k XNOR gates: the sense amplifiers must
  deliver the raw stored bits to the decoder, so the XNOR with the input bit that a
  precharge sense amplifier computes as it senses moves behind the corrector;
* one more pipeline stage (a cycle per run of a layer) for the decoder.
Every gate of a decoder is counted as switching once per word decoded.

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

    def decoder_primitives(self) -> Primitives:
        """One decoder (and the lane XNORs behind it), counted from H."""
        k, r = self.data_bits, self.check_bits
        syndrome_xors = int(self.check_matrix.sum()) - r
        return Primitives(xnors=syndrome_xors + k + (r - 1) + k,
                          and2_gates=k * (r - 1) + (r - 1))


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
        """One word decoded."""
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
        return _by_word_size(cols, lambda code: code.decoder_primitives().energy_fj(tech))

    def residual_error_rate(self, raw, cols):
        raw = np.asarray(raw, dtype=float)

        def residual(code: HsiaoCode):
            # a data bit stays wrong when it is wrong and another bit of its word is too
            return raw * -np.expm1((code.length - 1) * np.log1p(-raw))

        return _by_word_size(cols, residual, raw)
