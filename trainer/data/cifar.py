"""Reader for CIFAR-10 in its standard binary layout (``cifar-10-batches-bin``).

Each batch file is a sequence of 3073-byte records: one label byte, then 1024 red, 1024 green
and 1024 blue bytes, each plane 32x32 row-major. That is already channel-first, so a record
reshapes to (3, 32, 32) without any copy or transpose.

There is no header, so a truncated file can only be caught by its length: the length must be a
whole number of records, and when any file of a set holds the official 10000 records, all must
(a full-size set with one short file is a broken download, not a fixture). Each file's sha256 is
recorded and compared with the JPEG-decoded copy this project ships, so reports can say which
pixels a number was measured on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trainer.dataset_table import CIFAR10_CLASSES as CLASS_NAMES

from .checksums import CIFAR10_JPEG_COPY_SHA256
from .errors import DatasetError

RECORD_BYTES = 1 + 3 * 32 * 32
RECORDS_PER_OFFICIAL_BATCH = 10000
NUM_CLASSES = 10
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
ALL_FILES = TRAIN_FILES + TEST_FILES
META_FILE = "batches.meta.txt"


@dataclass(frozen=True, eq=False)
class CifarBatch:
    """One parsed batch file."""

    path: Path
    images: np.ndarray  # uint8 (N, 3, 32, 32), channels R, G, B
    labels: np.ndarray  # uint8 (N,)
    sha256: str


@dataclass(frozen=True, eq=False)
class CifarData:
    """A whole ``cifar-10-batches-bin`` folder, read and checked."""

    directory: Path
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]
    sha256: dict[str, str]
    is_jpeg_decoded_copy: bool


def read_cifar_batch(path: str | Path) -> CifarBatch:
    """Read one batch file, checking its length and labels."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}", path) from exc
    if len(raw) == 0 or len(raw) % RECORD_BYTES:
        raise DatasetError(
            f"{path}: {len(raw)} bytes is not a whole number of {RECORD_BYTES}-byte CIFAR-10 "
            f"records: truncated or corrupt",
            path,
        )
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].copy()
    if int(labels.max()) >= NUM_CLASSES:
        bad = int(np.argmax(labels >= NUM_CLASSES))
        raise DatasetError(
            f"{path}: label {int(labels[bad])} in record {bad} is out of range "
            f"0..{NUM_CLASSES - 1}: corrupt or not a CIFAR-10 batch",
            path,
        )
    images = records[:, 1:].reshape(-1, 3, 32, 32).copy()
    sha256 = hashlib.sha256(raw).hexdigest()
    return CifarBatch(path=path, images=images, labels=labels, sha256=sha256)


def read_class_names(directory: Path) -> tuple[str, ...]:
    """Class names from ``batches.meta.txt`` when present, else the standard ten."""
    meta = directory / META_FILE
    if not meta.is_file():
        return CLASS_NAMES
    names = tuple(line.strip() for line in meta.read_text().splitlines() if line.strip())
    if len(names) != NUM_CLASSES:
        raise DatasetError(
            f"{meta}: {len(names)} class names, expected {NUM_CLASSES}: corrupt", meta
        )
    return names


def is_jpeg_decoded_copy(sha256: dict[str, str]) -> bool:
    """Whether every file read (name -> sha256) is the project's JPEG-decoded copy's."""
    return all(digest == CIFAR10_JPEG_COPY_SHA256.get(name) for name, digest in sha256.items())


def read_cifar10_test(directory: str | Path) -> CifarBatch:
    """The test batch of a ``cifar-10-batches-bin`` folder alone."""
    return read_cifar_batch(Path(directory) / TEST_FILES[0])


def read_cifar10_dir(directory: str | Path) -> CifarData:
    """Read the six batch files of a ``cifar-10-batches-bin`` folder."""
    directory = Path(directory)
    batches = {name: read_cifar_batch(directory / name) for name in ALL_FILES}
    counts = {name: len(b.labels) for name, b in batches.items()}
    if any(c == RECORDS_PER_OFFICIAL_BATCH for c in counts.values()):
        for name, count in counts.items():
            if count != RECORDS_PER_OFFICIAL_BATCH:
                raise DatasetError(
                    f"{directory / name}: {count} records where the official CIFAR-10 batch "
                    f"has {RECORDS_PER_OFFICIAL_BATCH}: truncated",
                    directory / name,
                )
    sha256 = {name: b.sha256 for name, b in batches.items()}
    is_copy = is_jpeg_decoded_copy(sha256)
    train = [batches[name] for name in TRAIN_FILES]
    test = batches[TEST_FILES[0]]
    return CifarData(
        directory=directory,
        train_images=np.concatenate([b.images for b in train]),
        train_labels=np.concatenate([b.labels for b in train]),
        test_images=test.images,
        test_labels=test.labels,
        class_names=read_class_names(directory),
        sha256=sha256,
        is_jpeg_decoded_copy=is_copy,
    )
