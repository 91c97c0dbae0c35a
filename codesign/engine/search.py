"""The search driver: propose networks, reject over-budget ones, train, record design points.

The driver owns the Optuna storage. For each network the sampler proposes it
1. costs every hardware configuration (all N, tiles, first-layer hardware) analytically, and
   rejects the network without training if none fits the hard budgets;
2. hands the training to an executor (in-process or Ray) and keeps heartbeats for it;
3. records every design point of the trained network in the design study, then tells the
   network trial its most accurate feasible design point.
A failed training is a failed trial with its error; failures that share a cause (the data,
the configuration, the machine) stop the search without costing budget (`SearchHalted`). An
interruption fails the trials in flight (they are retried on resume) and leaves none RUNNING
(`codesign.engine.interrupts`). A trial left RUNNING by a driver that died is failed as soon as a
rerun sees its driver gone (`codesign.engine.liveness`) and trained again; the study's files go in
its own folder (`codesign.engine.study_folder`), written whole or not at all (`codesign.outputs`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, Trial, TrialState

from codesign.engine.attribute_text import attribute_line
from codesign.engine.dashboard_view import annotate_training_run, record_constraints
from codesign.engine.design_index import add_design_trials
from codesign.engine.execution import (
    Executor,
    Finished,
    LocalExecutor,
    ProcessExecutor,
    RayExecutor,
)
from codesign.engine.fidelity import accuracy_needed, early_stop_job, evaluation_job
from codesign.engine.halving import COST_FRONT_ATTR, GOES_ON_AT_ATTR, halving_job
from codesign.engine.interrupts import (
    held_interrupts,
    interruptible,
    raise_if_interrupted,
    signals_as_interrupts,
)
from codesign.engine.liveness import HEARTBEAT_ATTR, HOLDER_ATTR, holder_record, is_stale
from codesign.engine.pareto import (
    COST_SCALES_ATTR,
    RunningFront,
    pareto_front,
    study_cost_scales,
)
from codesign.engine.storage import (
    GRACE_PERIOD_S,
    HEARTBEAT_INTERVAL_S,
    is_storage_failure,
    open_storage,
    storage_failure,
)
from codesign.engine.study import (
    LAST_STOP_ATTR,
    OUT_OF_TIME,
    UNFINISHED_OUTCOMES,
    attempts,
    competing_claim,
    design_trials,
    excuse_failures,
    is_measured,
    network_encoding,
    network_front,
    open_studies,
    representative_point,
    write_design_table,
)
from codesign.engine.study_folder import (
    check_study_folder,
    claim_study_folder,
    inside_study_folder,
    study_folder,
)
from codesign.engine.timing import time_breakdown
from codesign.outputs import replacing
from codesign.problem.compiled import Problem, compile_problem
from codesign.problem.compose import HardwarePoint, weight_error_rates
from codesign.problem.design_space import Network
from codesign.problem.space import Budget, Execution, SearchSpace
from trainer.device import resolve_accelerator
from trainer.run_folders import last_checkpoint

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
    networks_stopped: int = 0  # early stopping ended their training (`codesign.engine.fidelity`)
    networks_out_of_time: int = 0  # the wall time cut their training (resumed next run)
    design_points: int = 0  # design points recorded (trials of the design study)
    design_points_costed: int = 0  # by this run, of every network it trained or rejected
    stopped_because: str = ""
    stopped_by: str = ""  # trials | wall_time | exhausted (STOPS)
    networks_counted: int = 0  # networks of the study that count against budget.trials
    budget_trials: int = 0
    wall_time_s: float | None = None
    front_size: int = 0  # feasible Pareto front of the whole study when the run ended
    hypervolume: float = 0.0  # of that front, normalised as `codesign.engine.pareto` says
    # where the time went: `codesign.engine.timing.time_breakdown`
    time_s: dict[str, float] = field(default_factory=dict)


@dataclass
class _InFlight:
    trial: Trial
    network: Network
    points: list[HardwarePoint]
    ordinal: int  # which network of the budget this is (1 = the first)
    accuracy_to_beat: float | None = None  # early stopping's threshold (`codesign.engine.fidelity`)
    goes_on_at: dict[str, float] | None = None  # halving's, by rung (`codesign.engine.halving`)


def _beat(trial: Trial) -> None:
    """A liveness record: the trial's driver is alive at this wall-clock time."""
    trial.set_user_attr(HEARTBEAT_ATTR, time.time())


