"""Statistical and structural properties of the stochastic number generators."""

import math

import numpy as np
import pytest
import torch

from trainer.lfsr import DEFAULT_TAPS, lfsr_states
from trainer.sng import LFSRSNG, IdealSNG, SobolSNG, lengths_tensor, pixel_values

ALL_LEVELS = torch.arange(256, dtype=torch.uint8).view(1, 256)


def test_ideal_stream_mean_within_binomial_error():
    generator = torch.Generator().manual_seed(0)
    n = 64
    pixels = ALL_LEVELS.repeat(40, 1)  # 40 streams per pixel value
    mean = IdealSNG().stream(pixels, n, generator).float().mean(0)
    x = pixel_values(pixels)
    sigma = torch.sqrt(x * (1 - x) / n)
    # each stream mean is within 5 sigma (false-alarm rate < 6e-7 per stream, ~6e-3 in all)
    assert torch.all((mean - x).abs() <= 5 * sigma + 1e-6)
    # and the error shrinks like 1/sqrt(N): the RMS error is about sqrt(mean x(1-x) / N)
    rms = (mean - x).pow(2).mean().sqrt().item()
    expected = math.sqrt((x * (1 - x)).mean().item() / n)
    assert 0.8 * expected < rms < 1.2 * expected


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 32, 64, 128, 256])
def test_sobol_stream_error_is_at_most_one_over_n(n):
    # every 1-D projection of a Sobol sequence is a (0, m, 1)-net: |K - N x| <= 1 for N = 2**m
    pixels = ALL_LEVELS.repeat(1, 8).view(1, 2048)  # 2048 positions: 2048 dimensions
    counts = SobolSNG(seed=3).counts(pixels, [n])[0].float()
    x = pixel_values(pixels)
    assert torch.all((counts - n * x).abs() <= 1.0 + 1e-6)


def test_sobol_beats_ideal_at_short_streams():
    pixels = ALL_LEVELS.repeat(8, 1)
    x = pixel_values(pixels)
    sobol = SobolSNG(seed=1).counts(pixels.view(1, -1), [16])[0].view_as(x) / 16
    ideal = IdealSNG().counts(pixels, [16], torch.Generator().manual_seed(1))[0] / 16
    assert (sobol - x).abs().mean() < 0.5 * (ideal - x).abs().mean()


@pytest.mark.parametrize("width", range(3, 17))
def test_lfsr_default_taps_give_maximal_period(width):
    period = (1 << width) - 1
    states = lfsr_states(np.array([1]), width, DEFAULT_TAPS[width], period + 1)[:, 0]
    assert len(set(states[:period].tolist())) == period  # every non-zero state once
    assert states[period] == states[0]  # then it repeats


def test_lfsr_non_primitive_taps_have_shorter_period():
    # x^4 + x^2 + 1 is not primitive: the period is 6, not 15
    states = lfsr_states(np.array([1]), 4, (4, 2), 16)[:, 0].tolist()
    assert states.index(1, 1) < 15


def test_lfsr_full_period_mean_matches_x():
    width = 10
    period = (1 << width) - 1
    counts = LFSRSNG(width=width, seed=5).counts(ALL_LEVELS, [period])[0].float()
    # over a period the top 8 bits take every value 4 times (0 only 3 times)
    assert torch.all((counts / period - pixel_values(ALL_LEVELS)).abs() <= 2 / 256)


def test_lfsr_is_deterministic_for_a_seed_and_differs_across_seeds():
    pixels = torch.randint(0, 256, (3, 1, 6, 6), dtype=torch.uint8)
    first = LFSRSNG(seed=7, sharing=2).stream(pixels, 32)
    again = LFSRSNG(seed=7, sharing=2).stream(pixels, 32)
    other = LFSRSNG(seed=8, sharing=2).stream(pixels, 32)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


def test_lfsr_group_seeds_are_distinct_nonzero_states():
    seeds = LFSRSNG(width=12, seed=0).group_seeds(784)
    assert len(set(seeds.tolist())) == 784
    assert seeds.min() >= 1 and seeds.max() < 1 << 12


def _scc(a: torch.Tensor, b: torch.Tensor) -> float:
    """Stochastic cross-correlation (Alaghi and Hayes, 2013): 0 independent, 1 maximal."""
    pa, pb, pab = a.mean().item(), b.mean().item(), (a * b).mean().item()
    delta = pab - pa * pb
    scale = min(pa, pb) - pa * pb if delta > 0 else pa * pb - max(pa + pb - 1, 0.0)
    return delta / scale if scale > 0 else 0.0


def _mean_pair_scc(sng, length=256) -> float:
    values = np.random.default_rng(0).integers(40, 216, size=(1, 512))
    planes = sng.stream(torch.tensor(values, dtype=torch.uint8), length)[:, 0].float()
    return float(np.mean([abs(_scc(planes[:, i], planes[:, i + 1])) for i in range(0, 512, 2)]))


@pytest.mark.parametrize("kind", [LFSRSNG, SobolSNG])
def test_sharing_a_generator_correlates_streams(kind):
    # neighbours (0, 1), (2, 3), ... share a generator when sharing=2; not when sharing=1
    separate = _mean_pair_scc(kind(seed=3, sharing=1))
    shared = _mean_pair_scc(kind(seed=3, sharing=2))
    independent = _mean_pair_scc(IdealSNG())
    assert shared > 2 * separate
    assert shared > 2 * independent
    assert separate < 0.15  # distinct generators are nearly uncorrelated


def test_counts_are_nested_prefixes_of_one_stream():
    pixels = torch.randint(0, 256, (16, 100), dtype=torch.uint8)
    counts = IdealSNG().counts(pixels, [1, 2, 4, 8], torch.Generator().manual_seed(0))
    increments = counts.diff(dim=0)
    assert torch.all(counts[0] <= 1)
    assert torch.all((increments >= 0) & (increments <= torch.tensor([1, 2, 4]).view(3, 1, 1)))


@pytest.mark.parametrize("bad", [[], [0, 4], [4, 4], [8, 4]])
def test_lengths_must_be_positive_and_increasing(bad):
    with pytest.raises(ValueError, match="increasing"):
        IdealSNG().counts(torch.zeros(1, 4, dtype=torch.uint8), bad)


def test_sobol_refuses_more_dimensions_than_it_has():
    pixels = torch.zeros(1, SobolSNG.MAX_DIMENSIONS + 1, dtype=torch.uint8)
    with pytest.raises(ValueError, match="sharing"):
        SobolSNG().counts(pixels, [4])


def test_lengths_first_asked_in_a_test_pass_serve_training():
    """The cached lengths tensor, first made inside inference mode (a test pass), still
    serves a training step after it (an inference tensor cannot be saved for backward: a
    process that tested one network and then trained another failed)."""
    lengths = (3, 5, 7, 11)  # a key no other test asks
    with torch.inference_mode():
        lengths_tensor(lengths, torch.device("cpu"))
    x = torch.ones(4, requires_grad=True)
    (x / lengths_tensor(lengths, torch.device("cpu"))).sum().backward()
    assert torch.allclose(x.grad, 1 / torch.tensor(lengths, dtype=torch.float32))
