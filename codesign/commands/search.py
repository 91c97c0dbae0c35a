"""`search`: run (or resume) a multi-objective co-design search from a search-space YAML."""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from codesign.commands.common import positive_int
from codesign.engine.interrupts import interruptible
from codesign.engine.quiet import quiet_libraries
from codesign.errors import UserError
from codesign.problem.config_io import read_yaml, validate
from codesign.problem.space import SearchSpace, default_storage_url
from codesign.screen import present

if TYPE_CHECKING:
    from codesign.problem.compiled import Problem


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="run (or resume) a multi-objective co-design search from a search-space YAML",
        description="Run a search; running the same command again resumes it.",
    )
    parser.add_argument("space", type=Path, help="search-space YAML (see search_spaces/)")
    parser.add_argument("--storage", help="Optuna storage URL (overrides the YAML)")
    parser.add_argument("--ray-address", help="join this Ray cluster (implies execution: ray)")
    parser.add_argument("--workers", type=positive_int,
                        help="trainings at once (overrides the YAML; local: worker processes)")
    parser.add_argument("--expose", action="store_true",
                        help="allow a local Ray (execution: {mode: ray} without an address), "
                             "whose servers listen on every network interface")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"),
                        help="where trainings run (overrides execution.accelerator)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run)


def load_problem(
    path: Path, workers: int | None = None, accelerator: str | None = None
) -> Problem:
    """The space of `path` with the command line's execution overrides, validated together
    and compiled."""
    document = read_yaml(path)
    overrides = {"workers": workers, "accelerator": accelerator}
    overrides = {key: value for key, value in overrides.items() if value is not None}
    if overrides and isinstance(document, dict):
        execution = document.get("execution")
        execution = execution if isinstance(execution, dict) else {}
        document = {**document, "execution": {**execution, **overrides}}
    from codesign.problem.compiled import (
        compile_problem,  # the trainer's imports: once a command runs
    )

    problem = compile_problem(validate(SearchSpace, document, path))
    try:
        problem.design_space.check_networks(problem.initial_networks)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    return problem


def _preflight(problem: Problem, path: Path, ray_address: str | None) -> None:
    """Everything that can fail before a study exists fails here (codesign.problem.preflight)."""
    from codesign.problem.preflight import PreflightError, preflight

    execution = problem.execution
    cluster = bool(ray_address or execution.ray_address)
    try:  # trainings on a Ray cluster run on its machines, whose memory is not known here
        preflight(problem, concurrent_trainings=execution.workers, memory=not cluster)
    except PreflightError as exc:
        raise UserError(f"{path}: {exc}") from None


def _check_storage(problem: Problem, url: str) -> None:
    """A storage that would lose the study, or a study folder holding another study's files:
    refused before the checks below spend time (nothing is connected to or written)."""
    from codesign.engine.storage import StorageError, check_storage_url
    from codesign.engine.study_folder import check_study_folder

    try:
        check_storage_url(url)
        check_study_folder(problem.output_dir, problem.name, url)
    except StorageError as exc:
        raise UserError(str(exc)) from None


def _check_exposure(problem: Problem, args: argparse.Namespace) -> bool:
    """A local Ray opens servers on every network interface (Ray cannot bind them to
    127.0.0.1): only with --expose. Returns whether this search starts one."""
    execution = problem.execution
    local_ray = execution.mode == "ray" and not (args.ray_address or execution.ray_address)
    if local_ray and not args.expose:
        raise UserError(
            f"{args.space}: execution.mode: ray without a ray_address starts a local Ray whose "
            "servers listen on every network interface of this machine: give --expose to "
            f"accept that, or use execution: {{mode: local, workers: {execution.workers}}} "
            "(worker processes; nothing listens)")
    return local_ray


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args.space, args.workers, args.accelerator)
    quiet_libraries()
    from codesign.engine.execution import ClusterUnreachable
    from codesign.engine.search import SearchHalted, SearchInterrupted, run_search
    from codesign.engine.storage import StorageError, is_new_file_storage, open_storage, redacted
    from codesign.engine.study import StudyMismatch
    from trainer.device import AcceleratorUnavailable, resolve_accelerator

    storage = args.storage or problem.storage_url
    _check_storage(problem, storage)
    local_ray = _check_exposure(problem, args)

    if problem.execution.mode == "local" and not args.ray_address:
        try:  # a Ray cluster's GPUs are checked when the search joins it
            resolve_accelerator(problem.execution.accelerator)
        except AcceleratorUnavailable as exc:
            raise UserError(f"{args.space}: execution.{exc}") from None
    _preflight(problem, args.space, args.ray_address)
    console = present.console()
    try:  # fail here, before any progress is drawn; a new file is made by the search, once
        if not is_new_file_storage(storage):  # the executor (a Ray cluster) is reached
            open_storage(storage)
    except StorageError as exc:
        raise UserError(str(exc)) from None
    console.print(present.search_opening(problem.name, redacted(storage)), soft_wrap=True)
    if local_ray:
        console.print(present.local_ray_exposure(os.environ.get("RAY_AUTH_MODE")),
                      soft_wrap=True)
    # piped: no bars (a log, one line a record), only the lines of `SearchProgress`
    try:  # a signal from the opening line on is a clean stop (no trial exists before it)
        with interruptible():
            progress = SearchProgress(problem, console,
                                      disabled=args.no_progress or not console.is_terminal)
            with progress.live:
                summary = run_search(problem, args.storage, args.ray_address,
                                     progress.on_event)
    except (StorageError, StudyMismatch, AcceleratorUnavailable, SearchHalted,
            ClusterUnreachable) as exc:
        raise UserError(str(exc)) from None
    except KeyboardInterrupt as exc:
        left = exc.left_running if isinstance(exc, SearchInterrupted) else []
        with contextlib.suppress(OSError):  # SIGHUP: the terminal may be gone
            console.print(present.search_interrupted(left), soft_wrap=True)
        return 130

    try:  # the search is over and recorded: a signal now only cuts the summary short
        with interruptible():
            _show_summary(console, summary, problem, args)
    except KeyboardInterrupt:
        return 130
    return 0


