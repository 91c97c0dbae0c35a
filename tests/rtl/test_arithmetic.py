"""Popcounts, multi-bit trees, accumulators and threshold comparators against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from hwmodel import PopcountCircuit
from rtl.accumulator import AccumulatorSpec
from rtl.adder_tree import MultiBitAdderTreeSpec
from rtl.popcount import PopcountSpec
from rtl.simulate import accumulate, evaluate, pack, to_signed
from rtl.threshold import ThresholdSpec
from rtl.verilog import structure

VECTORS = 120
CIRCUITS = ["ripple_tree", "compressor_tree"]


@pytest.mark.parametrize("circuit", CIRCUITS)
@pytest.mark.parametrize("inputs", [1, 3, 7, 16, 37])
@pytest.mark.parametrize("xnor_lane", [False, True])
def test_popcount(circuit: str, inputs: int, xnor_lane: bool) -> None:
    rng = np.random.default_rng(inputs)
    # random vectors plus the extremes (all zeros, all ones)
    x = np.vstack([rng.integers(0, 2, (VECTORS, inputs)), np.zeros(inputs), np.ones(inputs)])
    w = rng.integers(0, 2, x.shape)
    spec = PopcountSpec(inputs=inputs, circuit=circuit, xnor_lane=xnor_lane)
    vectors = [
        {"inputs": pack(a, 1), **({"weights": pack(b, 1)} if xnor_lane else {})}
        for a, b in zip(x, w, strict=True)
    ]
    got = np.array([row["count"] for row in evaluate(spec, vectors)])
    expected = (x == w).sum(1) if xnor_lane else x.sum(1)
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("circuit", CIRCUITS)
@pytest.mark.parametrize(("operands", "operand_bits"), [(1, 3), (5, 4), (8, 9), (13, 5)])
def test_multibit_tree_signed_operands(circuit: str, operands: int, operand_bits: int) -> None:
    rng = np.random.default_rng(operands * 100 + operand_bits)
    low, high = -(1 << (operand_bits - 1)), 1 << (operand_bits - 1)
    extremes = [np.full(operands, low), np.full(operands, high - 1)]
    values = np.vstack([rng.integers(low, high, (VECTORS, operands)), *extremes])
    spec = MultiBitAdderTreeSpec(operands=operands, operand_bits=operand_bits, circuit=circuit)
    rows = evaluate(spec, [{"operands": pack(v, operand_bits)} for v in values])
    got = np.array([to_signed(row["total"], spec.output_bits) for row in rows])
    assert np.array_equal(got, values.sum(1))


@pytest.mark.parametrize("circuit", CIRCUITS)
def test_multibit_tree_negation_lane(circuit: str) -> None:
    operands, pixel_bits = 9, 8
    rng = np.random.default_rng(9)
    pixels = rng.integers(0, 256, (VECTORS, operands))
    pixels[0], pixels[1] = 255, 0
    negate = rng.integers(0, 2, pixels.shape)
    negate[0] = 1
    spec = MultiBitAdderTreeSpec(
        operands=operands, operand_bits=pixel_bits + 1, circuit=circuit, negation_lane=True
    )
    vectors = [
        {"pixels": pack(p, pixel_bits), "negate": pack(n, 1)}
        for p, n in zip(pixels, negate, strict=True)
    ]
    got = np.array([to_signed(row["total"], spec.output_bits) for row in evaluate(spec, vectors)])
    # the lane forms -p - 1 for a negated pixel; the +1 per negated lane folds into the threshold
    signed = np.where(negate == 1, -pixels, pixels)
    assert np.array_equal(got + negate.sum(1), signed.sum(1))


@pytest.mark.parametrize(
    ("bits", "addend_bits", "signed"), [(12, 5, False), (10, 10, True), (9, 4, True)]
)
def test_accumulator(bits: int, addend_bits: int, signed: bool) -> None:
    rng = np.random.default_rng(bits)
    steps = 200
    clear = (rng.random(steps) < 0.08).astype(int)
    enable = (rng.random(steps) < 0.8).astype(int)
    half = 1 << (addend_bits - 1)
    low, high = (-half, half) if signed else (0, 2 * half)
    addends = rng.integers(low, high, steps)
    addends[:20] = high - 1  # long runs of the largest addend wrap the register
    spec = AccumulatorSpec(accumulator_bits=bits, addend_bits=addend_bits, signed=signed)
    got = accumulate(spec, list(zip(clear, enable, addends, strict=True)))
    expected, value = [], 0
    for c, e, a in zip(clear, enable, addends, strict=True):
        value = ((0 if c else value) + (int(a) if e else 0)) % (1 << bits)
        expected.append(value)
    assert got == expected
    assert len(set(got)) > 20


@pytest.mark.parametrize(("bits", "signed"), [(7, False), (13, False), (9, True), (19, True)])
def test_threshold_comparator(bits: int, signed: bool) -> None:
    rng = np.random.default_rng(bits)
    low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    counts = rng.integers(low, high, VECTORS * 2)
    thresholds = rng.integers(low, high, VECTORS * 2)
    thresholds[:40] = counts[:40] + rng.integers(-1, 2, 40)  # equality and its neighbours
    thresholds = np.clip(thresholds, low, high - 1)
    spec = ThresholdSpec(count_bits=bits, signed=signed)
    vectors = [
        {"count": int(c) & ((1 << bits) - 1), "threshold": int(t) & ((1 << bits) - 1)}
        for c, t in zip(counts, thresholds, strict=True)
    ]
    got = np.array([row["fire"] for row in evaluate(spec, vectors)], dtype=bool)
    expected = counts >= thresholds
    assert np.array_equal(got, expected)
    assert expected.any() and not expected.all()


# Structure: what is built against the hardware model's counts ------------------------------


def _built(tally) -> tuple[int, int]:
    """(full, half) adders of a built circuit; a top slice with no carry out is a half."""
    return tally.full_adders, tally.half_adders + tally.sum_only


@pytest.mark.parametrize("inputs", [2, 3, 5, 16, 17, 64, 100, 256])
@pytest.mark.parametrize("circuit", ["ripple_tree", "compressor_tree"])
def test_popcount_is_the_model_count(inputs: int, circuit: str) -> None:
    tally = structure(PopcountSpec(inputs=inputs, circuit=circuit))
    assert _built(tally) == PopcountCircuit.get(circuit).adders(inputs, 1)
    if circuit == "ripple_tree" and inputs & (inputs - 1) == 0:
        assert tally.half_adders == inputs - 1  # one per adder: its carry-less bit 0


@pytest.mark.parametrize(("operands", "operand_bits"), [(8, 9), (16, 5), (64, 9)])
def test_compressor_multibit_tree_has_the_model_full_adders(operands, operand_bits) -> None:
    """Every 3:2 counter removes one bit: the signed tree's full adders are the model's; its
    constant sign-correction bits change a few half adders only."""
    spec = MultiBitAdderTreeSpec(
        operands=operands, operand_bits=operand_bits, circuit="compressor_tree"
    )
    full, half = _built(structure(spec))
    model_full, model_half = PopcountCircuit.get("compressor_tree").adders(operands, operand_bits)
    assert full == model_full == operands * operand_bits - spec.output_bits
    assert abs(half - model_half) <= operand_bits


def test_a_compressor_popcount_keeps_the_full_adders_and_drops_most_half_adders() -> None:
    ripple = _built(structure(PopcountSpec(inputs=256)))
    compressor = _built(structure(PopcountSpec(inputs=256, circuit="compressor_tree")))
    assert compressor[0] == ripple[0] == 247
    assert compressor[1] == 20 and ripple[1] == 255
