"""Keep third-party chatter (Lightning's tips and device banners) off the user's terminal."""

from __future__ import annotations

import logging
import sys
import warnings


def _raised_by_an_interrupt(error: BaseException | None) -> bool:
    """Whether `error` is an interrupt or was raised while one unwound (its context chain)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    """False for a record logged while an interrupt unwinds (Ctrl-C, SIGTERM, SIGHUP all
    arrive as KeyboardInterrupt). SQLAlchemy's pool logs the traceback of one that lands while
    it returns a connection; and when one lands in a fetch, SQLAlchemy drops the connection,
    then fails to close its cursor ("Cannot operate on a closed database") and logs that. The
    search already says, in one line, that it stopped."""
    return not (record.exc_info and _raised_by_an_interrupt(record.exc_info[1]))


class _StderrHandler(logging.StreamHandler):
    """Python's last-resort handler (the message alone, WARNING and up, on whatever
    `sys.stderr` is at the time), with the interrupt echoes left out. A filter must sit on a
    handler: a logger's own filters skip the records of its children, and SQLAlchemy logs
    through one child per pool class (`sqlalchemy.pool.impl.QueuePool`)."""

    def __init__(self) -> None:
        super().__init__()
        self.setLevel(logging.WARNING)
        self.addFilter(_not_an_interrupt)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _quiet_interrupt_echoes(name: str) -> None:
    """Records of logger `name` and its children go to `_StderrHandler` only (not on to the
    root logger's handlers, which would print them again)."""
    library = logging.getLogger(name)
    if not any(isinstance(handler, _StderrHandler) for handler in library.handlers):
        library.addHandler(_StderrHandler())
    library.propagate = False


def quiet_libraries() -> None:
    for name in ("pytorch_lightning", "lightning_fabric", "lightning", "torch.distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _quiet_interrupt_echoes("sqlalchemy")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=r".*Heartbeat of storage is supposed.*")
    warnings.filterwarnings("ignore", module=r"pytorch_lightning\..*")
    warnings.filterwarnings("ignore", module=r"lightning_fabric\..*")
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
