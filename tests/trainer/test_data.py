"""Tests of trainer.data: readers, verification, look-up order, download, data module.

No real dataset is needed: every test writes its own tiny IDX and CIFAR-binary files (valid
and corrupt) into tmp_path. Tests marked ``realdata`` read the real copies when present.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import socket
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from trainer.data import (
    DatasetError,
    ImageDataset,
    SCDataModule,
    checksums,
    git_blob_sha1,
    load_dataset,
    locate,
    locate_fashion_mnist,
    random_crop_flip,
)
from trainer.data.cifar import read_cifar_batch
from trainer.data.idx import read_images, read_labels

REPO_ROOT = Path(__file__).resolve().parents[2]
FMNIST_STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


# --- fixture writers ------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x00000800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_file(path: Path, data: bytes, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def make_fmnist(directory: Path, n_train: int = 30, n_test: int = 20, gz: bool = True, seed=0):
    """Write a tiny valid Fashion-MNIST copy; return the arrays written."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for role, array in arrays.items():
        name = FMNIST_STEMS[role] + (".gz" if gz else "")
        write_file(directory / name, idx_bytes(array), gz=gz)
    return arrays


def cifar_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    records = np.concatenate(
        [labels.astype(np.uint8)[:, None], images.reshape(len(images), -1)], axis=1
    )
    return records.tobytes()


