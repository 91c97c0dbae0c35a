"""Data for SC-BNN training: verified loaders, seeded splits, the Lightning data module.

Images are uint8 (N, C, H, W) tensors and labels int64; see DESIGN.md, "Data".
"""

from typing import TYPE_CHECKING, Any

from .augment import random_crop_flip
from .batches import TensorBatches
from .checksums import git_blob_sha1
from .dataset import DATASETS, DatasetSpec, ImageDataset, canonical_name, load_dataset
from .errors import DatasetError
from .locate import (
    ENV_VAR,
    Located,
    default_cache_dir,
    download_cifar10,
    download_fashion_mnist,
    locate_cifar10,
    locate_fashion_mnist,
)
from .splits import class_balanced_subset, derive_seed, stratified_split

if TYPE_CHECKING:
    from .datamodule import SCDataModule


def __getattr__(name: str) -> Any:
    """The Lightning data module, imported when asked for: Lightning takes seconds to import,
    and the dataset table (`DATASETS`) is read by commands that train nothing (`export`)."""
    if name == "SCDataModule":
        from .datamodule import SCDataModule

        return SCDataModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DATASETS",
    "ENV_VAR",
    "DatasetError",
    "DatasetSpec",
    "ImageDataset",
    "Located",
    "SCDataModule",
    "TensorBatches",
    "canonical_name",
    "class_balanced_subset",
    "default_cache_dir",
    "derive_seed",
    "download_cifar10",
    "download_fashion_mnist",
    "git_blob_sha1",
    "load_dataset",
    "locate_cifar10",
    "locate_fashion_mnist",
    "random_crop_flip",
    "stratified_split",
]
