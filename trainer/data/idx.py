"""Reader for IDX files (the MNIST / Fashion-MNIST format), gzip-compressed or raw.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the payload. Everything that could make a wrong array
look right is checked: the magic, the header against the payload length (so a truncated or
padded file is caught), and for files that claim an official Fashion-MNIST shape, the git blob id
of the decompressed bytes against the official release.
"""

from __future__ import annotations

import gzip
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checksums import FASHION_MNIST_FILES, git_blob_sha1
from .errors import DatasetError

MAGIC_IMAGES = 0x00000803  # uint8, 3 dimensions (count, rows, cols)
MAGIC_LABELS = 0x00000801  # uint8, 1 dimension (count)
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, eq=False)
class IdxFile:
    """A parsed IDX file: its array and the identity of its decompressed bytes."""

    path: Path
    array: np.ndarray  # uint8, writable, shape from the header
    git_blob: str  # git blob id of the decompressed bytes


def read_idx_bytes(path: str | Path) -> bytes:
    """Return the decompressed content of ``path``.

    Compression is detected from the content (gzip magic), not the name: browsers and users
    sometimes decompress ``foo.gz`` in place, and that file is still good.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}", path) from exc
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(
            f"{path}: not a valid gzip file (truncated or corrupt): {exc}", path
        ) from exc


def parse_idx(data: bytes, path: str | Path, expected_magic: int) -> np.ndarray:
    """Parse IDX bytes, checking the magic and that the payload length matches the header."""
    path = Path(path)
    if len(data) < 4:
        raise DatasetError(f"{path}: {len(data)} bytes, too short for an IDX header", path)
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        what = "images" if expected_magic == MAGIC_IMAGES else "labels"
        raise DatasetError(
            f"{path}: wrong IDX magic 0x{magic:08x}, expected 0x{expected_magic:08x} "
            f"(uint8 {what}): not an IDX {what} file or corrupt",
            path,
        )
    ndim = data[3]
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DatasetError(f"{path}: truncated IDX header ({len(data)} bytes)", path)
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape)
    actual = len(data) - header_len
    if actual < expected:
        raise DatasetError(
            f"{path}: truncated: header says {shape} = {expected} data bytes, file has {actual}",
            path,
        )
    if actual > expected:
        raise DatasetError(
            f"{path}: {actual - expected} unexpected trailing bytes after the {shape} "
            f"payload the header describes: corrupt or not an IDX file",
            path,
        )
    # .copy(): frombuffer over bytes is read-only, and torch wants writable memory.
    return np.frombuffer(data, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def read_idx(path: str | Path, expected_magic: int) -> IdxFile:
    """Read and structurally check one IDX file (gz or raw)."""
    path = Path(path)
    data = read_idx_bytes(path)
    array = parse_idx(data, path, expected_magic)
    return IdxFile(path=path, array=array, git_blob=git_blob_sha1(data))


def check_official(idx: IdxFile, role: str) -> None:
    """Apply the release rule to a Fashion-MNIST file playing ``role`` (e.g. "train_images").

    A file whose header claims the official shape must be the official file, byte for byte
    once decompressed; a file with another shape (a test fixture, a deliberate subset) is only
    checked structurally. The official file of a *different* role is rejected: train and test
    files were swapped.
    """
    spec = FASHION_MNIST_FILES[role]
    shape = tuple(idx.array.shape)
    if shape == spec.shape:
        if idx.git_blob != spec.git_blob:
            raise DatasetError(
                f"{idx.path}: has the official Fashion-MNIST shape {shape} but does not match "
                f"the official Fashion-MNIST release: corrupt or modified "
                f"(git blob {idx.git_blob}, expected {spec.git_blob})",
                idx.path,
            )
        return
    for other_role, other in FASHION_MNIST_FILES.items():
        if other_role != role and idx.git_blob == other.git_blob:
            raise DatasetError(
                f"{idx.path}: is the official {other.stem}, not {spec.stem}: "
                f"train and test files swapped?",
                idx.path,
            )


def read_images(path: str | Path, role: str | None = None) -> IdxFile:
    """Images as uint8 (N, rows, cols) from an IDX images file.

    With a Fashion-MNIST ``role`` ("train_images", "test_images") the release rule applies too.
    """
    idx = read_idx(path, MAGIC_IMAGES)
    if role is not None:
        check_official(idx, role)
    return idx


def read_labels(path: str | Path, num_classes: int, role: str | None = None) -> IdxFile:
    """Labels as uint8 (N,) from an IDX labels file, each in ``[0, num_classes)``."""
    idx = read_idx(path, MAGIC_LABELS)
    if role is not None:
        check_official(idx, role)
    labels = idx.array
    if labels.size and int(labels.max()) >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise DatasetError(
            f"{idx.path}: label {int(labels[bad])} at index {bad} is out of range "
            f"0..{num_classes - 1}",
            idx.path,
        )
    return idx
