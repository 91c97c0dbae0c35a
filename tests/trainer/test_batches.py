"""`TensorBatches` against the plain reference it replaces: a shuffled DataLoader."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from tests.devices import DEVICES
from trainer.data import SCDataModule, TensorBatches


def _tensors():
    images = torch.randint(0, 256, (103, 1, 4, 4), dtype=torch.uint8)
    return images, torch.arange(103)


@pytest.mark.parametrize("batch_size", [1, 10, 103, 200])
def test_same_batches_as_a_dataloader_epoch_after_epoch(batch_size):
    tensors = _tensors()
    ours = TensorBatches(tensors, batch_size, shuffle=True,
                         generator=torch.Generator().manual_seed(5))
    reference = DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=True,
                           generator=torch.Generator().manual_seed(5))
    assert len(ours) == len(reference)
    for _ in range(3):
        for (x, y), (x_ref, y_ref) in zip(ours, reference, strict=True):
            assert torch.equal(x, x_ref) and torch.equal(y, y_ref)


def test_unshuffled_batches_keep_the_order():
    tensors = _tensors()
    batches = list(TensorBatches(tensors, 25))
    assert [len(y) for _, y in batches] == [25, 25, 25, 25, 3]
    assert torch.equal(torch.cat([y for _, y in batches]), tensors[1])


@pytest.mark.parametrize("device", DEVICES)
def test_datamodule_gathers_batches_where_the_trainer_runs(device):
    images, labels = _tensors()
    module = SCDataModule.from_tensors(images, labels % 4, images[:20], labels[:20] % 4,
                                       batch_size=16, val_fraction=0.2)
    module.trainer = type("Trainer", (), {"strategy": type("S", (), {
        "root_device": torch.device(device)})()})()
    x, y = next(iter(module.train_dataloader()))
    assert x.device.type == y.device.type == device
    assert x.dtype == torch.uint8 and len(x) == 16
