"""What can be checked before a study exists is checked then, and trainings that fail for a
shared reason stop the search without spending its budget."""

from __future__ import annotations

import gzip
import shutil

import pytest
from optuna.trial import TrialState

from codesign.cli import main
from codesign.engine import execution
from codesign.engine.search import SearchHalted, run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import attempts, load_network_study
from codesign.problem.compiled import compile_problem
from codesign.problem.preflight import (
    PreflightError,
    check_memory,
    extreme_networks,
    training_bytes,
)
from codesign.problem.space import SearchSpace
from tests.synthetic import FMNIST_FILES, write_fashion_mnist_like
from trainer.data import DatasetError


def _search(path, capsys) -> tuple[int, str]:
    code = main(["search", str(path), "--no-progress"])
    return code, capsys.readouterr().err.strip()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"hardware": {"technology": "no_such_preset"}}, "hardware.technology"),
    ({"model": {"hidden_layers": 6, "widths": [65536]}, "data": {"batch_size": 10**6}},
     "data.batch_size"),
    ({"model": {"hidden_layers": 6, "widths": [65536]}}, "model.widths"),
    ({"budget": {"error_maps": 10**9}}, "budget.error_maps"),
    ({"input": {"bitstream_lengths": [2**20], "merge_points": ["output"]}},
     "input.bitstream_lengths"),
    ({"data": {"val_fraction": 1e-9}}, "data.val_fraction"),
    ({"sampler": {"seed": 2**70}}, "sampler.seed"),
    # a read at 320 mV drives the preset's junctions past Ic0 - 3 sigma
    ({"hardware": {"read_voltages_mv": [70, 320]}},
     "hardware.read_voltages_mv: a parallel junction carries 64 uA at 320 mV"),
    # rewriting every 100 s wears the cells out (1e6 writes) in 3 years of a 10-year life
    ({"hardware": {"refresh_periods_s": [0, 100]}},
     "hardware.refresh_periods_s: 100 s rewrites each cell 3.15e+06 times"),
])
def test_a_space_that_cannot_run_is_refused_before_any_study(tiny_space, write_space, capsys,
                                                             tmp_path, overrides, field):
    path = write_space(tiny_space(**overrides))
    code, err = _search(path, capsys)
    assert code == 2 and len(err.splitlines()) == 1
    assert str(path) in err and field in err
    assert not (tmp_path / "runs").exists()  # no database, no output folder


def test_memory_estimate_names_the_largest_network(tiny_space):
    space = compile_problem(SearchSpace.model_validate(tiny_space(model={"widths": [16, 1024]})))
    networks = extreme_networks(space)
    widths = {network.get("width_1") for network in networks}
    assert widths == {16, 1024}  # the smallest and the largest network of every input choice
    largest = max(training_bytes(n, space) for n in networks)
    # 784 x 1024 + 1024 x 10 weights, four float32 tensors each: at least that
    assert largest >= 4 * 4 * (784 * 1024 + 1024 * 10)
    check_memory(space, networks, available=largest)  # fits exactly
    with pytest.raises(PreflightError, match="width_1=1024"):
        check_memory(space, networks, available=largest - 1)
    with pytest.raises(PreflightError, match="2 trainings at once"):
        check_memory(space, networks, concurrent=2, available=largest + 1)


def _corrupt_copy(source, folder):
    shutil.copytree(source, folder)
    images = folder / FMNIST_FILES["train_images"]
    images.write_bytes(gzip.compress(gzip.decompress(images.read_bytes())[:-100]))
    return folder


def test_corrupt_data_is_refused_before_the_study_and_a_fixed_rerun_trains(
        tiny_space, write_space, tiny_fmnist_dir, tmp_path, capsys):
    data = _corrupt_copy(tiny_fmnist_dir, tmp_path / "data")
    spec = tiny_space(data={"root": str(data)}, budget={"trials": 1, "epochs": 1})
    path = write_space(spec)
    code, err = _search(path, capsys)
    assert code == 2 and "data:" in err and FMNIST_FILES["train_images"] in err
    assert not (tmp_path / "runs").exists()
    shutil.rmtree(data)
    write_fashion_mnist_like(data)
    assert main(["search", str(path), "--no-progress"]) == 0
    networks = load_network_study(open_storage(spec["storage"]), "tiny")
    assert sum(t.state == TrialState.COMPLETE for t in networks.trials) == 1


def test_unwritable_output_dir_is_refused(tiny_space, write_space, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = write_space(tiny_space(output_dir=str(blocker / "runs"),
                                  storage=f"sqlite:///{tmp_path / 'elsewhere.db'}"))
    code, err = _search(path, capsys)
    assert code == 2 and "output_dir" in err and "not a folder" in err
    assert not (tmp_path / "elsewhere.db").exists()


# --- failures during the run --------------------------------------------------------------


def _failing(errors):
    """A training that raises the next error of `errors` (None: trains for real)."""
    real, queue = execution.train_network, list(errors)

    def train(job, report=None):
        error = queue.pop(0) if queue else None
        if error is not None:
            raise error
        return real(job, report)

    return train


@pytest.mark.parametrize(("errors", "failures", "why"), [
    ([DatasetError("train-images: truncated")], 1, "every training shares"),
    ([RuntimeError("boom"), RuntimeError("boom")], 2, "same error"),
    ([RuntimeError("a"), RuntimeError("b"), RuntimeError("c")], 3, "3 trainings in a row"),
])
def test_failures_with_a_shared_cause_stop_the_search_and_cost_no_budget(
        tiny_space, monkeypatch, errors, failures, why):
    monkeypatch.setattr(execution, "train_network", _failing(errors))
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 3, "epochs": 1}))
    with pytest.raises(SearchHalted, match=why) as halted:
        run_search(space)
    assert "run the same command again" in str(halted.value)
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    assert sum(t.state == TrialState.FAIL for t in networks.trials) == failures
    assert all(t.state != TrialState.RUNNING for t in networks.trials)
    assert attempts(networks) == 0  # the budget is intact

    monkeypatch.setattr(execution, "train_network", _failing([]))  # fixed
    summary = run_search(space)
    assert summary.networks_trained == 3


def test_a_networks_own_failure_counts_once_another_trains(tiny_space, monkeypatch):
    monkeypatch.setattr(execution, "train_network",
                        _failing([RuntimeError("training loss became nan")]))
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 2, "epochs": 1}))
    summary = run_search(space)
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    assert summary.networks_failed == 1 and summary.networks_trained == 1
    assert attempts(networks) == 2  # the diverged network is the search's result
