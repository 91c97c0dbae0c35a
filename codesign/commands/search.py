"""`search`: run (or resume) a multi-objective co-design search from a search-space YAML."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from codesign import present
from codesign.config_io import read_yaml, validate
from codesign.design_space import check_initial_networks
from codesign.errors import UserError
from codesign.quiet import quiet_libraries
from codesign.space import SearchSpace, default_storage_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="run (or resume) a multi-objective co-design search from a search-space YAML",
        description="Run a search; running the same command again resumes it.",
    )
    parser.add_argument("space", type=Path, help="search-space YAML (see search_spaces/)")
    parser.add_argument("--storage", help="Optuna storage URL (overrides the YAML)")
    parser.add_argument("--ray-address", help="join this Ray cluster (implies execution: ray)")
    parser.add_argument("--workers", type=int, help="trainings in flight (overrides the YAML)")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"),
                        help="where trainings run (overrides execution.accelerator)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run)


def load_space(
    path: Path, workers: int | None = None, accelerator: str | None = None
) -> SearchSpace:
    """The space of `path` with the command line's execution overrides, validated together."""
    document = read_yaml(path)
    overrides = {"workers": workers, "accelerator": accelerator}
    overrides = {key: value for key, value in overrides.items() if value is not None}
    if overrides and isinstance(document, dict):
        execution = document.get("execution")
        execution = execution if isinstance(execution, dict) else {}
        document = {**document, "execution": {**execution, **overrides}}
    space = validate(SearchSpace, document, path)
    try:
        check_initial_networks(space)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    return space


def _check_data(space: SearchSpace) -> None:
    """Fail before any trial if the data cannot be found: not as N failed trainings."""
    from trainer.data import DatasetError, locate_cifar10, locate_fashion_mnist

    locate = locate_fashion_mnist if space.data.dataset == "fashion_mnist" else locate_cifar10
    try:
        locate(space.data.root, space.data.download)
    except DatasetError as exc:
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    space = load_space(args.space, args.workers, args.accelerator)
    quiet_libraries()
    from codesign.search import run_search
    from codesign.storage import StorageError, open_storage
    from codesign.study import StudyMismatch
    from trainer.device import AcceleratorUnavailable, resolve_accelerator

    if space.execution.mode == "local" and not args.ray_address:
        try:  # a Ray cluster's GPUs are checked when the search joins it
            resolve_accelerator(space.execution.accelerator)
        except AcceleratorUnavailable as exc:
            raise UserError(f"{args.space}: execution.{exc}") from None
    _check_data(space)
    console = present.console()
    storage = args.storage or space.storage_url
    try:
        open_storage(storage)  # fail here, before any progress is drawn
    except StorageError as exc:
        raise UserError(str(exc)) from None
    console.print(f"study [bold]{space.name}[/] in {storage}")
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
        console=console, disable=args.no_progress, transient=False,
    )
    networks_task = progress.add_task("networks", total=space.budget.trials, note="")
    training_task = progress.add_task("training", total=None, note="", visible=False)
    best = {"accuracy": 0.0}

    def on_event(event) -> None:
        if event.kind == "started":
            progress.update(networks_task, completed=event.data["attempted"])
        elif event.kind == "training":
            progress.update(training_task, visible=True, completed=0, total=None,
                            description=f"network #{event.network_trial}", note="")
        elif event.kind == "progress":
            d = event.data
            total = d["epochs"] * d["batches"]
            progress.update(training_task, total=total,
                            completed=d["epoch"] * d["batches"] + d["batch"],
                            note=f"epoch {d['epoch'] + 1}/{d['epochs']}")
        elif event.kind in ("trained", "failed", "rejected"):
            progress.advance(networks_task)
            if event.kind == "trained":
                accuracy = max(event.data["val_accuracy"].values())
                best["accuracy"] = max(best["accuracy"], accuracy)
                progress.console.print(
                    f"network #{event.network_trial} trained: best val acc "
                    f"{present.percent(accuracy)}, {event.data['design_points']} design points "
                    f"({event.message})"
                )
            elif event.kind == "failed":
                progress.console.print(
                    f"[red]network #{event.network_trial} failed:[/] {event.message}"
                )
            else:
                progress.console.print(
                    f"network #{event.network_trial} rejected before training: "
                    f"no hardware configuration fits the budgets ({event.message})"
                )
            progress.update(networks_task, note=f"best val acc {present.percent(best['accuracy'])}")

    try:
        with progress:
            summary = run_search(space, args.storage, args.ray_address, on_event)
    except (StorageError, StudyMismatch, AcceleratorUnavailable) as exc:
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        console.print(
            "[yellow]interrupted:[/] finished trainings are kept, none is left running; "
            "run the same command again to resume"
        )
        return 130

    console.print(
        f"{summary.stopped_because}: {summary.networks_trained} networks trained, "
        f"{summary.networks_failed} failed, {summary.networks_rejected} rejected by budgets; "
        f"{summary.design_points} design points recorded"
    )
    from codesign.pareto import pareto_front
    from codesign.study import load_design_study

    front = pareto_front(load_design_study(open_storage(summary.storage_url), space.name))
    console.print(present.front_table(front, space, f"Pareto front ({len(front)} designs, top 10)",
                                      limit=10))
    flags = f"--study {space.name}"
    if summary.storage_url != default_storage_url(space.name):
        flags += f" --storage {summary.storage_url}"
    console.print(
        f"next: python -m codesign pareto {flags}   |   "
        f"python -m codesign dashboard {flags}   |   "
        f"python -m codesign export {flags} --pick knee -o design.yaml"
    )
    return 0
