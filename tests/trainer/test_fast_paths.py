"""The fast paths against the naive cycle-by-cycle reference.

Deterministic generators (LFSR, Sobol) must agree exactly. The ideal source is random, so
its fast path must agree in distribution: each check is a chi-square test of homogeneity
at a false-alarm rate of 1e-3 (seeded, so a given run is repeatable). The fast paths run on
every device of `tests.devices` (the CUDA ones under `pytest -m gpu`); the reference runs on
the CPU. Class scores from a GPU equal the CPU's up to float rounding in batch norm (the
popcounts themselves are integers, exact on both).
"""

import copy

import numpy as np
import pytest
import torch
from scipy.stats import binom, chi2_contingency, chisquare

from tests.devices import DEVICES
from trainer.encoding import StochasticEncoding
from trainer.inference import class_scores
from trainer.models import binary_mlp, binary_vgg
from trainer.reference import reference_planes, reference_scores
from trainer.sng import LFSRSNG, IdealSNG, SobolSNG

FALSE_ALARM_RATE = 1e-3
LENGTHS = [1, 3, 8, 20]  # non-powers of two on purpose


def _on(network, device):
    return network if device == "cpu" else copy.deepcopy(network).to(device)


def _assert_scores_equal(fast: torch.Tensor, reference: torch.Tensor, device: str) -> None:
    tolerance = 0.0 if device == "cpu" else 1e-5
    torch.testing.assert_close(fast.cpu(), reference, rtol=0.0, atol=tolerance)


def _trained_like(network):
    """Give batch norm non-trivial statistics, then switch to inference."""
    torch.manual_seed(0)
    network.train()
    with torch.no_grad():
        for _ in range(3):
            network(torch.randn(64, *network.input_shape) * 0.5)
    return network.eval()


@pytest.fixture(scope="module")
def mlp():
    network = binary_mlp((1, 8, 8), [48, 32], 10)
    network.input_shape = (1, 8, 8)
    return _trained_like(network)


@pytest.fixture(scope="module")
def vgg():
    network = binary_vgg((3, 8, 8), [8, 8, 16], 2, [16], 10)
    network.input_shape = (3, 8, 8)
    return _trained_like(network)


