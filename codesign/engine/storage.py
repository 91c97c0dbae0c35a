"""Opening the Optuna storage a search writes to: the single source of truth.

Optuna's journal file by default (`journal:runs/<name>.log`, on one machine or a shared
filesystem; a torn last line is cut before the next append: `codesign.engine.journal_file`),
SQLite (`sqlite:///runs/<name>.db`, the default before), or any SQLAlchemy URL Optuna accepts
(`postgresql://...`).
Every storage keeps the drivers' heartbeats, so trials of a killed driver are failed on the next
run (`codesign.engine.search`).

A storage that cannot outlive the process (`sqlite://`, `sqlite:///:memory:`, an SQLite URI in
`mode=memory`) is refused before any work: a search would train its whole budget into it and
lose it. Every connection to a database server has a timeout (`CONNECT_TIMEOUT_S`, and TCP
keepalives on an open connection), so a server that accepts and never answers is one line,
not a hang (docs/safety.md). A signal never cuts one of the storage's calls in two
(`codesign.engine.signal_safe_storage`).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path
from typing import Any, Literal

import optuna
from optuna.storages import BaseStorage, RDBStorage

from codesign.engine.journal_file import TornTailSafeJournalBackend
from codesign.engine.signal_safe_storage import SignalSafeJournalStorage, SignalSafeRDBStorage

# The driver records a heartbeat (a user attribute with the wall-clock time, on every storage)
# for each trial it holds every HEARTBEAT_INTERVAL_S; a RUNNING trial without one for
# GRACE_PERIOD_S belongs to a dead driver and is failed. Drivers sharing a study need clocks
# that agree to well within the grace period (NTP). The environment may shorten both (tests do).
HEARTBEAT_INTERVAL_S = float(os.environ.get("CODESIGN_HEARTBEAT_INTERVAL_S", 20))
GRACE_PERIOD_S = float(os.environ.get("CODESIGN_GRACE_PERIOD_S", 90))
JOURNAL_PREFIX = "journal:"


class StorageError(Exception):
    """The storage URL cannot be opened: one line naming the URL and why."""


# Seconds to establish a connection to a database server (the environment may change it).
CONNECT_TIMEOUT_S = float(os.environ.get("CODESIGN_CONNECT_TIMEOUT_S", 10))
KEEPALIVE_IDLE_S = 30  # an open connection whose peer went silent is found dead within ~1 min


def _sqlalchemy_url(url: str):
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError) as exc:
        shown = re.sub(r"//[^/@]*@", "//***@", url)  # what may be a password, unparsed
        raise StorageError(f"storage {shown}: not a storage URL ({_first_line(exc)})") from None


def _in_memory(parsed) -> bool:
    database = parsed.database or ""
    return (database in ("", ":memory:") or database.startswith("file::memory:")
            or parsed.query.get("mode") == "memory")


def redacted(url: str) -> str:
    """The URL as it may be printed: a password in it replaced by ***."""
    if url.startswith(JOURNAL_PREFIX):
        return url
    try:
        parsed = _sqlalchemy_url(url)
    except StorageError:
        return re.sub(r"//[^/@]*@", "//***@", url)
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


def check_storage_url(url: str) -> None:
    """Refuse, without connecting, a URL that is not one or whose data would not persist."""
    if url.startswith(JOURNAL_PREFIX):
        if not url[len(JOURNAL_PREFIX):]:
            raise StorageError(f"storage {url}: give the journal file's path (journal:PATH)")
        return
    parsed = _sqlalchemy_url(url)
    try:
        parsed.get_dialect()  # a scheme SQLAlchemy knows (the driver itself loads on connect)
    except Exception as exc:  # NoSuchModuleError, or a dialect's own import error
        raise StorageError(f"storage {redacted(url)}: unknown kind of storage "
                           f"({_first_line(exc)})") from None
    if parsed.get_backend_name() == "sqlite" and _in_memory(parsed):
        raise StorageError(f"storage {redacted(url)}: an in-memory database, lost when the process "
                           "ends (the study would be gone); give a file, e.g. "
                           "sqlite:///runs/NAME.db")


def storage_locator(url: str) -> str:
    """One spelling of the storage a URL reaches, for telling studies apart: an SQLite or
    journal file by its absolute path (links resolved), a server by backend, user, host, port
    and database (no password, no driver, no options)."""
    if url.startswith(JOURNAL_PREFIX):
        return JOURNAL_PREFIX + str(Path(url[len(JOURNAL_PREFIX):]).resolve())
    parsed = _sqlalchemy_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:///{Path(parsed.database or '').resolve()}"
    user = f"{parsed.username}@" if parsed.username else ""
    port = f":{parsed.port}" if parsed.port else ""
    return f"{backend}://{user}{parsed.host or ''}{port}/{parsed.database or ''}"


StorageMode = Literal["create", "existing", "read_only"]
SQLITE_PREFIX = "sqlite:///"


def is_new_file_storage(url: str) -> bool:
    """A journal or SQLite file that does not exist yet: opening it would create it, so a
    search opens it only once nothing else can fail first (a Ray cluster out of reach must
    leave no empty database behind)."""
    for prefix in (JOURNAL_PREFIX, SQLITE_PREFIX):
        if url.startswith(prefix):
            path = url[len(prefix):]
            return path not in ("", ":memory:") and not Path(path).exists()
    return False


def open_storage(url: str, mode: StorageMode = "create") -> BaseStorage:
    """The storage at `url`. `create`: files and folders are made as needed (a search);
    `existing`: a file storage must exist, nothing is created (the dashboard); `read_only`:
    besides, SQLite is opened read-only, so that nothing can be written (status, pareto,
    export: an empty or foreign SQLite file is refused, not given Optuna's tables)."""
    check_storage_url(url)
    try:
        if url.startswith(JOURNAL_PREFIX):
            path = Path(url[len(JOURNAL_PREFIX) :])
            if mode == "create":
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.is_file():
                raise StorageError(f"storage {url}: no such journal file (run `search` first "
                                   "or give --storage)")
            return SignalSafeJournalStorage(TornTailSafeJournalBackend(str(path)))
        if url.startswith(SQLITE_PREFIX):
            database = Path(url[len(SQLITE_PREFIX) :])
            if str(database) not in ("", ":memory:"):
                if mode == "create":
                    database.parent.mkdir(parents=True, exist_ok=True)
                    if "?" not in url and not database.exists():
                        _create_sqlite_whole(database)
                elif not database.is_file():
                    raise StorageError(f"storage {url}: no such database (run `search` first "
                                       "or give --storage)")
                elif mode == "read_only":
                    return _rdb_storage(f"{SQLITE_PREFIX}file:{database}?mode=ro&uri=true")
        return _rdb_storage(url)
    except StorageError:
        raise
    except (OSError, ValueError, ImportError, optuna.exceptions.OptunaError) as exc:
        raise StorageError(f"storage {redacted(url)}: {_first_line(exc)}") from None
    except Exception as exc:  # SQLAlchemy's connection errors, whatever the driver
        why = ("not an Optuna storage, and opened read-only" if mode == "read_only"
               and "readonly database" in str(exc) else _first_line(exc))
        raise StorageError(f"storage {redacted(url)}: cannot open ({why})") from None


def _create_sqlite_whole(database: Path) -> None:
    """Create a new SQLite storage whole or not at all: its schema is built in a file beside it,
    which is then linked into place.

    Built in place, an interrupted creation could leave a table without its index: SQLite's
    driver commits each CREATE on its own, and the next opening creates the tables that are
    missing but not the indexes of those that exist. Without `studies`' unique index on the
    name, the next search creates its study a second time, and every later opening fails
    ("Multiple rows were found"). A link never replaces a file: where another driver created
    the storage meanwhile, its file is kept and opened.
    """
    building = database.with_name(f".{database.name}.{os.getpid()}-{secrets.token_hex(4)}.new")
    try:
        _rdb_storage(f"{SQLITE_PREFIX}{building}").engine.dispose()  # every connection closed
        try:
            os.link(building, database)
        except FileExistsError:
            pass  # another driver's, created meanwhile
        except OSError:  # a filesystem without hard links: renamed, unless one came meanwhile
            if not database.exists():
                os.rename(building, database)
    finally:
        for leftover in ("", "-journal"):
            Path(f"{building}{leftover}").unlink(missing_ok=True)


SCHEMA_RACE_RETRIES = 5


def _rdb_storage(url: str) -> RDBStorage:
    """An RDB storage; retried when another process is creating the same schema right now
    (on a fresh PostgreSQL, two simultaneous CREATE TABLEs collide on a unique index)."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(SCHEMA_RACE_RETRIES):
        try:
            return SignalSafeRDBStorage(url, engine_kwargs=_engine_kwargs(url))
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
        f"storage {redacted(url)}: writing failed ({_first_line(root)}); "
        "everything recorded before this point is kept"
    )


def _connect_timeouts(driver: str) -> dict[str, Any]:
    """What bounds a connection's waits, by database driver (none known: nothing added)."""
    seconds = CONNECT_TIMEOUT_S
    libpq = {"connect_timeout": max(1, round(seconds)), "keepalives": 1,
             "keepalives_idle": KEEPALIVE_IDLE_S, "keepalives_interval": 10,
             "keepalives_count": 3}
    return {"psycopg2": libpq, "psycopg": libpq, "pg8000": {"timeout": seconds},
            "pymysql": {"connect_timeout": seconds},
            "mysqldb": {"connect_timeout": max(1, round(seconds))}}.get(driver, {})


def _engine_kwargs(url: str) -> dict:
    if url.startswith("sqlite"):
        # several processes (driver, dashboard, a second search) may share the file
        return {"connect_args": {"timeout": 60}}
    parsed = _sqlalchemy_url(url)  # the URL's own options win over these defaults
    timeouts = _connect_timeouts(parsed.get_driver_name())
    return {"pool_pre_ping": True,
            "connect_args": {name: value for name, value in timeouts.items()
                             if name not in parsed.query}}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
