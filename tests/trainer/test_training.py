"""Training with Lightning on tiny synthetic data: learning, checkpoints, divergence."""

import pytest
import torch

from tests.synthetic import banded_images
from trainer.config import TrainConfig
from trainer.data import SCDataModule
from trainer.evaluate import evaluate_module
from trainer.fit import fit
from trainer.module import SCBNNModule, TrainingDiverged


def _datamodule(seed=0):
    train_x, train_y = banded_images(320, classes=4, size=12, seed=1)
    test_x, test_y = banded_images(160, classes=4, size=12, seed=2)
    return SCDataModule.from_tensors(
        torch.from_numpy(train_x), torch.from_numpy(train_y),
        torch.from_numpy(test_x), torch.from_numpy(test_y),
        batch_size=32, eval_batch_size=80, val_fraction=0.25, seed=seed,
    )


def _config(tmp_path, **input_fields):
    return TrainConfig.model_validate(
        {
            "name": "tiny",
            "seed": 0,
            "model": {"kind": "mlp", "hidden": [32]},
            "input": {"mode": "sc", "length": 8, "eval_lengths": [1, 8, 32], **input_fields},
            "optim": {"epochs": 4, "lr": 0.01},
            "output_dir": str(tmp_path),
            "accelerator": "cpu",
        }
    )


@pytest.mark.parametrize(
    "input_fields",
    [
        {"mode": "fixed_point"},
        {"merge_point": "first_layer", "sng": {"kind": "ideal"}},
        {"merge_point": "output", "sng": {"kind": "lfsr", "width": 12}},
        {"training": "non_adapted", "sng": {"kind": "sobol"}},
        {"mode": "threshold"},
    ],
    ids=["fixed_point", "sc_first_layer", "sc_output_lfsr", "non_adapted", "threshold"],
)
def test_training_learns_the_synthetic_task(tmp_path, input_fields):
    result = fit(_config(tmp_path, **input_fields), _datamodule())
    assert max(result.test_accuracy.values()) > 0.7  # chance is 0.25
    assert result.checkpoint_path.exists()
    if input_fields.get("mode", "sc") == "sc":
        assert sorted(result.test_accuracy) == [1, 8, 32]


def test_checkpoint_loads_with_weights_only_and_reproduces_accuracy(tmp_path):
    config = _config(tmp_path, sng={"kind": "ideal", "seed": 3})
    datamodule = _datamodule()
    result = fit(config, datamodule)
    raw = torch.load(result.checkpoint_path, weights_only=True)  # must not need pickle
    assert raw["hyper_parameters"]["config"]["input"]["sng"]["seed"] == 3
    reloaded = SCBNNModule.from_checkpoint(result.checkpoint_path)
    reloaded.set_eval_lengths([1, 8, 32])
    tested = evaluate_module(reloaded, datamodule, "test")
    # evaluation streams are drawn from the run's seed: the same numbers, not just close
    assert tested.accuracy[8] == result.test_accuracy[8]


def test_same_seed_same_result(tmp_path):
    first = fit(_config(tmp_path / "a"), _datamodule())
    second = fit(_config(tmp_path / "b"), _datamodule())
    assert first.test_accuracy == second.test_accuracy


def test_diverging_loss_is_reported_not_swallowed(tmp_path, monkeypatch):
    def nan_scores(network, encoding, pixels, lengths, *args, **kwargs):
        return torch.full((len(lengths), pixels.shape[0], 4), float("nan"), requires_grad=True)

    config = _config(tmp_path)
    monkeypatch.setattr("trainer.module.class_scores", nan_scores)
    with pytest.raises(TrainingDiverged, match="nan"):
        fit(config, _datamodule())


def test_adapted_training_draws_lengths_from_train_lengths(tmp_path):
    config = _config(tmp_path, train_lengths=[2, 16])
    module = SCBNNModule(config.model_dump(mode="json"), (1, 12, 12), 4)
    assert module.train_lengths == [2, 16]
    assert module.validation_length == 8


def test_output_merge_training_with_a_deterministic_sng_visits_every_cycle(tmp_path):
    config = _config(tmp_path, merge_point="output", train_lengths=[1], sng={"kind": "sobol"})
    module = SCBNNModule(config.model_dump(mode="json"), (1, 12, 12), 4)
    torch.manual_seed(0)
    starts = {module._training_start_cycle(1) for _ in range(400)}
    assert starts == set(range(32))  # eval_lengths go up to 32: cycles 0..31
    ideal_config = _config(tmp_path, merge_point="output").model_dump(mode="json")
    ideal = SCBNNModule(ideal_config, (1, 12, 12), 4)
    assert ideal._training_start_cycle(1) == 0  # independent cycles need no offset
