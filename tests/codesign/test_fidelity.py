"""Pareto-aware early stopping in the search (`codesign.engine.fidelity`): the threshold against a
plain dominance check, stopped and promoted networks, and no low-fidelity point reported."""

import csv
import json
import os
import time
from pathlib import Path

import numpy as np
import optuna
import pytest
import yaml
from optuna.trial import TrialState

import codesign.engine.search as search_module
from codesign.cli import main
from codesign.engine.fidelity import accuracy_needed, accuracy_to_beat
from codesign.engine.search import resumable_checkpoint, run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import (
    design_trials,
    load_design_study,
    load_network_study,
    network_front,
)
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from tests.codesign.stubs import QueueStub, full_result, stopped_result

FIRST_NETWORK = {"input_mode": "fixed_point", "width_1": 16}
OPTIMISM = 0.05  # what the stub adds to a network's accuracy for its optimistic bound


def _outcome(points, accuracy: float) -> dict:
    """A trained network's numbers: `accuracy` at every N and bit-error rate."""
    lengths = {str(p.bitstream_length) for p in points} | {"1"}
    by_n = {n: accuracy for n in lengths}
    by_ber = {ber_key(p.evaluated_error_rate): by_n for p in points}
    return {"val_accuracy": by_n, "test_accuracy": by_n, "val_accuracy_by_ber": by_ber,
            "test_accuracy_by_ber": by_ber, "checkpoint": "ck.ckpt"}


def _could_enter(problem, points, front, accuracy: float) -> bool:
    """Plain reference: some point fitting the budgets, at `accuracy`, is feasible and no
    front point is at least as good in every searched objective."""
    for point in points:
        if not problem.feasible(point, accuracy):
            continue
        mine = problem.values(point, accuracy)
        signs = [-1 if o.maximize else 1 for o in problem.goals.searched]
        if not any(all(s * t <= s * m for s, t, m in zip(signs, trial.values, mine, strict=True))
                   for trial in front):
            return True
    return False