def make_cifar(directory: Path, n: int = 10, seed: int = 0, meta: bool = True):
    """Write a tiny valid cifar-10-batches-bin; return {file name: (images, labels)}."""
    rng = np.random.default_rng(seed)
    written = {}
    for name in CIFAR_FILES:
        images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_file(directory / name, cifar_bytes(images, labels))
        written[name] = (images, labels)
    if meta:
        names = ("airplane", "automobile", "bird", "cat", "deer")
        names += ("dog", "frog", "horse", "ship", "truck")
        (directory / "batches.meta.txt").write_text("\n".join(names) + "\n\n")
    return written


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may see the machine's data, env var, cache or proxy."""
    monkeypatch.delenv(locate.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(locate, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "no-debian")
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def assert_names(exc: pytest.ExceptionInfo[DatasetError], path: Path) -> None:
    message = str(exc.value)
    assert str(path) in message, message
    assert "\n" not in message


# --- IDX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_roundtrip(tmp_path: Path, gz: bool) -> None:
    images = np.random.default_rng(1).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.array([0, 9, 3, 3, 1, 2, 8], dtype=np.uint8)
    pi = write_file(tmp_path / "images", idx_bytes(images), gz=gz)
    pl_ = write_file(tmp_path / "labels", idx_bytes(labels), gz=gz)
    assert np.array_equal(read_images(pi).array, images)
    assert np.array_equal(read_labels(pl_, 10).array, labels)
    assert read_images(pi).git_blob == git_blob_sha1(idx_bytes(images))


def test_git_blob_matches_git() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_sha1(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_load_fashion_mnist_fixture(tmp_path: Path, gz: bool) -> None:
    arrays = make_fmnist(tmp_path / "fm", gz=gz)
    data = load_dataset("fashion_mnist", root=tmp_path / "fm", download=False)
    assert data.train_images.dtype == torch.uint8 and data.train_labels.dtype == torch.int64
    assert data.train_images.shape == (30, 1, 28, 28) and data.test_images.shape == (20, 1, 28, 28)
    assert np.array_equal(data.train_images[:, 0].numpy(), arrays["train_images"])
    assert np.array_equal(data.test_labels.numpy(), arrays["test_labels"])
    assert data.input_shape == (1, 28, 28) and data.num_classes == 10
    assert data.is_jpeg_decoded_copy is False
    assert data.source == (tmp_path / "fm").absolute()
    assert len(data.file_digests) == 4
    assert data.summary()["num_train"] == 30


def _same_test_split(whole, alone) -> None:
    assert torch.equal(alone.test_images, whole.test_images)
    assert torch.equal(alone.test_labels, whole.test_labels)
    assert alone.train_images.shape == (0, *whole.input_shape) and len(alone.train_labels) == 0
    assert (alone.num_classes, alone.input_shape, alone.class_names, alone.source) == (
        whole.num_classes, whole.input_shape, whole.class_names, whole.source)
    assert alone.is_jpeg_decoded_copy == whole.is_jpeg_decoded_copy
    assert alone.file_digests.items() < whole.file_digests.items()


def test_the_test_split_alone_is_the_test_split(tmp_path: Path) -> None:
    """`test_only` (what `evaluate` reads) gives the full load's test split and reads no
    training file: a corrupt one does not stop it."""
    make_fmnist(tmp_path / "fm")
    whole = load_dataset("fashion_mnist", root=tmp_path / "fm", download=False)
    train = tmp_path / "fm" / (FMNIST_STEMS["train_images"] + ".gz")
    train.write_bytes(train.read_bytes()[:40])
    _same_test_split(whole, load_dataset("fashion_mnist", root=tmp_path / "fm",
                                         download=False, test_only=True))
    with pytest.raises(DatasetError):
        load_dataset("fashion_mnist", root=tmp_path / "fm", download=False)


def test_the_cifar_test_split_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_cifar(tmp_path)
    for name in CIFAR_FILES:  # the project's JPEG-decoded copy, as the digests tell
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        monkeypatch.setitem(checksums.CIFAR10_JPEG_COPY_SHA256, name, digest)
    whole = load_dataset("cifar10", root=tmp_path, download=False)
    assert whole.is_jpeg_decoded_copy
    (tmp_path / "data_batch_1.bin").write_bytes(b"not a batch")
    _same_test_split(whole, load_dataset("cifar10", root=tmp_path, download=False,
                                         test_only=True))


def test_truncated_idx_payload(tmp_path: Path) -> None:
    path = write_file(tmp_path / "t", idx_bytes(np.zeros((5, 28, 28), np.uint8))[:-1])
    with pytest.raises(DatasetError, match="truncated") as exc:
        read_images(path)
    assert_names(exc, path)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(idx_bytes(np.arange(5 * 28 * 28).reshape(5, 28, 28) % 251))
    path = write_file(tmp_path / "t.gz", data[: len(data) // 2])
    with pytest.raises(DatasetError, match="gzip") as exc:
        read_images(path)
    assert_names(exc, path)


def test_trailing_bytes(tmp_path: Path) -> None:
    path = write_file(tmp_path / "t", idx_bytes(np.zeros(5, np.uint8)) + b"\0\0", gz=True)
    with pytest.raises(DatasetError, match="trailing") as exc:
        read_labels(path, 10)
    assert_names(exc, path)


def test_wrong_magic(tmp_path: Path) -> None:
    path = write_file(tmp_path / "labels", idx_bytes(np.zeros((5, 28, 28), np.uint8)))
    with pytest.raises(DatasetError, match="magic") as exc:
        read_labels(path, 10)
    assert_names(exc, path)


def test_label_out_of_range(tmp_path: Path) -> None:
    make_fmnist(tmp_path)
    path = write_file(tmp_path / FMNIST_STEMS["test_labels"], idx_bytes(np.full(20, 10)))
    with pytest.raises(DatasetError, match="out of range") as exc:
        load_dataset("fashion_mnist", root=tmp_path, download=False)
    assert_names(exc, path)


def test_count_mismatch(tmp_path: Path) -> None:
    make_fmnist(tmp_path)
    write_file(tmp_path / (FMNIST_STEMS["train_labels"] + ".gz"), idx_bytes(np.zeros(29)), gz=True)
    with pytest.raises(DatasetError, match="30 images but") as exc:
        load_dataset("fashion_mnist", root=tmp_path, download=False)
    assert_names(exc, tmp_path / (FMNIST_STEMS["train_images"] + ".gz"))


@pytest.mark.parametrize("test_only", [False, True])
def test_test_split_count_mismatch(tmp_path: Path, test_only: bool) -> None:
    """The test split is checked as strictly when it is read alone (`evaluate`)."""
    make_fmnist(tmp_path)
    write_file(tmp_path / (FMNIST_STEMS["test_labels"] + ".gz"), idx_bytes(np.zeros(19)), gz=True)
    with pytest.raises(DatasetError, match="20 images but") as exc:
        load_dataset("fashion_mnist", root=tmp_path, download=False, test_only=test_only)
    assert_names(exc, tmp_path / (FMNIST_STEMS["test_images"] + ".gz"))


def test_full_size_file_must_be_official(tmp_path: Path) -> None:
    # The header claims the official 60000x28x28 training images; the bytes are zeros.
    path = tmp_path / FMNIST_STEMS["train_images"]
    write_file(path, idx_bytes(np.zeros((60000, 28, 28), np.uint8)))
    read_images(path)  # structurally fine...
    with pytest.raises(DatasetError, match="does not match the official Fashion-MNIST") as exc:
        read_images(path, role="train_images")  # ...but not the release it claims to be
    assert_names(exc, path)


def test_swapped_official_file_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    labels = idx_bytes(np.zeros(7, np.uint8))
    spec = checksums.FASHION_MNIST_FILES["test_labels"]
    monkeypatch.setitem(
        checksums.FASHION_MNIST_FILES,
        "test_labels",
        checksums.IdxFileSpec(spec.stem, spec.shape, git_blob_sha1(labels)),
    )
    path = write_file(tmp_path / FMNIST_STEMS["train_labels"], labels)
    with pytest.raises(DatasetError, match="swapped") as exc:
        read_labels(path, 10, role="train_labels")
    assert_names(exc, path)


# --- CIFAR-10 -------------------------------------------------------------------------------


def test_cifar_roundtrip(tmp_path: Path) -> None:
    written = make_cifar(tmp_path / "cifar-10-batches-bin")
    batch = read_cifar_batch(tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin")
    images, labels = written["data_batch_2.bin"]
    assert np.array_equal(batch.images, images) and np.array_equal(batch.labels, labels)
    # Channel order: the first 1024 pixel bytes of a record are the red plane.
    raw = (tmp_path / "cifar-10-batches-bin" / "data_batch_2.bin").read_bytes()
    red = np.frombuffer(raw[1 : 1 + 1024], np.uint8).reshape(32, 32)
    assert np.array_equal(batch.images[0, 0], red)

    data = load_dataset("cifar10", root=tmp_path, download=False)  # finds the subfolder
    assert data.train_images.shape == (50, 3, 32, 32) and data.test_images.shape == (10, 3, 32, 32)
    assert data.train_images.dtype == torch.uint8 and data.test_labels.dtype == torch.int64
    train = np.concatenate([written[f"data_batch_{i}.bin"][0] for i in range(1, 6)])
    assert np.array_equal(data.train_images.numpy(), train)
    assert data.class_names[0] == "airplane" and data.input_shape == (3, 32, 32)
    assert data.is_jpeg_decoded_copy is False
    digest = hashlib.sha256(raw).hexdigest()
    assert data.file_digests["data_batch_2.bin"] == f"sha256:{digest}"


def test_cifar_jpeg_copy_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_cifar(tmp_path)
    for name in CIFAR_FILES:
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        monkeypatch.setitem(checksums.CIFAR10_JPEG_COPY_SHA256, name, digest)
    assert load_dataset("cifar10", root=tmp_path, download=False).is_jpeg_decoded_copy is True


def test_cifar_size_not_multiple(tmp_path: Path) -> None:
    make_cifar(tmp_path)
    path = tmp_path / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DatasetError, match="3073") as exc:
        load_dataset("cifar10", root=tmp_path, download=False)
    assert_names(exc, path)


def test_cifar_label_out_of_range(tmp_path: Path) -> None:
    make_cifar(tmp_path)
    path = tmp_path / "test_batch.bin"
    raw = bytearray(path.read_bytes())
    raw[3073 * 4] = 10
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError, match="out of range") as exc:
        load_dataset("cifar10", root=tmp_path, download=False)
    assert_names(exc, path)


def test_cifar_short_file_in_full_size_set(tmp_path: Path) -> None:
    make_cifar(tmp_path)
    full = np.zeros((10000, 3073), np.uint8)
    (tmp_path / "data_batch_1.bin").write_bytes(full.tobytes())
    with pytest.raises(DatasetError, match="truncated") as exc:
        load_dataset("cifar10", root=tmp_path, download=False)
    assert_names(exc, tmp_path / "data_batch_2.bin")


# --- look-up order --------------------------------------------------------------------------


def test_explicit_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fmnist(tmp_path / "env" / "fashion-mnist", n_train=20)
    make_fmnist(tmp_path / "mine", n_train=40)
    monkeypatch.setenv(locate.ENV_VAR, str(tmp_path / "env"))
    data = load_dataset("fashion_mnist", root=tmp_path / "mine", download=False)
    assert len(data.train_labels) == 40


def test_explicit_path_missing_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fmnist(tmp_path / "env")
    monkeypatch.setenv(locate.ENV_VAR, str(tmp_path / "env"))
    with pytest.raises(DatasetError, match="given path") as exc:
        load_dataset("fashion_mnist", root=tmp_path / "typo", download=False)
    assert_names(exc, tmp_path / "typo")


@pytest.mark.parametrize("sub", ["fashion-mnist", ""])
def test_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sub: str) -> None:
    make_fmnist(tmp_path / "env" / sub, n_train=20)
    make_fmnist(tmp_path / "xdg-cache" / "codesign" / "fashion-mnist", n_train=40)
    monkeypatch.setenv(locate.ENV_VAR, str(tmp_path / "env"))
    located = locate_fashion_mnist(download=False)
    assert located.origin == "env" and located.directory == (tmp_path / "env" / sub).absolute()
    assert len(load_dataset("fashion_mnist", download=False).train_labels) == 20


def test_env_var_cifar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_cifar(tmp_path / "data" / "cifar-10-batches-bin", n=20)
    monkeypatch.setenv(locate.ENV_VAR, str(tmp_path / "data"))
    assert len(load_dataset("cifar10", download=False).test_labels) == 20


def test_cache_then_debian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fmnist(tmp_path / "debian", n_train=50)
    monkeypatch.setattr(locate, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "debian")
    assert locate_fashion_mnist(download=False).origin == "debian"
    make_fmnist(tmp_path / "xdg-cache" / "codesign" / "fashion-mnist", n_train=40)
    assert locate_fashion_mnist(download=False).origin == "cache"
    assert len(load_dataset("fashion_mnist", download=False).train_labels) == 40


def test_nothing_found_says_how_to_get_it(tmp_path: Path) -> None:
    make_fmnist(tmp_path / "xdg-cache" / "codesign" / "fashion-mnist")
    (tmp_path / "xdg-cache" / "codesign" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError) as exc:
        load_dataset("fashion_mnist", download=False)
    message = str(exc.value)
    assert "\n" not in message
    for needle in (
        "apt-get install dataset-fashion-mnist",
        "CODESIGN_DATA_DIR",
        locate.FASHION_MNIST_URL,
        "download disabled",
        "incomplete: missing t10k-images-idx3-ubyte",
        str(tmp_path / "no-debian"),
    ):
        assert needle in message, message
    with pytest.raises(DatasetError, match="cifar-10-binary.tar.gz") as exc:
        load_dataset("cifar10", download=False)
    assert "CODESIGN_DATA_DIR" in str(exc.value)


def test_no_network_falls_through_to_how_to(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that was free a moment ago: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError, match="apt-get install") as exc:
        load_dataset("fashion_mnist", base_url=f"http://127.0.0.1:{port}/")
    assert "failed" in str(exc.value)


def test_unknown_dataset_name() -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("mnist")  # type: ignore[arg-type]


# --- download against a local HTTP server ---------------------------------------------------


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve a folder on 127.0.0.1 from a thread; yield (folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _patch_fmnist_digests(monkeypatch: pytest.MonkeyPatch, arrays: dict) -> None:
    for role, array in arrays.items():
        stem = FMNIST_STEMS[role]
        monkeypatch.setitem(checksums.FASHION_MNIST_GIT_BLOB, stem, git_blob_sha1(idx_bytes(array)))


def test_download_fashion_mnist(http_dir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    www, url = http_dir
    arrays = make_fmnist(www, gz=True)
    _patch_fmnist_digests(monkeypatch, arrays)
    data = load_dataset("fashion_mnist", base_url=url, cache_dir=tmp_path / "c")
    assert np.array_equal(data.train_images[:, 0].numpy(), arrays["train_images"])
    cached = tmp_path / "c" / "fashion-mnist"
    assert data.source == cached
    assert sorted(p.name for p in cached.iterdir()) == sorted(
        s + ".gz" for s in FMNIST_STEMS.values()
    )
    # Found in the cache next time, without the network.
    assert locate_fashion_mnist(download=False, cache_dir=tmp_path / "c").origin == "cache"


def test_download_rejects_corrupt_file(http_dir, tmp_path: Path, monkeypatch) -> None:
    www, url = http_dir
    arrays = make_fmnist(www, gz=True)
    _patch_fmnist_digests(monkeypatch, arrays)
    bad = www / (FMNIST_STEMS["test_images"] + ".gz")
    tampered = arrays["test_images"].copy()
    tampered[0, 0, 0] ^= 1  # one bit off: structurally valid, wrong checksum
    write_file(bad, idx_bytes(tampered), gz=True)
    with pytest.raises(DatasetError, match="does not match the official") as exc:
        load_dataset("fashion_mnist", base_url=url, cache_dir=tmp_path / "c")
    assert "t10k-images-idx3-ubyte.gz" in str(exc.value)
    cached = tmp_path / "c" / "fashion-mnist"
    assert not list(cached.glob("*.part")) and not (cached / bad.name).exists()


def test_download_cifar10(http_dir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    www, url = http_dir
    written = make_cifar(tmp_path / "src" / "cifar-10-batches-bin")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(tmp_path / "src" / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
    tarball = www / "cifar-10-binary.tar.gz"
    tarball.write_bytes(buf.getvalue())
    name = checksums.CIFAR10_TARBALL

    monkeypatch.setitem(checksums.CIFAR10_TARBALL_MD5, name, "0" * 32)
    with pytest.raises(DatasetError, match="md5"):
        load_dataset("cifar10", base_url=url, cache_dir=tmp_path / "c")
    assert not list((tmp_path / "c").iterdir())  # partial tarball deleted

    monkeypatch.setitem(
        checksums.CIFAR10_TARBALL_MD5, name, hashlib.md5(buf.getvalue()).hexdigest()
    )
    data = load_dataset("cifar10", base_url=url, cache_dir=tmp_path / "c")
    assert np.array_equal(data.test_images.numpy(), written["test_batch.bin"][0])
    assert data.source == tmp_path / "c" / "cifar-10-batches-bin"
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["cifar-10-batches-bin"]


# --- data module ----------------------------------------------------------------------------


def synthetic(n_train: int = 200, n_test: int = 50, channels: int = 1, size: int = 8):
    g = torch.Generator().manual_seed(0)
    return (
        torch.randint(0, 256, (n_train, channels, size, size), dtype=torch.uint8, generator=g),
        torch.arange(n_train) % 10,
        torch.randint(0, 256, (n_test, channels, size, size), dtype=torch.uint8, generator=g),
        torch.arange(n_test) % 10,
    )


def test_datamodule_from_files(tmp_path: Path) -> None:
    make_fmnist(tmp_path, n_train=100, n_test=20)
    dm = SCDataModule(
        "fashion_mnist", root=tmp_path, batch_size=16, eval_batch_size=7, download=False
    )
    assert dm.num_classes == 10 and dm.input_shape == (1, 28, 28)  # known before setup
    dm.prepare_data()
    dm.setup("fit")
    x, y = next(iter(dm.train_dataloader()))
    assert x.dtype == torch.uint8 and x.shape == (16, 1, 28, 28) and y.dtype == torch.int64
    assert len(dm.val_dataset) == 10 and len(dm.train_dataset) == 90  # 10% of each class
    assert [len(b[1]) for b in dm.test_dataloader()] == [7, 7, 6]
    assert isinstance(dm.dataset_info, ImageDataset) and dm.dataset_info.source is not None


def test_datamodule_split_and_subset() -> None:
    tensors = synthetic(n_train=1000, n_test=50)
    dm = SCDataModule.from_tensors(*tensors, val_fraction=0.2, subset=0.5, seed=3, batch_size=64)
    dm.setup()
    train_idx, val_idx = dm.train_indices, dm.val_indices
    assert len(set(train_idx.tolist()) & set(val_idx.tolist())) == 0
    labels = tensors[1]
    assert labels[train_idx].bincount().tolist() == [40] * 10  # 80 per class, half kept
    assert labels[val_idx].bincount().tolist() == [10] * 10
    assert len(dm.test_dataset) == 50  # never subsetted
    assert torch.equal(dm.train_dataset.tensors[0], tensors[0][train_idx])
    dm.setup()  # idempotent
    assert dm.train_indices is train_idx

    same = SCDataModule.from_tensors(*tensors, val_fraction=0.2, subset=0.5, seed=3)
    same.setup()
    assert torch.equal(same.train_indices, train_idx) and torch.equal(same.val_indices, val_idx)
    other = SCDataModule.from_tensors(*tensors, val_fraction=0.2, subset=0.5, seed=4)
    other.setup()
    assert not torch.equal(other.val_indices, val_idx)


def test_datamodule_loaders_order() -> None:
    dm = SCDataModule.from_tensors(*synthetic(), batch_size=32, eval_batch_size=25, seed=1)
    dm.setup()
    first = torch.cat([y for _, y in dm.train_dataloader()])
    again = torch.cat([y for _, y in dm.train_dataloader()])
    assert torch.equal(first, again)  # seeded: the same order in a fresh fit
    assert not torch.equal(first, dm.train_dataset.tensors[1])  # but shuffled
    val = torch.cat([y for _, y in dm.val_dataloader()])
    assert torch.equal(val, dm.val_dataset.tensors[1])  # not shuffled
    test = torch.cat([x for x, _ in dm.test_dataloader()])
    assert torch.equal(test, dm.test_dataset.tensors[0])


def test_random_crop_flip() -> None:
    images = torch.randint(1, 256, (16, 3, 8, 8), dtype=torch.uint8)
    out = random_crop_flip(images, padding=2, generator=torch.Generator().manual_seed(0))
    assert out.shape == images.shape and out.dtype == torch.uint8
    assert not torch.equal(out, images)
    again = random_crop_flip(images, padding=2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    padded = torch.nn.functional.pad(images, (2, 2, 2, 2))
    for i in range(16):  # every output is a shifted window of the padded image, maybe mirrored
        windows = [
            w
            for dy in range(5)
            for dx in range(5)
            for w in (padded[i, :, dy : dy + 8, dx : dx + 8],)
            for w in (w, w.flip(-1))
        ]
        assert any(torch.equal(out[i], w) for w in windows)


def test_augment_only_while_training() -> None:
    dm = SCDataModule.from_tensors(*synthetic(channels=3), augment=True)
    batch = (torch.randint(1, 256, (8, 3, 8, 8), dtype=torch.uint8), torch.zeros(8).long())
    dm.trainer = SimpleNamespace(training=False)  # type: ignore[assignment]
    assert dm.on_after_batch_transfer(batch, 0) is batch
    dm.trainer = SimpleNamespace(training=True)  # type: ignore[assignment]
    x, y = dm.on_after_batch_transfer(batch, 0)
    assert x.shape == batch[0].shape and x.dtype == torch.uint8 and not torch.equal(x, batch[0])
    assert y is batch[1]


# pytorch_lightning's own pytree helper warns under recent torch; nothing this test controls.
@pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning")
def test_datamodule_in_lightning_fit() -> None:
    import pytorch_lightning as pl

    class Probe(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(3 * 8 * 8, 10)
            self.seen: list[tuple[str, torch.dtype, tuple]] = []

        def _step(self, batch, stage: str):
            x, y = batch
            self.seen.append((stage, x.dtype, tuple(x.shape)))
            return torch.nn.functional.cross_entropy(self.linear(x.flatten(1).float() / 255), y)

        def training_step(self, batch, batch_idx):
            return self._step(batch, "train")

        def validation_step(self, batch, batch_idx):
            self._step(batch, "val")

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    dm = SCDataModule.from_tensors(*synthetic(channels=3), batch_size=32, augment=True)
    model = Probe()
    trainer = pl.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model, datamodule=dm)
    stages = {s for s, _, _ in model.seen}
    assert stages == {"train", "val"}
    assert all(dtype == torch.uint8 and shape[1:] == (3, 8, 8) for _, dtype, shape in model.seen)


# --- real data ------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_fashion_mnist() -> None:
    root = Path("/usr/share/datasets/fashion-mnist")
    if not root.is_dir():
        pytest.skip(f"{root} absent: apt-get install dataset-fashion-mnist")
    start = time.perf_counter()
    data = load_dataset("fashion_mnist", root=root, download=False)
    elapsed = time.perf_counter() - start
    print(f"loaded real Fashion-MNIST in {elapsed:.2f} s")
    assert data.train_images.shape == (60000, 1, 28, 28) and data.test_images.shape == (
        10000,
        1,
        28,
        28,
    )
    assert data.train_images.dtype == torch.uint8
    assert data.train_labels.bincount().tolist() == [6000] * 10
    assert data.test_labels.bincount().tolist() == [1000] * 10
    expected = {
        spec.stem + ".gz": f"git-blob:{spec.git_blob}"
        for spec in checksums.FASHION_MNIST_FILES.values()
    }
    assert dict(data.file_digests) == expected
    assert data.is_jpeg_decoded_copy is False


@pytest.mark.realdata
def test_real_cifar10_jpeg_copy() -> None:
    root = REPO_ROOT.parent / "shared" / "data" / "cifar-10-batches-bin"
    if not root.is_dir():
        pytest.skip(f"{root} absent (the project's JPEG-decoded CIFAR-10 copy)")
    data = load_dataset("cifar10", root=root, download=False)
    assert data.train_images.shape == (50000, 3, 32, 32) and data.test_images.shape == (
        10000,
        3,
        32,
        32,
    )
    assert data.train_labels.bincount().tolist() == [5000] * 10
    assert data.test_labels.bincount().tolist() == [1000] * 10
    assert data.is_jpeg_decoded_copy is True
