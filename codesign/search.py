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
import signal
import threading
import time
from collections.abc import Callable, Iterator
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
    weight_error_rates,
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


HEARTBEAT_ATTR = "heartbeat_at"  # wall-clock time of a trial's last beat (every storage)


def _beat(trial: Trial) -> None:
    """A liveness record: the trial's driver is alive at this wall-clock time."""
    trial.set_user_attr(HEARTBEAT_ATTR, time.time())


class _Heartbeat(threading.Thread):
    """Beats for every trial this driver holds (asked and not yet told), every interval."""

    def __init__(self, live: dict[int, Trial]):
        super().__init__(daemon=True, name="codesign-heartbeat")
        self.live, self.stopped = live, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(HEARTBEAT_INTERVAL_S):
            for trial in list(self.live.values()):
                with contextlib.suppress(Exception):  # a missed beat is retried next interval
                    _beat(trial)


@contextlib.contextmanager
def _deferred_interrupts() -> Iterator[None]:
    """Ctrl-C (and SIGTERM) wait until the block is done, so that asking a trial and
    recording its first beat, or recording a finished network, is never cut in two."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _fail_stale_trials(networks: optuna.Study) -> None:
    """Fail the RUNNING trials of drivers that stopped beating (killed, crashed); a trial with
    no beat at all counts from its start."""
    now = time.time()
    for trial in networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        last = trial.user_attrs.get(HEARTBEAT_ATTR, trial.datetime_start.timestamp())
        if now - last > GRACE_PERIOD_S:
            networks.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)


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
        _fail_stale_trials(networks)
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

    live: dict[int, Trial] = {}  # asked by this driver and not yet told
    in_flight: dict[int, _InFlight] = {}  # of those, the ones training
    heartbeat = _Heartbeat(live)
    heartbeat.start()

    def tell(trial: Trial, **outcome: Any) -> None:
        networks.tell(trial, **outcome)
        live.pop(trial.number, None)

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
                with _deferred_interrupts():  # a trial exists only with its beat and its holder
                    trial = networks.ask()
                    _beat(trial)
                    live[trial.number] = trial
                network = suggest_network(trial, space)
                key = network.key()
                trial.set_user_attr("network_key", key)  # the claim (see `competing_claim`)
                if competing_claim(networks, key, trial.number) is not None:
                    duplicates += 1
                    trial.set_user_attr("outcome", "duplicate")
                    tell(trial, state=TrialState.PRUNED)
                    continue
                duplicates = 0
                points = hardware_points(network, space, technology)
                if not any(fits_hardware_budget(space, p) for p in points):
                    trial.set_user_attr("outcome", "over_budget")
                    tell(trial, state=TrialState.PRUNED)
                    summary.networks_rejected += 1
                    on_event(SearchEvent("rejected", trial.number, key))
                    continue
                config = train_config(network, space, str(checkpoints / f"{trial.number:04d}"),
                                      weight_error_rates(points))
                trial.set_user_attr("train_config", config.model_dump(mode="json"))
                executor.submit(trial.number, {"train_config": config.model_dump(mode="json")})
                in_flight[trial.number] = _InFlight(trial, network, points)
                on_event(SearchEvent("training", trial.number, key))
            if not in_flight:
                if not _running_elsewhere(networks):
                    break
                # another driver (or a dead one) holds trainings that count against the
                # budget: wait until they finish or their heartbeats stop, then re-plan
                time.sleep(HEARTBEAT_INTERVAL_S)
                _fail_stale_trials(networks)
                continue
            for finished in executor.wait(timeout_s=HEARTBEAT_INTERVAL_S):
                entry = in_flight[finished.key]
                if finished.error is not None:
                    with _deferred_interrupts():
                        entry.trial.set_user_attr("outcome", "failed")
                        entry.trial.set_user_attr("error", finished.error)
                        tell(entry.trial, state=TrialState.FAIL)
                        del in_flight[finished.key]
                    summary.networks_failed += 1
                    on_event(SearchEvent("failed", finished.key, finished.error))
                    continue
                with _deferred_interrupts():  # design points and the network told together
                    recorded = _record(space, designs, entry, finished.result, tell)
                    del in_flight[finished.key]
                summary.networks_trained += 1
                summary.design_points += recorded
                on_event(SearchEvent("trained", finished.key, entry.network.key(), data={
                    "design_points": recorded, **finished.result}))
    except BaseException as exc:
        with _deferred_interrupts():
            _fail_held(networks, live, "interrupted")
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


def _record(space, designs, entry: _InFlight, result: dict[str, Any], tell) -> int:
    """Design points first, then the network trial: a crash in between loses nothing."""
    table = design_table_path(space, entry.trial.number)
    write_design_table(Path(space.output_dir) / table, entry.network, entry.points, result)
    kept = network_front(space, entry.points, result)
    trials = design_trials(space, entry.network, kept, result, entry.trial.number)
    designs.add_trials(trials)
    best, accuracy = representative_point(space, entry.points, result)
    for name, value in violations(space, accuracy, best).items():
        entry.trial.set_constraint(name, value)
    for name in ("val_accuracy", "test_accuracy", "val_accuracy_by_ber",
                 "test_accuracy_by_ber", "checkpoint", "train_time_s", "host",
                 "pid", "node_id", "gpu_ids", "epochs_run", "device"):
        entry.trial.set_user_attr(name, result.get(name))
    entry.trial.set_user_attr("outcome", "trained")
    entry.trial.set_user_attr("design_points", len(trials))
    entry.trial.set_user_attr("design_points_costed", len(entry.points))
    entry.trial.set_user_attr("design_points_table", str(table))
    tell(entry.trial, values=objective_values(space, accuracy, best))
    return len(trials)


def _fail_held(networks, live: dict[int, Trial], reason: str) -> None:
    """Fail every trial this driver still holds (they are retried on resume)."""
    for trial in list(live.values()):
        try:
            trial.set_user_attr("outcome", reason)
            networks.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
        except Exception:  # the storage itself may be what failed; staleness covers it
            pass
        live.pop(trial.number, None)