@pytest.mark.parametrize("limit", [None, 0.95])
def test_accuracy_to_beat_is_where_a_plain_dominance_check_flips(tiny_space, limit):
    space = SearchSpace.model_validate(tiny_space(
        constraints={"min_accuracy": limit} if limit else {}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    networks = list(problem.design_space.networks())
    rng = np.random.default_rng(0)
    for front_network, candidate in [(networks[0], networks[-1]), (networks[-1], networks[0]),
                                     (networks[1], networks[2])]:
        front_points = problem.hardware_points(front_network, technology)
        outcome = _outcome(front_points, float(rng.uniform(0.6, 0.9)))
        front = design_trials(problem, front_network,
                              network_front(problem, front_points, outcome), outcome, 0)
        points = problem.hardware_points(candidate, technology)
        threshold = accuracy_to_beat(accuracy_needed(problem, points, front))
        if threshold > 0:  # 0: a point no front point covers (any accuracy would do)
            assert not _could_enter(problem, points, front, min(threshold, 1.0))
        if threshold < 1.0:
            assert _could_enter(problem, points, front, threshold + 1e-9)
    same = problem.hardware_points(networks[0], technology)
    outcome = _outcome(same, 0.8)
    front = design_trials(problem, networks[0], network_front(problem, same, outcome),
                          outcome, 0)
    least = accuracy_to_beat(accuracy_needed(problem, same, front))
    assert least == pytest.approx(max(0.8, limit or 0))
    empty = accuracy_to_beat(accuracy_needed(problem, same, []))
    assert empty == pytest.approx(limit or 0.0, abs=1e-9)


class RungStub(QueueStub):
    """Trains nothing: the first network is 0.9 accurate, every later one 0.3; a job with
    early stopping is stopped after 1 of 2 epochs when its optimistic accuracy (the accuracy
    plus `OPTIMISM`) does not beat the threshold it carries, and returns full numbers else."""

    def result(self, key, job):
        accuracy = 0.9 if len(self.jobs) == 1 else 0.3
        optimistic = accuracy + OPTIMISM
        if job.get("early_stop") and optimistic <= job["early_stop"]["accuracy_to_beat"]:
            return stopped_result(key, 1, 0.5, val_curve=[accuracy],
                                  optimistic_accuracy={"1": optimistic})
        return full_result(key, job, accuracy, self.lengths, 2, val_curve=[accuracy])


@pytest.fixture
def stopped_search(tiny_space, monkeypatch, write_space):
    spec = tiny_space(budget={"trials": 6, "epochs": 2, "early_stopping": {"enabled": True}},
                      initial_networks=[FIRST_NETWORK])
    space = SearchSpace.model_validate(spec)
    lengths = sorted({1, *space.input.bitstream_lengths})
    stub = RungStub(lengths)
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    summary = run_search(space)
    storage = open_storage(space.storage_url)
    return {"space": space, "summary": summary, "stub": stub, "path": write_space(spec),
            "designs": load_design_study(storage, space.name),
            "networks": load_network_study(storage, space.name)}


def test_dominated_networks_are_stopped_and_one_that_could_enter_is_promoted(stopped_search):
    networks, stub = stopped_search["networks"], stopped_search["stub"]
    outcomes = {t.number: t.user_attrs.get("outcome") for t in networks.trials}
    stopped = [t for t in networks.trials if outcomes[t.number] == "stopped"]
    trained = [t for t in networks.trials if outcomes[t.number] == "trained"]
    assert stopped and len(trained) >= 2 and stopped_search["summary"].networks_stopped == len(
        stopped)
    assert trained[0].params == FIRST_NETWORK  # no front yet: it could enter, promoted
    for trial in stopped:
        assert trial.state == TrialState.PRUNED
        assert trial.user_attrs["fidelity"] == 0.5 and trial.user_attrs["stopped_at"] == 1
        # stopped only where a plain dominance check says even the optimistic accuracy
        # would leave every one of its design points dominated by the front it was sent with
        threshold = stub.jobs[trial.number]["early_stop"]["accuracy_to_beat"]
        assert trial.user_attrs["accuracy_to_beat"] == threshold
        assert threshold >= 0.3 + OPTIMISM
    for number, job in stub.jobs.items():  # the curves of networks trained in full so far
        before = sum(t.number < number for t in trained)
        assert job["early_stop"]["observed_excess"] == ({"1": 0.0} if before >= 2 else {})
    for trial in trained[1:]:  # promoted: their optimistic accuracy beat the threshold
        assert trial.user_attrs["accuracy_to_beat"] < 0.3 + OPTIMISM
        assert trial.user_attrs["fidelity"] == 1.0


def test_no_low_fidelity_point_is_reported(stopped_search, capsys):
    designs, networks = stopped_search["designs"], stopped_search["networks"]
    stopped = {t.number for t in networks.trials if t.user_attrs.get("outcome") == "stopped"}
    assert stopped
    assert all(d.user_attrs["fidelity"] == 1.0 for d in designs.trials)
    assert not {d.user_attrs["network_trial"] for d in designs.trials} & stopped
    args = ["--study", "tiny", "--storage", stopped_search["space"].storage_url]
    capsys.readouterr()
    assert main(["pareto", *args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows and not {int(r["network_trial"]) for r in rows} & stopped
    assert main(["status", *args, "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["networks"]["stopped_early"] == len(stopped)
    assert not {r["network_trial"] for r in status["front"]} & stopped
    for pick in ("max-accuracy", "knee", "min-energy"):
        out = stopped_search["path"].parent / f"{pick}.yaml"
        assert main(["export", *args, "--pick", pick, "-o", str(out)]) == 0
        exported = yaml.safe_load(out.read_text())["study"]
        assert exported["network_trial"] not in stopped


def test_a_rerun_does_not_train_stopped_networks_again(stopped_search, monkeypatch):
    space, stub = stopped_search["space"], stopped_search["stub"]
    more = SearchSpace.model_validate(
        space.model_dump(mode="json") | {"budget": {**space.budget.model_dump(mode="json"),
                                                    "trials": 8}})
    run_search(more)
    networks = load_network_study(open_storage(space.storage_url), space.name)
    keys = [t.user_attrs["network_key"] for t in networks.trials
            if t.user_attrs.get("outcome") in ("trained", "stopped")]
    assert len(keys) == len(set(keys)) and len(stub.jobs) == len(keys)


def test_recording_only_the_search_front_keeps_the_same_front_with_fewer_trials(
        tiny_space, tmp_path, monkeypatch):
    from codesign.engine.pareto import cost_scales, hypervolume, pareto_front
    from tests.codesign.stubs import stub_trainings

    recorded = {}
    for record in ("network_front", "search_front"):
        space = SearchSpace.model_validate(tiny_space(
            name=f"tiny-{record.replace('_', '-')}", budget={"trials": 6, "record": record},
            storage=f"sqlite:///{tmp_path / record}.db"))
        stub_trainings(monkeypatch, space)
        run_search(space)
        recorded[record] = load_design_study(open_storage(space.storage_url), space.name)
    problem = compile_problem(space)
    scales = cost_scales(problem, load_technology(problem.technology))

    def keys(trials):
        return {(t.user_attrs["network_trial"], tuple(sorted(t.params.items())))
                for t in trials}

    every, fewer = recorded["network_front"], recorded["search_front"]
    assert keys(fewer.trials) < keys(every.trials)  # a strict subset: something was saved
    assert keys(pareto_front(fewer)) == keys(pareto_front(every))
    assert hypervolume(fewer.trials, problem.goals.searched, scales) == pytest.approx(
        hypervolume(every.trials, problem.goals.searched, scales))


def test_observed_excess_is_the_largest_rise_after_each_epoch_of_networks_trained_in_full():
    import optuna

    from codesign.engine.fidelity import observed_excess

    def network(outcome, curve, final, by_ber=None):
        return optuna.trial.create_trial(values=[0.0], user_attrs={
            "outcome": outcome, "val_curve": curve, "val_accuracy": {"1": final - 0.05,
                                                                    "16": final},
            "val_accuracy_by_ber": by_ber or {}})

    one = network("trained", [0.6, 0.7, 0.72], 0.75)
    assert observed_excess([one]) == {}  # one curve is not enough
    two = network("trained", [0.5, 0.8], 0.7, by_ber={"0.001": {"16": 0.82}})
    stopped = network("stopped", [0.1], 0.9)
    excess = observed_excess([one, two, stopped])
    # epoch 1: 0.75 - 0.6 and 0.82 - 0.5 (its best at any bit-error rate); epoch 2: 0.05, 0.02
    assert excess == pytest.approx({1: 0.32, 2: 0.05})


class DeadlineStub(QueueStub):
    """Each training takes TRAIN_S; one sent with less wall time left than that is cut after
    its first of 2 epochs, when its time is up, as `trainer.fidelity.StopAtDeadline` cuts it,
    and reports `resume_checkpoint` (if set) to go on from."""

    TRAIN_S = 2.0
    resume_checkpoint: str | None = None

    def result(self, key, job):
        left = job["wall_time_left_s"]
        if left < self.TRAIN_S:
            time.sleep(left)
            resume = {"resume_checkpoint": self.resume_checkpoint} if self.resume_checkpoint else {}
            return stopped_result(key, 1, 0.5, stopped_by="wall_time", **resume)
        time.sleep(self.TRAIN_S)
        return full_result(key, job, 0.8, self.lengths, 2)


def test_a_training_the_wall_time_cuts_is_not_recorded_and_the_next_run_trains_it(
        tiny_space, monkeypatch, capsys):
    """Wall time 3 s, trainings of 2 s: the first network is trained, the second is sent with
    1 s left and cut. It costs no budget and holds no claim; it is not on the front, `status`
    counts it, and the next run (a fresh wall time) trains that network first."""
    spec = tiny_space(budget={"trials": 4, "epochs": 2, "wall_time_s": 3.0},
                      initial_networks=[FIRST_NETWORK])
    space = SearchSpace.model_validate(spec)
    stub = DeadlineStub(sorted({1, *space.input.bitstream_lengths}))
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    summary = run_search(space)
    storage = open_storage(space.storage_url)
    networks = load_network_study(storage, space.name).trials
    assert [t.user_attrs.get("outcome") for t in networks] == ["trained", "out_of_time"]
    cut = networks[1]
    assert cut.state == TrialState.FAIL and stub.jobs[1]["wall_time_left_s"] < 1.5
    assert (cut.user_attrs["stopped_at"], cut.user_attrs["fidelity"]) == (1, 0.5)
    assert summary.networks_trained == 1 and summary.networks_out_of_time == 1
    assert summary.networks_counted == 1 and summary.stopped_by == "wall_time"
    designs = load_design_study(storage, space.name).trials
    assert designs and {d.user_attrs["network_trial"] for d in designs} == {0}
    assert main(["status", "--study", "tiny", "--storage", space.storage_url]) == 0
    assert "1 cut by the wall time" in " ".join(capsys.readouterr().out.split())
    run_search(space)  # a fresh wall time: the cut network first
    again = load_network_study(storage, space.name).trials[2]
    assert again.params == cut.params and again.user_attrs["outcome"] == "trained"


def test_the_next_run_sends_a_cut_network_with_the_checkpoint_to_go_on_from(
        tiny_space, monkeypatch, tmp_path):
    """The cut trial keeps the checkpoint its worker reported; the next run sends that network
    with it (`resume_from`) and says so on its trial."""
    spec = tiny_space(budget={"trials": 4, "epochs": 2, "wall_time_s": 3.0},
                      initial_networks=[FIRST_NETWORK])
    space = SearchSpace.model_validate(spec)
    last = tmp_path / "last.ckpt"
    last.write_bytes(b"the cut training's last epoch")
    stub = DeadlineStub(sorted({1, *space.input.bitstream_lengths}))
    stub.resume_checkpoint = str(last)
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    run_search(space)
    storage = open_storage(space.storage_url)
    cut = load_network_study(storage, space.name).trials[1]
    assert cut.user_attrs["outcome"] == "out_of_time"
    assert cut.user_attrs["resume_checkpoint"] == str(last)
    assert "resume_from" not in stub.jobs[0] and "resume_from" not in stub.jobs[1]
    run_search(space)
    again = load_network_study(storage, space.name).trials[2]
    assert again.params == cut.params and again.user_attrs["outcome"] == "trained"
    assert stub.jobs[2]["resume_from"] == str(last) == again.user_attrs["resumed_from"]


def test_only_the_latest_cut_of_the_same_training_with_its_checkpoint_is_resumed(tmp_path):
    last = tmp_path / "last.ckpt"
    last.write_bytes(b"a checkpoint")
    config = {"name": "a", "output_dir": "/runs/1", "optim": {"epochs": 2}}
    study = optuna.create_study()

    def cut(key, checkpoint, outcome="out_of_time"):
        study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL, user_attrs={
            "network_key": key, "outcome": outcome, "resume_checkpoint": str(checkpoint),
            "train_config": config}))

    cut("net", tmp_path / "gone.ckpt")
    cut("net", last)
    cut("other", tmp_path / "gone.ckpt")
    cut("net", tmp_path / "gone.ckpt", outcome="failed")  # of its own accord: not resumed
    elsewhere = {**config, "name": "b", "output_dir": "/runs/9"}  # its own output folder
    assert resumable_checkpoint(study, "net", elsewhere) == str(last)
    assert resumable_checkpoint(study, "net", {**config, "optim": {"epochs": 3}}) is None
    assert resumable_checkpoint(study, "other", config) is None  # gone from disk
    assert resumable_checkpoint(study, "new", config) is None
    cut("net", tmp_path / "gone.ckpt")  # the latest cut's checkpoint is gone: start afresh
    assert resumable_checkpoint(study, "net", config) is None


def test_an_interrupted_training_goes_on_from_the_last_epoch_its_run_left(tmp_path):
    """Ctrl-C or a dead driver leaves no reported checkpoint: the `last.ckpt` of the run the
    trial went on in counts, its own newest run's, or the one it had resumed in place; a run
    interrupted in its first epoch left none."""
    config = {"name": "network", "output_dir": str(tmp_path / "0001"), "optim": {"epochs": 2}}
    study = optuna.create_study()

    def unfinished(outcome, **attrs):
        study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL, user_attrs={
            "network_key": "net", "outcome": outcome, "train_config": config, **attrs}))

    unfinished("interrupted")
    assert resumable_checkpoint(study, "net", config) is None  # no epoch had ended
    runs = tmp_path / "0001" / "network"
    for version, written in (("version_0", 1.0), ("version_1", 2.0)):
        last = runs / version / "checkpoints" / "last.ckpt"
        last.parent.mkdir(parents=True)
        last.write_bytes(b"an epoch")
        os.utime(last, (written, written))
    assert resumable_checkpoint(study, "net", config) == str(last)  # the newest run's
    earlier = tmp_path / "0000" / "network" / "version_0" / "checkpoints" / "last.ckpt"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"the run it went on in")
    unfinished("abandoned", resumed_from=str(earlier))
    assert resumable_checkpoint(study, "net", config) == str(earlier)


class InterruptedStub(QueueStub):
    """The first network trains; Ctrl-C comes while the second is in training, after its run
    wrote the `last.ckpt` of an epoch where `trainer.fit` writes it."""

    interrupted: Path | None = None

    def wait(self, timeout_s):
        if self.interrupted is None and len(self.jobs) == 2:
            config = self.jobs[max(self.jobs)]["train_config"]
            self.interrupted = Path(config["output_dir"], config["name"], "version_0",
                                    "checkpoints", "last.ckpt")
            self.interrupted.parent.mkdir(parents=True)
            self.interrupted.write_bytes(b"the interrupted run's first epoch")
            raise KeyboardInterrupt
        return super().wait(timeout_s)

    def result(self, key, job):
        return full_result(key, job, 0.8, self.lengths, 2)


def test_the_next_run_sends_an_interrupted_network_with_its_last_epoch(tiny_space, monkeypatch):
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3, "epochs": 2},
                                                  initial_networks=[FIRST_NETWORK]))
    stub = InterruptedStub(sorted({1, *space.input.bitstream_lengths}))
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    with pytest.raises(KeyboardInterrupt):
        run_search(space)
    storage = open_storage(space.storage_url)
    cut = load_network_study(storage, space.name).trials[1]
    assert cut.user_attrs["outcome"] == "interrupted"
    assert "resume_from" not in stub.jobs[cut.number]
    run_search(space)
    again = load_network_study(storage, space.name).trials[2]
    assert again.params == cut.params and again.user_attrs["outcome"] == "trained"
    assert stub.jobs[again.number]["resume_from"] == str(stub.interrupted)
    assert again.user_attrs["resumed_from"] == str(stub.interrupted)


