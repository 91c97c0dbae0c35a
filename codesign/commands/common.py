"""Arguments and helpers shared by the commands: value types for options (a bad value is one
line naming the option, from `OneLineParser`), and opening the study a command reads."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from codesign.errors import UserError
from codesign.problem.objectives import Objective
from codesign.problem.space import DEFAULT_RUNS_DIR, default_storage_url

if TYPE_CHECKING:
    import optuna

    from codesign.problem.compiled import Problem


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def finite_float(text: str) -> float:
    """argparse type: a finite number (not nan, not inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number")
    return value


def limit_of(objective: Objective):
    """argparse type: a limit on `objective`, written as it says (`Objective.parse_limit`:
    an accuracy as 89 or 0.89, a cost as a positive number)."""

    def parse(text: str) -> float:
        try:
            return objective.parse_limit(finite_float(text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def output_file(text: str) -> Path:
    """argparse type: a file to write. A name ending in a separator (`-o newfolder/`) names a
    folder, which `Path` would silently turn into a file named `newfolder`: refused."""
    last = text.replace(os.sep, "/").rsplit("/", 1)[-1]
    if last in ("", ".", ".."):
        raise argparse.ArgumentTypeError(f"{text!r} names a folder; give a file name in it")
    return Path(text)


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1..65535)")
    return value


FORMATS = ("table", "csv", "json")


def add_format_argument(parser: argparse.ArgumentParser, rows: str) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help=f"table (for people), or csv / json ({rows}, to stdout)")


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", required=True, help="study name (the search space's name)")
    parser.add_argument(
        "--storage", help=f"Optuna storage URL (default: journal:{DEFAULT_RUNS_DIR}/STUDY.log, "
        f"or sqlite:///{DEFAULT_RUNS_DIR}/STUDY.db where only that exists)"
    )


def storage_url(args: argparse.Namespace) -> str:
    return args.storage or default_storage_url(args.study)


def open_study(args: argparse.Namespace) -> tuple[optuna.Study, Problem, object]:
    """The design study named by --study in --storage, with its problem (its search space,
    compiled)."""
    import optuna  # the heavy imports wait until a command runs (`--help` stays fast)

    from codesign.engine.storage import StorageError, open_storage, redacted
    from codesign.engine.study import load_design_study, problem_of

    url = storage_url(args)
    try:
        storage = open_storage(url, mode="read_only")
    except StorageError as exc:
        raise UserError(str(exc)) from None
    try:
        study = load_design_study(storage, args.study)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        known = ", ".join(n for n in names if ":" not in n) or "none"
        raise UserError(f"study '{args.study}' not found in {redacted(url)} "
                        f"(studies: {known})") from None
    problem = problem_of(study, storage)
    if problem is None:
        raise UserError(f"study '{args.study}' in {redacted(url)} was not written by "
                        "codesign search")
    return study, problem, storage
