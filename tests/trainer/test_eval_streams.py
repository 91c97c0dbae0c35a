"""Evaluation streams are keyed: a design's accuracy at N does not depend on which other N are
evaluated beside it (issue: `evaluate --eval-lengths` changed the accuracy at N = 1).

The ideal source draws each dyadic block of a stream ([0, 1), [1, 2), [2, 4), ...), each tail
[P, N) and each bit-plane from its own generator (`trainer.sng.KeyedGenerators`), so the draws
of one N are the same whatever else is drawn, batch after batch; the counts must still be
exactly Binomial(N, x), and nested on the powers of two.
"""

import numpy as np
import pytest
import torch
from scipy.stats import binom, chisquare

from tests.trainer.test_training import _config, _datamodule
from trainer.evaluate import evaluate_module
from trainer.fit import fit
from trainer.module import SCBNNModule
from trainer.sng import IdealSNG, KeyedGenerators

FALSE_ALARM_RATE = 1e-3


def _batches(seed=0, count=3, shape=(64, 1, 6, 6)):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, shape, generator=generator) for _ in range(count)]


def _counts_by_length(lengths, batches, seed=7):
    """{N: [counts of batch 0, batch 1, ...]} drawn as an evaluation would, batch by batch."""
    sng, source = IdealSNG(), KeyedGenerators(seed)
    out: dict[int, list[torch.Tensor]] = {n: [] for n in lengths}
    for pixels in batches:
        for n, counts in zip(lengths, sng.counts(pixels, lengths, source), strict=True):
            out[n].append(counts)
    return out


@pytest.mark.parametrize("other", [[1, 64], [1, 3, 64], [1, 2, 4, 8, 16, 32, 64], [1, 5, 9, 64]])
def test_counts_at_n_do_not_depend_on_the_other_lengths(other):
    batches = _batches()
    alone = {n: _counts_by_length([n], batches)[n] for n in (1, 64)}
    together = _counts_by_length(other, batches)
    for n in (1, 64):
        for a, b in zip(alone[n], together[n], strict=True):
            assert torch.equal(a, b)
    assert not torch.equal(together[1][0], together[1][1])  # batches draw afresh


def test_a_tail_length_is_the_same_with_or_without_its_neighbours():
    batches = _batches()
    assert all(torch.equal(a, b) for a, b in zip(
        _counts_by_length([20], batches)[20], _counts_by_length([3, 17, 20, 40], batches)[20],
        strict=True))


def test_counts_on_the_powers_of_two_are_nested():
    counts = _counts_by_length([1, 2, 4, 8, 16, 32, 64], _batches(count=1))
    previous, previous_n = torch.zeros_like(counts[1][0]), 0
    for n in (1, 2, 4, 8, 16, 32, 64):
        increment = counts[n][0] - previous
        assert increment.min() >= 0 and increment.max() <= n - previous_n
        previous, previous_n = counts[n][0], n


@pytest.mark.parametrize("length", [1, 3, 8, 20, 64])
def test_keyed_counts_are_binomial(length):
    """Pixels of one value: the counts over many positions follow Binomial(N, p / 255)."""
    value = 77
    pixels = torch.full((400, 1, 10, 10), value)
    counts = IdealSNG().counts(pixels, [1, length] if length > 1 else [1],
                               KeyedGenerators(3))[-1].flatten().numpy()
    k = np.arange(length + 1)
    expected = binom.pmf(k, length, value / 255) * counts.size
    observed = np.bincount(counts.astype(int), minlength=length + 1)
    keep = expected >= 5  # chi-square needs populated cells: pool the tails
    observed = np.append(observed[keep], observed[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if expected[-1] == 0:
        observed, expected = observed[:-1], expected[:-1]
    assert chisquare(observed, expected).pvalue > FALSE_ALARM_RATE


def test_planes_are_a_prefix_whatever_the_length():
    sng, batches = IdealSNG(), _batches(count=2)
    short, long = KeyedGenerators(5), KeyedGenerators(5)
    for pixels in batches:
        assert torch.equal(sng.stream(pixels, 8, short), sng.stream(pixels, 64, long)[:8])


@pytest.mark.parametrize("merge_point", ["first_layer", "output"])
def test_evaluated_accuracy_at_n_is_independent_of_the_other_lengths(tmp_path, merge_point):
    config = _config(tmp_path, merge_point=merge_point, sng={"kind": "ideal"})
    datamodule = _datamodule()
    result = fit(config, datamodule)
    accuracies = {}
    for lengths in ([1, 32], [1, 2, 4, 8, 16, 32], [1, 3, 32], [1, 8]):
        module = SCBNNModule.from_checkpoint(result.checkpoint_path)
        module.set_eval_lengths(lengths)
        accuracies[tuple(lengths)] = evaluate_module(module, datamodule, "test").accuracy
    for n in (1, 32):
        seen = {values[n] for values in accuracies.values() if n in values}
        assert len(seen) == 1, (n, accuracies)
    assert accuracies[(1, 32)][1] == result.test_accuracy[1]  # what `fit` reported
