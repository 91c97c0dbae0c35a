"""The in-memory dataset every consumer sees, and ``load_dataset`` that builds it.

Images stay uint8 (N, C, H, W): the model's input encoder turns pixel values into stochastic
bitstreams itself, so any normalisation here would be undone there (or, worse, silently change
the probabilities). Labels are int64, what ``cross_entropy`` wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from trainer.dataset_table import (  # noqa: F401 (re-exported)
    DATASETS,
    FASHION_MNIST_CLASSES,
    DatasetName,
    DatasetSpec,
    canonical_name,
)

from . import cifar
from .errors import DatasetError
from .idx import read_images, read_labels
from .locate import Located, locate_cifar10, locate_fashion_mnist


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """A loaded dataset: uint8 images (N, C, H, W), int64 labels, and where they came from.

    ``is_jpeg_decoded_copy`` is True for the project's JPEG-decoded CIFAR-10 copy, whose pixels
    differ from the original: any accuracy measured on it must say so. ``file_digests`` maps
    each source file name to the digest it was verified with (``git-blob:`` or ``sha256:``).
    """

    train_images: Tensor = field(repr=False)
    train_labels: Tensor = field(repr=False)
    test_images: Tensor = field(repr=False)
    test_labels: Tensor = field(repr=False)
    num_classes: int
    input_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    source: Path | None
    is_jpeg_decoded_copy: bool = False
    name: str = "custom"
    file_digests: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            images: Tensor = getattr(self, f"{split}_images")
            labels: Tensor = getattr(self, f"{split}_labels")
            if images.dtype != torch.uint8 or images.dim() != 4:
                raise ValueError(
                    f"{split}_images must be uint8 (N, C, H, W), got {images.dtype} "
                    f"{tuple(images.shape)}"
                )
            if tuple(images.shape[1:]) != tuple(self.input_shape):
                raise ValueError(
                    f"{split}_images have shape {tuple(images.shape[1:])} per image, "
                    f"input_shape says {tuple(self.input_shape)}"
                )
            if labels.dtype != torch.int64 or labels.dim() != 1:
                raise ValueError(f"{split}_labels must be int64 (N,), got {labels.dtype}")
            if len(labels) != len(images):
                raise ValueError(f"{len(images)} {split} images but {len(labels)} {split} labels")
            if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
                raise ValueError(f"{split}_labels outside 0..{self.num_classes - 1}")
        if len(self.class_names) != self.num_classes:
            raise ValueError(f"{len(self.class_names)} class names for {self.num_classes} classes")

    def summary(self) -> dict[str, Any]:
        """Plain-data description (no tensors) for logs, reports and exported configs."""
        return {
            "name": self.name,
            "source": str(self.source) if self.source is not None else None,
            "num_train": len(self.train_labels),
            "num_test": len(self.test_labels),
            "num_classes": self.num_classes,
            "input_shape": list(self.input_shape),
            "class_names": list(self.class_names),
            "is_jpeg_decoded_copy": self.is_jpeg_decoded_copy,
            "file_digests": dict(self.file_digests),
        }


def _load_fashion_mnist(located: Located, test_only: bool = False) -> ImageDataset:
    files = located.files
    n = DATASETS["fashion_mnist"].num_classes
    splits = {"test": (read_images(files["test_images"], role="test_images"),
                       read_labels(files["test_labels"], n, role="test_labels"))}
    if not test_only:
        splits["train"] = (read_images(files["train_images"], role="train_images"),
                           read_labels(files["train_labels"], n, role="train_labels"))
    for x, y in splits.values():
        if x.array.shape[1:] != (28, 28):
            raise DatasetError(
                f"{x.path}: images are {x.array.shape[1]}x{x.array.shape[2]}, "
                f"Fashion-MNIST images are 28x28",
                x.path,
            )
        if len(x.array) != len(y.array):
            raise DatasetError(
                f"{x.path}: {len(x.array)} images but {y.path.name} has {len(y.array)} labels",
                x.path,
            )
    test_x, test_y = splits["test"]
    digests = {f.path.name: f"git-blob:{f.git_blob}" for pair in splits.values() for f in pair}
    if test_only:
        return _test_split_alone(located, "fashion_mnist", test_x.array[:, None], test_y.array,
                                 FASHION_MNIST_CLASSES, digests)
    train_x, train_y = splits["train"]
    return ImageDataset(
        train_images=torch.from_numpy(train_x.array).unsqueeze(1),
        train_labels=torch.from_numpy(train_y.array.astype("int64")),
        test_images=torch.from_numpy(test_x.array).unsqueeze(1),
        test_labels=torch.from_numpy(test_y.array.astype("int64")),
        num_classes=n,
        input_shape=DATASETS["fashion_mnist"].input_shape,
        class_names=FASHION_MNIST_CLASSES,
        source=located.directory,
        is_jpeg_decoded_copy=False,
        name="fashion_mnist",
        file_digests=digests,
    )


def _load_cifar10(located: Located, test_only: bool = False) -> ImageDataset:
    if test_only:
        data = cifar.read_cifar10_test(located.directory)
        return _test_split_alone(located, "cifar10", data.images, data.labels,
                                 cifar.read_class_names(located.directory),
                                 {data.path.name: f"sha256:{data.sha256}"},
                                 cifar.is_jpeg_decoded_copy({data.path.name: data.sha256}))
    data = cifar.read_cifar10_dir(located.directory)
    return ImageDataset(
        train_images=torch.from_numpy(data.train_images),
        train_labels=torch.from_numpy(data.train_labels.astype("int64")),
        test_images=torch.from_numpy(data.test_images),
        test_labels=torch.from_numpy(data.test_labels.astype("int64")),
        num_classes=cifar.NUM_CLASSES,
        input_shape=DATASETS["cifar10"].input_shape,
        class_names=data.class_names,
        source=located.directory,
        is_jpeg_decoded_copy=data.is_jpeg_decoded_copy,
        name="cifar10",
        file_digests={name: f"sha256:{digest}" for name, digest in data.sha256.items()},
    )


def load_dataset(
    name: DatasetName,
    root: str | Path | None = None,
    download: bool = True,
    *,
    cache_dir: str | Path | None = None,
    base_url: str | None = None,
    test_only: bool = False,
) -> ImageDataset:
    """Find, verify and load a dataset into memory.

    ``root`` is an explicit folder (the only place looked at when given); otherwise the
    look-up order of :mod:`trainer.data.locate` applies, ending in a verified download into
    ``cache_dir`` from ``base_url`` when ``download`` is True. Raises :class:`DatasetError`
    with a one-line message for anything missing, truncated or corrupt. With ``test_only``
    the training files are neither read nor checked and the training split is empty (a test
    of stored weights needs the test split alone, and reading the other is most of its
    loading time).
    """
    key = canonical_name(name)
    if key == "fashion_mnist":
        located = locate_fashion_mnist(root, download, cache_dir, base_url)
        return _load_fashion_mnist(located, test_only)
    located = locate_cifar10(root, download, cache_dir, base_url)
    return _load_cifar10(located, test_only)


def _test_split_alone(located: Located, name: str, images, labels, class_names,
                      digests: dict[str, str], is_jpeg_decoded_copy: bool = False
                      ) -> ImageDataset:
    """A dataset of its test split only: the training split empty, of the right shape."""
    spec = DATASETS[name]
    return ImageDataset(
        train_images=torch.empty((0, *spec.input_shape), dtype=torch.uint8),
        train_labels=torch.empty(0, dtype=torch.int64),
        test_images=torch.from_numpy(images),
        test_labels=torch.from_numpy(labels.astype("int64")),
        num_classes=spec.num_classes,
        input_shape=spec.input_shape,
        class_names=tuple(class_names),
        source=located.directory,
        is_jpeg_decoded_copy=is_jpeg_decoded_copy,
        name=name,
        file_digests=digests,
    )