def _hold(trial: Trial) -> None:
    """Record this driver as the trial's holder (so that a rerun on this machine knows at once
    when it died: `codesign.engine.liveness`), and its first beat."""
    trial.set_user_attr(HOLDER_ATTR, holder_record())
    _beat(trial)


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


def _fail_stale_trials(networks: optuna.Study, storage: BaseStorage) -> None:
    """Fail the RUNNING trials of drivers that are gone: dead on this machine (at once), or
    silent for the grace period (killed, crashed, on any machine); a trial with no beat at
    all counts from its start. Their networks are trained again (`_retry_unfinished`)."""
    study_id = storage.get_study_id_from_name(networks.study_name)
    for trial in networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if is_stale(trial.user_attrs, trial.datetime_start.timestamp(), GRACE_PERIOD_S):
            trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                storage.set_trial_user_attr(trial_id, "outcome", "abandoned")
                networks.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)



def resumable_checkpoint(networks: optuna.Study, key: str, train_config: dict[str, Any]
                         ) -> str | None:
    """The checkpoint to resume network `key`'s training from: the last one of its latest
    unfinished training (cut by the wall time, `budget.wall_time_s`, or by an interrupt or a
    dead driver: `UNFINISHED_OUTCOMES`), if that is on disk and ran the same training (its
    output folder aside); None: train it from its start."""
    def training(config: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in config.items()
                if name not in ("output_dir", "name")}

    for trial in reversed(networks.get_trials(deepcopy=False, states=(TrialState.FAIL,))):
        attrs = trial.user_attrs
        if attrs.get("network_key") != key or attrs.get("outcome") not in UNFINISHED_OUTCOMES:
            continue
        path = _checkpoint_left(attrs)
        same = training(attrs.get("train_config", {})) == training(train_config)
        return str(path) if path is not None and same and path.is_file() else None
    return None


def _checkpoint_left(attrs: dict[str, Any]) -> Path | None:
    """The last checkpoint an unfinished training left: the one its worker reported at a
    wall-time cut, else (an interrupt or a dead driver: no report) the `last.ckpt` of the run
    it went on in: the one it resumed (in place), or its own newest."""
    if attrs.get("resume_checkpoint"):
        return Path(attrs["resume_checkpoint"])
    if attrs.get("resumed_from"):
        return Path(attrs["resumed_from"])
    config = attrs.get("train_config") or {}
    if not (config.get("output_dir") and config.get("name")):
        return None
    return last_checkpoint(config["output_dir"], config["name"])


def _retry_unfinished(networks: optuna.Study, budget: int) -> None:
    """Ask again first for the networks whose training was cut short (Ctrl-C, a crash, a dead
    driver), so that a rerun trains them rather than counting on the sampler to propose them
    again (with fewer networks in the space than the budget it might never). Each network
    once, only while the budget has room, and never one another trial holds or has trained."""
    trials = networks.get_trials(deepcopy=False)
    pending = [t.system_attrs.get("fixed_params") for t in trials if t.state == TrialState.WAITING]
    room, seen = budget - attempts(networks), set()
    for trial in trials:
        key = trial.user_attrs.get("network_key")
        if (room <= 0 or trial.state != TrialState.FAIL or key is None or key in seen
                or trial.user_attrs.get("outcome") not in UNFINISHED_OUTCOMES):
            continue
        seen.add(key)
        if competing_claim(networks, key, trial.number) is None and trial.params not in pending:
            networks.enqueue_trial(trial.params)
            room -= 1


