"""Writing results: checked before the work, written whole or not at all, never through a link,
never outside the folder they belong to.

- `unwritable_reason` / `check_writable`: what can be known before a command works (the
  folder exists or can be made and written, the name fits the filesystem, the target is a
  regular file or nothing: `-o /dev/full`, a FIFO or a symbolic link is refused).
- `replacing(path)`: a temporary file beside `path`, moved over it (`os.replace`) only once it
  is written whole. A full disk leaves no partial file, and a symbolic link planted at `path` is
  replaced, never written through.
- `OutputBatch`: several files of one command (the Verilog files and manifest of `rtl`, the
  plots of `pareto`, the YAML and weights of `export`) appear together or not at all.
- `check_inside`: a path built from names stays inside its folder, links resolved.

Every failure is an `OutputError` (a `UserError`: one line, exit code 2) naming the file that
could not be written.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codesign.errors import UserError

NAME_MAX_BYTES = 255  # one file name (Linux, most filesystems)
PATH_MAX_BYTES = 4096


class OutputError(UserError):
    """An output that cannot be written: names the file and why."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()  # what `open(path, "w")` would have given the file


def _non_regular(mode: int) -> str | None:
    for test, kind in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return None


def _name_problem(path: Path) -> str | None:
    encoded = os.fsencode(str(path))
    if len(encoded) >= PATH_MAX_BYTES:
        return f"cannot write: the path is longer than {PATH_MAX_BYTES} bytes"
    if any(len(os.fsencode(part)) > NAME_MAX_BYTES for part in path.parts):
        return f"cannot write: a file name is longer than {NAME_MAX_BYTES} bytes"
    return None


def unwritable_reason(path: Path, folder: bool = False) -> str | None:
    """Why `path` (a file, or a folder to create or fill) cannot be written, or None. Checks
    without writing anything, so that a command refuses before its work, not after."""
    problem = _name_problem(path)
    if problem:
        return problem
    if path.is_symlink() and not folder:
        return "is a symbolic link: refusing to write through it (remove it first)"
    if path.exists():
        if folder != path.is_dir():
            return "cannot write: it is a directory" if path.is_dir() else \
                "cannot write: it is a file, not a folder"
        kind = None if folder else _non_regular(path.stat().st_mode)
        if kind:
            return f"cannot write: it is {kind}, not a regular file"
        access = os.W_OK | os.X_OK if folder else os.W_OK
        return None if os.access(path, access) else "cannot write: permission denied"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot write: {parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {parent}: permission denied"
    return None


def check_writable(path: Path | None, option: str, folder: bool = False) -> None:
    """A one-line UserError naming the option if `path` cannot be written (None: not asked)."""
    if path is None:
        return
    problem = unwritable_reason(path, folder)
    if problem:
        raise OutputError(f"{option} {path}: {problem}")


def check_inside(base: Path, path: Path, what: str) -> Path:
    """`path` with its links resolved, which must lie inside `base` (links resolved too): a
    folder planted as a link to elsewhere is refused before anything is written there."""
    root, resolved = base.resolve(), path.resolve()
    if resolved != root and root not in resolved.parents:
        raise OutputError(f"{what} {path}: resolves to {resolved}, outside {base} (a symbolic "
                          "link?): refusing to write there")
    return resolved


def cannot_write(path: Path, exc: BaseException) -> OutputError:
    """The one-line error for a write that failed (the file named, the system's reason)."""
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip()
    return OutputError(f"{path}: cannot write ({why.splitlines()[0] if why else type(exc)})")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[Path]:
    """A new, empty file in `path`'s folder with `path`'s extension (matplotlib reads the
    format from it); removed if the block fails."""
    _make_folder(path.parent)
    try:
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:40]}.",
                                            suffix=f"{path.suffix}")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    os.fchmod(descriptor, _FILE_MODE)
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _flush_to_disk(temporary: Path, path: Path) -> None:
    try:
        descriptor = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise cannot_write(path, exc) from None


@contextlib.contextmanager
def _written_beside(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` for the block to write, on disk once the block is done;
    an OSError in the block names `path`, and any failure removes the file."""
    with _temporary_beside(path) as temporary:
        try:
            yield temporary
        except OSError as exc:
            raise cannot_write(path, exc) from None
        _flush_to_disk(temporary, path)


def _move_into_place(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)  # a link at `path` is replaced, not followed
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise cannot_write(path, exc) from None


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Yields a temporary path to write `path`'s content to; once the block succeeds the file
    replaces `path` in one step. An OSError in the block (a full disk) becomes an OutputError
    naming `path`, and nothing is left behind."""
    with _written_beside(path) as temporary:
        yield temporary
    _move_into_place(temporary, path)


def write_text(path: Path, text: str) -> Path:
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path


def write_json(path: Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2) + "\n")


class OutputBatch:
    """The files of one command, all written or none: each is written to a temporary file
    beside it (`file`), and `commit` moves them all into place. If the command fails first,
    the temporary files are removed, and the folder too if this batch created it (and it is
    empty)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._created = not folder.exists()
        self._pending: list[tuple[Path, Path]] = []  # (temporary, destination)

    def __enter__(self) -> OutputBatch:
        return self

    @contextlib.contextmanager
    def file(self, path: Path) -> Iterator[Path]:
        with _written_beside(path) as temporary:
            yield temporary
        self._pending.append((temporary, path))

    def commit(self) -> list[Path]:
        written = []
        while self._pending:
            temporary, path = self._pending.pop(0)
            _move_into_place(temporary, path)
            written.append(path)
        return written

    def __exit__(self, kind, exc, traceback) -> None:  # noqa: ANN001
        for temporary, _ in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending.clear()
        if exc is not None and self._created:
            with contextlib.suppress(OSError):
                self.folder.rmdir()  # only if empty: nothing of anyone else's is removed
