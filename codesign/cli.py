"""`python -m codesign`: the command-line entry point.

Each subcommand lives in its own module under `codesign/commands/` and registers itself
with `register(subparsers)`. This module only dispatches and turns user errors into one
line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from codesign import __version__
from codesign.commands import COMMAND_MODULES
from codesign.engine.interrupts import signals_as_interrupts
from codesign.errors import UserError, printable

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad option as a `UserError` (one line, exit 2), not usage."""

    def error(self, message: str):  # type: ignore[override]
        raise UserError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m codesign",
        description="Co-design stochastic-computing binarized neural networks and their hardware.",
    )
    parser.add_argument("--version", action="version", version=f"codesign {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    err = Console(stderr=True, highlight=False)
    try:
        args = build_parser().parse_args(argv)
        with signals_as_interrupts():
            return int(args.handler(args) or 0)
    except UserError as exc:  # the user's text: never read as markup, its controls escaped
        _report(err, Text.assemble(("error:", "bold red"), " ", printable(exc)))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        _report(err, Text("interrupted", style="yellow"))
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `... | head` closed the pipe: stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


# Python's cyclic garbage collector, tuned for a command that loads PyTorch: with the default
# young-generation threshold (700) the collector runs thousands of times while ~100,000
# objects are imported, and at exit its last collections walk them all again (0.2-0.3 s).
# A command ends once its outputs are written and closed and the exit hooks have run, so the
# exit skips those collections (`gc.freeze`). What that gives up: objects held only by a
# module's globals are not finalized at exit, which Python never promises (the data model's
# `__del__`: "not guaranteed ... for objects that still exist when the interpreter exits");
# nothing of codesign's relies on it (files are closed by `with`, storages commit as they
# go, Ray and logging shut down in exit hooks). `evaluate` on the main job's knee, idle
# 2-core machine: 2.3 s -> 1.8 s together (docs/benchmarks.md).
GC_YOUNG_THRESHOLD = 10_000


def program() -> int:
    """`python -m codesign` and the `codesign` script: `main` with SIGTERM and SIGHUP (a closed
    terminal) stopping every command as Ctrl-C does (one line, exit 130), from the first line
    of a command to its last; a signal that arrives once the command is done and reported,
    while the interpreter closes storages and joins threads, ends it at once with exit 130, and
    one during the interpreter's last steps is ignored (its handlers are gone by then). A
    signalled command leaves without the interpreter's teardown (`leave_now` says why); its
    trainings and storages are closed by then."""
    from codesign.engine.interrupts import (
        exit_on_signal,
        ignore_signals_after_exit_hooks,
        install,
        leave_now,
        signalled,
    )

    install()
    ignore_signals_after_exit_hooks()
    gc.set_threshold(GC_YOUNG_THRESHOLD)
    code = main()
    exit_on_signal(EXIT_INTERRUPTED)
    if signalled():  # the interpreter's own exit could turn the code into death by SIGINT
        leave_now(code)
    gc.freeze()  # the interpreter's last collections skip what is left (GC_YOUNG_THRESHOLD)
    return code


def _report(err: Console, line: Text) -> None:
    """One line on stderr; a terminal that went away (SIGHUP: a closed window) is not an
    error of its own."""
    with contextlib.suppress(OSError):
        err.print(line, soft_wrap=True)


if __name__ == "__main__":
    sys.exit(program())
