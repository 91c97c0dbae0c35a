"""The test pass without Lightning (`trainer.deployed`): it counts exactly what a plain
reference, one `class_scores` call per batch and per error map, decides; a checkpoint loaded
without Lightning is the module's network; and the numbers are torchmetrics' (float32)."""

import pytest
import torch

from tests.trainer.test_bit_errors import _config, _datamodule
from trainer.bit_errors import NestedErrorMaps, weights_read_with
from trainer.deployed import (
    ErrorSweepSpec,
    TrainedNetwork,
    deployed_accuracy,
    network_state,
)
from trainer.evaluate import evaluate_module
from trainer.fit import fit
from trainer.inference import class_scores
from trainer.module import SCBNNModule
from trainer.sng import KeyedGenerators

LENGTHS = [1, 4, 8]
RATES = [0.05, 0.2]
MAPS = 2


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    config = _config(tmp_path_factory.mktemp("deployed"), eval_bers=RATES, maps=MAPS)
    datamodule = _datamodule()
    result = fit(config, datamodule)
    module = SCBNNModule.from_checkpoint(result.checkpoint_path)
    module.set_eval_lengths(LENGTHS)
    datamodule.setup("test")
    return module, datamodule, result


def _reference_accuracy(network, encoding, batches, seed, error_map=None) -> list[float]:
    """Accuracy at each of LENGTHS, one batch and one error map at a time: a fresh pass
    over the split with its own generators draws the same streams."""
    generator, correct, total = KeyedGenerators(seed), [0] * len(LENGTHS), 0
    network.eval()
    with torch.no_grad(), weights_read_with(network, error_map):
        for pixels, labels in batches:
            scores = class_scores(network, encoding, pixels, LENGTHS, generator)
            for index, by_length in enumerate(scores):
                correct[index] += int((by_length.argmax(-1) == labels).sum())
            total += len(labels)
    return [float(torch.tensor(c, dtype=torch.float32) / total) for c in correct]


def test_the_pass_counts_what_class_scores_decide_clean_and_under_every_map(trained):
    module, datamodule, _ = trained
    tested = evaluate_module(module, datamodule, "test")
    network, encoding, seed = module.network, module.deploy_encoding, module.config.seed
    assert network.training  # the pass gives its mode back
    batches = datamodule.eval_batches("test", torch.device("cpu"))
    assert list(tested.accuracy.values()) == _reference_accuracy(network, encoding, batches,
                                                                 seed)
    spec = module.errors
    maps = NestedErrorMaps(network, spec.maps, spec.seed, spec.structure)
    for b, rate in enumerate(RATES):
        for m in range(MAPS):
            expected = _reference_accuracy(network, encoding, batches, seed, maps.at(m, rate))
            counted = tested.sweep.correct[b, m] / tested.sweep.total
            assert counted.tolist() == pytest.approx(expected, abs=1e-6)


def test_fit_reports_what_the_pass_measures(trained):
    module, datamodule, result = trained
    full = SCBNNModule.from_checkpoint(result.checkpoint_path)
    assert evaluate_module(full, datamodule, "test").accuracy == result.test_accuracy


def test_a_checkpoint_loaded_without_lightning_tests_as_its_module(trained):
    module, datamodule, result = trained
    loaded = TrainedNetwork.from_checkpoint(result.checkpoint_path)
    assert loaded.config == module.config and loaded.input_shape == (1, 12, 12)
    for name, value in module.network.state_dict().items():
        assert torch.equal(loaded.network.state_dict()[name], value), name
    tested = deployed_accuracy(loaded.network, loaded.encoding,
                           datamodule.eval_batches("test", torch.device("cpu")), LENGTHS,
                           loaded.config.seed, ErrorSweepSpec.of(loaded.config.weight_errors))
    expected = evaluate_module(module, datamodule, "test")
    assert tested.accuracy == expected.accuracy
    assert (tested.sweep.correct == expected.sweep.correct).all()


def test_a_checkpoint_with_foreign_entries_is_refused():
    with pytest.raises(KeyError, match="optimizer.state"):
        network_state({"network.first.weight": torch.zeros(1), "optimizer.state": 0})
