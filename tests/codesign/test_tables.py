"""What a person reads: tables at 80 columns piped keep every number whole and every
objective in a column; a search stopped by its wall-time budget says so, and rerunning it
continues (trainings stubbed: `tests.codesign.stubs`)."""

from __future__ import annotations

import math
import re
import time

import pytest
from optuna.trial import FrozenTrial

from codesign.cli import main
from codesign.engine.pareto import pareto_front
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study
from codesign.problem.objectives import ACCURACY, objective
from codesign.problem.space import SearchSpace
from codesign.screen.front_sample import per_network_cap, spread_along_front
from codesign.screen.readable import read_back, readable
from tests.codesign import stubs
from tests.codesign.stubs import stub_trainings

SEARCHED = ["accuracy", "energy", "area", "latency", "peak_current", "power_density"]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (41205.0, "ns", "41.2 us"), (785.0, "ns", "785 ns"), (1.234e6, "pJ", "1.23 uJ"),
    (999.7, "ns", "1.00 us"), (0.0123, "mm2", "0.0123 mm2"), (1234.5, "mm2", "1234 mm2"),
    (0.0004, "A", "400 uA"), (1500.0, "mW", "1.50 W"), (0.8912, "%", "89.12%")])
def test_readable_numbers_have_si_prefixes_and_read_back(value, unit, text):
    assert readable(value, unit) == text
    assert read_back(text, unit) == pytest.approx(value, rel=5e-3)


@pytest.mark.parametrize("cut", ["41,2", "41.2 u", "7", "1.2 kJ/s"])
def test_a_cut_number_does_not_read_back_as_the_value(cut):
    with pytest.raises(ValueError):
        read_back(cut, "ns")


def _trial(number: int, network: int) -> FrozenTrial:
    return FrozenTrial(number=number, state=None, value=None, datetime_start=None,
                       datetime_complete=None, params={}, distributions={},
                       user_attrs={"network_trial": network}, system_attrs={},
                       intermediate_values={}, trial_id=number)


def test_spread_takes_both_ends_and_at_most_a_share_of_each_network():
    # 30 points of network 0 first (the most accurate), then 5 of each of networks 1-4
    front = [_trial(i, 0) for i in range(30)] + [_trial(30 + i, 1 + i // 5) for i in range(20)]
    shown = spread_along_front(front, 10)
    assert len(shown) == 10 and shown[0] is front[0] and shown[-1] is front[-1]
    cap = per_network_cap(front, 10)
    assert cap == 2
    networks = [t.user_attrs["network_trial"] for t in shown]
    assert all(networks.count(n) <= cap for n in set(networks)) and len(set(networks)) == 5
    assert [t.number for t in shown] == sorted(t.number for t in shown)  # the front's order
    assert spread_along_front(front[:4], 10) == front[:4]


@pytest.fixture
def stubbed_study(tiny_space, write_space, monkeypatch, tmp_path):
    """A tiny search of six objectives with trainings stubbed, run through the CLI."""
    spec = tiny_space(objectives=SEARCHED, budget={"trials": 3},
                      input={"bitstream_lengths": [1, 4, 16]}, hardware={"tiles": [1, 4, 16]})
    stub_trainings(monkeypatch, SearchSpace.model_validate(spec))
    monkeypatch.setenv("COLUMNS", "80")
    path = write_space(spec)
    return {"path": path, "spec": spec, "args": ["--study", "tiny", "--storage", spec["storage"]]}


def _table_rows(out: str, front: list[FrozenTrial]) -> dict[int, list[str]]:
    """The words of the first line showing each design point of `front`, by trial number
    (a second table may list their descriptions)."""
    numbers = {t.number for t in front}
    rows: dict[int, list[str]] = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0].isdigit() and int(words[0]) in numbers:
            rows.setdefault(int(words[0]), words)
    return rows


def _check_table(out: str, front: list[FrozenTrial]) -> int:
    """Every line fits 80 columns (but the paths of files written: never wrapped, to be
    copied); every objective has a heading with its unit; every shown
    row ends in its numbers, each whole: read back with its column's unit, it is the recorded
    value to the 3 significant digits shown. Returns the rows shown."""
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines if not line.startswith("wrote ")), out
    rule = next(index for index, line in enumerate(lines) if line.startswith("──"))
    header = "\n".join(lines[rule - 3:rule])
    for name in SEARCHED:
        words = "val" if name == "accuracy" else objective(name).label
        assert all(word in header for word in words.split()), (name, header)
    units = lines[rule - 1].split()[-len(SEARCHED) + 1:]  # the searched costs' units
    rows = _table_rows(out, front)
    assert rows
    by_number = {t.number: t for t in front}
    for number, words in rows.items():
        attrs = by_number[number].user_attrs
        cells = dict(zip(["val", "test", *SEARCHED[1:]], words[-len(SEARCHED) - 1:],
                         strict=True))
        assert cells["val"] == f"{100 * ACCURACY.value(attrs):.2f}"
        assert cells["test"] == f"{100 * attrs['test_accuracy']:.2f}"
        for name, unit in zip(SEARCHED[1:], units, strict=True):
            cost = objective(name)
            shown = read_back(f"{cells[name]} {unit.strip('()')}", cost.unit)
            assert math.isclose(shown, cost.value(attrs), rel_tol=5e-3), (name, words)
    if "…" in out:  # a description cut: said, with how to see it all
        assert "--format csv" in out
    return len(rows)


