"""Component formulas against plain counts and against each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwmodel.components import (
    Lfsr,
    MtjTrng,
    PopcountTree,
    SobolGenerator,
    adder_tree_full_adders,
    bit_length,
)
from hwmodel.mapping import neurons_per_row, next_pow2, slices


def plain_adder_tree_count(n_inputs: int, input_bits: int) -> int:
    """Build the tree explicitly: pair neighbours, an adder of width max(a, b) per pair."""
    widths = [input_bits] * n_inputs
    full_adders = 0
    while len(widths) > 1:
        paired = []
        for i in range(0, len(widths) - 1, 2):
            width = max(widths[i], widths[i + 1])
            full_adders += width
            paired.append(width + 1)
        if len(widths) % 2:
            paired.append(widths[-1])
        widths = paired
    return full_adders


@pytest.mark.parametrize("width", [1, 2, 3, 5, 7, 8, 100, 255, 256, 300, 1024])
@pytest.mark.parametrize("bits", [1, 4, 9])
def test_adder_tree_matches_plain_count(width: int, bits: int) -> None:
    assert adder_tree_full_adders(width, bits) == plain_adder_tree_count(width, bits)


def test_popcount_of_power_of_two_follows_level_formula() -> None:
    # level l has w / 2^(l+1) adders of (l+1) bits
    for w in (2, 16, 256, 4096):
        levels = int(math.log2(w))
        expected = sum(w // 2 ** (level + 1) * (level + 1) for level in range(levels))
        assert adder_tree_full_adders(w, 1) == expected
    assert adder_tree_full_adders(256, 1) == 502


def test_adder_tree_is_vectorised() -> None:
    widths = np.array([3, 8, 256, 300])
    bits = np.array([1, 2, 9, 1])
    got = adder_tree_full_adders(widths, bits)
    assert list(got) == [
        plain_adder_tree_count(int(w), int(b)) for w, b in zip(widths, bits, strict=True)
    ]


def test_bit_length_matches_python() -> None:
    values = np.array([0, 1, 2, 3, 4, 255, 256, 784 * 255, 2**40 - 1, 2**40])
    assert list(bit_length(values)) == [int(v).bit_length() for v in values]


def test_multibit_tree_is_much_larger_than_popcount(tech) -> None:
    from hwmodel.components import MultiBitAdderTree

    tree = MultiBitAdderTree(tech, 256, 9)
    assert tree.area_um2 > 4 * PopcountTree(tech, 256).area_um2
    assert tree.binary_energy_fj == pytest.approx(PopcountTree(tech, 256).energy_fj)


def test_sobol_is_larger_than_lfsr_and_trng_costs_per_bit(tech) -> None:
    lfsr, sobol, trng = Lfsr(tech, 8, 8), SobolGenerator(tech, 8), MtjTrng(tech, 8)
    assert sobol.area_um2 > lfsr.area_um2
    assert trng.step_energy_fj >= 8 * tech.mtj_trng.energy_fj_per_bit
    assert lfsr.random_bits_per_step == sobol.random_bits_per_step == trng.random_bits_per_step == 8


def test_mapping_helpers() -> None:
    assert [next_pow2(v) for v in (1, 2, 3, 27, 64, 65)] == [1, 2, 4, 32, 64, 128]
    assert neurons_per_row(27, 256) == 8  # 32-wide aligned segments
    assert neurons_per_row(784, 256) == 1
    assert neurons_per_row(200, 300) == 1  # one 256 segment fits
    assert slices(784, 256) == 4 and slices(256, 256) == 1
