"""The search driver: propose networks, reject over-budget ones, train, record design points.

The driver owns the Optuna storage. For each network the sampler proposes it
1. costs every hardware configuration (all N, tiles, first-layer hardware) analytically, and
   rejects the network without training if none fits the hard budgets;
2. hands the training to an executor (in-process or Ray) and keeps heartbeats for it;
3. records every design point of the trained network in the design study, then tells the
   network trial its most accurate feasible design point.
A failed training is a failed trial with its error; an interruption fails the trials in
flight (they are retried on resume) and leaves none RUNNING.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import Trial, TrialState

from codesign.compose import (
    HardwarePoint,
    fits_hardware_budget,
    hardware_points,
    objective_values,
    train_config,
    violations,
)
from codesign.design_space import Network, check_initial_networks, suggest_network
from codesign.execution import Executor, LocalExecutor, RayExecutor
from codesign.space import SearchSpace
from codesign.storage import (
    GRACE_PERIOD_S,
    HEARTBEAT_INTERVAL_S,
    is_storage_failure,
    open_storage,
    storage_failure,
)
from codesign.study import (
    attempts,
    competing_claim,
    design_trials,
    network_front,
    open_studies,
    representative_point,
    write_design_table,
)
from hwmodel import load_technology
from trainer.device import resolve_accelerator

MAX_CONSECUTIVE_DUPLICATES = 50  # the sampler keeps proposing trained networks: space exhausted


@dataclass(frozen=True)
class SearchEvent:
    """What the driver tells its presenter (the CLI draws progress bars from these)."""

    kind: str  # started | proposed | rejected | training | progress | trained | failed | done
    network_trial: int | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


EventHandler = Callable[[SearchEvent], None]


@dataclass
class SearchSummary:
    study_name: str
    storage_url: str
    networks_trained: int = 0
    networks_failed: int = 0
    networks_rejected: int = 0
    design_points: int = 0
    stopped_because: str = ""


@dataclass
class _InFlight:
    trial: Trial
    network: Network
    points: list[HardwarePoint]


HEARTBEAT_ATTR = "heartbeat_at"  # wall-clock beat for storages without Optuna's heartbeat


def _has_heartbeat(storage) -> bool:
    """RDB storages keep Optuna's heartbeat table; the journal file does not."""
    return hasattr(storage, "record_heartbeat")


def _beat(storage, trial: Trial) -> None:
    if _has_heartbeat(storage):
        storage.record_heartbeat(trial._trial_id)
    else:  # the journal file: a user attribute, checked by `_fail_stale_trials`
        storage.set_trial_user_attr(trial._trial_id, HEARTBEAT_ATTR, time.time())


class _Heartbeat(threading.Thread):
    """Records a heartbeat for every running network trial while a training blocks."""

    def __init__(self, storage, in_flight: dict[int, _InFlight]):
        super().__init__(daemon=True, name="codesign-heartbeat")
        self.storage, self.in_flight, self.stopped = storage, in_flight, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_INTERVAL_S):
            for entry in list(self.in_flight.values()):
                # a missed beat is retried at the next interval
                with contextlib.suppress(Exception):
                    _beat(self.storage, entry.trial)


def _fail_stale_trials(networks: optuna.Study, storage) -> None:
    """Fail the RUNNING trials of drivers that stopped beating (killed, crashed)."""
    if _has_heartbeat(storage):
        optuna.storages.fail_stale_trials(networks)
        return
    now = time.time()
    for trial in networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        last = trial.user_attrs.get(HEARTBEAT_ATTR, trial.datetime_start.timestamp())
        if now - last > GRACE_PERIOD_S:
            with contextlib.suppress(Exception):  # another driver may fail it first
                storage.set_trial_user_attr(trial._trial_id, "outcome", "stale")
                networks.tell(trial.number, state=TrialState.FAIL)


def make_executor(
    space: SearchSpace, ray_address: str | None, on_event: EventHandler
) -> Executor:
    """The executor the space asks for; raises AcceleratorUnavailable for a missing GPU."""
    execution = space.execution
    if execution.mode == "ray" or ray_address:
        return RayExecutor(execution.workers, ray_address or execution.ray_address,
                           execution.accelerator, execution.gpus_per_training)
    resolve_accelerator(execution.accelerator)

    def reporter(trial_number: int):
        def report(epoch: int, epochs: int, batch: int, batches: int) -> None:
            on_event(SearchEvent("progress", trial_number, data={
                "epoch": epoch, "epochs": epochs, "batch": batch, "batches": batches}))

        return report

    return LocalExecutor(reporter)


