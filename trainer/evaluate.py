"""Test a trained SC-BNN module at many bitstream lengths: one stream of the largest N per
image, read at every prefix (`trainer.inference`), with the evaluation streams seeded by the
run's seed so that the numbers repeat. `fit` uses it on the checkpoint it keeps; the pass
itself (`trainer.deployed.deployed_accuracy`) runs without Lightning."""

from __future__ import annotations

from trainer.config import Precision
from trainer.data import SCDataModule
from trainer.deployed import Tested, deployed_accuracy
from trainer.device import accelerator_device
from trainer.module import SCBNNModule


def evaluate_module(module: SCBNNModule, datamodule: SCDataModule, split: str,
                    accelerator: str = "cpu", precision: Precision = "32-true") -> Tested:
    """Accuracy of `module` at each of its `eval_lengths` on `split` ("val" or "test"), and
    under its error sweep's maps."""
    device = accelerator_device(accelerator)
    return deployed_accuracy(module.network, module.deploy_encoding,
                             datamodule.eval_batches(split, device), module.eval_lengths,
                             module.config.seed, module.errors, device, precision)
