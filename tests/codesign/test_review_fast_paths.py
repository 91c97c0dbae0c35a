"""The review commands' fast paths give what the plain reference gives: the design index
(`codesign.engine.design_index`) holds what the storage holds, is refused where it does not
cover the study, and the commands print the same from it as from the storage; the front's cost
bands costed as one batch per network equal each design's own `hwmodel.cost_bands` (trainings
stubbed: `tests.codesign.stubs`)."""

from __future__ import annotations

import json
import shutil
from argparse import Namespace

import optuna
import pytest
from pydantic import TypeAdapter

import codesign.engine.design_index as design_index
from codesign.cli import main
from codesign.commands.common import open_study
from codesign.engine.design_index import INDEX_PREFIX, index_study, indexed_design_trials
from codesign.engine.front_bands import BANDED_METRICS, front_bands
from codesign.engine.pareto import pareto_front
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import design_record, load_design_study
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import Architecture, WorkloadSpec, cost_bands, load_technology
from tests.codesign.stubs import stub_trainings


@pytest.fixture(scope="module")
def searched(tiny_fmnist_dir, tmp_path_factory):
    """A finished tiny search of three networks (trainings stubbed) and its problem, shared by
    the tests of this module (a test that changes the study changes a copy)."""
    folder = tmp_path_factory.mktemp("searched")
    spec = {"name": "tiny", "data": {"root": str(tiny_fmnist_dir), "download": False,
                                      "batch_size": 50},
            "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
            "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
                      "sngs": ["ideal", "lfsr"], "train_lengths": [4]},
            "hardware": {"tiles": [1, 4, 16]}, "budget": {"trials": 3, "epochs": 2},
            "sampler": {"kind": "random", "seed": 0}, "output_dir": str(folder / "runs"),
            "storage": f"sqlite:///{folder / 'tiny.db'}"}
    space = SearchSpace.model_validate(spec)
    with pytest.MonkeyPatch.context() as patch:
        stub_trainings(patch, space)
        problem = compile_problem(space)
        run_search(problem)
    return spec, problem


def _opened(spec):
    storage = open_storage(spec["storage"])  # writable: the tests change the study
    return load_design_study(storage, "tiny"), storage


def test_the_index_holds_what_the_storage_holds(searched):
    study, storage = _opened(searched[0])
    indexed = indexed_design_trials(storage, study)
    stored = study.get_trials(deepcopy=False)
    assert indexed is not None and len(indexed) == len(stored) > 5
    for mine, theirs in zip(indexed, stored, strict=True):
        assert (mine.number, mine.state, mine.values, mine.params, mine.user_attrs,
                mine.constraints) == (theirs.number, theirs.state, theirs.values, theirs.params,
                                      theirs.user_attrs, theirs.constraints)
        assert mine.system_attrs["codesign:architecture"] == theirs.system_attrs[
            "codesign:architecture"]
    chunks = [k for k in storage.get_study_system_attrs(study._study_id) if
              k.startswith(INDEX_PREFIX)]
    assert len(chunks) > 1  # a chunk a network at least


def test_chunks_keep_the_rows_in_order_under_the_size_limit(monkeypatch):
    rows = [{"number": n, "text": "x" * (n * 7 % 50)} for n in range(40)]
    monkeypatch.setattr(design_index, "CHUNK_CHARS", 200)
    chunks = design_index._chunks(rows)
    assert [row for chunk in chunks for row in chunk] == rows
    assert all(len(json.dumps(chunk)) <= 200 for chunk in chunks) and len(chunks) > 5


def test_an_index_that_does_not_cover_the_study_is_not_used(searched, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copyfile(searched[0]["storage"].removeprefix("sqlite:///"), copy)
    spec = {**searched[0], "storage": f"sqlite:///{copy}"}
    study, storage = _opened(spec)
    study_id = storage.get_study_id_from_name("tiny")
    # a trial the index does not hold (another program added it)
    extra = study.get_trials(deepcopy=False)[-1]
    study.add_trial(optuna.trial.create_trial(
        state=optuna.trial.TrialState.COMPLETE, values=extra.values, params=extra.params,
        distributions=extra.distributions, user_attrs=extra.user_attrs,
        system_attrs=extra.system_attrs))
    assert indexed_design_trials(storage, study) is None
    # a lost chunk (a crash between adding the trials and indexing them)
    study, storage = _opened(spec)
    first = min(k for k in storage.get_study_system_attrs(study_id) if k.startswith(INDEX_PREFIX))
    storage.set_study_system_attr(study_id, first, [])
    assert indexed_design_trials(storage, study) is None
    index_study(storage, study)  # indexed again whole (as a study recorded before the index)
    indexed = indexed_design_trials(storage, study)
    assert [(t.number, t.values, t.user_attrs) for t in indexed] == [
        (t.number, t.values, t.user_attrs) for t in study.get_trials(deepcopy=False)]


@pytest.mark.parametrize("command", [["status"], ["status", "--format", "csv"],
                                     ["status", "--format", "json"],
                                     ["pareto", "--format", "csv"]])
def test_commands_print_the_same_from_the_index_as_from_the_storage(searched, command,
                                                                   monkeypatch, capsys):
    arguments = [*command, "--study", "tiny", "--storage", searched[0]["storage"]]
    assert main(arguments) == 0
    fast = capsys.readouterr().out
    monkeypatch.setattr(design_index, "indexed_design_trials", lambda storage, study: None)
    assert main(arguments) == 0
    assert capsys.readouterr().out == fast


def test_export_picks_the_same_design_from_the_index(searched, monkeypatch, tmp_path,
                                                       capsys):
    arguments = ["export", "--study", "tiny", "--storage", searched[0]["storage"],
                 "--pick", "knee", "-o"]
    assert main([*arguments, str(tmp_path / "fast.yaml")]) == 0
    monkeypatch.setattr(design_index, "indexed_design_trials", lambda storage, study: None)
    assert main([*arguments, str(tmp_path / "plain.yaml")]) == 0
    assert ((tmp_path / "fast.yaml").read_text().replace("fast.ckpt", "plain.ckpt")
            == (tmp_path / "plain.yaml").read_text())


def test_front_bands_equal_each_designs_own_bands(searched):
    spec, problem = searched
    study, problem, _ = open_study(Namespace(study="tiny", storage=spec["storage"]))
    front = pareto_front(study)
    assert len({t.user_attrs["network_trial"] for t in front}) > 1  # several batches
    batched = front_bands(front, problem)
    technology = load_technology(problem.technology)
    for trial in front:
        workload = TypeAdapter(WorkloadSpec).validate_python(
            problem.recipe.workload_spec(problem.network(trial.params)))
        alone = cost_bands(workload.build(), Architecture(**design_record(trial, "architecture")),
                           technology)
        assert batched[trial.number] == {f"{metric}_{end}": getattr(alone[metric], end)
                                         for metric in BANDED_METRICS
                                         for end in ("low", "high")}
