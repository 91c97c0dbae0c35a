"""Component formulas against plain, explicit constructions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwmodel import Generator, PopcountCircuit
from hwmodel.components import (
    bit_length,
    compressor_tree_adders,
    ripple_tree_adders,
    ripple_tree_slices,
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


@pytest.mark.parametrize("width", [1, 2, 3, 5, 7, 8, 100, 255, 256, 300, 1024])
@pytest.mark.parametrize("bits", [1, 4, 9])
def test_ripple_tree_matches_plain_count(width: int, bits: int) -> None:
    assert ripple_tree_slices(width, bits) == plain_ripple_tree(width, bits)


def test_popcount_of_power_of_two_follows_level_formula() -> None:
    for w in (2, 16, 256, 4096):  # level l has w / 2^(l+1) adders of (l+1) bits
        levels = int(math.log2(w))
        expected = sum(w // 2 ** (level + 1) * (level + 1) for level in range(levels))
        assert ripple_tree_slices(w, 1) == expected
    assert ripple_tree_slices(256, 1) == 502


def test_ripple_slices_split_into_one_half_adder_per_adder() -> None:
    full, half = ripple_tree_adders(256, 1)
    assert (full, half) == (247, 255) and full + half == ripple_tree_slices(256, 1)


@pytest.mark.parametrize("width", [8, 27, 100, 256, 300, 784, 1024])
@pytest.mark.parametrize("bits", [1, 9])
def test_compressor_tree_removes_one_bit_per_full_adder(width: int, bits: int) -> None:
    """Every 3:2 counter turns three bits into two: about w b - bit_length(w (2^b - 1)) of
    them (within one: the last carry may open a column the sum never needs), few halves."""
    full, half = compressor_tree_adders(width, bits)
    assert abs(full - (width * bits - bit_length(width * (2**bits - 1)))) <= 1
    assert half <= 4 * bit_length(width * (2**bits - 1))
    assert compressor_tree_adders(256, 1) == (247, 20)


def test_a_compressor_tree_saves_the_ripple_trees_half_adders() -> None:
    ripple, compressor = ripple_tree_adders(1024, 1), compressor_tree_adders(1024, 1)
    assert compressor[0] == ripple[0]  # as many full adders
    assert compressor[1] < ripple[1] / 20  # a few half adders instead of one per adder


def test_trees_are_vectorised() -> None:
    widths, bits = np.array([3, 8, 256, 300, 8]), np.array([1, 2, 9, 1, 2])
    for circuit in PopcountCircuit.registry.values():
        full, half = circuit.adders(widths, bits)
        expected = [circuit.adders(int(w), int(b)) for w, b in zip(widths, bits, strict=True)]
        assert list(zip(full, half, strict=True)) == expected


def test_bit_length_matches_python() -> None:
    values = np.array([0, 1, 2, 3, 4, 255, 256, 784 * 255, 2**40 - 1, 2**40])
    assert list(bit_length(values)) == [int(v).bit_length() for v in values]


def test_generators(tech) -> None:
    lfsr, sobol, trng = (Generator.get(name) for name in ("lfsr", "sobol", "mtj_trng"))
    # hardwired Sobol: a k-bit state and ~k^2/2 select gates; an LFSR: its whole register
    assert sobol.area_um2(tech, 16, 16) > 2 * sobol.area_um2(tech, 8, 16)
    assert lfsr.area_um2(tech, 8, 8) < sobol.area_um2(tech, 8, 16) < lfsr.area_um2(tech, 8, 16)
    assert sobol.bank_primitives(8).flip_flops == 8 and lfsr.bank_primitives(8).flip_flops == 0
    assert lfsr.area_um2(tech, 8, 32) > lfsr.area_um2(tech, 8, 16)  # wider register
    assert trng.step_energy_fj(tech, 8, 16) >= 8 * tech.mtj_trng.energy_fj_per_bit
    assert lfsr.deterministic and sobol.deterministic and not trng.deterministic


def test_kind_columns_dispatch_per_design() -> None:
    names = np.array(["compressor_tree", "ripple_tree", "compressor_tree"])
    column = Column.of(PopcountCircuit, names)
    got = column.select(lambda circuit: sum(circuit.adders(256, 1)))
    assert list(got) == [267, 502, 267]
    assert list(column.any(lambda circuit: circuit.name == "ripple_tree")) == [0, 1, 0]
    with pytest.raises(ValueError, match="unknown popcount circuit 'wallace'"):
        PopcountCircuit.get("wallace")


def test_mapping_helpers() -> None:
    assert list(next_pow2(np.array([1, 2, 3, 27, 64, 65]))) == [1, 2, 4, 32, 64, 128]
    assert neurons_per_row(27, 256) == 8  # 32-wide aligned segments
    assert neurons_per_row(784, 256) == 1
    assert neurons_per_row(200, 300) == 1  # one 256 segment fits
