"""The search driver end to end on tiny synthetic data: local and Ray, budgets, failures,
interruptions and resumption."""

import csv
import gzip
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from codesign.cli import main
from codesign.engine import execution
from codesign.engine import pareto as pareto_module
from codesign.engine import search as search_module
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key, evaluated_error_rate
from codesign.problem.space import SearchSpace


def _studies(space: SearchSpace):
    storage = open_storage(space.storage_url)
    return load_design_study(storage, space.name), load_network_study(storage, space.name)


def _table(space: SearchSpace, network: optuna.trial.FrozenTrial) -> list[dict]:
    path = Path(space.output_dir) / network.user_attrs["design_points_table"]
    with gzip.open(path, "rt") as handle:
        return list(csv.DictReader(handle))


def _non_dominated(rows: list[dict]) -> int:
    """Plain count of the rows no other row dominates (accuracy up, costs down)."""
    losses = np.array([(-float(r["val_accuracy"]), float(r["energy_pj"]), float(r["area_mm2"]))
                       for r in rows])
    return sum(not any(np.all(other <= loss) and np.any(other < loss) for other in losses)
               for loss in losses)


def test_local_search_costs_every_design_and_keeps_each_networks_front(tiny_space):
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3}))
    summary = run_search(space)
    designs, networks = _studies(space)
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert summary.networks_trained == len(trained) == 3
    assert designs.metric_names == ["validation accuracy (fraction)", "energy (pJ)",
                                    "area (mm2)"]
    for network in trained:
        rows = _table(space, network)  # every hardware configuration, costed
        design_space = compile_problem(space).design_space
        configurations = design_space.hardware_configurations(design_space.network(network.params))
        assert len(rows) == len(configurations) == network.user_attrs["design_points_costed"]
        kept = [d for d in designs.trials if d.user_attrs["network_trial"] == network.number]
        assert len(kept) == network.user_attrs["design_points"] == _non_dominated(rows)
    for design in designs.trials:
        network = networks.trials[design.user_attrs["network_trial"]]
        # each design point is linked to the training run it came from, and its accuracy is
        # that run's accuracy at the design's N, its weights read at the design's bit-error
        # rate at the end of life rounded up to the grid
        assert design.user_attrs["checkpoint"] == network.user_attrs["checkpoint"]
        n = str(design.params.get("bitstream_length", 1))
        ber = design.user_attrs["evaluated_error_rate"]
        assert ber == evaluated_error_rate(design.user_attrs["weight_error_rate"]) > 0
        assert design.values[0] == network.user_attrs["val_accuracy_by_ber"][ber_key(ber)][n]
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

    def costing_the_space_again(*args):
        raise AssertionError("a resumed search costs the space again")

    for module in (pareto_module, search_module):  # where it is defined, where it was imported
        monkeypatch.setattr(module, "cost_scales", costing_the_space_again, raising=False)
    summary = run_search(space)  # the same command again (the scales the first run recorded)
    designs, networks = _studies(space)
    complete = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 3 and summary.networks_trained == 2
    assert {t.number: t.values for t in designs.trials if t.number in kept} == kept
    assert [t.user_attrs["network_key"] for t in complete].count(first_key) == 1


def test_a_small_space_is_exhausted_without_retraining(tiny_space):
    space = SearchSpace.model_validate(
        tiny_space(input={"modes": ["fixed_point"]}, budget={"trials": 10})
    )
    assert len(compile_problem(space).design_space.networks()) == 2
    summary = run_search(space)
    assert summary.networks_trained == 2
    assert "exhausted" in summary.stopped_because


def test_resuming_with_a_different_space_is_refused(tiny_space):
    from codesign.engine.study import StudyMismatch

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


def test_conv_search_on_cifar_layout_records_the_design_points(tiny_space, tiny_cifar_dir):
    """The CIFAR-10 path end to end: binary batches, conv BNNs, conv workloads."""
    spec = tiny_space(
        name="tiny-conv",
        data={"dataset": "cifar10", "root": str(tiny_cifar_dir), "augment": True},
        input={"modes": ["fixed_point"]},
        hardware={"tiles": [1, 4], "fixed_point_first_layers": ["fixed_point_parallel"]},
        budget={"trials": 2, "epochs": 1},
    )
    spec["model"] = {"family": "conv", "base_channels": [4, 8], "stages": 1, "fc_widths": [16]}
    space = SearchSpace.model_validate(spec)
    summary = run_search(space)
    designs, networks = _studies(space)
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert summary.networks_trained == len(trained) == 2
    assert {t.params["base_channels"] for t in trained} == {4, 8}
    area = {}
    for network in trained:
        for row in _table(space, network):
            area[(network.params["base_channels"], int(row["tiles"]))] = float(row["area_mm2"])
    for tiles in (1, 4):  # twice the channels: four times the conv weights to store
        assert area[(8, tiles)] > area[(4, tiles)]


DEVICE_PARAMS = ("mram_cell", "read_voltage_mv", "ecc", "refresh_period_s")


