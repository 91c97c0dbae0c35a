"""Test a trained SC-BNN at many bitstream lengths: one stream of the largest N per image,
read at every prefix (`trainer.inference`), with the evaluation streams seeded by the run's
seed so that the numbers repeat. `fit` uses it on the checkpoint it keeps; `codesign evaluate`
on an exported checkpoint (`SCBNNModule.from_checkpoint`), without retraining."""

from __future__ import annotations

import pytorch_lightning as pl

from trainer.data import SCDataModule
from trainer.module import SCBNNModule, accuracy_key


def accuracy_by_length(module: SCBNNModule, datamodule: SCDataModule, split: str,
                       accelerator: str = "cpu", precision: str = "32-true",
                       progress: bool = False) -> dict[int, float]:
    """Accuracy of `module` at each of its `eval_lengths` on `split` ("val" or "test")."""
    tester = pl.Trainer(accelerator=accelerator, devices=1, precision=precision, logger=False,
                        enable_progress_bar=progress, enable_model_summary=False)
    if split == "val":
        metrics = tester.test(module, datamodule.val_dataloader(), verbose=False)[0]
    else:
        metrics = tester.test(module, datamodule=datamodule, verbose=False)[0]
    return {n: float(metrics[accuracy_key(n)]) for n in module.eval_lengths}