def run_search(
    space: SearchSpace,
    storage_url: str | None = None,
    ray_address: str | None = None,
    on_event: EventHandler = lambda event: None,
) -> SearchSummary:
    """Run (or resume) the search described by `space` until its budget is spent."""
    url = storage_url or space.storage_url
    check_initial_networks(space)
    technology = load_technology(space.hardware.technology)
    executor = make_executor(space, ray_address, on_event)  # a missing GPU: before any study
    try:
        storage = open_storage(url)
        designs, networks = open_studies(space, storage)
        _fail_stale_trials(networks, storage)
        if not networks.trials:
            for params in space.initial_networks:
                networks.enqueue_trial(params)
    except BaseException as exc:
        executor.shutdown()
        if is_storage_failure(exc):
            raise storage_failure(url, exc) from None
        raise
    summary = SearchSummary(space.name, url)
    deadline = time.monotonic() + space.budget.wall_time_s if space.budget.wall_time_s else None
    checkpoints = Path(space.output_dir).resolve() / space.name / "networks"

    in_flight: dict[int, _InFlight] = {}
    heartbeat = _Heartbeat(storage, in_flight)
    heartbeat.start()
    on_event(SearchEvent("started", data={"attempted": attempts(networks),
                                         "budget": space.budget.trials}))
    try:
        duplicates = 0
        while True:
            while len(in_flight) < executor.capacity:
                reason = _stop_reason(space, networks, deadline, duplicates)
                if reason:
                    summary.stopped_because = summary.stopped_because or reason
                    break
                trial = networks.ask()
                network = suggest_network(trial, space)
                key = network.key()
                trial.set_user_attr("network_key", key)  # the claim (see `competing_claim`)
                if competing_claim(networks, key, trial.number) is not None:
                    duplicates += 1
                    trial.set_user_attr("outcome", "duplicate")
                    networks.tell(trial, state=TrialState.PRUNED)
                    continue
                duplicates = 0
                points = hardware_points(network, space, technology)
                if not any(fits_hardware_budget(space, p) for p in points):
                    trial.set_user_attr("outcome", "over_budget")
                    networks.tell(trial, state=TrialState.PRUNED)
                    summary.networks_rejected += 1
                    on_event(SearchEvent("rejected", trial.number, key))
                    continue
                config = train_config(network, space, str(checkpoints / f"{trial.number:04d}"))
                trial.set_user_attr("train_config", config.model_dump(mode="json"))
                _beat(storage, trial)
                executor.submit(trial.number, {"train_config": config.model_dump(mode="json")})
                in_flight[trial.number] = _InFlight(trial, network, points)
                on_event(SearchEvent("training", trial.number, key))
            if not in_flight:
                if not _running_elsewhere(networks):
                    break
                # another driver (or a dead one) holds trainings that count against the
                # budget: wait until they finish or their heartbeats stop, then re-plan
                time.sleep(HEARTBEAT_INTERVAL_S)
                _fail_stale_trials(networks, storage)
                continue
            for finished in executor.wait(timeout_s=HEARTBEAT_INTERVAL_S):
                entry = in_flight.pop(finished.key)
                if finished.error is not None:
                    entry.trial.set_user_attr("outcome", "failed")
                    entry.trial.set_user_attr("error", finished.error)
                    networks.tell(entry.trial, state=TrialState.FAIL)
                    summary.networks_failed += 1
                    on_event(SearchEvent("failed", finished.key, finished.error))
                    continue
                recorded = _record(space, designs, networks, entry, finished.result)
                summary.networks_trained += 1
                summary.design_points += recorded
                on_event(SearchEvent("trained", finished.key, entry.network.key(), data={
                    "design_points": recorded, **finished.result}))
    except BaseException as exc:
        _fail_in_flight(networks, in_flight, "interrupted")
        executor.cancel()
        if is_storage_failure(exc):
            raise storage_failure(url, exc) from None
        raise
    finally:
        heartbeat.stopped.set()
        executor.shutdown()
    on_event(SearchEvent("done", message=summary.stopped_because))
    return summary


def _running_elsewhere(networks: optuna.Study) -> bool:
    """Trainings in flight in the study that this driver does not own."""
    running = networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    return any("network_key" in trial.user_attrs for trial in running)


def _stop_reason(space, networks, deadline, duplicates) -> str:
    if attempts(networks) >= space.budget.trials:  # in-flight trainings included
        return f"budget of {space.budget.trials} networks spent"
    if deadline is not None and time.monotonic() >= deadline:
        return f"wall time of {space.budget.wall_time_s:.0f} s reached"
    if duplicates >= MAX_CONSECUTIVE_DUPLICATES:
        return "the sampler only proposes networks already trained (space exhausted)"
    return ""


def design_table_path(space: SearchSpace, network_trial: int) -> Path:
    """Where a network's full table of design points is written (relative to output_dir)."""
    return Path(space.name) / "design_points" / f"network-{network_trial:04d}.csv.gz"


def _record(space, designs, networks, entry: _InFlight, result: dict[str, Any]) -> int:
    """Design points first, then the network trial: a crash in between loses nothing."""
    table = design_table_path(space, entry.trial.number)
    write_design_table(Path(space.output_dir) / table, entry.network, entry.points, result)
    kept = network_front(space, entry.points, result)
    trials = design_trials(space, entry.network, kept, result, entry.trial.number)
    designs.add_trials(trials)
    best, accuracy = representative_point(space, entry.points, result)
    for name, value in violations(space, accuracy, best).items():
        entry.trial.set_constraint(name, value)
    for name in ("val_accuracy", "test_accuracy", "checkpoint", "train_time_s", "host",
                 "pid", "node_id", "gpu_ids", "epochs_run", "device"):
        entry.trial.set_user_attr(name, result.get(name))
    entry.trial.set_user_attr("outcome", "trained")
    entry.trial.set_user_attr("design_points", len(trials))
    entry.trial.set_user_attr("design_points_costed", len(entry.points))
    entry.trial.set_user_attr("design_points_table", str(table))
    networks.tell(entry.trial, objective_values(space, accuracy, best))
    return len(trials)


def _fail_in_flight(networks, in_flight: dict[int, _InFlight], reason: str) -> None:
    for entry in in_flight.values():
        try:
            entry.trial.set_user_attr("outcome", reason)
            networks.tell(entry.trial, state=TrialState.FAIL)
        except Exception:  # the storage itself may be what failed; heartbeats cover it
            pass
    in_flight.clear()
