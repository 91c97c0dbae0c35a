"""The stochastic comparator: the identity proven in rtl.sc_comparator, exhaustively."""

from __future__ import annotations

import numpy as np
import pytest

from rtl.sc_comparator import ScComparatorSpec, identity_bits, reference_bits
from rtl.simulate import evaluate
from rtl.verilog import structure


@pytest.mark.parametrize("pixel_bits", [8, 4, 10])
def test_identity_equals_trainer_comparison_for_every_pixel_and_word(pixel_bits: int) -> None:
    pixels = np.arange(1 << pixel_bits)[:, None]
    for k in range(1, 17 if pixel_bits == 8 else 13):
        words = np.arange(1 << k)[None, :]
        expected = reference_bits(pixels, words, k, pixel_bits)
        assert np.array_equal(identity_bits(pixels, words, k, pixel_bits), expected), k
        # both outcomes occur, so equality is not vacuous
        assert expected.any() and not expected.all()


def test_reference_is_the_trainer_formula() -> None:
    # DeterministicSNG.stream: words * 255 < pixels * 2**bits, spelled out for a few cases
    assert reference_bits(0, 0, 8)[()] == 0  # p = 0 never fires
    assert reference_bits(255, 255, 8)[()] == 1  # p = 255 always fires
    assert reference_bits(1, 1, 8)[()] == 1 and reference_bits(1, 2, 8)[()] == 0
    # k = 3, w = 7 (u = 7/8): fires from p = 224 (224/255 > 7/8 > 223/255)
    assert reference_bits(224, 7, 3)[()] == 1 and reference_bits(223, 7, 3)[()] == 0


def test_k8_circuit_is_p_nonzero_and_word_at_most_p() -> None:
    p, w = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    assert np.array_equal(reference_bits(p, w, 8), (p != 0) & (w <= p))


def _simulate(spec: ScComparatorSpec, pixels: np.ndarray, words: np.ndarray) -> np.ndarray:
    vectors = [{"pixel": int(p), "word": int(w)} for p, w in zip(pixels, words, strict=True)]
    return np.array([row["stream_bit"] for row in evaluate(spec, vectors)], dtype=bool)


def test_circuit_k8_exhaustive() -> None:
    p, w = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    got = _simulate(ScComparatorSpec(comparator_bits=8), p.ravel(), w.ravel())
    assert np.array_equal(got, reference_bits(p.ravel(), w.ravel(), 8))


@pytest.mark.parametrize("k", [3, 5])
def test_circuit_short_words_exhaustive(k: int) -> None:
    p, w = np.meshgrid(np.arange(256), np.arange(1 << k), indexing="ij")
    got = _simulate(ScComparatorSpec(comparator_bits=k), p.ravel(), w.ravel())
    assert np.array_equal(got, reference_bits(p.ravel(), w.ravel(), k))


def test_circuit_long_words_every_word() -> None:
    k = 10
    rng = np.random.default_rng(10)
    chosen = np.unique(np.concatenate([[0, 1, 2, 127, 128, 254, 255], rng.integers(0, 256, 9)]))
    p, w = np.meshgrid(chosen, np.arange(1 << k), indexing="ij")
    got = _simulate(ScComparatorSpec(comparator_bits=k), p.ravel(), w.ravel())
    assert np.array_equal(got, reference_bits(p.ravel(), w.ravel(), k))


def test_k8_comparator_is_eight_slices() -> None:
    # the B-bit chain with a computed carry-in: 8 majority slices, nothing wider
    assert structure(ScComparatorSpec(comparator_bits=8)).comparator_slices == 8
    assert structure(ScComparatorSpec(comparator_bits=4)).comparator_slices == 4
