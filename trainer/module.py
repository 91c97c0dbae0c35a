"""The LightningModule that trains and evaluates one SC-BNN."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy

from trainer.bit_errors import random_error_map, weights_read_with
from trainer.config import InputMode, TrainConfig, TrainingMode
from trainer.deployed import ErrorSweepSpec
from trainer.encoding import StochasticEncoding, deployed_encoding, training_encoding
from trainer.inference import class_scores
from trainer.layers import clip_latent_weights
from trainer.models import build_network
from trainer.optimizers import build_optimizer, build_scheduler
from trainer.sng import KeyedGenerators


class TrainingDiverged(RuntimeError):
    """The loss stopped being finite: the run is a failure, not a result."""


# A non-finite loss is checked on the host every this many steps and at each epoch's end, not
# after every step: the check waits for the accelerator, and a diverged run loses little by
# running a few more steps before it stops.
DIVERGENCE_CHECK_STEPS = 10


class SCBNNModule(pl.LightningModule):
    """Trains on the training encoding and validates on the deployed encoding; its tests at
    every N and bit-error rate run without Lightning (`trainer.evaluate.evaluate_module`).

    Everything needed to rebuild the module (config as plain JSON data, input shape, number
    of classes) is saved as hyper-parameters, so checkpoints load with weights_only=True.
    """

    def __init__(self, config: dict[str, Any], input_shape: Sequence[int], num_classes: int):
        super().__init__()
        self.save_hyperparameters(
            {"config": config, "input_shape": list(input_shape), "num_classes": num_classes}
        )
        self.config = TrainConfig.model_validate(config)
        self.network = build_network(self.config.model, input_shape, num_classes)
        self.train_encoding = training_encoding(self.config.input)
        self.deploy_encoding = deployed_encoding(self.config.input)
        sc_input = self.config.input.mode == InputMode.SC
        self.validation_length = self.config.input.length if sc_input else 1
        self.train_lengths = (self.config.input.train_lengths or [self.config.input.length]) if (
            sc_input and self.config.input.training == TrainingMode.ADAPTED
        ) else [1]
        self.val_accuracy = MulticlassAccuracy(num_classes, average="micro")
        self._first_nonfinite_loss: torch.Tensor | None = None
        self._nonfinite_seen: torch.Tensor | None = None
        self.set_eval_lengths(self.config.input.lengths_to_evaluate)
        self.errors = ErrorSweepSpec.of(self.config.weight_errors)  # what a test scores under

    def set_eval_lengths(self, lengths: Sequence[int]) -> None:
        """Bitstream lengths a test reports accuracy at (one stream of the largest)."""
        self.eval_lengths = sorted(set(int(n) for n in lengths))

    @classmethod
    def from_checkpoint(cls, path: str | Path, map_location: str = "cpu") -> SCBNNModule:
        """Rebuild from a Lightning checkpoint without unpickling arbitrary objects."""
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
        hparams = checkpoint["hyper_parameters"]
        module = cls(hparams["config"], hparams["input_shape"], hparams["num_classes"])
        module.load_state_dict(checkpoint["state_dict"])
        return module

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """Deployed class scores at the configured bitstream length."""
        return class_scores(self.network, self.deploy_encoding, pixels, [self.validation_length])[0]

    def training_step(self, batch, batch_index):
        pixels, labels = batch
        length = self.train_lengths[int(torch.randint(len(self.train_lengths), ()))]
        train_ber = self.config.weight_errors.train_ber
        error_map = random_error_map(self.network, train_ber) if train_ber > 0 else None
        with weights_read_with(self.network, error_map):  # error-aware training: a fresh map
            scores = class_scores(
                self.network, self.train_encoding, pixels, [length],
                start_cycle=self._training_start_cycle(length),
            )[0]
        loss = F.cross_entropy(scores, labels)
        self._watch_for_divergence(loss.detach())
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def _watch_for_divergence(self, loss: torch.Tensor) -> None:
        """Remember the first non-finite loss on the device; `_check_divergence` reads it."""
        if self._first_nonfinite_loss is None:
            self._first_nonfinite_loss = torch.zeros_like(loss)
            self._nonfinite_seen = torch.zeros((), dtype=torch.bool, device=loss.device)
        bad = ~torch.isfinite(loss)
        self._first_nonfinite_loss = torch.where(
            bad & ~self._nonfinite_seen, loss, self._first_nonfinite_loss
        )
        self._nonfinite_seen = self._nonfinite_seen | bad

    def _check_divergence(self) -> None:
        if self._nonfinite_seen is not None and bool(self._nonfinite_seen):
            raise TrainingDiverged(
                f"training loss became {self._first_nonfinite_loss.item()} in epoch "
                f"{self.current_epoch} (checked at step {self.global_step})"
            )

    def _training_start_cycle(self, length: int) -> int:
        """Output merge with a deterministic SNG: each batch trains on planes from a random
        cycle within the longest evaluated stream. Cycle 0 alone would teach the network one
        fixed dither pattern, and deployment at larger N would meet planes it never saw."""
        encoding = self.train_encoding
        if not (isinstance(encoding, StochasticEncoding) and encoding.merges_at_output
                and encoding.sng.deterministic):
            return 0
        span = max(self.eval_lengths[-1], length) - length + 1
        return int(torch.randint(span, ()))

    def on_train_batch_end(self, outputs, batch, batch_index) -> None:
        clip_latent_weights(self.network)
        if (batch_index + 1) % DIVERGENCE_CHECK_STEPS == 0:
            self._check_divergence()

    def on_train_epoch_end(self) -> None:
        self._check_divergence()

    def on_validation_epoch_start(self) -> None:
        self._eval_generator = self._seeded_generator()

    def validation_step(self, batch, batch_index):
        pixels, labels = batch
        scores = class_scores(
            self.network, self.deploy_encoding, pixels, [self.validation_length],
            self._eval_generator,
        )[0]
        self.val_accuracy(scores, labels)
        self.log("val/loss", F.cross_entropy(scores, labels))
        self.log("val/acc", self.val_accuracy, prog_bar=True)

    def _seeded_generator(self) -> KeyedGenerators:
        """Evaluation draws its stochastic streams from the run's seed, each block or plane of
        a stream from its own keyed generator: repeatable numbers, and the accuracy at one N
        does not depend on which other N are evaluated beside it."""
        return KeyedGenerators(self.config.seed, self.device)

    def configure_optimizers(self):
        optimizer = build_optimizer(self.network, self.config.optim)
        scheduler = build_scheduler(optimizer, self.config.optim)
        if scheduler is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": scheduler}
