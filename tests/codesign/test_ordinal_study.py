"""The network study asks numbers as ordered integers (`codesign.problem.design_space.Ordinal`);
every output still shows values, and a study created with categorical choices (before) resumes
with them (`codesign.engine.study.network_encoding`)."""

from __future__ import annotations

import json

import pytest
from optuna.distributions import CategoricalDistribution, IntDistribution
from optuna.trial import TrialState

import codesign.engine.search as search_module
from codesign.cli import main
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import (
    ENCODING_ATTR,
    load_design_study,
    load_network_study,
    network_encoding,
)
from codesign.problem.space import SearchSpace
from tests.codesign.stubs import stub_trainings

WIDTHS = [16, 32, 64]  # powers of two, not evenly spaced: asked as log2_width_1


def _space(tiny_space, trials: int) -> SearchSpace:
    return SearchSpace.model_validate(tiny_space(
        model={"widths": WIDTHS}, budget={"trials": trials, "epochs": 1},
        initial_networks=[{"input_mode": "fixed_point", "width_1": 64}]))


def test_a_new_study_asks_widths_in_order_and_every_output_shows_values(
        tiny_space, monkeypatch, capsys):
    space = _space(tiny_space, trials=4)
    stub_trainings(monkeypatch, space)
    run_search(space)
    storage = open_storage(space.storage_url)
    networks = load_network_study(storage, "tiny")
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert len(trained) == 4
    first = networks.trials[0]  # the initial network, enqueued as its code
    assert first.params["log2_width_1"] == 6 and first.user_attrs["width_1"] == 64
    for trial in trained:
        assert trial.distributions["log2_width_1"] == IntDistribution(4, 6)
        assert trial.user_attrs["width_1"] == 2 ** trial.params["log2_width_1"]
        assert f"width_1={trial.user_attrs['width_1']}|" in trial.user_attrs["network_key"] + "|"
    designs = load_design_study(storage, "tiny").trials
    assert {t.params["width_1"] for t in designs} <= set(WIDTHS)  # values in the design study
    assert all(t.distributions["width_1"] == IntDistribution(16, 64, log=True) for t in designs)
    assert main(["status", "--study", "tiny", "--storage", space.storage_url,
                 "--format", "json"]) == 0
    front = json.loads(capsys.readouterr().out)["front"]
    assert front and {record["width_1"] for record in front} <= set(WIDTHS)
    assert main(["pareto", "--study", "tiny", "--storage", space.storage_url,
                 "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    column = rows[0].split(",").index("width_1")
    assert {int(row.split(",")[column]) for row in rows[1:]} <= set(WIDTHS)


def test_a_study_created_with_categorical_choices_resumes_with_them(tiny_space, monkeypatch):
    """A network study with trials and no record of its encoding was written by codesign
    before `Ordinal`: it resumes asking categorical choices (changing them would raise in
    Optuna), retries its interrupted network, and trains no network twice."""
    space = _space(tiny_space, trials=2)
    stub_trainings(monkeypatch, space)
    with monkeypatch.context() as old_code:  # the driver as it asked before
        old_code.setattr(search_module, "network_encoding", lambda storage, study: False)
        run_search(space)
    storage = open_storage(space.storage_url)
    networks = load_network_study(storage, "tiny")
    study_id = storage.get_study_id_from_name(networks.study_name)
    assert ENCODING_ATTR not in storage.get_study_system_attrs(study_id)
    assert networks.trials[0].distributions["width_1"] == CategoricalDistribution(WIDTHS)
    done = {t.user_attrs["network_key"] for t in networks.trials}
    width = next(w for w in WIDTHS if f"input_mode=fixed_point|width_1={w}" not in done)
    networks.enqueue_trial({"input_mode": "fixed_point", "width_1": width})
    interrupted = networks.ask()  # an interrupted training, as that code left it
    interrupted.suggest_categorical("input_mode", ["sc", "fixed_point"])
    interrupted.suggest_categorical("width_1", WIDTHS)
    interrupted.set_user_attr("network_key", f"input_mode=fixed_point|width_1={width}")
    interrupted.set_user_attr("outcome", "interrupted")
    networks.tell(interrupted, state=TrialState.FAIL)

    summary = run_search(SearchSpace.model_validate(
        {**space.model_dump(), "budget": {"trials": 5, "epochs": 1}}))
    assert summary.networks_trained == 3
    assert not network_encoding(storage, networks)  # recorded as categorical now
    trials = load_network_study(storage, "tiny").trials
    keys = [t.user_attrs["network_key"] for t in trials if t.state == TrialState.COMPLETE]
    assert len(keys) == len(set(keys)) == 5
    assert keys[2] == f"input_mode=fixed_point|width_1={width}"  # retried first
    for trial in trials:
        assert "log2_width_1" not in trial.params
        if "width_1" in trial.params:
            assert trial.distributions["width_1"] == CategoricalDistribution(WIDTHS)


@pytest.mark.parametrize("trials_before", [0, 1])
def test_the_encoding_is_decided_once_and_kept(tiny_space, trials_before):
    """A study without trials becomes ordinal; either way the decision is recorded and a
    second look gives the same answer (another driver sharing the study agrees)."""
    import optuna

    space = _space(tiny_space, trials=1)
    storage = open_storage(space.storage_url)
    study = optuna.create_study(storage=storage, study_name="tiny:networks")
    for _ in range(trials_before):
        study.ask()
    first = network_encoding(storage, study)
    study.ask()  # trials now: the recorded answer stands
    assert first == (trials_before == 0) == network_encoding(storage, study)
