"""The datasets the trainer knows, as plain data: their classes, image shape and sizes.

Kept apart from `trainer.data` (which loads images with torch) so that what reads only the
table (a network's layer shapes for the hardware model, a dataset's name) imports no torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

DatasetName = Literal["fashion_mnist", "cifar10"]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass(frozen=True)
class DatasetSpec:
    """What is known about a named dataset before loading it (models are built from this)."""

    num_classes: int
    input_shape: tuple[int, int, int]
    class_names: tuple[str, ...]
    train_images: int  # of the official files (estimates before loading: trainer.resources)
    test_images: int


DATASETS: dict[str, DatasetSpec] = {
    "fashion_mnist": DatasetSpec(10, (1, 28, 28), FASHION_MNIST_CLASSES, 60_000, 10_000),
    "cifar10": DatasetSpec(10, (3, 32, 32), CIFAR10_CLASSES, 50_000, 10_000),
}
_ALIASES = {"fmnist": "fashion_mnist", "fashionmnist": "fashion_mnist", "cifar_10": "cifar10"}


def canonical_name(name: str) -> str:
    """``"Fashion-MNIST"``, ``"fmnist"`` -> ``"fashion_mnist"``; ``"CIFAR-10"`` -> ``"cifar10"``."""
    key = name.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return key
