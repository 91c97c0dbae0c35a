"""Weight bit errors: error maps against binomial theory, reading weights through a map
against a plain copy of the network with its stored bits flipped, and the BER sweep of a
trained network against its clean evaluation and a plain loop."""

import copy

import numpy as np
import pydantic
import pytest
import torch
from scipy.stats import binomtest, chisquare

from tests.synthetic import banded_images
from trainer.bit_errors import (
    ErrorSweepAccumulator,
    NestedErrorMaps,
    binary_layers,
    random_error_map,
    weights_read_with,
)
from trainer.config import TrainConfig
from trainer.data import SCDataModule
from trainer.encoding import StochasticEncoding
from trainer.fit import fit
from trainer.inference import class_scores, encoded_input, scores_of_encoded
from trainer.models import binary_mlp, binary_vgg
from trainer.sng import IdealSNG

FALSE_ALARM_RATE = 1e-3


def _trained_like(network, input_shape):
    torch.manual_seed(0)
    network.train()
    with torch.no_grad():
        for _ in range(3):
            network.readout(network.body(network.first(torch.randn(64, *input_shape))))
    return network.eval()


@pytest.fixture(scope="module")
def mlp():
    return _trained_like(binary_mlp((1, 8, 8), [48, 32], 10), (1, 8, 8))


@pytest.fixture(scope="module")
def vgg():
    return _trained_like(binary_vgg((3, 8, 8), [8, 8, 16], 2, [16], 10), (3, 8, 8))


def _flip_counts(maps, ber):
    return np.array([maps.at(m, ber).flipped for m in range(len(maps))])


# --- error maps against binomial theory ------------------------------------------------------


@pytest.mark.parametrize("ber", [1e-3, 2e-2, 0.3])
def test_flips_per_map_follow_the_binomial_law(mlp, ber):
    """The total over many independent maps is Binomial(maps x weights, ber)."""
    maps = NestedErrorMaps(mlp, maps=40, seed=7)
    weights = maps.at(0, ber).weights
    total = int(_flip_counts(maps, ber).sum())
    assert binomtest(total, len(maps) * weights, ber).pvalue > FALSE_ALARM_RATE


def test_flips_fall_uniformly_on_every_layer_and_position(mlp):
    """Counts of flips over 16 blocks of each layer's weights, pooled over maps: a
    chi-square test of fit against equal shares."""
    maps = NestedErrorMaps(mlp, maps=30, seed=3)
    for name, _ in binary_layers(mlp):
        blocks = np.zeros(16)
        for m in range(len(maps)):
            mask = maps.at(m, 0.05).flips[name].flatten().numpy()
            blocks += [part.sum() for part in np.array_split(mask, 16)]
        sizes = np.array([len(part) for part in np.array_split(np.zeros(mask.size), 16)])
        expected = blocks.sum() * sizes / sizes.sum()
        assert chisquare(blocks, expected).pvalue > FALSE_ALARM_RATE, name


def test_maps_are_independent_and_nested_in_ber(mlp):
    maps = NestedErrorMaps(mlp, maps=2, seed=0)
    first, second = (torch.cat([m.flatten() for m in maps.at(i, 0.2).flips.values()])
                     for i in range(2))
    # independent maps: a weight flips in both with probability ber^2
    both = int((first & second).sum())
    assert binomtest(both, first.numel(), 0.2**2).pvalue > FALSE_ALARM_RATE
    low, high = maps.at(0, 0.01), maps.at(0, 0.2)
    for name in low.flips:  # what flips at a low BER also flips at a higher one
        assert bool((low.flips[name] <= high.flips[name]).all())
    assert maps.at(0, 0.0).flipped == 0 and maps.at(0, 0.5).flipped > 0


def test_the_binomial_check_detects_a_three_percent_bias(mlp):
    """The test above has power: maps drawn at 1.03 x ber fail it."""
    ber = 0.02
    maps = NestedErrorMaps(mlp, maps=200, seed=11)
    weights = maps.at(0, ber).weights
    total = int(_flip_counts(maps, ber * 1.03).sum())
    assert binomtest(total, len(maps) * weights, ber).pvalue < FALSE_ALARM_RATE


def test_training_maps_follow_the_binomial_law(mlp):
    torch.manual_seed(5)
    maps = [random_error_map(mlp, 0.05) for _ in range(30)]
    total = sum(m.flipped for m in maps)
    assert binomtest(total, 30 * maps[0].weights, 0.05).pvalue > FALSE_ALARM_RATE
    assert maps[0].flipped != maps[1].flipped or not torch.equal(
        maps[0].flips["first.layer"], maps[1].flips["first.layer"])


# --- reading weights through a map: against a copy with its stored bits flipped ---------------


def _with_stored_bits_flipped(network, error_map):
    """The plain reference: a copy whose latent weights are the stored bits, negated where
    the map flips them."""
    copied = copy.deepcopy(network)
    layers = dict(binary_layers(copied))
    with torch.no_grad():
        for name, mask in error_map.flips.items():
            bits = torch.where(layers[name].weight >= 0, 1.0, -1.0)
            layers[name].weight.copy_(torch.where(mask, -bits, bits))
    return copied


