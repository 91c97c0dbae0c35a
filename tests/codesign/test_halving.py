"""Successive halving across networks (`codesign.engine.halving`): a network's worth against the
search's own hypervolume of its recorded design points, and the peers' worths by rung."""

import numpy as np
import pytest
from optuna.trial import create_trial

from codesign.engine.halving import WORTH_ATTR, peer_worths, worth_table
from codesign.engine.pareto import cost_scales, hypervolume
from codesign.engine.study import design_trials, network_front
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from tests.codesign.stubs import QueueStub, full_result, stopped_result
from tests.codesign.test_fidelity import _outcome


@pytest.mark.parametrize("limit", [None, 0.5])
def test_worth_is_the_hypervolume_of_the_networks_own_recorded_points(tiny_space, limit):
    """Plain reference: record the network's front with every accuracy at `a` as the search
    records it, keep its feasible trials, and take their hypervolume as the search does."""
    space = SearchSpace.model_validate(tiny_space(
        constraints={"min_accuracy": limit} if limit else {}))
    problem, technology = compile_problem(space), load_technology("stt_mram_28nm")
    scales = cost_scales(problem, technology)
    for network in list(problem.design_space.networks())[:3]:
        points = problem.hardware_points(network, technology)
        table = dict((round(a, 6), w) for a, w in worth_table(problem, points, scales))
        for accuracy in (0.0, 0.3, 0.55, 0.8, 0.97, 1.0):
            outcome = _outcome(points, accuracy)
            trials = design_trials(problem, network, network_front(problem, points, outcome),
                                   outcome, 0)
            feasible = [t for t in trials if all(v <= 0 for v in t.constraints.values())]
            expected = hypervolume(feasible, problem.goals.searched, scales)
            assert table[round(accuracy, 6)] == pytest.approx(expected, rel=1e-9, abs=1e-12)
        worths = [w for _, w in worth_table(problem, points, scales)]
        assert worths == sorted(worths)  # a better accuracy is never worth less
        assert worths[-1] > 0


def test_peer_worths_gather_each_rung_over_the_networks_that_reached_it():
    def trial(worths):
        attrs = {WORTH_ATTR: worths} if worths is not None else {}
        return create_trial(value=0.0, user_attrs=attrs)

    peers = peer_worths([trial({"1": 0.2, "3": 0.4}), trial({"1": 0.1}), trial(None)])
    assert {rung: sorted(w) for rung, w in peers.items()} == {"1": [0.1, 0.2], "3": [0.4]}
    assert np.isclose(sum(peers["1"]), 0.3)


class HalvingStub(QueueStub):
    """Trains nothing but runs the worker's real early-stop callback (`runner._early_stop`) on
    the job the driver sent: the first network's validation accuracy is 0.5, every later one's
    0.9, checked at the rung after epoch 1 of 2."""

    def __init__(self, lengths):
        super().__init__(lengths)
        self.callbacks = {}

    def result(self, key, job):
        from types import SimpleNamespace

        import torch

        from codesign.engine.runner import _early_stop

        accuracy = 0.5 if len(self.jobs) == 1 else 0.9
        stop = self.callbacks[key] = _early_stop(job["early_stop"])
        trainer = SimpleNamespace(sanity_checking=False, current_epoch=0, max_epochs=2,
                                  should_stop=False,
                                  callback_metrics={"val/acc": torch.tensor(accuracy)})
        stop.on_validation_end(trainer, None)
        reported = {"val_curve": stop.history,
                    "optimistic_accuracy": {str(k): v for k, v in stop.bounds.items()},
                    "stopped_by": stop.stopped_by,
                    "rung_worth": {str(k): v for k, v in stop.worths.items()}}
        if stop.stopped_at is not None:
            return stopped_result(key, 1, 0.5, **reported)
        return full_result(key, job, accuracy, self.lengths, 2, **reported)


def test_a_search_with_halving_ranks_each_network_against_the_worths_before_it(
        tiny_space, monkeypatch):
    import codesign.engine.search as search_module
    from codesign.engine.search import run_search
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study, load_network_study
    from trainer.stop_rule import Halving

    halving = {"eta": 3, "min_peers": 2}
    space = SearchSpace.model_validate(tiny_space(
        budget={"trials": 8, "epochs": 2,
                "early_stopping": {"enabled": True, "rungs": [1], "halving": halving}},
        initial_networks=[{"input_mode": "fixed_point", "width_1": 32}]))
    stub = HalvingStub(sorted({1, *space.input.bitstream_lengths}))
    monkeypatch.setattr(search_module, "make_executor", lambda *args: stub)
    summary = run_search(space)
    storage = open_storage(space.storage_url)
    networks = load_network_study(storage, space.name).trials
    designs = load_design_study(storage, space.name).trials
    rule, seen = Halving(**halving), []
    halved = 0
    for trial in sorted(networks, key=lambda t: t.number):
        if trial.number not in stub.jobs:
            continue
        job = stub.jobs[trial.number]["early_stop"]
        # the peers sent are exactly the worths recorded by the networks asked before it
        assert sorted(job["peer_worths"].get("1", [])) == sorted(seen)
        if "1" not in (trial.user_attrs.get("rung_worth") or {}):  # it could not matter
            assert trial.user_attrs["stopped_by"] == "hopeless", (trial.user_attrs, sorted(job))
            continue
        worth = trial.user_attrs["rung_worth"]["1"]
        assert worth == pytest.approx(float(np.interp(  # at the accuracy it has shown
            max(trial.user_attrs["val_curve"]), *np.asarray(job["worth_table"]).T)))
        went_on = trial.user_attrs.get("stopped_by") != "halving"
        assert went_on == rule.goes_on(worth, seen)
        halved += not went_on
        seen.append(worth)
    assert halved >= 1 and summary.networks_stopped >= halved
    stopped = {t.number for t in networks if t.user_attrs.get("outcome") == "stopped"}
    assert not {d.user_attrs["network_trial"] for d in designs} & stopped  # never on the front