def test_a_worker_sent_no_wall_time_left_stops_after_its_first_epoch(tmp_path,
                                                                      tiny_fmnist_dir):
    """The job's `wall_time_left_s` reaches the training (`trainer.fidelity.StopAtDeadline`):
    with none left, a 3-epoch training stops after its first and says why; with plenty, it
    runs in full."""
    from codesign.engine.runner import train_network
    from tests.trainer.test_error_structure import _tiny_model

    config = {**_tiny_model(tiny_fmnist_dir, tmp_path / "runs"), "optim": {"epochs": 3}}
    cut = train_network({"train_config": config, "wall_time_left_s": 0.0})
    assert (cut["stopped_at"], cut["stopped_by"], cut["epochs_run"]) == (1, "wall_time", 1)
    assert cut["test_accuracy"] == {} and cut["fidelity"] == pytest.approx(1 / 3)
    full = train_network({"train_config": config, "wall_time_left_s": 3600.0})
    assert full["stopped_at"] is None and full["epochs_run"] == 3 and full["test_accuracy"]
    # the cut one goes on from its last checkpoint, in its own run folder
    assert "resume_checkpoint" not in full
    resumed = train_network({"train_config": config, "resume_from": cut["resume_checkpoint"]})
    assert resumed["stopped_at"] is None and resumed["epochs_run"] == 3
    run = Path(cut["resume_checkpoint"]).parent
    assert Path(resumed["checkpoint"]).parent == run and resumed["test_accuracy"]
    gone = train_network({"train_config": config, "resume_from": str(run / "gone.ckpt")})
    assert gone["epochs_run"] == 3 and Path(gone["checkpoint"]).parent != run  # afresh