def test_device_choices_set_each_design_points_accuracy(tiny_space):
    """Cells, read voltages, ECC and refresh are hardware dimensions: one training per
    network, its weights read at every bit-error rate the device choices give (rounded up to
    the grid), and the kept front holds designs that differ only by device choices, at
    different accuracies."""
    space = SearchSpace.model_validate(tiny_space(
        input={"modes": ["fixed_point"]}, model={"widths": [32]}, budget={"trials": 1},
        hardware={"tiles": [4], "mram_cells": ["1t1mtj", "2t2mtj"],
                  "read_voltages_mv": [30, 100], "ecc": ["none", "secded"],
                  "refresh_periods_s": [0, 3600]}))
    run_search(space)
    designs, networks = _studies(space)
    (network,) = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    rates = {float(key) for key in network.user_attrs["val_accuracy_by_ber"]}
    rows = _table(space, network)
    assert rates == {evaluated_error_rate(float(r["weight_error_rate"])) for r in rows} - {0.0}
    assert rates == {float(r["evaluated_error_rate"]) for r in rows} - {0.0}
    assert len(rates) >= 5  # 16 device choices, several sharing a grid rate
    for design in designs.trials:
        ber = design.user_attrs["evaluated_error_rate"]
        n = str(design.params.get("bitstream_length", 1))
        assert design.values[0] == network.user_attrs["val_accuracy_by_ber"][ber_key(ber)][n]

    def rest(trial):
        return {k: v for k, v in trial.params.items() if k not in DEVICE_PARAMS}

    front = designs.best_trials
    pairs = [(a, b) for a in front for b in front
             if a.number < b.number and rest(a) == rest(b) and a.values[0] != b.values[0]]
    assert pairs, "no two front designs differ only by device choices"
    worst = min(float(r["val_accuracy"]) for r in rows)
    best = max(float(r["val_accuracy"]) for r in rows)
    assert best - worst > 0.05  # a 30 mV single-ended read costs accuracy


def test_the_same_seeded_search_twice_gives_the_same_accuracies(tiny_space, tmp_path):
    """Seeded sampler, seeded trainings, keyed evaluation streams: a rerun from scratch on the
    same machine records the same design points with exactly the same values."""
    recorded = []
    for run in ("first", "second"):
        space = SearchSpace.model_validate(tiny_space(
            budget={"trials": 2}, output_dir=str(tmp_path / run),
            storage=f"sqlite:///{tmp_path / run / 'tiny.db'}"))
        run_search(space)
        designs, networks = _studies(space)
        recorded.append((
            sorted((tuple(sorted(t.params.items())), tuple(t.values),
                    t.user_attrs["test_accuracy"]) for t in designs.trials),
            [t.user_attrs["val_accuracy"] for t in networks.trials],
        ))
    assert recorded[0] == recorded[1]
    assert recorded[0][0]  # something was recorded


def test_the_search_can_maximise_the_bad_chips_and_records_both(tiny_space, capsys):
    """`budget.accuracy_over_maps: low_percentile`: each design point's accuracy objective is
    the 10th percentile over its rate's 4 error maps (the bad chips), never above their
    mean; every point records both statistics (trial attributes, design tables, the front's
    CSV) and each equals the training run's own record at the point's evaluated rate."""
    space = SearchSpace.model_validate(tiny_space(
        input={"modes": ["fixed_point"]}, model={"widths": [16]}, budget={
            "trials": 1, "error_maps": 4, "accuracy_over_maps": "low_percentile",
            "accuracy_percentile": 10},
        hardware={"tiles": [4], "mram_cells": ["1t1mtj"], "read_voltages_mv": [30, 60]}))
    run_search(space)
    designs, networks = _studies(space)
    (network,) = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert network.user_attrs["accuracy_percentile"] == 10
    lowered = 0
    for design in designs.trials:
        attrs = design.user_attrs
        key, n = ber_key(attrs["evaluated_error_rate"]), "1"
        low = network.user_attrs["val_accuracy_percentile_by_ber"][key][n]
        mean = network.user_attrs["val_accuracy_by_ber"][key][n]
        assert design.values[0] == attrs["val_accuracy"] == attrs["val_accuracy_low"] == low
        assert attrs["val_accuracy_mean"] == mean >= low
        assert attrs["test_accuracy_low"] <= attrs["test_accuracy_mean"]
        assert attrs["accuracy_over_maps"] == "low_percentile"
        lowered += low < mean
    assert lowered  # at 30 mV single-ended reads the chips differ
    rows = _table(space, network)
    assert {"val_accuracy_mean", "val_accuracy_low", "test_accuracy_low"} <= set(rows[0])
    assert all(float(r["val_accuracy"]) == float(r["val_accuracy_low"]) for r in rows)
    capsys.readouterr()
    assert main(["pareto", "--study", space.name, "--storage", space.storage_url,
                 "--format", "csv"]) == 0
    front = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert front and {"val_accuracy_mean", "val_accuracy_low", "accuracy_percentile",
                      "weight_error_rate", "evaluated_error_rate"} <= set(front[0])


def test_a_percentile_of_one_map_is_refused(tiny_space):
    with pytest.raises(ValueError, match="low_percentile needs error_maps >= 2"):
        SearchSpace.model_validate(tiny_space(budget={"accuracy_over_maps": "low_percentile"}))
