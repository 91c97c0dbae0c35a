"""Opening the Optuna storage a search writes to: the single source of truth.

SQLite by default (`sqlite:///runs/<name>.db`), any SQLAlchemy URL Optuna accepts
(`postgresql://...`), or `journal:PATH` for Optuna's journal file on a shared filesystem.
RDB storages record heartbeats, so trials of a killed driver are failed on the next run.
"""

from __future__ import annotations

from pathlib import Path

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

HEARTBEAT_INTERVAL_S = 20  # the driver records a heartbeat for each running trial this often
GRACE_PERIOD_S = 90  # a RUNNING trial without a heartbeat for this long is failed
JOURNAL_PREFIX = "journal:"


class StorageError(Exception):
    """The storage URL cannot be opened: one line naming the URL and why."""


def open_storage(url: str) -> BaseStorage:
    try:
        if url.startswith(JOURNAL_PREFIX):
            path = Path(url[len(JOURNAL_PREFIX) :])
            path.parent.mkdir(parents=True, exist_ok=True)
            return JournalStorage(JournalFileBackend(str(path)))
        if url.startswith("sqlite:///"):
            database = Path(url[len("sqlite:///") :])
            if str(database) not in ("", ":memory:"):
                database.parent.mkdir(parents=True, exist_ok=True)
        return RDBStorage(
            url,
            heartbeat_interval=HEARTBEAT_INTERVAL_S,
            grace_period=GRACE_PERIOD_S,
            engine_kwargs=_engine_kwargs(url),
        )
    except (OSError, ValueError, ImportError, optuna.exceptions.OptunaError) as exc:
        raise StorageError(f"storage {url}: {_first_line(exc)}") from None
    except Exception as exc:  # SQLAlchemy's connection errors, whatever the driver
        raise StorageError(f"storage {url}: cannot open ({_first_line(exc)})") from None


def _engine_kwargs(url: str) -> dict:
    if url.startswith("sqlite"):
        # several processes (driver, dashboard, a second search) may share the file
        return {"connect_args": {"timeout": 60}}
    return {"pool_pre_ping": True}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