def _show_summary(console, summary, problem: Problem, args: argparse.Namespace) -> None:
    """The finished search's summary: its front and the commands that come next."""
    from codesign.engine.pareto import pareto_front
    from codesign.engine.storage import open_storage, redacted
    from codesign.engine.study import load_design_study

    front = pareto_front(load_design_study(open_storage(summary.storage_url), problem.name))
    flags = f"--study {problem.name}"
    if summary.storage_url != default_storage_url(problem.name):
        flags += f" --storage {redacted(summary.storage_url)}"
    rerun = f"python -m codesign search {args.space}" + (
        f" --storage {redacted(args.storage)}" if args.storage else "")
    present.show(console, present.search_summary(summary, front, problem, flags, rerun,
                                                 console.width))


class SearchProgress:
    """The search's progress: a bar of the budget with the running front, its hypervolume
    and an ETA, and one bar per training in flight with its own timer."""

    def __init__(self, problem: Problem, console, disabled: bool):
        self.budget_trials = problem.budget.trials
        self.live = Progress(
            TextColumn("{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"), TimeElapsedColumn(),
            console=console, disable=disabled, transient=False,
        )
        self.budget = self.live.add_task("networks", total=self.budget_trials, note="")
        self.trainings: dict[int, tuple[int, float]] = {}  # trial -> (task, started)
        self.durations: list[float] = []
        self.workers = problem.execution.workers
        self.front: dict[str, float] = {}
        self.done = 0
        self.disabled = disabled

    def on_event(self, event) -> None:
        data = event.data
        if event.kind == "started":
            self.done = data["attempted"]
            self.front = {"front_size": data["front_size"], "hypervolume": data["hypervolume"]}
            self.live.update(self.budget, completed=self.done, note=self._note())
            if self.disabled and self.done:
                self._print(present.search_resumed_line(self.done, self.budget_trials,
                                                        self.front))
        elif event.kind == "done":  # the bar's last state is true: no ETA once stopped
            for task, _ in self.trainings.values():
                self.live.remove_task(task)
            self.live.update(self.budget, completed=self.done,
                             note=present.search_stopped_note(self.front, event.message))
        elif event.kind == "training":
            task = self.live.add_task(
                present.network_label(event.network_trial, data["ordinal"],
                                      self.budget_trials), total=None, note="")
            self.trainings[event.network_trial] = (task, time.monotonic())
        elif event.kind == "progress" and event.network_trial in self.trainings:
            total = data["epochs"] * data["batches"]
            self.live.update(self.trainings[event.network_trial][0], total=total,
                             completed=data["epoch"] * data["batches"] + data["batch"],
                             note=f"epoch {data['epoch'] + 1}/{data['epochs']}")
        elif event.kind in ("trained", "stopped", "out_of_time", "failed", "rejected"):
            task, started = self.trainings.pop(event.network_trial, (None, None))
            if task is not None:
                self.live.remove_task(task)
                self.durations.append(time.monotonic() - started)
            if event.kind == "trained":
                self.front = {"front_size": data["front_size"],
                              "hypervolume": data["hypervolume"]}
            self.done = data["spent"]  # a failure may cost no budget (docs/search.md)
            self._print(present.search_event_line(
                event, self.budget_trials, self.durations[-1] if task is not None else None))
            self.live.update(self.budget, completed=self.done, note=self._note())

    def _print(self, line: str) -> None:
        """A line of the log, never wrapped (one record a line, greppable when piped)."""
        with contextlib.suppress(OSError):  # a terminal gone is not the search's failure
            self.live.console.print(line, soft_wrap=True)

    def _note(self) -> str:
        remaining = max(0, self.budget_trials - self.done)
        eta_s = (sum(self.durations) / len(self.durations) * remaining / self.workers
                 if self.durations else None)
        return present.search_progress_note(self.front, eta_s)
