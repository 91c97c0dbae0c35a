"""Small learnable image data that tests make themselves (no dataset needed).

Class k is a noisy image with a bright horizontal band at row block k, so a tiny BNN learns
it in a few epochs; files are written in the real formats (IDX, CIFAR binary) so the real
loaders read them.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

FMNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def banded_images(
    count: int, classes: int = 4, size: int = 12, channels: int = 1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (count, channels, size, size) and balanced labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % classes
    rng.shuffle(labels)
    images = rng.integers(0, 90, size=(count, channels, size, size))
    band = size // classes
    for index, label in enumerate(labels):
        images[index, :, label * band : (label + 1) * band, :] += 150
    return images.clip(0, 255).astype(np.uint8), labels.astype(np.uint8)


def write_idx_images(path: Path, images: np.ndarray) -> None:
    count, height, width = images.shape
    payload = struct.pack(">IIII", 0x00000803, count, height, width) + images.tobytes()
    path.write_bytes(gzip.compress(payload) if path.suffix == ".gz" else payload)


def write_idx_labels(path: Path, labels: np.ndarray) -> None:
    payload = struct.pack(">II", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(payload) if path.suffix == ".gz" else payload)


def write_fashion_mnist_like(folder: Path, train: int = 400, test: int = 200) -> Path:
    """A 28x28, 10-class stand-in for Fashion-MNIST in the original IDX .gz layout."""
    folder.mkdir(parents=True, exist_ok=True)
    train_x, train_y = banded_images(train, classes=10, size=28, seed=1)
    test_x, test_y = banded_images(test, classes=10, size=28, seed=2)
    write_idx_images(folder / FMNIST_FILES["train_images"], train_x[:, 0])
    write_idx_labels(folder / FMNIST_FILES["train_labels"], train_y)
    write_idx_images(folder / FMNIST_FILES["test_images"], test_x[:, 0])
    write_idx_labels(folder / FMNIST_FILES["test_labels"], test_y)
    return folder


CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck")


def write_cifar10_like(folder: Path, per_batch: int = 80, test: int = 100) -> Path:
    """A 32x32 RGB, 10-class stand-in for CIFAR-10 in the `cifar-10-batches-bin` layout: each
    record is one label byte then 3072 channel-major pixel bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    batches = {f"data_batch_{i}.bin": (per_batch, 10 + i) for i in range(1, 6)}
    batches["test_batch.bin"] = (test, 20)
    for name, (count, seed) in batches.items():
        images, labels = banded_images(count, classes=10, size=32, channels=3, seed=seed)
        records = np.concatenate([labels[:, None], images.reshape(count, -1)], axis=1)
        (folder / name).write_bytes(records.astype(np.uint8).tobytes())
    (folder / "batches.meta.txt").write_text("\n".join(CIFAR_CLASSES) + "\n\n")
    return folder
