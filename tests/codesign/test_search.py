"""The search driver end to end on tiny synthetic data: local and Ray, budgets, failures,
interruptions and resumption."""

import optuna
import pytest
from optuna.trial import TrialState

from codesign import execution
from codesign.compose import enumerate_networks
from codesign.search import run_search
from codesign.space import SearchSpace
from codesign.storage import open_storage
from codesign.study import load_design_study, load_network_study


def _studies(space: SearchSpace):
    storage = open_storage(space.storage_url)
    return load_design_study(storage, space.name), load_network_study(storage, space.name)


def _expected_points(space: SearchSpace, network: optuna.trial.FrozenTrial) -> int:
    tiles = len(space.hardware.tiles)
    if network.params["input_mode"] == "sc":
        return len(space.input.bitstream_lengths) * tiles
    return len(space.hardware.fixed_point_first_layers) * tiles


def test_local_search_records_every_design_point_of_every_network(tiny_space):
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3}))
    summary = run_search(space)
    designs, networks = _studies(space)
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert summary.networks_trained == len(trained) == 3
    assert designs.metric_names == ["accuracy", "energy_pj", "area_mm2"]
    assert len(designs.trials) == sum(_expected_points(space, t) for t in trained)
    for design in designs.trials:
        network = networks.trials[design.user_attrs["network_trial"]]
        # each design point is linked to the training run it came from, and its accuracy is
        # that run's accuracy at the design's N
        assert design.user_attrs["checkpoint"] == network.user_attrs["checkpoint"]
        n = str(design.params.get("bitstream_length", 1))
        assert design.values[0] == network.user_attrs["val_accuracy"][n]
    assert len({t.user_attrs["network_key"] for t in trained}) == 3  # never trained twice
    assert designs.best_trials


def test_ray_search_runs_trainings_on_workers(tiny_space):
    space = SearchSpace.model_validate(
        tiny_space(budget={"trials": 2}, execution={"mode": "ray", "workers": 2})
    )
    summary = run_search(space)
    _, networks = _studies(space)
    assert summary.networks_trained == 2
    assert all(t.user_attrs["node_id"] for t in networks.trials if t.state == TrialState.COMPLETE)


def test_over_budget_networks_are_never_trained(tiny_space, monkeypatch):
    calls = []
    monkeypatch.setattr(execution, "train_network", lambda job, report=None: calls.append(job))
    space = SearchSpace.model_validate(
        tiny_space(constraints={"max_area_mm2": 1e-6}, budget={"trials": 2})
    )
    summary = run_search(space)
    _, networks = _studies(space)
    assert calls == []
    assert summary.networks_rejected == 2
    assert all(t.user_attrs.get("outcome") in ("over_budget", "duplicate") for t in networks.trials)


def test_failed_training_is_a_failed_trial_and_the_search_goes_on(tiny_space, monkeypatch):
    real = execution.train_network
    calls = []

    def flaky(job, report=None):
        calls.append(job)
        if len(calls) == 1:
            raise RuntimeError("training loss became nan at epoch 0")
        return real(job, report)

    monkeypatch.setattr(execution, "train_network", flaky)
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3}))
    summary = run_search(space)
    _, networks = _studies(space)
    failed = [t for t in networks.trials if t.state == TrialState.FAIL]
    assert summary.networks_failed == len(failed) == 1
    assert "nan" in failed[0].user_attrs["error"]
    assert summary.networks_trained == 2


def test_interrupted_search_keeps_finished_trials_and_resumes(tiny_space, monkeypatch):
    real = execution.train_network
    calls = []

    def interrupted_second_time(job, report=None):
        calls.append(job)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(job, report)

    monkeypatch.setattr(execution, "train_network", interrupted_second_time)
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3}))
    with pytest.raises(KeyboardInterrupt):
        run_search(space)
    designs, networks = _studies(space)
    states = [t.state for t in networks.trials]
    assert TrialState.RUNNING not in states
    assert states.count(TrialState.COMPLETE) == 1
    kept = {t.number: t.values for t in designs.trials}
    first_key = next(t.user_attrs["network_key"] for t in networks.trials
                     if t.state == TrialState.COMPLETE)

    summary = run_search(space)  # the same command again
    designs, networks = _studies(space)
    complete = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 3 and summary.networks_trained == 2
    assert {t.number: t.values for t in designs.trials if t.number in kept} == kept
    assert [t.user_attrs["network_key"] for t in complete].count(first_key) == 1


def test_a_small_space_is_exhausted_without_retraining(tiny_space):
    space = SearchSpace.model_validate(
        tiny_space(input={"modes": ["fixed_point"]}, budget={"trials": 10})
    )
    assert len(enumerate_networks(space)) == 2
    summary = run_search(space)
    assert summary.networks_trained == 2
    assert "exhausted" in summary.stopped_because


def test_resuming_with_a_different_space_is_refused(tiny_space):
    from codesign.study import StudyMismatch

    space = SearchSpace.model_validate(tiny_space(budget={"trials": 1}))
    run_search(space)
    changed = SearchSpace.model_validate(tiny_space(model={"widths": [8, 16]}))
    with pytest.raises(StudyMismatch):
        run_search(changed)


def test_initial_networks_are_trained_first(tiny_space):
    first = {"input_mode": "sc", "width_1": 32, "merge_point": "first_layer",
             "sng_kind": "lfsr", "training_mode": "adapted", "train_length": 4}
    space = SearchSpace.model_validate(tiny_space(initial_networks=[first], budget={"trials": 1}))
    run_search(space)
    _, networks = _studies(space)
    assert networks.trials[0].params == first


def test_conv_search_on_cifar_layout_records_every_design_point(tiny_space, tiny_cifar_dir):
    """The CIFAR-10 path end to end: binary batches, conv BNNs, conv workloads."""
    spec = tiny_space(
        name="tiny-conv",
        data={"dataset": "cifar10", "root": str(tiny_cifar_dir), "augment": True},
        input={"modes": ["fixed_point"]},
        hardware={"tiles": [1, 4], "fixed_point_first_layers": ["fixed_point_parallel"]},
        budget={"trials": 2, "epochs": 1},
    )
    spec["model"] = {"family": "conv", "base_channels": [4, 8], "stages": 1, "hidden": [16]}
    space = SearchSpace.model_validate(spec)
    summary = run_search(space)
    designs, networks = _studies(space)
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert summary.networks_trained == len(trained) == 2
    assert {t.params["base_channels"] for t in trained} == {4, 8}
    assert len(designs.trials) == sum(_expected_points(space, t) for t in trained)
    area = {(d.params["base_channels"], d.params["tiles"]): d.values[2] for d in designs.trials}
    for tiles in (1, 4):  # twice the channels: four times the conv weights to store
        assert area[(8, tiles)] > area[(4, tiles)]
