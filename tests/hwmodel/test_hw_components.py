"""Component formulas against plain, explicit constructions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwmodel import Generator, PopcountCircuit
from hwmodel.components import (
    bit_length,
    compressor_tree_full_adders,
    ripple_tree_full_adders,
)
from hwmodel.kinds import Column
from hwmodel.plan import neurons_per_row, next_pow2


def plain_ripple_tree(n_inputs: int, input_bits: int) -> int:
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


def dadda_tree(n_inputs: int, input_bits: int) -> tuple[int, int]:
    """Dadda's reduction of a dot matrix (Dadda 1965), then a ripple carry-propagate adder:
    (full adders, half adders). Columns are reduced stage by stage to heights 13, 9, 6, 4, 3,
    2 with as few counters as reach each height."""
    heights = [n_inputs] * input_bits
    full = half = 0
    limits = [2]
    while limits[-1] < max(heights):
        limits.append(math.floor(1.5 * limits[-1]))
    for target in reversed(limits[:-1]):
        reduced, carry = [], 0
        for height in heights:
            height, carry = height + carry, 0
            while height > target:
                if height - target >= 2:
                    full, height = full + 1, height - 2
                else:
                    half, height = half + 1, height - 1
                carry += 1
            reduced.append(height)
        heights = [*reduced, carry] if carry else reduced
    carry = 0
    for height in heights:  # the final adder of the two remaining rows
        total = height + carry
        full, half = full + (total == 3), half + (total == 2)
        carry = int(total >= 2)
    return full, half


@pytest.mark.parametrize("width", [1, 2, 3, 5, 7, 8, 100, 255, 256, 300, 1024])
@pytest.mark.parametrize("bits", [1, 4, 9])
def test_ripple_tree_matches_plain_count(width: int, bits: int) -> None:
    assert ripple_tree_full_adders(width, bits) == plain_ripple_tree(width, bits)


def test_popcount_of_power_of_two_follows_level_formula() -> None:
    for w in (2, 16, 256, 4096):  # level l has w / 2^(l+1) adders of (l+1) bits
        levels = int(math.log2(w))
        expected = sum(w // 2 ** (level + 1) * (level + 1) for level in range(levels))
        assert ripple_tree_full_adders(w, 1) == expected
    assert ripple_tree_full_adders(256, 1) == 502


@pytest.mark.parametrize("width", [8, 27, 100, 256, 300, 784, 1024])
@pytest.mark.parametrize("bits", [1, 9])
def test_compressor_tree_is_a_dadda_tree(width: int, bits: int) -> None:
    """One full adder per bit removed from the matrix: Dadda's count, within one adder (its
    last carry may open a column the sum never needs); its half adders are not counted."""
    full, half = dadda_tree(width, bits)
    assert abs(compressor_tree_full_adders(width, bits) - full) <= 1
    assert half <= 4 * bit_length(width * (2**bits - 1))
    assert compressor_tree_full_adders(256, 1) == dadda_tree(256, 1)[0] == 247


def test_compressor_tree_halves_a_wide_popcount() -> None:
    ratio = ripple_tree_full_adders(1024, 1) / compressor_tree_full_adders(1024, 1)
    assert 1.8 < ratio < 2.2  # "they differ by ~2x in full adders for wide inputs"


def test_trees_are_vectorised() -> None:
    widths, bits = np.array([3, 8, 256, 300]), np.array([1, 2, 9, 1])
    for circuit in PopcountCircuit.registry.values():
        assert list(circuit.full_adders(widths, bits)) == [
            circuit.full_adders(int(w), int(b)) for w, b in zip(widths, bits, strict=True)]


def test_bit_length_matches_python() -> None:
    values = np.array([0, 1, 2, 3, 4, 255, 256, 784 * 255, 2**40 - 1, 2**40])
    assert list(bit_length(values)) == [int(v).bit_length() for v in values]


def test_generators(tech) -> None:
    lfsr, sobol, trng = (Generator.get(name) for name in ("lfsr", "sobol", "mtj_trng"))
    assert sobol.area_um2(tech, 8, 16) > lfsr.area_um2(tech, 8, 16)
    assert lfsr.area_um2(tech, 8, 32) > lfsr.area_um2(tech, 8, 16)  # wider register
    assert trng.step_energy_fj(tech, 8, 16) >= 8 * tech.mtj_trng.energy_fj_per_bit
    assert lfsr.deterministic and sobol.deterministic and not trng.deterministic


def test_kind_columns_dispatch_per_design() -> None:
    names = np.array(["compressor_tree", "ripple_tree", "compressor_tree"])
    column = Column(PopcountCircuit, names)
    got = column.select(lambda circuit: circuit.full_adders(256, 1))
    assert list(got) == [247, 502, 247]
    assert list(column.any(lambda circuit: circuit.name == "ripple_tree")) == [0, 1, 0]
    with pytest.raises(ValueError, match="unknown popcount circuit 'wallace'"):
        PopcountCircuit.get("wallace")


def test_mapping_helpers() -> None:
    assert list(next_pow2(np.array([1, 2, 3, 27, 64, 65]))) == [1, 2, 4, 32, 64, 128]
    assert neurons_per_row(27, 256) == 8  # 32-wide aligned segments
    assert neurons_per_row(784, 256) == 1
    assert neurons_per_row(200, 300) == 1  # one 256 segment fits
