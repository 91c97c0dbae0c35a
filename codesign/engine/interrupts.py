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
always run in the main thread, whichever thread received the signal. One handler serves all:
holding a signal back is a flag it reads, never a swap of handlers that a signal could split.
The CLI installs it for the whole command (`install`) and, once the work is reported, makes a
late signal end the process at once (`exit_on_signal`).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, NoReturn

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _State:
    """What the one handler consults: whether a held block is open, and what it held back."""

    holding = False  # a held block is open in the main thread
    held: list[int] = []  # signals that arrived while holding, in order
    received: list[int] = []  # signals received while `interruptible` is open
    signals = 0  # signals that reached the handler since the program started


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The one handler: while a held block is open it only notes the signal; otherwise it
    stops the main thread with KeyboardInterrupt. Holding is a flag this handler reads, not a
    swap of handlers: a signal landing between two `signal.signal` calls could otherwise leave
    a signal held for good (a Ctrl-C that never stops the search)."""
    _State.signals += 1
    if _State.holding:
        _State.held.append(signum)
        return
    _State.received.append(signum)
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def _install() -> dict[int, Any] | None:
    """The handler for the held signals; the handlers it replaced (None: already installed, by
    `install` or an enclosing block, and nothing to restore)."""
    if all(signal.getsignal(signum) is _on_signal for signum in HELD_SIGNALS):
        return None
    previous: dict[int, Any] = {}
    try:
        for signum in HELD_SIGNALS:
            previous[signum] = signal.signal(signum, _on_signal)
    except BaseException:
        _restore(previous)
        raise
    return previous


def _restore(previous: dict[int, Any] | None) -> None:
    for signum, handler in (previous or {}).items():
        signal.signal(signum, handler)


def install() -> None:
    """For a program (the CLI): SIGINT, SIGTERM and SIGHUP stop it with KeyboardInterrupt from
    now on, and the blocks below never swap handlers (no window where a signal slips past)."""
    _install()


def ignore_signals_after_exit_hooks() -> None:
    """For a program, called before it registers anything else at exit: once the exit hooks
    registered after this call have run, SIGINT, SIGTERM and SIGHUP are ignored until the
    process ends. Finalizing, CPython first stops running Python handlers, then resets every
    handler it set back to the default (`_PySignal_Fini`), and then still frees modules and
    runs finalizers: a signal in that last stretch would kill a program whose work is done and
    reported (exit -2, -1). Handlers set to "ignore" are the ones it leaves in place. Exit
    hooks run last-registered first, so this one runs after the hooks that close storages and
    stop Ray, which `exit_on_signal` still covers."""

    def ignore() -> None:
        for signum in HELD_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    atexit.register(ignore)


def exit_on_signal(code: int) -> None:
    """For a program whose work is done and reported: a signal during its exit (joining
    threads, the exit hooks that close storages) ends it at once with `code`, its output
    flushed, rather than raising into the interpreter's teardown (a traceback, or death by the
    signal). From the last exit hook on, `ignore_signals_after_exit_hooks` takes over."""
    for signum in HELD_SIGNALS:
        signal.signal(signum, lambda signum, frame: leave_now(code))


def signalled() -> bool:
    """Whether a signal reached the program's handler since `install`."""
    return _State.signals > 0


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """An error that leaves the block after a signal reached the handler inside it stands for
    that signal: it is raised as KeyboardInterrupt (from the error). Some libraries turn the
    KeyboardInterrupt raised in their code into an error of their own: pydantic-core builds a
    validator in Rust and reports an interrupt there as a SchemaError. The user pressed Ctrl-C
    (or closed the terminal); the program stops as for any interrupt, in one line."""
    start = _State.signals
    try:
        yield
    except Exception as exc:
        if _State.signals == start:
            raise
        raise KeyboardInterrupt("a signal, raised as " + type(exc).__name__) from exc


def leave_now(code: int) -> NoReturn:
    """End the process with `code`, its output and logs flushed, without the interpreter's
    teardown. For a program that was signalled: CPython 3.11 remembers a KeyboardInterrupt that
    passed through a C extension's `PyRun_*` call (PyTorch's, while it imports) even when the
    program caught it, and then ends the process by SIGINT at exit whatever code it returned."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _quiet_unraisable(previous: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A signal that lands in a garbage-collection callback or a `__del__` raises there, and
    Python drops the exception with a traceback on stderr: the interrupt would be lost, the
    user would see a traceback. It is kept in `_State.received` instead
    (`raise_if_interrupted`)."""

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
    previous = _install()
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable(previous_hook)
    _State.received.clear()
    try:
        yield
    finally:
        _restore(previous)
        sys.unraisablehook = previous_hook
        _State.received.clear()


def raise_if_interrupted() -> None:
    """Raise KeyboardInterrupt if a signal arrived whose exception got lost on its way (see
    `_quiet_unraisable`); the driver calls it where stopping is safe."""
    if _State.received and _in_main_thread():
        raise KeyboardInterrupt(f"signal {signal.Signals(_State.received[0]).name}")


@contextlib.contextmanager
def held_interrupts(replay_on_error: bool = False) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done, then stop the program as they
    would have (or reach the handlers they had, outside `interruptible` and `install`).

    Outside the main thread (where Python never runs handlers) and inside another held block
    it does nothing. A signal held while the block raises is dropped: the block's own
    exception already stops the search. With `replay_on_error`, for a call whose errors its
    callers catch and go on from (a storage's KeyError for a trial it does not hold), it is
    replayed instead, so that it still stops the program (the error as its context).
    """
    if not _in_main_thread() or _State.holding:
        yield
        return
    previous = _install()
    _State.holding = True
    try:
        yield
    except Exception:
        _end_hold(previous, replay=replay_on_error)
        raise
    except BaseException:
        _end_hold(previous, replay=False)
        raise
    _end_hold(previous, replay=True)


def _end_hold(previous: dict[int, Any] | None, replay: bool) -> None:
    """End a held block: its handlers restored, then (if `replay`) the first signal it held
    does what it would have done."""
    _State.holding = False
    held, _State.held = _State.held, []
    _restore(previous)
    if held and replay:
        _replay(held[0], previous[held[0]] if previous is not None else _on_signal)


def _replay(signum: int, handler: Any) -> None:
    """What the signal would have done had it not been held."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")
