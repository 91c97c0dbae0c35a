"""Optuna's journal file, safe to append to after a torn write.

Optuna's `JournalFileBackend` appends each batch of log records as lines, under a file lock, and
reads a torn last line (the process killed mid-write, or the disk full) as absent. But the next
append goes on where the torn line stops: the joined line does not parse, and Optuna cannot read
a log in which a line that does not parse is followed by another (`read_logs` raises), so one
full disk could make a whole study unreadable. `TornTailSafeJournalBackend` takes Optuna's lock,
cuts a torn last line away, then appends through Optuna's backend: every record is in the log
whole or not at all, and the log stays readable (`tests/codesign/test_journal_file.py`).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

from optuna.storages.journal import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileSymlinkLock,
)

TAIL_CHUNK_BYTES = 1 << 16  # how far back a torn tail is looked for at a time


class _HeldByCaller:
    """The lock Optuna's backend takes around its append, already held by the caller (a lock
    in Optuna's sense: `acquire` and `release`)."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class TornTailSafeJournalBackend(BaseJournalBackend):
    """A journal file as Optuna writes it (same lines, same lock file, readable by
    optuna-dashboard), whose appends never continue a torn line."""

    def __init__(self, file_path: str) -> None:
        self._path = Path(file_path)
        self._lock = JournalFileSymlinkLock(file_path)  # Optuna's own default lock
        self._file = JournalFileBackend(file_path, lock_obj=_HeldByCaller())  # type: ignore[arg-type]

    def read_logs(self, log_number_from: int) -> Generator[dict[str, Any], None, None]:
        return self._file.read_logs(log_number_from)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self._lock.acquire()
        try:
            cut_torn_tail(self._path)  # under the lock: no writer is mid-line now
            self._file.append_logs(logs)
        finally:
            self._lock.release()


def cut_torn_tail(path: Path) -> int:
    """Cut `path` after its last newline (nothing where it ends with one); the bytes cut."""
    with open(path, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        keep, end = 0, size
        while end > 0:
            start = max(0, end - TAIL_CHUNK_BYTES)
            handle.seek(start)
            newline = handle.read(end - start).rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
        return size - keep
