"""The SNG banks' simulated streams equal the trainer's, bit for bit.

Parameters (seeds, wiring, direction numbers) are read from the trainer's own objects, so
these tests fail when the trainer's LFSR or Sobol path changes and the RTL does not follow.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rtl.lfsr_sng import LfsrSngSpec
from rtl.simulate import sng_stream
from rtl.sobol_sng import SobolSngSpec
from trainer.sng import LFSRSNG, SobolSNG

LENGTH = 300


def _pixels(positions: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, positions)
    pixels[:4] = [0, 255, 1, 254][: min(4, positions)]
    return pixels


def _trainer_stream(sng, pixels: np.ndarray, length: int) -> np.ndarray:
    return sng.stream(torch.from_numpy(pixels)[None], length)[:, 0].numpy()


def lfsr_spec(sng: LFSRSNG, positions: int, **changes) -> LfsrSngSpec:
    fields = {
        "width_bits": sng.width,
        "taps": sng.taps,
        "seeds": tuple(int(s) for s in sng.group_seeds(sng.num_groups(positions))),
        "sharing": sng.sharing,
        "wiring": tuple(tuple(int(b) for b in row) for row in sng.wiring),
        "comparator_bits": sng.bits,
        "positions": positions,
    }
    return LfsrSngSpec(**(fields | changes))


@pytest.mark.parametrize(
    ("width", "sharing", "bits", "positions", "seed"),
    [(8, 1, 8, 6, 1), (16, 4, 8, 12, 7), (12, 3, 5, 9, 2), (10, 2, 10, 6, 3)],
)
def test_lfsr_bank_matches_trainer(width, sharing, bits, positions, seed) -> None:
    sng = LFSRSNG(width=width, seed=seed, sharing=sharing, bits=bits)
    pixels = _pixels(positions, seed)
    got = sng_stream(lfsr_spec(sng, positions), pixels, LENGTH)
    expected = _trainer_stream(sng, pixels, LENGTH)
    assert got.shape == expected.shape == (LENGTH, positions)
    assert np.array_equal(got, expected)
    assert 0.05 < expected.mean() < 0.95  # streams of both symbols, not a constant


def test_lfsr_bank_with_a_wrong_tap_differs_from_trainer() -> None:
    sng = LFSRSNG(width=8, seed=1, sharing=2, bits=8)
    pixels = _pixels(6, 0)
    wrong = lfsr_spec(sng, 6, taps=(8, 6, 5, 3))  # the trainer uses (8, 6, 5, 4)
    expected = _trainer_stream(sng, pixels, LENGTH)
    assert not np.array_equal(sng_stream(wrong, pixels, LENGTH), expected)


def test_lfsr_bank_with_a_wrong_seed_differs_from_trainer() -> None:
    sng = LFSRSNG(width=8, seed=1, sharing=1, bits=8)
    spec = lfsr_spec(sng, 4)
    wrong = lfsr_spec(sng, 4, seeds=(spec.seeds[0] ^ 1, *spec.seeds[1:]))
    pixels = np.array([128, 128, 128, 128])
    got = sng_stream(wrong, pixels, 64)
    expected = _trainer_stream(sng, pixels, 64)
    assert not np.array_equal(got[:, 0], expected[:, 0])
    assert np.array_equal(got[:, 1:], expected[:, 1:])


def sobol_spec(
    sng: SobolSNG, positions: int, counter_bits: int, first_group: int = 0, **fields
) -> SobolSngSpec:
    """The bank for groups first_group.. of the trainer's engine (torch's tables as data)."""
    groups = sng.num_groups(positions)
    engine = torch.quasirandom.SobolEngine(
        first_group + groups, scramble=sng.scramble, seed=sng.seed
    )
    return SobolSngSpec.from_sobol_state(
        engine.sobolstate[first_group:].tolist(),
        engine.shift[first_group:].tolist(),
        comparator_bits=sng.bits,
        counter_bits=counter_bits,
        positions=positions,
        sharing=sng.sharing,
        wiring=sng.wiring.tolist(),
        **fields,
    )


@pytest.mark.parametrize(
    ("seed", "sharing", "bits", "positions", "storage"),
    [(0, 1, 8, 6, "hardwired"), (3, 2, 6, 8, "hardwired"), (5, 1, 8, 4, "registers")],
)
def test_sobol_bank_matches_trainer(seed, sharing, bits, positions, storage) -> None:
    sng = SobolSNG(seed=seed, sharing=sharing, bits=bits)
    pixels = _pixels(positions, seed)
    spec = sobol_spec(sng, positions, counter_bits=9, direction_storage=storage)
    got = sng_stream(spec, pixels, LENGTH)  # 300 > 256: the counter's 9th bit is used
    expected = _trainer_stream(sng, pixels, LENGTH)
    assert np.array_equal(got, expected)
    assert 0.05 < expected.mean() < 0.95


def test_sobol_bank_with_a_wrong_direction_number_differs_from_trainer() -> None:
    sng = SobolSNG(seed=0, sharing=1, bits=8)
    spec = sobol_spec(sng, 4, counter_bits=9)
    directions = list(spec.directions)
    directions[2] = (directions[2][0], directions[2][1] ^ 0x10, *directions[2][2:])
    wrong = spec.model_copy(update={"directions": tuple(directions)})
    pixels = np.array([100, 100, 100, 100])
    got = sng_stream(wrong, pixels, 64)
    expected = _trainer_stream(sng, pixels, 64)
    assert not np.array_equal(got[:, 2], expected[:, 2])
    assert np.array_equal(got[:, [0, 1, 3]], expected[:, [0, 1, 3]])


def test_sobol_counter_covers_two_to_the_counter_bits_cycles() -> None:
    sng = SobolSNG(seed=0, sharing=1, bits=8)
    pixels = _pixels(6, 4)
    got = sng_stream(sobol_spec(sng, 6, counter_bits=8), pixels, LENGTH)
    expected = _trainer_stream(sng, pixels, LENGTH)
    assert np.array_equal(got[:256], expected[:256])
    assert not np.array_equal(got[256:], expected[256:])  # v_8 is missing from then on


def test_sobol_first_point_rounding_of_torch_is_reproduced() -> None:
    # torch returns the first Sobol point in float32: for seed 1, dimension 13021 the k = 8
    # word at cycle 0 is one more than the top bits of the exact shift.
    sng = SobolSNG(seed=1, sharing=1, bits=8)
    first, positions = 13018, 6
    spec = sobol_spec(sng, positions, counter_bits=9, first_group=first)
    affected = 13021 - first
    assert spec.first_words[affected] == spec.shifts[affected] + 1
    others = [i for i in range(positions) if i != affected]
    assert [spec.first_words[i] for i in others] == [spec.shifts[i] for i in others]

    # p = 173 fires for the exact word 173 but not for torch's 174: the edge that shows it
    pixels = np.zeros(first + positions, dtype=np.int64)
    pixels[first:] = spec.shifts[affected]
    expected = _trainer_stream(sng, pixels, 40)[:, first:]
    got = sng_stream(spec, pixels[first:], 40)
    assert np.array_equal(got, expected)
    uncorrected = spec.model_copy(update={"first_words": None})
    assert not np.array_equal(sng_stream(uncorrected, pixels[first:], 40), expected)
