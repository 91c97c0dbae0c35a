"""A robust search (`hardware.cost_corner: high`): design points costed, ranked and constrained
at the technology's cost-raising corner, the corner recorded in the study and shown by
`status`; a bad corner refused before any study exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from codesign.cli import main
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import design_record, load_design_study
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel import Architecture, WorkloadSpec, evaluate, load_technology


def test_a_high_corner_search_records_high_corner_costs(tiny_space, capsys) -> None:
    space = SearchSpace.model_validate(tiny_space(hardware={"cost_corner": "high"},
                                                  budget={"trials": 1}))
    run_search(space)
    problem = compile_problem(space)
    designs = load_design_study(open_storage(space.storage_url), space.name)
    assert designs.user_attrs["cost_corner"] == "high"
    nominal = load_technology("stt_mram_28nm")
    high = nominal.at_corner("high")
    assert designs.trials
    for trial in designs.trials:
        network = problem.network(trial.params)
        workload = TypeAdapter(WorkloadSpec).validate_python(
            problem.recipe.workload_spec(network)).build()
        architecture = Architecture(**design_record(trial, "architecture"))
        at_high, at_nominal = (evaluate(workload, architecture, tech) for tech in (high, nominal))
        assert trial.user_attrs["energy_pj"] == pytest.approx(at_high.energy_pj)
        assert trial.user_attrs["area_mm2"] == pytest.approx(at_high.area_mm2)
        assert trial.values[1:] == pytest.approx([at_high.energy_pj, at_high.area_mm2])
        assert at_high.energy_pj > at_nominal.energy_pj and at_high.area_mm2 > at_nominal.area_mm2
    capsys.readouterr()
    args = ["status", "--study", space.name, "--storage", space.storage_url]
    assert main(args) == 0
    assert "costs at the high corner" in capsys.readouterr().out
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["cost_corner"] == "high"


def test_an_unknown_corner_is_one_line_before_any_study(tiny_space, write_space, capsys):
    space = tiny_space(hardware={"cost_corner": "worst"})
    path = write_space(space)
    assert main(["search", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "hardware.cost_corner" in err, err
    assert not Path(space["output_dir"]).exists()


def test_a_corner_of_a_technology_without_ranges_is_refused(tiny_space, write_space, tmp_path,
                                                            capsys):
    from hwmodel import resolve_technology_path

    preset = yaml.safe_load(resolve_technology_path("stt_mram_28nm").read_text())
    preset.pop("ranges")
    technology = tmp_path / "bare.yaml"
    technology.write_text(yaml.safe_dump(preset))
    space = tiny_space(hardware={"cost_corner": "high", "technology": str(technology)})
    assert main(["search", str(write_space(space)), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "hardware.cost_corner: high" in err, err
    assert not Path(space["storage"].removeprefix("sqlite:///")).exists()


def test_the_front_csv_json_and_figure_carry_each_designs_band(tiny_space, capsys, tmp_path,
                                                             monkeypatch) -> None:
    """A high-corner search's front: each design's recorded cost is its band's high end (the
    band is over the preset's ranges), its low end the low corner's, by `evaluate`; the
    `pareto` figure draws the same band as each front point's error bar."""
    space = SearchSpace.model_validate(tiny_space(hardware={"cost_corner": "high"},
                                                  budget={"trials": 1}))
    run_search(space)
    capsys.readouterr()
    assert main(["status", "--study", space.name, "--storage", space.storage_url,
                 "--format", "json"]) == 0
    front = json.loads(capsys.readouterr().out)["front"]
    low = load_technology("stt_mram_28nm").at_corner("low")
    problem = compile_problem(space)
    assert front
    for record in front:
        for metric in ("area_mm2", "energy_pj", "latency_ns"):
            assert record[f"{metric}_high"] == pytest.approx(record[metric])
            assert record[f"{metric}_low"] < record[metric]
        params = {name: record[name] for name in problem.design_space.names
                  if record[name] is not None}
        workload = TypeAdapter(WorkloadSpec).validate_python(
            problem.recipe.workload_spec(problem.network(params))).build()
        designs = load_design_study(open_storage(space.storage_url), space.name)
        architecture = design_record(designs.trials[record["design_trial"]], "architecture")
        report = evaluate(workload, Architecture(**architecture), low)
        assert record["energy_pj_low"] == pytest.approx(report.energy_pj)
    from matplotlib.container import ErrorbarContainer

    import codesign.screen.plots

    draw, drawn = codesign.screen.plots.pareto_figure, []
    monkeypatch.setattr(codesign.screen.plots, "pareto_figure",
                        lambda *args: drawn.append(draw(*args)) or drawn[-1])
    assert main(["pareto", "--study", space.name, "--storage", space.storage_url,
                 "--out", str(tmp_path / "figures")]) == 0
    energy = next(axis for axis in drawn[0].axes if "energy" in axis.get_xlabel())
    spans = sorted((float(x0), float(x1)) for container in energy.containers
                   if isinstance(container, ErrorbarContainer)
                   for (x0, _), (x1, _) in container.lines[2][0].get_segments())
    expected = sorted((r["energy_pj_low"], r["energy_pj_high"]) for r in front)
    assert len(spans) == len(expected)
    for span, band in zip(spans, expected, strict=True):
        assert span == pytest.approx(band)
