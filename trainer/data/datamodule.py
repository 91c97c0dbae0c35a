"""``SCDataModule``: the Lightning data module every training run uses.

Data are held in memory as uint8 tensors (Fashion-MNIST is 47 MB, CIFAR-10 150 MB), so
indexing them is the whole pipeline: no decoding, no transforms, no workers needed. On a GPU
the tensors are moved there once and batches are gathered on the device (`TensorBatches`).
What makes
runs comparable is in the indices: a seeded, stratified validation split carved from the
training set (the test set is never looked at for model selection), and an optional seeded,
class-balanced ``subset`` of train and validation for cheap low-fidelity trials. The test set is
never subsetted, so test accuracies of all runs are measured on the same images.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from .augment import random_crop_flip
from .batches import TensorBatches
from .dataset import DATASETS, ImageDataset, canonical_name, load_dataset
from .errors import DatasetError
from .locate import locate_cifar10, locate_fashion_mnist
from .splits import (
    class_balanced_subset,
    derive_seed,
    stratified_split,
    validation_split_problem,
)


class SCDataModule(pl.LightningDataModule):
    """Seeded train/validation/test loaders of uint8 images for SC-BNN training.

    Args:
        dataset: "fashion_mnist" or "cifar10" (aliases like "fmnist", "CIFAR-10" accepted).
        root: explicit data folder; None uses the look-up order of :mod:`trainer.data.locate`.
        batch_size: training batch size. eval_batch_size: validation and test batch size.
        val_fraction: share of each class of the training set held out for validation.
        subset: share of each class of train and validation kept (1.0 = all), seeded.
        seed: seeds the split, the subset, the shuffling and the augmentation.
        augment: random 4-pixel-padded crop and horizontal flip of training batches (CIFAR-10).
        download: allow a verified download when no local copy is found.
    """

    def __init__(
        self,
        dataset: str,
        root: str | Path | None = None,
        batch_size: int = 256,
        eval_batch_size: int = 1000,
        val_fraction: float = 0.1,
        subset: float = 1.0,
        seed: int = 0,
        augment: bool = False,
        download: bool = True,
        *,
        _data: ImageDataset | None = None,
    ) -> None:
        super().__init__()
        if batch_size < 1 or eval_batch_size < 1:
            raise ValueError("batch_size and eval_batch_size must be >= 1")
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
        if not 0.0 < subset <= 1.0:
            raise ValueError(f"subset must be in (0, 1], got {subset}")
        self.save_hyperparameters(ignore=["_data"])
        self.dataset_name = dataset if _data is not None else canonical_name(dataset)
        self.root = root
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.val_fraction = val_fraction
        self.subset = subset
        self.seed = seed
        self.augment = augment
        self.download = download
        self._data = _data
        self._augment_generator: torch.Generator | None = None
        self.train_dataset: TensorDataset | None = None
        self.val_dataset: TensorDataset | None = None
        self.test_dataset: TensorDataset | None = None
        # Indices into the original training set, kept for reports and exact reproduction.
        self.train_indices: Tensor | None = None
        self.val_indices: Tensor | None = None
        self._on_device: dict[tuple[int, torch.device], tuple[Tensor, ...]] = {}

    @classmethod
    def from_tensors(
        cls,
        train_images: Tensor,
        train_labels: Tensor,
        test_images: Tensor,
        test_labels: Tensor,
        *,
        num_classes: int | None = None,
        class_names: tuple[str, ...] | None = None,
        name: str = "custom",
        **kwargs: Any,
    ) -> SCDataModule:
        """A data module over in-memory tensors (tests, tiny synthetic search runs).

        Images are uint8 (N, C, H, W) or (N, H, W) (a channel axis is added); labels are
        integers in ``[0, num_classes)`` (default: largest label + 1). ``kwargs`` are the
        constructor's other arguments (batch_size, val_fraction, subset, seed, ...).
        """
        images = [x.unsqueeze(1) if x.dim() == 3 else x for x in (train_images, test_images)]
        labels = [torch.as_tensor(y).to(torch.int64) for y in (train_labels, test_labels)]
        if num_classes is None:
            num_classes = int(max(int(y.max()) for y in labels if len(y))) + 1
        data = ImageDataset(
            train_images=images[0],
            train_labels=labels[0],
            test_images=images[1],
            test_labels=labels[1],
            num_classes=num_classes,
            input_shape=tuple(images[0].shape[1:]),  # type: ignore[arg-type]
            class_names=class_names or tuple(str(i) for i in range(num_classes)),
            source=None,
            name=name,
        )
        return cls(name, _data=data, **kwargs)

    # --- Lightning hooks ------------------------------------------------------------------

    def prepare_data(self) -> None:
        """Make sure a local copy exists (downloading it if allowed); loads nothing."""
        if self._data is not None:
            return
        if self.dataset_name == "fashion_mnist":
            locate_fashion_mnist(self.root, self.download)
        else:
            locate_cifar10(self.root, self.download)

    def setup(self, stage: str | None = None) -> None:
        """Load once, split, subset and wrap in TensorDatasets; later calls do nothing."""
        if self.train_dataset is not None:
            return
        if self._data is None:
            self._data = load_dataset(self.dataset_name, self.root, self.download)  # type: ignore[arg-type]
        data = self._data
        problem = validation_split_problem(data.train_labels, self.val_fraction)
        if problem:
            raise DatasetError(f"data.{problem}")
        train_idx, val_idx = stratified_split(
            data.train_labels, self.val_fraction, derive_seed(self.seed, "val_split")
        )
        if self.subset < 1.0:
            keep = class_balanced_subset(
                data.train_labels[train_idx], self.subset, derive_seed(self.seed, "train_subset")
            )
            train_idx = train_idx[keep]
            if len(val_idx):
                keep = class_balanced_subset(
                    data.train_labels[val_idx], self.subset, derive_seed(self.seed, "val_subset")
                )
                val_idx = val_idx[keep]
        self.train_indices, self.val_indices = train_idx, val_idx
        self.train_dataset = TensorDataset(
            data.train_images[train_idx], data.train_labels[train_idx]
        )
        self.val_dataset = TensorDataset(data.train_images[val_idx], data.train_labels[val_idx])
        self.test_dataset = TensorDataset(data.test_images, data.test_labels)

    def train_dataloader(self) -> TensorBatches:
        """Shuffled with a generator seeded afresh per call: two fits see the same order."""
        self._ensure_setup()
        generator = torch.Generator().manual_seed(derive_seed(self.seed, "shuffle"))
        return self._loader(self.train_dataset, self.batch_size, shuffle=True, generator=generator)

    def val_dataloader(self) -> TensorBatches:
        self._ensure_setup()
        return self._loader(self.val_dataset, self.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> TensorBatches:
        self._ensure_setup()
        return self._loader(self.test_dataset, self.eval_batch_size, shuffle=False)

    def _eval_dataset(self, split: str) -> TensorDataset:
        """The "val" or "test" split."""
        self._ensure_setup()
        dataset = {"val": self.val_dataset, "test": self.test_dataset}[split]
        assert dataset is not None
        return dataset

    def split_size(self, split: str) -> int:
        """How many examples the "val" or "test" split holds."""
        return len(self._eval_dataset(split))

    def eval_batches(self, split: str, device: torch.device) -> TensorBatches:
        """The "val" or "test" split's batches on `device`, in order: what a test pass
        reads (`trainer.deployed`), with no Lightning trainer to say where they go."""
        return self._loader(self._eval_dataset(split), self.eval_batch_size, shuffle=False,
                            device=device)

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Augment training batches on their device; validation and test stay untouched."""
        trainer = self.trainer
        if not self.augment or trainer is None or not trainer.training:
            return batch
        images, labels = batch
        if self._augment_generator is None or self._augment_generator.device != images.device:
            self._augment_generator = torch.Generator(images.device).manual_seed(
                derive_seed(self.seed, "augment")
            )
        return random_crop_flip(images, padding=4, generator=self._augment_generator), labels

    # --- what models and reports need -----------------------------------------------------

    @property
    def num_classes(self) -> int:
        """Known before setup for named datasets, so models can be built first."""
        if self._data is not None:
            return self._data.num_classes
        return DATASETS[self.dataset_name].num_classes

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image; known before setup for named datasets."""
        if self._data is not None:
            return tuple(self._data.input_shape)  # type: ignore[return-value]
        return DATASETS[self.dataset_name].input_shape

    @property
    def dataset_info(self) -> ImageDataset:
        """The loaded :class:`ImageDataset` (loads it if ``setup`` has not run yet).

        Its ``summary()`` gives plain data for reports, including ``is_jpeg_decoded_copy``.
        """
        self._ensure_setup()
        assert self._data is not None
        return self._data

    # --- internals ------------------------------------------------------------------------

    def _ensure_setup(self) -> None:
        if self.train_dataset is None:
            self.setup()

    def _device(self) -> torch.device:
        """The device of the trainer this module serves (the CPU when there is none)."""
        trainer = self.trainer
        return trainer.strategy.root_device if trainer is not None else torch.device("cpu")

    def _loader(
        self,
        dataset: TensorDataset | None,
        batch_size: int,
        shuffle: bool,
        generator: torch.Generator | None = None,
        device: torch.device | None = None,
    ) -> TensorBatches:
        """Batches gathered on `device` (default: the trainer's); the tensors move there
        once."""
        assert dataset is not None
        device = device if device is not None else self._device()
        key = (id(dataset), device)
        if key not in self._on_device:
            self._on_device[key] = tuple(t.to(device) for t in dataset.tensors)
        return TensorBatches(self._on_device[key], batch_size, shuffle, generator)