def make_executor(
    execution: Execution, ray_address: str | None, on_event: EventHandler
) -> Executor:
    """The executor the space asks for; raises AcceleratorUnavailable for a missing GPU."""
    if execution.mode == "ray" or ray_address:
        return RayExecutor(execution.workers, ray_address or execution.ray_address,
                           execution.accelerator, execution.gpus_per_training)
    resolve_accelerator(execution.accelerator)
    if execution.workers > 1:  # parallel on this machine, with nothing listening
        return ProcessExecutor(execution.workers, execution.accelerator)

    def reporter(trial_number: int):
        def report(epoch: int, epochs: int, batch: int, batches: int) -> None:
            raise_if_interrupted()  # inside Lightning's loop: its graceful stop
            on_event(SearchEvent("progress", trial_number, data={
                "epoch": epoch, "epochs": epochs, "batch": batch, "batches": batches}))

        return report

    return LocalExecutor(reporter)


class SearchInterrupted(KeyboardInterrupt):
    """A signal stopped the search, and the storage would not fail some of the trials this
    driver held: they stay RUNNING until the next run finds their driver gone."""

    def __init__(self, left_running: list[int]):
        super().__init__(f"network trials left RUNNING: {left_running}")
        self.left_running = left_running


class SearchHalted(Exception):
    """Trainings fail for a reason they share (the data, the configuration, the machine):
    going on would spend the budget on failures. Raised once the driver holds no trial."""


MAX_FAILURES_IN_A_ROW = 3  # trainings failing with no success between: a shared cause


@dataclass
class _FailureStreak:
    """Trainings failed since the last success; decides when failures share a cause."""

    errors: dict[int, str] = field(default_factory=dict)  # network trial -> error

    def success(self) -> None:
        self.errors.clear()

    def failure(self, network_trial: int, finished: Finished) -> str | None:
        """Why the search must stop after this failure, or None to go on."""
        previous = list(self.errors.values())[-1:]
        self.errors[network_trial] = finished.error or ""
        if finished.shared_cause:
            because = "a problem every training shares (data, configuration or machine)"
        elif previous == [finished.error]:
            because = "the same error as the training before"
        elif len(self.errors) >= MAX_FAILURES_IN_A_ROW:
            because = f"{len(self.errors)} trainings in a row failed"
        else:
            return None
        return (f"network #{network_trial} failed: {finished.error}; stopped: {because}. "
                "Fix it and run the same command again: failed trainings cost no budget")


def run_search(
    space: SearchSpace | Problem,
    storage_url: str | None = None,
    ray_address: str | None = None,
    on_event: EventHandler = lambda event: None,
) -> SearchSummary:
    """Run (or resume) the search described by `space` (a space, compiled here, or its
    problem) until its budget is spent.

    Ctrl-C, SIGTERM and SIGHUP raise KeyboardInterrupt after the trials this driver holds are
    failed (none is left RUNNING; `SearchInterrupted` names those the storage would not fail);
    trainings failing for a shared reason raise `SearchHalted`.
    """
    problem = space if isinstance(space, Problem) else compile_problem(space)
    url = storage_url or problem.storage_url
    check_study_folder(problem.output_dir, problem.name, url)  # another study's files: refused
    with interruptible():
        return _Driver(problem, url, ray_address, on_event).run()