def test_status_and_pareto_at_80_columns_piped_keep_every_number(stubbed_study, capsys):
    assert main(["search", str(stubbed_study["path"]), "--no-progress"]) == 0
    capsys.readouterr()
    front = pareto_front(load_design_study(open_storage(stubbed_study["spec"]["storage"]),
                                           "tiny"))
    assert len(front) > 10  # so that status spreads 10 rows over it
    assert main(["status", *stubbed_study["args"]]) == 0
    out = capsys.readouterr().out
    assert _check_table(out, front) == 10
    assert f"{len(front):,} design points on the front, 10 shown" in out
    assert "sorted by val acc" in out and "--format csv" in out
    assert "design points:" in out and "costed" in out
    out_dir = stubbed_study["path"].parent / "plots"
    assert main(["pareto", *stubbed_study["args"], "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert _check_table(out, front) == len(front)
    assert f"{len(front):,} design points on the front, {len(front):,} shown" in out


class SlowStub(stubs.StubExecutor):
    """A training that takes a little time, so that a short wall-time budget stops the
    search after one network."""

    def wait(self, timeout_s):
        time.sleep(1.0)
        return super().wait(timeout_s)


def test_a_wall_time_stop_says_so_and_rerunning_continues(tiny_space, write_space,
                                                         monkeypatch, capsys):
    spec = tiny_space(budget={"trials": 3, "wall_time_s": 0.8},
                      input={"bitstream_lengths": [1, 4]})
    lengths = [1, 4]
    monkeypatch.setattr(stubs.search_module, "make_executor",
                        lambda execution, address, on_event: SlowStub(lengths))
    monkeypatch.setenv("COLUMNS", "80")
    path = write_space(spec)
    args = ["--study", "tiny", "--storage", spec["storage"]]
    done = []
    for _ in range(6):
        assert main(["search", str(path), "--no-progress"]) == 0
        out = " ".join(capsys.readouterr().out.split())  # a phrase may wrap at 80
        assert main(["status", *args]) == 0
        status = " ".join(capsys.readouterr().out.split())
        done.append(out)
        if "finished: 3 of 3 networks" in out:
            assert "finished: 3 of 3 networks done" in status
            break
        assert "stopped by its wall-time budget" in out
        assert "running the same search command again continues it" in out
        assert f"python -m codesign search {path}" in out  # the command that continues
        assert "stopped by its wall-time budget" in status
        assert "again continues it" in status
    counts = [int(re.findall(r"(\d+) of 3 networks done", out)[-1]) for out in done]
    assert counts == sorted(counts) and counts[0] < 3 and counts[-1] == 3  # continued


def test_piped_progress_log_is_one_line_a_record_and_ends_true(tiny_space, write_space,
                                                              monkeypatch, capsys):
    spec = tiny_space(budget={"trials": 2}, input={"bitstream_lengths": [1, 4]})
    stub_trainings(monkeypatch, SearchSpace.model_validate(spec))
    monkeypatch.setenv("COLUMNS", "40")  # narrower than a record: still one line each
    assert main(["search", str(write_space(spec))]) == 0  # progress on, piped
    out = capsys.readouterr().out
    records = [line for line in out.splitlines() if line.startswith("network ")]
    assert len(records) == 2 and all("trained" in line and "HV" in line for line in records)
    assert "ETA" not in out


def test_the_front_is_optunas_best_trials_with_infeasible_points(tiny_space, monkeypatch):
    spec = tiny_space(budget={"trials": 2}, input={"bitstream_lengths": [1, 4, 16]},
                      hardware={"tiles": [1, 4, 16]}, constraints={"min_accuracy": 0.6})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    from codesign.engine.search import run_search

    run_search(space)
    study = load_design_study(open_storage(spec["storage"]), "tiny")
    trials = study.get_trials(deepcopy=False)
    assert any(any(v > 0 for v in t.constraints.values()) for t in trials)  # some infeasible
    assert {t.number for t in pareto_front(study)} == {t.number for t in study.best_trials}
    assert {t.number for t in pareto_front(study, trials)} == {
        t.number for t in study.best_trials}
