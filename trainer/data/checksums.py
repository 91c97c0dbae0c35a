"""Known digests of the dataset files, and the hash functions that compute them.

Fashion-MNIST is identified by the git blob id of each *decompressed* IDX file: the Debian
package and Zalando ship different .gz wrappers around the same bytes, so only the content is
comparable. CIFAR-10 is identified by the md5 of the official tarball (download check) and, for
the JPEG-decoded copy shipped with this project's shared data, by the sha256 of each batch file.

The tables are module-level dicts looked up at call time, so tests can patch entries to serve
their own small fixtures through the real download code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class IdxFileSpec:
    """What the official release says one Fashion-MNIST IDX file contains."""

    stem: str  # file name without the ".gz"
    shape: tuple[int, ...]
    git_blob: str  # sha1 of b"blob <len>\\0" + decompressed bytes


FASHION_MNIST_FILES: dict[str, IdxFileSpec] = {
    "train_images": IdxFileSpec(
        "train-images-idx3-ubyte", (60000, 28, 28), "ff2f5a96367a3c1656f09c93649f07143ff8b11e"
    ),
    "train_labels": IdxFileSpec(
        "train-labels-idx1-ubyte", (60000,), "30424ca2ea876655f5bba14f9f07132769687975"
    ),
    "test_images": IdxFileSpec(
        "t10k-images-idx3-ubyte", (10000, 28, 28), "37bac79bc6f002d965f363e0b20514904504a4d9"
    ),
    "test_labels": IdxFileSpec(
        "t10k-labels-idx1-ubyte", (10000,), "2195a4d0957e013db98d03e51697e2315816cce2"
    ),
}

# Expected git blob id per file stem, consulted by the download verification. Derived from the
# table above; patchable on its own in tests.
FASHION_MNIST_GIT_BLOB: dict[str, str] = {s.stem: s.git_blob for s in FASHION_MNIST_FILES.values()}

CIFAR10_TARBALL = "cifar-10-binary.tar.gz"
CIFAR10_TARBALL_MD5: dict[str, str] = {CIFAR10_TARBALL: "c32a1d4ab5d03f1284b67883e8d87530"}

# sha256 of the JPEG-decoded copy of cifar-10-batches-bin the project's machines hold
# (docs/data.md): pixels differ from the original CIFAR-10, so results on it must carry a caveat.
CIFAR10_JPEG_COPY_SHA256: dict[str, str] = {
    "data_batch_1.bin": "5b490cfbf4299d82ff23683f911c84c2ca20ecb35288159061bc0fff766e9448",
    "data_batch_2.bin": "451e25c539f92d8b1a27c1e326c87ee65af78d109de09c263678f173fc448549",
    "data_batch_3.bin": "e8e80468f355ff4e9b9f5d1f6b838302a86108c9af45035d36a6d030cfcbde89",
    "data_batch_4.bin": "f54c37259547ab0c2e68ec2a7567cb237248096383c00419ef240388f4660284",
    "data_batch_5.bin": "51783befeac6ee6460214b93766ed6d552b6f3654d881bc196244cf9c03813b5",
    "test_batch.bin": "17a6133a4a994e71c27622494005198542bbb9f68c3a381df95d1e8cdda3f1af",
}


def git_blob_sha1(data: bytes) -> str:
    """Git's object id for ``data`` as a blob: comparable with ``git hash-object``."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()