class _Driver:
    """One run of the search, in the parts a reader thinks in: `_propose` a network (and
    claim it), `_launch` its training (or reject it before training), `_record` a trained
    network, `_fail` a failed one; `run` loops over them until the budget is spent."""

    def __init__(self, problem: Problem, url: str, ray_address: str | None,
                 on_event: EventHandler):
        problem.design_space.check_networks(problem.initial_networks)
        self.problem, self.url, self.on_event = problem, url, on_event
        self.technology = problem.cost_technology()  # at the space's cost corner
        # a missing GPU: before any study
        self.executor = make_executor(problem.execution, ray_address, on_event)
        self.summary = SearchSummary(problem.name, url)
        self.live: dict[int, Trial] = {}  # asked by this driver and not yet told
        self.in_flight: dict[int, _InFlight] = {}  # of those, the ones training
        self.failures = _FailureStreak()
        self.duplicates = 0  # proposals of trained networks in a row

    def _open(self) -> None:
        """The storage, both studies, the study's folder claimed, the trials of dead drivers
        failed and their networks asked again first, and the front so far."""
        problem = self.problem
        try:
            self.storage = open_storage(self.url)
            self.designs, self.networks = open_studies(problem, self.storage)
            self.ordinal = network_encoding(self.storage, self.networks)
            claim_study_folder(problem.output_dir, problem.name, self.url)
            _fail_stale_trials(self.networks, self.storage)
            if not self.networks.trials:
                for params in problem.initial_networks:
                    self.networks.enqueue_trial(
                        problem.design_space.optuna_params(params, self.ordinal))
            _retry_unfinished(self.networks, problem.budget.trials)
            # the space's largest costs, recorded by the study's first run (`pareto` reads
            # them; a resumed search keeps them rather than costing the space again)
            scales = study_cost_scales(self.designs, self.problem, self.technology)
            self.designs.set_user_attr(COST_SCALES_ATTR, attribute_line(scales))
            self.front = RunningFront(self.problem.goals.searched, scales,
                                      pareto_front(self.designs))
        except BaseException as exc:
            self.executor.shutdown()
            if is_storage_failure(exc):
                raise storage_failure(self.url, exc) from None
            raise

    def run(self) -> SearchSummary:
        self._open()
        budget = self.problem.budget
        self.deadline = time.monotonic() + budget.wall_time_s if budget.wall_time_s else None
        heartbeat = _Heartbeat(self.live)
        heartbeat.start()
        self.on_event(SearchEvent("started", data={
            "attempted": attempts(self.networks), "budget": budget.trials,
            **self.front.summary()}))
        try:
            with signals_as_interrupts():
                self._loop()
        except BaseException as exc:
            with held_interrupts():
                reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else "aborted"
                left_running = _fail_held(self.networks, self.live, reason)
            self.executor.cancel()
            if is_storage_failure(exc):
                raise storage_failure(self.url, exc) from None
            if left_running and isinstance(exc, KeyboardInterrupt):
                raise SearchInterrupted(left_running) from exc
            raise
        finally:
            heartbeat.stopped.set()
            self.executor.shutdown()
        self.summary.front_size, self.summary.hypervolume = self.front.size, self.front.hypervolume
        self._record_stop(budget)
        self.summary.time_s = time_breakdown(self.networks.get_trials(deepcopy=False))
        self.on_event(SearchEvent("done", message=self.summary.stopped_because))
        return self.summary

    def _loop(self) -> None:
        while True:
            self._fill()
            if not self.in_flight:
                if not _running_elsewhere(self.networks):
                    return
                # another driver (or a dead one) holds trainings that count against the
                # budget: wait until they finish or their heartbeats stop, then re-plan
                time.sleep(HEARTBEAT_INTERVAL_S)
                _fail_stale_trials(self.networks, self.storage)
                continue
            for finished in self.executor.wait(timeout_s=HEARTBEAT_INTERVAL_S):
                self._finish(finished)

    def _fill(self) -> None:
        """Propose and launch networks until the executor is full or the budget is spent."""
        while len(self.in_flight) < self.executor.capacity:
            raise_if_interrupted()
            counted = attempts(self.networks)  # in-flight trainings included
            stop = _stop_reason(self.problem.budget, counted, self.deadline, self.duplicates)
            if stop:
                if not self.summary.stopped_by:
                    self.summary.stopped_by, self.summary.stopped_because = stop
                return
            proposal = self._propose()
            if proposal is not None:
                self._launch(*proposal, ordinal=counted + 1)

    def _propose(self) -> tuple[Trial, Network] | None:
        """Ask the sampler for a network and claim it (see `competing_claim`); a network
        another trial holds is answered as a duplicate (None)."""
        with held_interrupts():  # a trial exists only with its beat and its holder
            trial = self.networks.ask()
            _hold(trial)
            self.live[trial.number] = trial
        network = self.problem.design_space.suggest_network(trial, self.ordinal)
        key = network.key()
        trial.set_user_attr("network_key", key)  # the claim
        if competing_claim(self.networks, key, trial.number) is not None:
            self.duplicates += 1
            self._settle(trial, {"outcome": "duplicate"}, state=TrialState.PRUNED)
            return None
        self.duplicates = 0
        return trial, network

    def _launch(self, trial: Trial, network: Network, ordinal: int) -> None:
        """Cost every hardware configuration of the network; reject it without training if
        none fits the hardware budgets, else hand its training to the executor."""
        started = time.perf_counter()
        points = self.problem.hardware_points(network, self.technology)
        self.summary.design_points_costed += len(points)
        if not self.problem.fits_hardware_budgets(points).any():
            self._settle(trial, {"outcome": "over_budget", "design_points_costed": len(points),
                                 "cost_time_s": time.perf_counter() - started},
                         state=TrialState.PRUNED)
            self.summary.networks_rejected += 1
            self.on_event(SearchEvent("rejected", trial.number, network.key(), data={
                "ordinal": ordinal, "spent": self._spent()}))
            return
        folder = network_folder(self.problem.output_dir, self.problem.name, trial.number)
        config = self.problem.train_config(network, str(folder), weight_error_rates(
            p.weight_error_rate for p in points))
        trial.set_user_attr("train_config", config.model_dump(mode="json"))
        job = {"train_config": config.model_dump(mode="json")}
        resume = resumable_checkpoint(self.networks, network.key(), job["train_config"])
        if resume is not None:  # its training was cut (wall time, interrupt): it goes on
            trial.set_user_attr("resumed_from", resume)
            job["resume_from"] = resume
        # by point, the accuracy it needs to enter the front: early stopping's threshold and
        # the lazy plan read it (a space that asks for neither gets neither job)
        budget = self.problem.budget
        needed = (accuracy_needed(self.problem, points, self.front.front)
                  if budget.early_stopping.enabled or budget.record == "search_front"
                  else np.empty(0))
        early_stop = early_stop_job(self.problem, needed, self.networks)
        halving = halving_job(self.problem, points, self.front.scales,
                              self.networks.get_trials(deepcopy=False))
        if early_stop is not None and halving is not None:
            trial.set_user_attr(COST_FRONT_ATTR, halving["cost_front"])
            trial.set_user_attr(GOES_ON_AT_ATTR, halving["goes_on_at"])
            early_stop["goes_on_at"] = halving["goes_on_at"]
        if early_stop is not None:
            trial.set_user_attr("accuracy_to_beat", early_stop["accuracy_to_beat"])
            job["early_stop"] = early_stop
        evaluation = evaluation_job(self.problem, points, needed, self.networks)
        if evaluation is not None:  # test only where a point could enter the front
            job["evaluation"] = evaluation
        if self.deadline is not None:  # a training running when it is spent stops
            job["wall_time_left_s"] = max(0.0, self.deadline - time.monotonic())
        trial.set_user_attr("cost_time_s", time.perf_counter() - started)  # and the job's ranks
        self.executor.submit(trial.number, job)
        self.in_flight[trial.number] = _InFlight(
            trial, network, points, ordinal,
            early_stop["accuracy_to_beat"] if early_stop is not None else None,
            early_stop.get("goes_on_at") if early_stop is not None else None)
        self.on_event(SearchEvent("training", trial.number, network.key(),
                                  data={"ordinal": ordinal}))

    def _finish(self, finished: Finished) -> None:
        """A training came back: record it whole, or fail it."""
        raise_if_interrupted()  # before recording: the held block would defer it
        with held_interrupts():  # a finished training is recorded whole or not at all
            entry = self.in_flight.pop(finished.key)
            stopped = finished.error is None and finished.result.get("stopped_at") is not None
            out_of_time = stopped and finished.result.get("stopped_by") == "wall_time"
            if out_of_time:
                self._record_out_of_time(entry, finished.result)
            elif stopped:
                self._record_stopped(entry, finished.result)
            elif finished.error is None:
                kept = self._record(entry, finished.result)
            else:
                self._settle(entry.trial, {"outcome": "failed", "error": finished.error},
                             state=TrialState.FAIL)
        if finished.error is not None:
            self._fail(entry, finished)
            return
        self.failures.success()
        if out_of_time:
            self.summary.networks_out_of_time += 1
            self.on_event(SearchEvent("out_of_time", finished.key, entry.network.key(), data={
                "ordinal": entry.ordinal, "spent": self._spent(), **finished.result}))
            return
        if stopped:
            self.summary.networks_stopped += 1
            self.on_event(SearchEvent("stopped", finished.key, entry.network.key(), data={
                "ordinal": entry.ordinal, "spent": self._spent(), **self.front.summary(),
                "accuracy_to_beat": entry.accuracy_to_beat, "goes_on_at": entry.goes_on_at,
                **finished.result}))
            return
        self.front.add(kept)
        self.summary.networks_trained += 1
        self.summary.design_points += len(kept)
        self.on_event(SearchEvent("trained", finished.key, entry.network.key(), data={
            "design_points": len(kept), "ordinal": entry.ordinal, "spent": self._spent(),
            **self.front.summary(), **finished.result}))

    def _record(self, entry: _InFlight, result: dict[str, Any]) -> list[FrozenTrial]:
        """Design points and their dashboard notes first, then the network trial: a crash in
        between leaves the network untold, and it is trained again (`record_time_s` times
        all of it: `codesign.engine.timing`)."""
        problem, trial = self.problem, entry.trial
        started = time.perf_counter()
        table = design_table_path(problem.name, trial.number)
        destination = inside_study_folder(study_folder(problem.output_dir, problem.name),
                                          Path(problem.output_dir) / table)
        with replacing(destination) as temporary:  # a full disk leaves no partial table
            write_design_table(temporary, problem, entry.network, entry.points, result)
        measured = [p for p in entry.points if is_measured(result, p)]
        kept = [p for p in network_front(problem, measured, result)
                if is_measured(result, p, "test")]  # the others cannot enter the front
        trials = design_trials(problem, entry.network, kept, result, trial.number,
                               started=trial.datetime_start)
        if problem.budget.record == "search_front":  # only what could still be on the front
            trials = self.front.not_dominated(trials)
        add_design_trials(self.storage, self.designs, trials)  # and their index
        best, accuracy = representative_point(problem, measured, result)
        record_constraints(self.storage, trial, problem.violations(best, accuracy))
        for name in RECORDED_OUTCOME:
            trial.set_user_attr(name, result.get(name))
        for name in FIDELITY_OUTCOME:
            if name in result:
                trial.set_user_attr(name, result[name])
        trial.set_user_attr("outcome", "trained")
        trial.set_user_attr("design_points", len(trials))
        trial.set_user_attr("design_points_costed", len(entry.points))
        trial.set_user_attr("design_points_measured", len(measured))  # the rest: skipped
        trial.set_user_attr("design_points_table", str(table))
        annotate_training_run(self.storage, problem, self.designs, trial)
        trial.set_user_attr("record_time_s", time.perf_counter() - started)
        self._tell(trial, values=problem.values(best, accuracy))
        return trials

    def _record_stopped(self, entry: _InFlight, result: dict[str, Any]) -> None:
        """A training early stopping ended (`codesign.engine.fidelity`): the network trial keeps how
        far it got and why, and is PRUNED; no design point is recorded (its accuracies were
        never measured at every N, and a low-fidelity point is no front point)."""
        trial = entry.trial
        for name in (*RECORDED_OUTCOME, *FIDELITY_OUTCOME):
            if name in result:
                trial.set_user_attr(name, result[name])
        trial.set_user_attr("design_points_costed", len(entry.points))
        self._settle(trial, {"outcome": "stopped"}, state=TrialState.PRUNED)

    def _record_out_of_time(self, entry: _InFlight, result: dict[str, Any]) -> None:
        """A training the wall time cut (`budget.wall_time_s`): how far it got is kept, and
        the trial FAILs as an interrupted one does, so that it neither counts against the
        budget nor holds its network; the next run asks for the network first and goes on
        from the checkpoint the worker reported (`resumable_checkpoint`)."""
        trial = entry.trial
        for name in FIDELITY_OUTCOME:
            if name in result:
                trial.set_user_attr(name, result[name])
        trial.set_user_attr("train_time_s", result.get("train_time_s"))
        trial.set_user_attr("design_points_costed", len(entry.points))
        if result.get("resume_checkpoint"):  # where the next run's training goes on
            trial.set_user_attr("resume_checkpoint", result["resume_checkpoint"])
        self._settle(trial, {"outcome": OUT_OF_TIME}, state=TrialState.FAIL)

    def _fail(self, entry: _InFlight, finished: Finished) -> None:
        """A failed training: counted, reported, and the search halted if the failures so far
        share a cause (`_FailureStreak`)."""
        self.summary.networks_failed += 1
        self.on_event(SearchEvent("failed", finished.key, finished.error,
                                  data={"ordinal": entry.ordinal, "spent": self._spent()}))
        halt = self.failures.failure(finished.key, finished)
        if halt:
            excuse_failures(self.networks, list(self.failures.errors))
            raise SearchHalted(halt)

    def _record_stop(self, budget: Budget) -> None:
        """The run's counts and why it stopped, in the summary and in the network study
        (`status` says whether a budget cut the search short)."""
        summary = self.summary
        summary.networks_counted = attempts(self.networks)
        summary.budget_trials, summary.wall_time_s = budget.trials, budget.wall_time_s
        self.networks.set_user_attr(LAST_STOP_ATTR, attribute_line({
            "stopped_by": summary.stopped_by, "networks_counted": summary.networks_counted,
            "budget_trials": budget.trials, "wall_time_s": budget.wall_time_s or "",
            "because": summary.stopped_because.replace(";", ",")}))

    def _tell(self, trial: Trial, **outcome: Any) -> None:
        self.networks.tell(trial, **outcome)
        self.live.pop(trial.number, None)

    def _settle(self, trial: Trial, attrs: dict[str, Any], **outcome: Any) -> None:
        """Record why a trial ends and end it, never one without the other."""
        with held_interrupts():
            for name, value in attrs.items():
                trial.set_user_attr(name, value)
            self._tell(trial, **outcome)

    def _spent(self) -> int:
        """Networks that count against the budget, those in training here left out."""
        return attempts(self.networks) - len(self.in_flight)


