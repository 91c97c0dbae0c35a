"""Where a dataset comes from: explicit path, environment, cache, Debian, download.

Look-up order, per dataset (first complete copy wins):

1. the explicit ``root`` argument: when given it is the only place looked at, and a copy missing
   there is an error naming it (a typo in a path must not silently load data from elsewhere);
2. ``$CODESIGN_DATA_DIR`` (its ``fashion-mnist/`` or ``cifar-10-batches-bin/`` subfolder, then
   the folder itself);
3. the user cache folder (``$XDG_CACHE_HOME/codesign`` or ``~/.cache/codesign``), where
   downloads go;
4. for Fashion-MNIST, the Debian package location ``/usr/share/datasets/fashion-mnist``;
5. a download into the cache folder, verified against known checksums, when allowed.

Finding files here only means they exist; the readers verify their content. A verification
failure is an error, never a reason to try the next location: a corrupt copy must be noticed.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import checksums
from .cifar import ALL_FILES as CIFAR10_FILES
from .errors import DatasetError
from .idx import read_idx_bytes

logger = logging.getLogger(__name__)

ENV_VAR = "CODESIGN_DATA_DIR"
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/"
FASHION_MNIST_SUBDIR = "fashion-mnist"
CIFAR10_SUBDIR = "cifar-10-batches-bin"
DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 20

FASHION_MNIST_STEMS: dict[str, str] = {
    role: spec.stem for role, spec in checksums.FASHION_MNIST_FILES.items()
}


@dataclass(frozen=True)
class Located:
    """A complete copy of a dataset on disk and how it was found."""

    directory: Path
    files: dict[str, Path]  # role or file name -> path
    origin: str  # "path", "env", "cache", "debian" or "download"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/codesign``, else ``~/.cache/codesign`` (the XDG default)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "codesign"


# --- finding files ------------------------------------------------------------------------


def _fashion_mnist_files(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """The four IDX files in ``directory`` (raw preferred, else .gz), and the missing ones."""
    found: dict[str, Path] = {}
    missing: list[str] = []
    for role, stem in FASHION_MNIST_STEMS.items():
        for name in (stem, stem + ".gz"):
            if (directory / name).is_file():
                found[role] = directory / name
                break
        else:
            missing.append(stem + "[.gz]")
    return found, missing


def _cifar10_files(directory: Path) -> tuple[dict[str, Path], list[str]]:
    found = {n: directory / n for n in CIFAR10_FILES if (directory / n).is_file()}
    missing = [n for n in CIFAR10_FILES if n not in found]
    return found, missing


_Finder = Callable[[Path], tuple[dict[str, Path], list[str]]]


def _search(
    candidates: list[tuple[str, Path]], finder: _Finder, looked: list[str]
) -> Located | None:
    """First candidate folder holding a complete copy; notes every folder tried in ``looked``."""
    for origin, directory in candidates:
        if not directory.is_dir():
            looked.append(str(directory))
            continue
        found, missing = finder(directory)
        if not missing:
            logger.debug("dataset found in %s (%s)", directory, origin)
            return Located(directory=directory, files=found, origin=origin)
        if found:
            logger.warning("%s holds an incomplete copy, missing %s", directory, missing)
            looked.append(f"{directory} (incomplete: missing {', '.join(missing)})")
        else:
            looked.append(str(directory))
    return None


def _find_or_download(
    candidates: list[tuple[str, Path]],
    finder: _Finder,
    fetch: Callable[[], Path] | None,
    not_found: str,
) -> Located:
    """The first complete copy among `candidates`, else what `fetch` downloads (None: download
    disabled), else a DatasetError: `not_found` with `{where}` replaced by where it looked and
    why nothing was downloaded."""
    looked: list[str] = []
    located = _search(candidates, finder, looked)
    if located is not None:
        return located
    note = "download disabled"
    if fetch is not None:
        try:
            directory = fetch()
            files, _ = finder(directory)
            return Located(directory=directory, files=files, origin="download")
        except _NetworkError as exc:
            note = str(exc)
    raise DatasetError(not_found.replace("{where}", f"looked in {'; '.join(looked)}; {note}"))


def _env_candidates(subdir: str) -> list[tuple[str, Path]]:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return []
    base = Path(value).expanduser().absolute()
    if not base.is_dir():
        logger.warning("$%s=%s is not a folder", ENV_VAR, value)
    return [("env", base / subdir), ("env", base)]


def _explicit(root: str | Path, subdir: str, finder: _Finder, what: str) -> Located:
    # Absolute, not resolved: reports show the path the user gave, symlinks included.
    root = Path(root).expanduser().absolute()
    looked: list[str] = []
    located = _search([("path", root), ("path", root / subdir)], finder, looked)
    if located is None:
        _, missing = finder(root)
        note = "" if root.is_dir() else " (no such folder)"
        raise DatasetError(
            f"{what} not found under the given path {root}{note}: looked for "
            f"{', '.join(missing)} in {root} and {root / subdir}",
            root,
        )
    return located


# --- downloading --------------------------------------------------------------------------


class _NetworkError(Exception):
    """A download failed for reasons of transport (no network, HTTP error, cut connection)."""


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


def _fetch(url: str, dest: Path, digest: _Digest | None = None) -> None:
    """Stream ``url`` into ``dest``, updating ``digest`` on the way; raise _NetworkError."""
    # A fresh opener per call picks up the current proxy environment (urlopen caches one).
    opener = urllib.request.build_opener()
    try:
        with opener.open(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(dest, "wb") as out:
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                if digest is not None:
                    digest.update(chunk)
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
        dest.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise _NetworkError(f"download from {url} failed: {reason}") from exc


def _part_file(directory: Path, name: str) -> Path:
    """A fresh temporary name next to the final one: concurrent downloads (several Ray
    workers on one machine) never write into the same file, and ``os.replace`` is atomic."""
    fd, path = tempfile.mkstemp(dir=directory, prefix=name + ".", suffix=".part")
    os.close(fd)
    return Path(path)


def download_fashion_mnist(
    dest_dir: str | Path,
    base_url: str = FASHION_MNIST_URL,
    digests: Mapping[str, str] | None = None,
) -> Path:
    """Download the four Fashion-MNIST .gz files missing from ``dest_dir`` and verify them.

    Each file is written to a unique ``<name>.*.part`` file, its decompressed content checked
    against the git blob id in ``digests`` (default: the official ones), and only then renamed
    into place; a file that fails the check is deleted and a :class:`DatasetError` raised.
    Transport failures raise the private ``_NetworkError`` so the caller can fall back to its
    how-to message.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    digests = checksums.FASHION_MNIST_GIT_BLOB if digests is None else digests
    present, _ = _fashion_mnist_files(dest_dir)
    for role, stem in FASHION_MNIST_STEMS.items():
        if role in present:
            continue
        url = base_url.rstrip("/") + "/" + stem + ".gz"
        final = dest_dir / (stem + ".gz")
        part = _part_file(dest_dir, stem + ".gz")
        logger.info("downloading %s", url)
        _fetch(url, part)
        try:
            blob = checksums.git_blob_sha1(read_idx_bytes(part))
        except DatasetError as exc:
            part.unlink(missing_ok=True)
            raise DatasetError(f"downloaded {url}: {exc}; deleted {part}", part) from exc
        if blob != digests[stem]:
            part.unlink(missing_ok=True)
            raise DatasetError(
                f"downloaded {url} does not match the official Fashion-MNIST checksum "
                f"(git blob {blob}, expected {digests[stem]}): deleted {part}",
                part,
            )
        os.replace(part, final)
    return dest_dir


