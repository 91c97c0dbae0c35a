"""Ctrl-C, SIGTERM and SIGHUP during a search: one clean stop, never in the middle of a record.

A search stops on Ctrl-C (SIGINT), SIGTERM or SIGHUP (its terminal closed) by raising
`KeyboardInterrupt` in the main thread (`interruptible`); the driver then fails the trials it
holds, so that none is left RUNNING. Some steps must not be cut in two (asking a trial and
recording its holder and first heartbeat; recording a trained network's design points and
telling its trial): `held_interrupts` holds a signal back until the step is done. An
interrupt is never lost: one raised where Python drops exceptions (a garbage-collection
callback) is raised again at the driver's next safe point (`raise_if_interrupted`).

Why handlers and not `pthread_sigmask`: a mask applies to one thread, and the kernel hands a
process-directed signal to any thread that does not block it (the heartbeat thread, PyTorch's
and SQLAlchemy's threads). CPython then runs the Python handler in the main thread at its next
bytecode, so a signal masked in the main thread alone still interrupts it. Python handlers
always run in the main thread, whichever thread received the signal: swapping the handler is
what holds an interrupt back.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


_received: list[int] = []  # signals received while `interruptible` is open


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A signal that lands in a garbage-collection callback or a `__del__` raises there, and
    Python drops the exception with a traceback on stderr: the interrupt would be lost, the
    user would see a traceback. It is kept in `_received` instead (`raise_if_interrupted`)."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)

    return hook


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While the block runs, SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt (SIGTERM and
    SIGHUP too: a clean stop, not a kill that leaves trials RUNNING), and
    an interrupt that Python dropped is raised again by `raise_if_interrupted`."""
    if not _in_main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _interrupt) for signum in HELD_SIGNALS}
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable(previous_hook)
    _received.clear()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        _received.clear()


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if a signal arrived whose exception got lost on its way (see
    `_quiet_unraisable`); the driver calls it where stopping is safe."""
    if _received and _in_main_thread():
        raise KeyboardInterrupt(f"signal {signal.Signals(_received[0]).name}")


_holding = threading.Event()  # a held block is open in the main thread


@contextlib.contextmanager
def held_interrupts() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then reach their previous
    handlers.

    Outside the main thread (where Python never runs handlers) and inside another held block
    it does nothing. A signal held while the block raises is dropped: the block's own
    exception already stops the search.
    """
    if not _in_main_thread() or _holding.is_set():
        yield
        return
    held: list[int] = []
    _holding.set()
    previous = {signum: signal.signal(signum, lambda s, f: held.append(s))
                for signum in HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _holding.clear()
    if held:
        _replay(held[0], previous[held[0]])


def _replay(signum: int, handler: Any) -> None:
    """What the signal would have done had it not been held."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")
