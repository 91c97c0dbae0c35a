"""Opening the Optuna storage a search writes to: the single source of truth.

SQLite by default (`sqlite:///runs/<name>.db`), any SQLAlchemy URL Optuna accepts
(`postgresql://...`), or `journal:PATH` for Optuna's journal file on a shared filesystem.
Every storage keeps the drivers' heartbeats, so trials of a killed driver are failed on the next
run (`codesign.search`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Literal

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

# The driver records a heartbeat (a user attribute with the wall-clock time, on every storage)
# for each trial it holds every HEARTBEAT_INTERVAL_S; a RUNNING trial without one for
# GRACE_PERIOD_S belongs to a dead driver and is failed. Drivers sharing a study need clocks
# that agree to well within the grace period (NTP). The environment may shorten both (tests do).
HEARTBEAT_INTERVAL_S = float(os.environ.get("CODESIGN_HEARTBEAT_INTERVAL_S", 20))
GRACE_PERIOD_S = float(os.environ.get("CODESIGN_GRACE_PERIOD_S", 90))
JOURNAL_PREFIX = "journal:"


class StorageError(Exception):
    """The storage URL cannot be opened: one line naming the URL and why."""


StorageMode = Literal["create", "existing", "read_only"]
SQLITE_PREFIX = "sqlite:///"


def open_storage(url: str, mode: StorageMode = "create") -> BaseStorage:
    """The storage at `url`. `create`: files and folders are made as needed (a search);
    `existing`: a file storage must exist, nothing is created (the dashboard); `read_only`:
    besides, SQLite is opened read-only, so that nothing can be written (status, pareto,
    export: an empty or foreign SQLite file is refused, not given Optuna's tables)."""
    try:
        if url.startswith(JOURNAL_PREFIX):
            path = Path(url[len(JOURNAL_PREFIX) :])
            if mode == "create":
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.is_file():
                raise StorageError(f"storage {url}: no such journal file (run `search` first "
                                   "or give --storage)")
            return JournalStorage(JournalFileBackend(str(path)))
        if url.startswith(SQLITE_PREFIX):
            database = Path(url[len(SQLITE_PREFIX) :])
            if str(database) not in ("", ":memory:"):
                if mode == "create":
                    database.parent.mkdir(parents=True, exist_ok=True)
                elif not database.is_file():
                    raise StorageError(f"storage {url}: no such database (run `search` first "
                                       "or give --storage)")
                elif mode == "read_only":
                    return _rdb_storage(f"{SQLITE_PREFIX}file:{database}?mode=ro&uri=true")
        return _rdb_storage(url)
    except StorageError:
        raise
    except (OSError, ValueError, ImportError, optuna.exceptions.OptunaError) as exc:
        raise StorageError(f"storage {url}: {_first_line(exc)}") from None
    except Exception as exc:  # SQLAlchemy's connection errors, whatever the driver
        why = ("not an Optuna storage, and opened read-only" if mode == "read_only"
               and "readonly database" in str(exc) else _first_line(exc))
        raise StorageError(f"storage {url}: cannot open ({why})") from None


SCHEMA_RACE_RETRIES = 5


def _rdb_storage(url: str) -> RDBStorage:
    """An RDB storage; retried when another process is creating the same schema right now
    (on a fresh PostgreSQL, two simultaneous CREATE TABLEs collide on a unique index)."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(SCHEMA_RACE_RETRIES):
        try:
            return RDBStorage(url, engine_kwargs=_engine_kwargs(url))
        except (IntegrityError, ProgrammingError):
            if attempt == SCHEMA_RACE_RETRIES - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def is_storage_failure(exc: BaseException) -> bool:
    """A failure of the storage itself (disk full, read-only, connection lost)."""
    from sqlalchemy.exc import SQLAlchemyError  # SQLAlchemy comes with Optuna

    failures = (SQLAlchemyError, OSError, optuna.exceptions.StorageInternalError)
    return isinstance(exc, failures)


def storage_failure(url: str, exc: BaseException) -> StorageError:
    """One line with the root cause (Optuna wraps the driver's error)."""
    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    return StorageError(
        f"storage {url}: writing failed ({_first_line(root)}); "
        "everything recorded before this point is kept"
    )


def _engine_kwargs(url: str) -> dict:
    if url.startswith("sqlite"):
        # several processes (driver, dashboard, a second search) may share the file
        return {"connect_args": {"timeout": 60}}
    return {"pool_pre_ping": True}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