def download_cifar10(
    cache_dir: str | Path, base_url: str = CIFAR10_URL, md5: str | None = None
) -> Path:
    """Download the CIFAR-10 binary tarball, verify its md5, unpack ``cifar-10-batches-bin``.

    Returns the unpacked folder (under ``cache_dir``). The tarball is deleted afterwards; a
    tarball that fails its md5 or does not unpack is deleted and a :class:`DatasetError` raised.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    name = checksums.CIFAR10_TARBALL
    expected = checksums.CIFAR10_TARBALL_MD5[name] if md5 is None else md5
    url = base_url.rstrip("/") + "/" + name
    part = _part_file(cache_dir, name)
    digest = hashlib.md5(usedforsecurity=False)
    logger.info("downloading %s", url)
    _fetch(url, part, digest)
    try:
        if digest.hexdigest() != expected:
            raise DatasetError(
                f"downloaded {url} does not match the official CIFAR-10 md5 "
                f"({digest.hexdigest()}, expected {expected}): deleted {part}",
                part,
            )
        target = cache_dir / CIFAR10_SUBDIR
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".cifar-unpack-") as tmp:
            try:
                with tarfile.open(part, "r:gz") as tar:
                    members = [
                        m
                        for m in tar.getmembers()
                        if m.isfile() and m.name.startswith(CIFAR10_SUBDIR + "/")
                    ]
                    tar.extractall(tmp, members=members, filter="data")
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise DatasetError(
                    f"downloaded {url}: cannot unpack ({exc}): deleted {part}", part
                ) from exc
            unpacked = Path(tmp) / CIFAR10_SUBDIR
            if not unpacked.is_dir():
                raise DatasetError(
                    f"downloaded {url}: no {CIFAR10_SUBDIR}/ inside: deleted {part}", part
                )
            target.mkdir(exist_ok=True)
            for f in unpacked.iterdir():
                os.replace(f, target / f.name)
        return target
    finally:
        part.unlink(missing_ok=True)


# --- the look-up order --------------------------------------------------------------------


def locate_fashion_mnist(
    root: str | Path | None = None,
    download: bool = True,
    cache_dir: str | Path | None = None,
    base_url: str | None = None,
) -> Located:
    """Find (or download) a complete Fashion-MNIST copy; see the module docstring for order."""
    if root is not None:
        return _explicit(root, FASHION_MNIST_SUBDIR, _fashion_mnist_files, "Fashion-MNIST")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    candidates = _env_candidates(FASHION_MNIST_SUBDIR)
    candidates += [("cache", cache / FASHION_MNIST_SUBDIR), ("debian", DEBIAN_FASHION_MNIST_DIR)]
    url = base_url or FASHION_MNIST_URL
    return _find_or_download(
        candidates,
        _fashion_mnist_files,
        (lambda: download_fashion_mnist(cache / FASHION_MNIST_SUBDIR, url)) if download else None,
        f"Fashion-MNIST not found ({{where}}). Get it with "
        f"`apt-get install dataset-fashion-mnist` on Debian, or download the four .gz files "
        f"from {FASHION_MNIST_URL} into a folder and set {ENV_VAR} to it or pass its path.",
    )


def locate_cifar10(
    root: str | Path | None = None,
    download: bool = True,
    cache_dir: str | Path | None = None,
    base_url: str | None = None,
) -> Located:
    """Find (or download) a complete ``cifar-10-batches-bin``; see the module docstring."""
    if root is not None:
        return _explicit(root, CIFAR10_SUBDIR, _cifar10_files, "CIFAR-10")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    candidates = _env_candidates(CIFAR10_SUBDIR) + [("cache", cache / CIFAR10_SUBDIR)]
    url = base_url or CIFAR10_URL
    return _find_or_download(
        candidates,
        _cifar10_files,
        (lambda: download_cifar10(cache, url)) if download else None,
        f"CIFAR-10 not found ({{where}}). Download "
        f"{CIFAR10_URL}{checksums.CIFAR10_TARBALL}, unpack it and set {ENV_VAR} to the folder "
        f"that holds {CIFAR10_SUBDIR}/, or pass the path of that folder.",
    )
