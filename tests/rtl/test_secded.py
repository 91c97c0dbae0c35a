"""The SEC-DED decoder RTL against the hardware model's numpy Hsiao decoder, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from hwmodel.components.ecc import hsiao_code
from rtl.secded import SecdedDecoderSpec
from rtl.simulate import evaluate, pack, unpack


def spec_of(data_bits: int, xnor_lane: bool = True) -> SecdedDecoderSpec:
    matrix = hsiao_code(data_bits).check_matrix
    return SecdedDecoderSpec(check_matrix=tuple(tuple(int(b) for b in row) for row in matrix),
                             xnor_lane=xnor_lane)


@pytest.mark.parametrize("data_bits", [4, 16, 64])
def test_decoder_equals_the_software_decoder(data_bits: int) -> None:
    code, rng = hsiao_code(data_bits), np.random.default_rng(data_bits)
    errors = np.arange(80) % 4  # 0, 1, 2 and 3 flipped bits per word
    words = code.encode(rng.integers(0, 2, (errors.size, data_bits)))
    for word, count in zip(words, errors, strict=True):
        word[rng.choice(code.length, count, replace=False)] ^= 1
    inputs = rng.integers(0, 2, (errors.size, data_bits))
    out = evaluate(spec_of(data_bits), [{"received": pack(list(w), 1), "inputs": pack(list(x), 1)}
                                        for w, x in zip(words, inputs, strict=True)])
    fixed, _, uncorrectable = code.decode(words)
    products = np.array([unpack(o["data"], 1, data_bits) for o in out])
    assert np.array_equal(products, 1 - (fixed ^ inputs))  # XNOR with the lane's input
    flags = np.array([o["uncorrectable"] for o in out], dtype=bool)
    up_to_two = errors <= 2
    assert np.array_equal(flags[up_to_two], uncorrectable[up_to_two])
    assert flags[errors == 2].all() and not flags[errors < 2].any()


def test_without_lanes_the_decoder_outputs_the_corrected_word() -> None:
    code = hsiao_code(16)
    word = code.encode(np.arange(16) % 2)
    word[5] ^= 1
    (out,) = evaluate(spec_of(16, xnor_lane=False), [{"received": pack(list(word), 1)}])
    assert unpack(out["data"], 1, 16) == list(np.arange(16) % 2)


def test_a_check_matrix_that_is_not_systematic_is_refused() -> None:
    matrix = [list(row) for row in spec_of(4).check_matrix]
    matrix[0][-1] = 1 - matrix[0][-1]
    with pytest.raises(ValidationError, match="identity"):
        SecdedDecoderSpec(check_matrix=tuple(tuple(row) for row in matrix))
