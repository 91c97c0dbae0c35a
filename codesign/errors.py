"""User-facing errors: everything the CLI reports as one line with exit code 2.

Library code raises its own exceptions (pydantic's ValidationError, trainer's DatasetError,
...); the CLI turns them into a `UserError` so that a user sees one line naming the file and
the field, never a traceback.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pydantic

from hwmodel.technology import one_line

__all__ = ["UserError", "describe_error", "format_validation_error", "one_line", "printable"]

# control, format (bidirectional overrides, zero-width), surrogate (undecodable bytes of a
# file name) and line/paragraph separator characters: never sent to a terminal as they are
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def printable(value: object) -> str:
    """`value` as text with every control or format character escaped as Python writes it
    (`\\n`, `\\x1b`, `\\u202e`): a path, a name or a message echoed to a terminal can
    neither break its line nor send an escape sequence. Every message the CLI prints goes
    through here (`codesign.cli`, `codesign.screen.present`)."""
    text = str(value)
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(char) in _HIDDEN_CATEGORIES else char
        for char in text)


class UserError(Exception):
    """A problem with the user's input, reported as one line and exit code 2."""


def format_validation_error(error: pydantic.ValidationError, source: str | Path) -> str:
    """One line naming the source file and every offending field path."""
    return f"{source}: {one_line(error)}"


def describe_error(exc: BaseException) -> str:
    """`TypeName: first line of the message`: an error from a library, on one line."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
