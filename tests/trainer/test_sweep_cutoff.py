"""A sweep that stops scoring a pair (N, rate) once it cannot beat its threshold
(`SweepCutoff`): it cuts only pairs whose full measurement ends at or below their threshold
(for the mean and the low percentile over the maps), it does cut a hopeless pair part way
through the split (a whole rate, or some lengths of one while its others go on), and the
pairs it keeps count exactly what a sweep without a cutoff counts."""

import numpy as np
import pytest
import torch

from tests.trainer.test_bit_errors import _trained_like
from trainer import bit_errors
from trainer.bit_errors import SweepCutoff
from trainer.config import InputConfig
from trainer.deployed import ErrorSweepSpec, deployed_accuracy
from trainer.encoding import deployed_encoding
from trainer.error_structure import INDEPENDENT
from trainer.inference import class_scores
from trainer.models import binary_mlp
from trainer.sng import KeyedGenerators

SHAPE = (1, 8, 8)
LENGTHS = [1, 4, 16]
RATES = (1e-3, 3e-2, 0.1, 0.3)
PERCENTILE = 10.0
EXAMPLES, BATCH = 400, 50


@pytest.fixture(scope="module")
def setting():
    network = _trained_like(binary_mlp(SHAPE, [48, 32], 10), SHAPE)
    encoding = deployed_encoding(InputConfig.model_validate(
        {"mode": "sc", "length": 16, "merge_point": "first_layer", "sng": {"kind": "ideal"}}))
    generator = torch.Generator().manual_seed(3)
    pixels = torch.randint(0, 256, (EXAMPLES, *SHAPE), generator=generator, dtype=torch.uint8)
    # labels the network itself gives at N = 16 clean: its accuracy falls with the rate
    with torch.no_grad():
        labels = class_scores(network, encoding, pixels, [16], KeyedGenerators(1))[0].argmax(-1)
    batches = [(pixels[k:k + BATCH], labels[k:k + BATCH]) for k in range(0, EXAMPLES, BATCH)]
    return network, encoding, batches


def _sweep(setting, cutoff=None, lengths_by_ber=None):
    network, encoding, batches = setting
    spec = ErrorSweepSpec(RATES, 3, 5, INDEPENDENT, PERCENTILE, cutoff, lengths_by_ber)
    return deployed_accuracy(network, encoding, batches, LENGTHS, seed=1, errors=spec,
                             incremental=False).sweep


def _statistic(sweep, statistic):
    by_rate = sweep.mean() if statistic == "mean" else sweep.low()
    return {(n, rate): a for rate, by_n in by_rate.items() for n, a in by_n.items()}


@pytest.mark.parametrize("statistic", ["mean", "low_percentile"])
def test_only_pairs_that_cannot_beat_their_thresholds_are_cut(setting, statistic):
    full = _statistic(_sweep(setting), statistic)
    accuracy = np.array([full[(n, r)] for r in RATES for n in LENGTHS])
    assert accuracy.max() - accuracy.min() > 0.3  # the rates do differ
    rng = np.random.default_rng(0)
    pairs_cut = 0
    for _ in range(4):  # thresholds scattered around what each pair measures in full
        thresholds = {pair: a + rng.uniform(-0.15, 0.15) for pair, a in full.items()}
        cut = _sweep(setting, SweepCutoff(thresholds, statistic, EXAMPLES))
        measured = _statistic(cut, statistic)
        cut_pairs = cut.unmeasured()
        pairs_cut += len(cut_pairs)
        for pair in cut_pairs:  # cut: its full measurement does not beat its threshold
            assert full[pair] <= thresholds[pair]
        for pair, value in measured.items():  # kept: exactly the full measurement
            assert value == full[pair]
        assert set(measured) | cut_pairs == set(full)
    assert 0 < pairs_cut < 4 * len(full)  # some pairs were cut, not all


