"""Optuna storages whose calls a signal never cuts in two.

A signal that stops the main thread in the middle of a storage call leaves more than that call
undone. SQLAlchemy closes a result's cursor on errors, not on KeyboardInterrupt: a Ctrl-C that
lands while it builds a result leaves that read's statement open, and SQLite's shared lock
with it. Clearing the interrupt's traceback and collecting garbage did not release it (tried).
Every later write of the process then waits out the busy timeout and fails with "database is
locked": the driver's last writes, which fail the trials it holds, among them (CI met it: a
trial left RUNNING after a Ctrl-C just as the next network was claimed). Each call of these
storages therefore runs whole, under `held_interrupts`: a signal that arrives during one stops
the program as soon as it returns (or raises: callers catch a storage's KeyError and go on, so
the signal is replayed then too), with the storage as consistent as the call leaves it.

A call can wait (SQLite's busy timeout, a database server's timeouts: `codesign.engine.storage`),
and a signal waits with it. Calls from other threads (the heartbeat) are not held: Python runs
signal handlers in the main thread only.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from optuna.storages import BaseStorage, JournalStorage, RDBStorage

from codesign.engine.interrupts import held_interrupts

StorageClass = TypeVar("StorageClass", bound=type[BaseStorage])


def _whole(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with held_interrupts(replay_on_error=True):  # callers catch a storage's KeyError
            return method(*args, **kwargs)

    return call


def _signal_safe(storage_class: StorageClass) -> StorageClass:
    """A subclass of `storage_class` whose every method (public, and the private ones Optuna's
    cache calls on the storage it wraps) runs whole; a nested call holds nothing more. Static
    methods, class methods, properties and the object protocol (construction, pickling) are
    left as they are."""
    methods = {
        name: _whole(attribute)
        for klass in reversed(storage_class.__mro__)
        for name, attribute in vars(klass).items()
        if not name.startswith("__") and inspect.isfunction(attribute)
    }
    name = f"SignalSafe{storage_class.__name__}"
    return type(storage_class)(name, (storage_class,), {
        **methods, "__module__": __name__, "__qualname__": name,
        "__doc__": f"{storage_class.__name__} whose calls a signal never cuts in two."})


# module-level names: their instances pickle (a Ray worker may be handed one)
SignalSafeRDBStorage = _signal_safe(RDBStorage)
SignalSafeJournalStorage = _signal_safe(JournalStorage)