# what a network trial keeps of its training run
RECORDED_OUTCOME = ("val_accuracy", "test_accuracy", "val_accuracy_by_ber",
                    "test_accuracy_by_ber", "val_accuracy_percentile_by_ber",
                    "test_accuracy_percentile_by_ber", "accuracy_percentile", "checkpoint",
                    "train_time_s", "host", "pid", "node_id", "gpu_ids", "epochs_run",
                    "device")
# how much training it got and what early stopping saw (`codesign.engine.fidelity`)
FIDELITY_OUTCOME = ("fidelity", "stopped_at", "stopped_by", "val_curve", "optimistic_accuracy",
                    "evaluate_time_s", "evaluated")


def _running_elsewhere(networks: optuna.Study) -> bool:
    """Trainings in flight in the study that this driver does not own."""
    running = networks.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    return any("network_key" in trial.user_attrs for trial in running)


def _stop_reason(budget: Budget, counted: int, deadline: float | None,
                 duplicates: int) -> tuple[str, str] | None:
    """Why the search stops launching networks (one of STOPS, and in words), or None."""
    if counted >= budget.trials:
        return "trials", f"budget of {budget.trials} networks spent"
    if deadline is not None and time.monotonic() >= deadline:
        return "wall_time", f"wall time of {budget.wall_time_s:g} s reached"
    if duplicates >= MAX_CONSECUTIVE_DUPLICATES:
        return "exhausted", "the sampler only proposes networks already trained (space exhausted)"
    return None


def design_table_path(name: str, network_trial: int) -> Path:
    """Where a network's full table of design points is written (relative to output_dir)."""
    return Path(name) / "design_points" / f"network-{network_trial:04d}.csv.gz"


def network_folder(output_dir: str, name: str, network_trial: int) -> Path:
    """Where a network's checkpoints and logs go (absolute: Ray workers write there too),
    checked to lie in the study's folder."""
    folder = study_folder(Path(output_dir).resolve(), name)
    return inside_study_folder(folder, folder / "networks" / f"{network_trial:04d}")


def _fail_held(networks, live: dict[int, Trial], reason: str) -> list[int]:
    """Fail every trial this driver still holds (they are retried on resume); the numbers of
    those the storage would not fail (it may be what failed), which the next run finds with
    their driver gone and fails then (`_fail_stale_trials`)."""
    left_running = []
    for trial in list(live.values()):
        with contextlib.suppress(Exception):  # why it ended: a note, not worth a RUNNING trial
            trial.set_user_attr("outcome", reason)
        try:
            networks.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
        except Exception:
            left_running.append(trial.number)
        live.pop(trial.number, None)
    return left_running
