"""The signal handling of `codesign.engine.interrupts` and of the CLI's program entry, one
behaviour at a time (the sweeps of test_interrupts.py exercise it inside whole searches)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codesign.engine import interrupts
from codesign.engine.interrupts import held_interrupts, interruptible

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def handlers():
    """Whatever a test installs is undone (pytest's own SIGINT handling comes back)."""
    saved = {signum: signal.getsignal(signum) for signum in interrupts.HELD_SIGNALS}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize("signum", interrupts.HELD_SIGNALS)
def test_a_signal_in_a_held_block_stops_after_the_block(handlers, signum):
    steps = []
    with pytest.raises(KeyboardInterrupt), interruptible(), held_interrupts():
        signal.raise_signal(signum)
        steps.append("finished")  # the block is not cut in two
    assert steps == ["finished"]


def test_a_signal_outside_a_held_block_stops_at_once(handlers):
    steps = []
    with pytest.raises(KeyboardInterrupt), interruptible():
        signal.raise_signal(signal.SIGTERM)
        steps.append("went on")
    assert steps == []


def test_holding_swaps_no_handler_once_installed(handlers):
    """The handler in place during a held block is the one installed for the program, so a
    signal arriving while a block opens or closes finds a handler that knows about holding
    (a swap of three handlers one by one could be split by a signal and leave one held for
    good)."""
    interrupts.install()
    installed = {signum: signal.getsignal(signum) for signum in interrupts.HELD_SIGNALS}
    with interruptible(), held_interrupts():
        during = {signum: signal.getsignal(signum) for signum in interrupts.HELD_SIGNALS}
    after = {signum: signal.getsignal(signum) for signum in interrupts.HELD_SIGNALS}
    assert during == installed == after
    with pytest.raises(KeyboardInterrupt):  # and it still stops: nothing was left held
        signal.raise_signal(signal.SIGINT)


def test_a_signal_held_while_the_block_raises_is_dropped(handlers):
    with pytest.raises(ValueError), interruptible(), held_interrupts():
        signal.raise_signal(signal.SIGINT)
        raise ValueError("the block's own failure stops the search")
    with interruptible():  # nothing left over to replay later
        interrupts.raise_if_interrupted()


def test_a_call_whose_error_its_caller_catches_keeps_its_signal(handlers):
    """A storage call raises KeyError for a trial it does not hold, and its callers go on: a
    signal held during such a call is replayed, not dropped, so Ctrl-C still stops."""
    with (pytest.raises(KeyboardInterrupt) as stopped, interruptible(),
          held_interrupts(replay_on_error=True)):
        signal.raise_signal(signal.SIGINT)
        raise KeyError("no such trial")
    assert isinstance(stopped.value.__context__, KeyError)
    with pytest.raises(KeyError), interruptible(), held_interrupts(replay_on_error=True):
        raise KeyError("no such trial")  # no signal: the error as it was


def test_outside_interruptible_a_held_signal_reaches_the_previous_handler(handlers):
    seen = []
    signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    with held_interrupts():
        signal.raise_signal(signal.SIGTERM)
        assert seen == []
    assert seen == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is not interrupts._on_signal  # restored


def _library_call(signum: int | None) -> None:
    """A library call (pydantic-core building a validator, say) that turns the interrupt
    raised inside it into an error of its own; with no signal, it fails on its own."""
    try:
        if signum is not None:
            signal.raise_signal(signum)
    except KeyboardInterrupt as exc:
        raise ValueError(f"Error building validator: {exc!r}") from None
    raise ValueError("a real failure")


@pytest.mark.parametrize("signum", interrupts.HELD_SIGNALS)
def test_an_error_a_signal_turned_into_is_the_interrupt(handlers, signum):
    with pytest.raises(KeyboardInterrupt) as stopped, interruptible(), \
            interrupts.signals_as_interrupts():
        _library_call(signum)
    assert "Error building validator" in str(stopped.value.__cause__)


def test_an_error_with_no_signal_is_left_as_it_is(handlers):
    interrupts.install()
    with pytest.raises(ValueError, match="a real failure"), interrupts.signals_as_interrupts():
        _library_call(None)


@pytest.mark.parametrize("signum", [None, signal.SIGINT])
def test_the_cli_reports_a_signal_a_library_turned_into_an_error_in_one_line(
        handlers, monkeypatch, capsys, signum):
    """What CI met in a Ctrl-C sweep: the signal landed while pydantic-core built a validator,
    and the search ended in a SchemaError's traceback instead of "interrupted"."""
    import argparse

    import codesign.cli as cli

    parser = argparse.ArgumentParser()
    parser.set_defaults(handler=lambda args: _library_call(signum))
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    interrupts.install()
    if signum is None:
        with pytest.raises(ValueError, match="a real failure"):  # a bug stays a traceback
            cli.main([])
        return
    assert cli.main([]) == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip() == "interrupted"


def _program(body: str, tmp_path: Path, timeout_s: float = 60
             ) -> tuple[subprocess.CompletedProcess, float]:
    """Run `codesign.cli.program` with `main` replaced by `body`, as `python -m codesign` runs
    (a package's `__main__` under `-m`: CPython's exit differs from `-c` there)."""
    package = tmp_path / "program_under_test"
    package.mkdir()
    (package / "__main__.py").write_text(textwrap.dedent("""
        import atexit, os, signal, sys, time
        import codesign.cli as cli
    """) + textwrap.dedent(body) + "\nsys.exit(cli.program())\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", package.name], capture_output=True, text=True,
                          cwd=tmp_path, timeout=timeout_s,
                          env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"})
    return done, time.monotonic() - started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_the_program_stops_on_sigterm_and_sighup_as_on_ctrl_c(signum, tmp_path):
    """Under `program`, a closed terminal or SIGTERM reaches a command as KeyboardInterrupt,
    which `main` reports in one line with exit 130, instead of killing the process."""
    done, _ = _program(f"""
        def main(argv=None):
            try:
                os.kill(os.getpid(), {int(signum)})
                time.sleep(30)
            except KeyboardInterrupt:
                print("stopped cleanly")
                return 130
            return 0
        cli.main = main
    """, tmp_path)
    assert done.returncode == 130, done
    assert "stopped cleanly" in done.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_exit_ends_it_at_once_with_130(signum, tmp_path):
    """Once the command is done, a signal during the interpreter's exit (here in an atexit
    hook that would take 30 s) ends it at once with exit 130 and its output kept, not with a
    traceback or death by the signal."""
    done, seconds = _program(f"""
        def main(argv=None):
            print("the command's output")
            atexit.register(lambda: (os.kill(os.getpid(), {int(signum)}), time.sleep(30)))
            return 0
        cli.main = main
    """, tmp_path)
    assert done.returncode == 130, done
    assert "the command's output" in done.stdout and "Traceback" not in done.stderr
    assert seconds < 25


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_in_the_interpreters_last_steps_does_not_kill_the_done_program(
        signum, tmp_path):
    """A signal that lands after the exit hooks, while CPython frees modules (its Python
    handlers gone, the defaults back), is ignored: the done command keeps its exit code rather
    than dying by the signal. The finalizer of an entry of `sys.modules` sends it there (one
    held by a module's globals is not finalized: the CLI freezes the heap at exit)."""
    done, _ = _program(f"""
        class Late:
            def __del__(self, kill=os.kill, pid=os.getpid(), sleep=time.sleep, write=os.write):
                kill(pid, {int(signum)})
                sleep(0.2)
                write(1, b"finalized after the signal")
        sys.modules["late_finalizer"] = Late()
        def main(argv=None):
            print("the command's output")
            return 0
        cli.main = main
    """, tmp_path)
    assert done.returncode == 0, done
    assert "the command's output" in done.stdout
    assert "finalized after the signal" in done.stdout


def test_an_interrupt_caught_inside_a_c_extension_does_not_turn_the_exit_into_sigint(
        tmp_path):
    """CPython 3.11 remembers a KeyboardInterrupt raised in code a C extension runs through
    `PyRun_*` (PyTorch does while it imports), even once caught, and ends the process by SIGINT
    at exit (-2) whatever it returned: a signalled program leaves with the code it means."""
    done, _ = _program("""
        import ctypes
        def main(argv=None):
            ctypes.pythonapi.PyRun_SimpleString(
                b"import os, signal, time\\nos.kill(os.getpid(), signal.SIGHUP)\\ntime.sleep(30)")
            print("the command's own end")
            return 130
        cli.main = main
    """, tmp_path)
    assert done.returncode == 130, done
    assert "the command's own end" in done.stdout
