"""Arguments and helpers shared by the commands that read a study."""

from __future__ import annotations

import argparse
from pathlib import Path

import optuna

from codesign.errors import UserError
from codesign.space import DEFAULT_RUNS_DIR, SearchSpace, default_storage_url
from codesign.storage import StorageError, open_storage
from codesign.study import load_design_study, space_of


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", required=True, help="study name (the search space's name)")
    parser.add_argument(
        "--storage", help=f"Optuna storage URL (default: sqlite:///{DEFAULT_RUNS_DIR}/STUDY.db)"
    )


def storage_url(args: argparse.Namespace) -> str:
    return args.storage or default_storage_url(args.study)


def open_study(args: argparse.Namespace) -> tuple[optuna.Study, SearchSpace, object]:
    """The design study named by --study in --storage, with its search space."""
    url = storage_url(args)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        raise UserError(f"storage {url}: no such database (run `search` first or give --storage)")
    try:
        storage = open_storage(url)
    except StorageError as exc:
        raise UserError(str(exc)) from None
    try:
        study = load_design_study(storage, args.study)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        known = ", ".join(n for n in names if ":" not in n) or "none"
        raise UserError(f"study '{args.study}' not found in {url} (studies: {known})") from None
    space = space_of(study, storage)
    if space is None:
        raise UserError(f"study '{args.study}' in {url} was not written by codesign search")
    return study, space, storage