DETERMINISTIC = [
    LFSRSNG(width=8, seed=3, sharing=1),
    LFSRSNG(width=16, seed=1, sharing=3),
    SobolSNG(seed=2, sharing=1),
    SobolSNG(seed=5, sharing=4),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("sng", DETERMINISTIC, ids=lambda s: f"{s.kind}-share{s.sharing}")
def test_deterministic_counts_equal_reference_planes(sng, device):
    pixels = torch.randint(0, 256, (4, 1, 8, 8), dtype=torch.uint8)
    planes = torch.stack(reference_planes(sng, pixels, LENGTHS[-1]))
    counts = sng.counts(pixels.to(device), LENGTHS).cpu()
    for level, length in enumerate(LENGTHS):
        assert torch.equal(counts[level], planes[:length].sum(0))
    assert torch.equal(sng.stream(pixels.to(device), LENGTHS[-1]).cpu(), planes)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("merge", ["first_layer", "output"])
@pytest.mark.parametrize("sng", DETERMINISTIC, ids=lambda s: f"{s.kind}-share{s.sharing}")
def test_deterministic_scores_equal_reference_exactly(mlp, sng, merge, device):
    pixels = torch.randint(0, 256, (6, 1, 8, 8), dtype=torch.uint8)
    encoding = StochasticEncoding(sng, merge)
    with torch.no_grad():
        fast = class_scores(_on(mlp, device), encoding, pixels.to(device), LENGTHS,
                            plane_chunk=4)
    for level, length in enumerate(LENGTHS):
        _assert_scores_equal(fast[level], reference_scores(mlp, encoding, pixels, length), device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("merge", ["first_layer", "output"])
def test_conv_network_scores_equal_reference_exactly(vgg, merge, device):
    pixels = torch.randint(0, 256, (3, 3, 8, 8), dtype=torch.uint8)
    encoding = StochasticEncoding(LFSRSNG(seed=9, sharing=2), merge)
    with torch.no_grad():
        fast = class_scores(_on(vgg, device), encoding, pixels.to(device), [5, 16])
    _assert_scores_equal(fast[1], reference_scores(vgg, encoding, pixels, 16), device)


def _histogram(values: torch.Tensor, bins: int) -> np.ndarray:
    return np.bincount(values.flatten().numpy(), minlength=bins)


def _homogeneous(first: np.ndarray, second: np.ndarray) -> bool:
    keep = (first + second) > 0
    _, p_value, _, _ = chi2_contingency(np.stack([first[keep], second[keep]]))
    return p_value > FALSE_ALARM_RATE


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("length", [1, 5, 16, 64])
@pytest.mark.parametrize("level", [3, 77, 128, 250])
def test_ideal_counts_match_reference_in_distribution(length, level, device):
    pixels = torch.full((4000, 1), level, dtype=torch.uint8)
    fast = IdealSNG().counts(pixels.to(device), [length],
                             torch.Generator(device).manual_seed(1))[0].cpu()
    planes = reference_planes(IdealSNG(), pixels, length, torch.Generator().manual_seed(2))
    naive = torch.stack(planes).sum(0)
    assert _homogeneous(_histogram(fast, length + 1), _histogram(naive, length + 1))


@pytest.mark.parametrize("device", DEVICES)
def test_ideal_counts_follow_the_binomial_law(device):
    length, level = 24, 100
    pixels = torch.full((20000, 1), level, dtype=torch.uint8, device=device)
    counts = IdealSNG().counts(pixels, [length], torch.Generator(device).manual_seed(3))[0].cpu()
    expected = binom.pmf(np.arange(length + 1), length, level / 255) * counts.numel()
    observed = _histogram(counts, length + 1)
    keep = expected > 5  # the usual validity condition of the chi-square test
    scale = observed[keep].sum() / expected[keep].sum()
    assert chisquare(observed[keep], expected[keep] * scale).pvalue > FALSE_ALARM_RATE


@pytest.mark.parametrize("device", DEVICES)
def test_ideal_prefix_increments_are_independent_binomials(device):
    pixels = torch.full((20000, 1), 60, dtype=torch.uint8, device=device)
    counts = IdealSNG().counts(pixels, [4, 12], torch.Generator(device).manual_seed(4)).cpu()
    first, increment = counts[0].flatten(), (counts[1] - counts[0]).flatten()
    table = np.zeros((5, 9))
    np.add.at(table, (first.numpy(), increment.numpy()), 1)
    table = table[table.sum(1) > 0][:, table.sum(0) > 0]
    _, p_value, _, _ = chi2_contingency(table)
    assert p_value > FALSE_ALARM_RATE  # no dependence between prefix and increment


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("merge", ["first_layer", "output"])
def test_ideal_scores_match_reference_in_distribution(mlp, merge, device):
    # one image repeated: every row is an independent SC inference of the same input
    seeded = torch.Generator().manual_seed(5)
    image = torch.randint(0, 256, (1, 1, 8, 8), dtype=torch.uint8, generator=seeded)
    pixels = image.repeat(3000, 1, 1, 1)
    encoding = StochasticEncoding(IdealSNG(), merge)
    with torch.no_grad():
        fast = class_scores(_on(mlp, device), encoding, pixels.to(device), [4],
                            torch.Generator(device).manual_seed(6))[0].cpu()
    naive = reference_scores(mlp, encoding, pixels, 4, torch.Generator().manual_seed(7))
    classes = mlp.num_classes
    fast_votes = _histogram(fast.argmax(1), classes)
    naive_votes = _histogram(naive.argmax(1), classes)
    assert (fast_votes > 0).sum() >= 2, "the test needs an input whose decision is uncertain"
    assert _homogeneous(fast_votes, naive_votes)
    # and a continuous summary: the mean score vector agrees within sampling error
    spread = torch.cat([fast, naive]).std(0) / np.sqrt(len(fast))
    assert torch.all((fast.mean(0) - naive.mean(0)).abs() < 5 * np.sqrt(2) * spread + 1e-6)


def test_the_ideal_check_detects_a_biased_fast_path():
    """The distributional test has power: a 3% bias in x is caught."""
    pixels = torch.full((4000, 1), 128, dtype=torch.uint8)
    biased = torch.full((4000, 1), 136, dtype=torch.uint8)
    fast = IdealSNG().counts(biased, [64], torch.Generator().manual_seed(1))[0]
    planes = reference_planes(IdealSNG(), pixels, 64, torch.Generator().manual_seed(2))
    naive = torch.stack(planes).sum(0)
    assert not _homogeneous(_histogram(fast, 65), _histogram(naive, 65))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("sng", DETERMINISTIC[:3], ids=lambda s: f"{s.kind}-share{s.sharing}")
def test_a_stream_started_later_is_the_tail_of_the_full_stream(sng, device):
    pixels = torch.randint(0, 256, (2, 1, 8, 8), dtype=torch.uint8, device=device)
    full = sng.stream(pixels, 24)
    assert torch.equal(sng.stream(pixels, 4, start=11), full[11:15])