@pytest.mark.parametrize("merge", ["first_layer", "output"])
@pytest.mark.parametrize("net", ["mlp", "vgg"])
def test_weights_read_through_a_map_equal_flipped_stored_bits(net, merge, request):
    network = request.getfixturevalue(net)
    shape = (1, 8, 8) if net == "mlp" else (3, 8, 8)
    pixels = torch.randint(0, 256, (20, *shape), dtype=torch.uint8)
    encoding = StochasticEncoding(IdealSNG(), merge)
    error_map = NestedErrorMaps(network, maps=1, seed=2).at(0, 0.1)
    generator = torch.Generator().manual_seed(4)
    with torch.no_grad(), weights_read_with(network, error_map):
        fast = class_scores(network, encoding, pixels, [1, 4], generator)
    generator = torch.Generator().manual_seed(4)
    with torch.no_grad():
        reference = class_scores(_with_stored_bits_flipped(network, error_map), encoding,
                                 pixels, [1, 4], generator)
        generator = torch.Generator().manual_seed(4)
        clean = class_scores(network, encoding, pixels, [1, 4], generator)  # map undone
    torch.testing.assert_close(fast, reference, rtol=0.0, atol=1e-5)
    assert not torch.allclose(fast, clean)
    assert all(layer.weight_signs is None for _, layer in binary_layers(network))


def test_the_sweep_equals_a_plain_loop_over_flipped_copies(mlp):
    """Counts of correct decisions per (BER, map, N) from the accumulator (one draw, maps
    applied in place) against a loop that scores flipped copies on the same draws."""
    encoding = StochasticEncoding(IdealSNG(), "first_layer")
    batches = [(torch.randint(0, 256, (30, 1, 8, 8), dtype=torch.uint8),
                torch.randint(0, 10, (30,))) for _ in range(3)]
    bers, lengths = [0.0, 0.02, 0.2], [2, 8]
    sweep = ErrorSweepAccumulator(mlp, bers, lengths, maps=2, seed=1)
    generator = torch.Generator().manual_seed(9)
    with torch.no_grad():
        for pixels, labels in batches:
            encoded = encoded_input(encoding, pixels, lengths, generator)

            def under(error_map=None, columns=None, encoded=encoded):
                with weights_read_with(mlp, error_map):
                    return scores_of_encoded(mlp, encoding, encoded, lengths)

            sweep.add(under, under(), labels)
    result = sweep.result()

    maps = NestedErrorMaps(mlp, maps=2, seed=1)
    expected = np.zeros((3, 2, 2))
    for b, ber in enumerate(bers):
        for m in range(2):
            flipped = _with_stored_bits_flipped(mlp, maps.at(m, ber))
            generator = torch.Generator().manual_seed(9)
            with torch.no_grad():
                for pixels, labels in batches:
                    scores = class_scores(flipped, encoding, pixels, lengths, generator)
                    expected[b, m] += (scores.argmax(-1) == labels).sum(-1).numpy()
    np.testing.assert_array_equal(result.correct, expected)
    assert result.total == 90 and result.flipped[0].sum() == 0
    assert result.spread()[0.0] == {2: 0.0, 8: 0.0}


# --- through training: clean numbers at BER 0, error-aware training ---------------------------


def _datamodule():
    train_x, train_y = banded_images(320, classes=4, size=12, seed=1)
    test_x, test_y = banded_images(160, classes=4, size=12, seed=2)
    return SCDataModule.from_tensors(
        torch.from_numpy(train_x), torch.from_numpy(train_y),
        torch.from_numpy(test_x), torch.from_numpy(test_y),
        batch_size=32, eval_batch_size=80, val_fraction=0.25, seed=0,
    )


def _config(tmp_path, **errors):
    return TrainConfig.model_validate({
        "name": "tiny", "seed": 0, "model": {"kind": "mlp", "hidden": [32]},
        "input": {"mode": "sc", "length": 8, "eval_lengths": [1, 8]},
        "optim": {"epochs": 4, "lr": 0.01}, "output_dir": str(tmp_path),
        "accelerator": "cpu", "weight_errors": errors,
    })


def test_fit_reports_accuracy_at_every_ber_with_ber_zero_equal_to_clean(tmp_path):
    result = fit(_config(tmp_path, eval_bers=[0.5, 0, 0.3], maps=3), _datamodule())
    for sweep, clean in ((result.test_error_sweep, result.test_accuracy),
                         (result.val_error_sweep, result.val_accuracy_by_length)):
        assert sweep.bers == [0.0, 0.3, 0.5] and sweep.maps == 3
        mean = sweep.mean()
        for n in (1, 8):
            assert mean[0.0][n] == pytest.approx(clean[n], abs=1e-6)
            assert mean[0.5][n] < 0.45  # every bit a coin: chance is 0.25
    assert result.test_error_sweep.total == 160


def test_error_aware_training_reads_a_fresh_map_every_step(tmp_path, monkeypatch):
    import trainer.module

    drawn = []

    def counting(network, ber, generator=None):
        error_map = random_error_map(network, ber, generator)
        drawn.append(error_map.flipped)
        return error_map

    monkeypatch.setattr(trainer.module, "random_error_map", counting)
    result = fit(_config(tmp_path, train_ber=0.05), _datamodule())
    steps = 4 * 8  # epochs x batches of 32 in 240 training images
    assert len(drawn) == steps and len(set(drawn)) > 1
    weights = 144 * 32 + 32 * 4
    assert binomtest(sum(drawn), steps * weights, 0.05).pvalue > FALSE_ALARM_RATE
    assert max(result.test_accuracy.values()) > 0.7  # still learns


@pytest.mark.parametrize("field, value", [
    ("train_ber", 0.6), ("train_ber", -0.1), ("eval_bers", [0.1, 0.51]), ("eval_bers", []),
])
def test_bit_error_rates_outside_zero_to_half_are_errors(field, value):
    with pytest.raises(pydantic.ValidationError, match=field):
        TrainConfig.model_validate({"weight_errors": {field: value}})
