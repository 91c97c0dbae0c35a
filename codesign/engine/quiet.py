"""Keep third-party chatter (Lightning's tips and device banners) off the user's terminal."""

from __future__ import annotations

import logging
import warnings


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    """False for a record logged while an interrupt unwinds (Ctrl-C, SIGTERM, SIGHUP all
    arrive as KeyboardInterrupt): SQLAlchemy's pool logs the traceback of one that lands while
    it returns a connection, and the search already says, in one line, that it stopped."""
    return not (record.exc_info and isinstance(record.exc_info[1], KeyboardInterrupt))


def quiet_libraries() -> None:
    for name in ("pytorch_lightning", "lightning_fabric", "lightning", "torch.distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)
    pool = logging.getLogger("sqlalchemy.pool")
    if _not_an_interrupt not in pool.filters:
        pool.addFilter(_not_an_interrupt)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=r".*Heartbeat of storage is supposed.*")
    warnings.filterwarnings("ignore", module=r"pytorch_lightning\..*")
    warnings.filterwarnings("ignore", module=r"lightning_fabric\..*")
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