def _scoring_calls(monkeypatch) -> tuple[list, list]:
    """Spies on the sweep: the pairs still scored before each batch, and the lengths each
    map was scored at (None: all)."""
    calls, columns_asked = [], []
    original = bit_errors.ErrorSweepAccumulator.add

    def spied(self, scores_under, clean_scores, labels):
        calls.append(self.scoring.copy())

        def recorded(error_map, columns):
            columns_asked.append(columns)
            return scores_under(error_map, columns)

        return original(self, recorded, clean_scores, labels)

    monkeypatch.setattr(bit_errors.ErrorSweepAccumulator, "add", spied)
    return calls, columns_asked


def test_a_hopeless_rate_is_cut_part_way_and_the_others_still_count(setting, monkeypatch):
    """Thresholds no map could reach at 0.3 and 0.1; every rate scored counts as without a
    cutoff. The scoring calls show where the cut rates stopped."""
    full = _sweep(setting)
    thresholds = {(n, r): (1.1 if r >= 0.1 else 0.0) for n in LENGTHS for r in RATES}
    calls, _ = _scoring_calls(monkeypatch)
    cut = _sweep(setting, SweepCutoff(thresholds, "mean", EXAMPLES))
    assert cut.unmeasured() == {(n, r) for n in LENGTHS for r in (0.1, 0.3)}
    scored = np.array(calls)  # (batches, rates, lengths): pairs scored in each batch
    assert scored[0].all() and not scored[-1][2:].any()  # cut after the first batch
    assert scored[:, :2].all()
    kept = [RATES.index(r) for r in (1e-3, 3e-2)]
    assert (cut.correct[kept] == full.correct[kept]).all()


def test_a_hopeless_length_is_cut_while_its_rate_goes_on_at_the_others(setting, monkeypatch):
    """At 0.1, N = 4 and 16 cannot reach theirs and N = 1 must be measured: the rate's maps
    go on through N = 1's rows only, which count as without a cutoff."""
    full = _sweep(setting)
    thresholds = {(n, r): (1.1 if (r, n) in ((0.1, 4), (0.1, 16)) else 0.0)
                  for n in LENGTHS for r in RATES}
    calls, columns_asked = _scoring_calls(monkeypatch)
    cut = _sweep(setting, SweepCutoff(thresholds, "mean", EXAMPLES))
    assert cut.unmeasured() == {(4, 0.1), (16, 0.1)}
    assert [LENGTHS.index(1)] in columns_asked  # the rate's maps, at N = 1 only
    assert not np.array(calls)[-1][RATES.index(0.1), 1:].any()
    assert (cut.correct[:, :, 0] == full.correct[:, :, 0]).all()
    others = [RATES.index(r) for r in RATES if r != 0.1]
    assert (cut.correct[others] == full.correct[others]).all()


def test_a_rate_asked_at_some_lengths_is_cut_on_their_thresholds_alone(setting):
    """The lengths a rate is not asked at have no threshold: they neither keep it scored
    nor count as measured."""
    asked = {1e-3: (1,), 3e-2: (4, 16), 0.1: (1, 4), 0.3: (16,)}
    thresholds = {(n, r): (1.1 if r >= 0.1 else 0.0) for r, at in asked.items() for n in at}
    cut = _sweep(setting, SweepCutoff(thresholds, "mean", EXAMPLES), asked)
    assert cut.unmeasured() == {(n, r) for r in RATES for n in LENGTHS} - {
        (1, 1e-3), (4, 3e-2), (16, 3e-2)}
    full = _sweep(setting)
    assert (cut.correct[0, :, 0] == full.correct[0, :, 0]).all()
    assert (cut.correct[1, :, 1:] == full.correct[1, :, 1:]).all()


def test_a_cutoff_whose_split_size_is_wrong_is_an_error(setting):
    thresholds = {(n, r): 0.0 for n in LENGTHS for r in RATES}
    with pytest.raises(ValueError, match="examples of a split of"):
        _sweep(setting, SweepCutoff(thresholds, "mean", EXAMPLES + 1))
