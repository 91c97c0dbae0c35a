"""Arguments and helpers shared by the commands that read a study."""

from __future__ import annotations

import argparse
from pathlib import Path

import optuna

from codesign.errors import UserError
from codesign.space import SearchSpace
from codesign.storage import StorageError, open_storage
from codesign.study import load_design_study, space_of

DEFAULT_RUNS_DIR = "runs"


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", required=True, help="study name (the search space's name)")
    parser.add_argument(
        "--storage", help=f"Optuna storage URL (default: sqlite:///{DEFAULT_RUNS_DIR}/STUDY.db)"
    )


def default_storage_url(study: str) -> str:
    return f"sqlite:///{Path(DEFAULT_RUNS_DIR) / study}.db"


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
    space = space_of(study)
    if space is None:
        raise UserError(f"study '{args.study}' in {url} was not written by codesign search")
    return study, space, storage


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


FIRST_LAYER_LABELS = {"sc": "sc", "fixed_point_parallel": "parallel",
                      "fixed_point_bit_serial": "bit-serial"}


def describe_shape(params: dict) -> str:
    if "width_1" in params:
        return "-".join(str(params[f"width_{i}"]) for i in range(1, 99) if f"width_{i}" in params)
    return f"conv {params.get('base_channels')}/{params.get('fc_width')}"


def describe_input(params: dict) -> str:
    if params["input_mode"] != "sc":
        return "fixed point"
    training = "adapted" if params.get("training_mode") == "adapted" else "non-adapted"
    trained_at = f"@{params['train_length']}" if "train_length" in params else ""
    merge = "first" if params.get("merge_point") == "first_layer" else "output"
    return f"{params.get('sng_kind')} {merge} {training}{trained_at}"


def front_table(trials, title: str, limit: int | None = None):
    from rich.table import Table

    table = Table(title=title)
    for column, justify in (("trial", "right"), ("network", "left"), ("input", "left"),
                            ("first layer", "left"),
                            ("N", "right"), ("tiles", "right"), ("val acc", "right"),
                            ("test acc", "right"), ("energy pJ", "right"),
                            ("area mm2", "right"), ("latency ns", "right")):
        table.add_column(column, justify=justify)
    for trial in list(trials)[:limit]:
        a, p = trial.user_attrs, trial.params
        table.add_row(
            str(trial.number), describe_shape(p), describe_input(p),
            FIRST_LAYER_LABELS[p["first_layer_hw"]],
            str(p.get("bitstream_length", "-")), str(p["tiles"]), percent(a["val_accuracy"]),
            percent(a["test_accuracy"]), f"{a['energy_pj']:,.0f}", f"{a['area_mm2']:.4f}",
            f"{a['latency_ns']:,.0f}",
        )
    return table
