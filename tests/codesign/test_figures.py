"""The pictures: a design's breakdown (`hw --plot`) and the Pareto figure (`pareto`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution
from optuna.trial import create_trial

from codesign.cli import main
from codesign.problem.compiled import compile_problem
from codesign.problem.config_io import load_design
from codesign.problem.objectives import hardware_objectives
from codesign.problem.paper_check import PAPER, load_accuracy, reference_designs
from codesign.problem.space import SearchSpace
from codesign.screen.breakdown_plot import breakdown_figure
from codesign.screen.plots import pareto_figure

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hw_fmnist_sc.yaml"


def _bar_heights(axis) -> dict[float, list[float]]:
    """The stacked segments of each bar of a panel, keyed by the bar's centre."""
    bars: dict[float, list[float]] = defaultdict(list)
    for patch in axis.patches:
        bars[round(patch.get_x() + patch.get_width() / 2, 6)].append(patch.get_height())
    return bars


def test_breakdown_bars_add_up_to_the_report():
    report = load_design(EXAMPLE).evaluate()
    figure = breakdown_figure(report)
    by_component, by_layer, per_layer = figure.axes
    for axis in (by_component, by_layer):  # area and energy, each 100 % in stacked shares
        bars = _bar_heights(axis)
        assert sorted(bars) == [0, 1]
        assert [sum(bars[x]) for x in (0, 1)] == [pytest.approx(100), pytest.approx(100)]
    area_shares = _bar_heights(by_component)[0]
    assert max(area_shares) == pytest.approx(
        100 * report.area_by_component_um2["mram_arrays"] / report.area_um2)
    layers = _bar_heights(per_layer)
    assert [sum(layers[i]) for i in range(len(report.layers))] == [
        pytest.approx(layer.energy_pj) for layer in report.layers]
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "mram_arrays" in legend and "sng" in legend and "xnor" not in legend  # used ones


def test_hw_plot_writes_the_figure_in_the_format_of_its_extension(tmp_path, capsys):
    path = tmp_path / "new" / "breakdown.svg"
    assert main(["hw", str(EXAMPLE), "--plot", str(path)]) == 0
    assert path.read_text().lstrip().startswith("<?xml") and "<svg" in path.read_text()
    assert f"wrote {path}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("plot", "expected"),
    [
        ("figure.xyz", "unknown figure format '.xyz'"),
        ("figure", "unknown figure format '(none)'"),
        (".", "names a folder"),
        ("afile/figure.png", "afile is not a folder"),
    ],
)
def test_bad_plot_path_is_one_line_before_any_work(tmp_path, capsys, monkeypatch, plot,
                                                    expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    before = sorted(tmp_path.iterdir())
    assert main(["hw", str(EXAMPLE), "--json", "out.json", "--plot", plot]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and expected in err
    assert err.startswith((f"error: --plot {plot}", "error: python -m codesign hw: argument"))
    assert sorted(tmp_path.iterdir()) == before  # not even the JSON


def test_plot_with_the_paper_check_is_refused(tmp_path, capsys):
    assert main(["hw", "--paper-check", "--plot", str(tmp_path / "p.png")]) == 2
    assert "--plot" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_reference_designs_are_the_papers_network_costed_by_the_model(tech):
    measured = load_accuracy()
    references = {r.name: r for r in reference_designs(tech, measured)}
    parallel = references["conventional BNN (parallel layer 1)"]
    claimed = references["SC-BNN as claimed (vs parallel)"]
    assert claimed.claimed and sorted(claimed.costs) == ["area_mm2", "energy_pj"]
    assert claimed.costs["area_mm2"] == pytest.approx(
        parallel.costs["area_mm2"] * (1 - PAPER.area_reduction))
    assert claimed.costs["energy_pj"] == pytest.approx(
        parallel.costs["energy_pj"] / PAPER.energy_factor)
    # every cost objective
    assert sorted(parallel.costs) == sorted(o.metric for o in hardware_objectives())
    assert claimed.accuracy == pytest.approx(measured.conventional - 0.014)
    sc = references["SC-BNN (ideal SNG, N=8)"]  # the check's operating point for the ideal SNG
    assert sc.accuracy == measured.sc["ideal"][8] and not sc.claimed


def _design(number: int, accuracy: float, energy: float, area: float, latency: float,
            first_layer: str) -> optuna.trial.FrozenTrial:
    trial = create_trial(
        values=[accuracy, energy, area], params={"first_layer_hw": first_layer},
        distributions={"first_layer_hw": CategoricalDistribution(
            ["sc", "fixed_point_parallel", "fixed_point_bit_serial"])},
        user_attrs={"val_accuracy": accuracy, "energy_pj": energy, "area_mm2": area,
                    "latency_ns": latency})
    trial.number = number
    return trial


def test_pareto_figure_shows_every_cost_the_knee_and_the_references(tech):
    problem = compile_problem(SearchSpace(name="figure"))  # accuracy, energy, area
    designs = [_design(0, 0.85, 2e4, 0.1, 900.0, "sc"),
               _design(1, 0.88, 9e4, 0.3, 300.0, "fixed_point_parallel")]
    references = reference_designs(tech, load_accuracy())
    figure = pareto_figure(designs, designs, problem, "figure", designs[0], references)
    energy, area, latency = figure.axes
    assert "energy" in energy.get_xlabel() and "area" in area.get_xlabel()
    assert "latency" in latency.get_xlabel() and "not searched" in latency.get_xlabel()
    for axis in figure.axes:
        assert axis.get_ylabel() == "accuracy (%)"
        ys = [y for collection in axis.collections for _, y in collection.get_offsets()]
        assert min(ys) > 80 and max(ys) < 100  # percent, never fractions
    assert len(figure.legends) == 1  # one legend, for every panel
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert "knee (trial 0)" in legend
    assert {f"paper: {r.name}" for r in references} <= set(legend)
    claimed = next(r for r in references if r.claimed)
    points = [tuple(p) for c in energy.collections for p in c.get_offsets()]
    assert any(p == pytest.approx((claimed.costs["energy_pj"], 100 * claimed.accuracy))
               for p in points)
    assert len(latency.collections) == len(energy.collections) - 1  # no latency claimed
    assert "62% less area" in figure.get_supxlabel()
    figure.canvas.draw()  # cost axes carry plain numbers, not colliding 3x10^-2 labels
    shown = [t.get_text() for t in area.get_xticklabels() + area.get_xticklabels(minor=True)]
    assert "0.1" in shown and not any("$" in text for text in shown)


def _bars(axis) -> dict[float, tuple[float, float]]:
    """The horizontal error bars of a panel: accuracy -> (low, high) of the cost."""
    from matplotlib.container import ErrorbarContainer

    spans = {}
    for container in axis.containers:
        if isinstance(container, ErrorbarContainer):
            for (x0, y0), (x1, y1) in container.lines[2][0].get_segments():
                assert y0 == y1  # horizontal: the cost's span at the design's accuracy
                spans[round(y0, 6)] = (x0, x1)
    return spans


def test_pareto_figure_draws_each_front_points_cost_band_as_an_error_bar():
    problem = compile_problem(SearchSpace(name="figure"))  # accuracy, energy, area
    designs = [_design(0, 0.85, 2e4, 0.1, 900.0, "sc"),
               _design(1, 0.88, 9e4, 0.3, 300.0, "fixed_point_parallel"),
               _design(2, 0.87, 5e4, 0.2, 500.0, "fixed_point_parallel")]
    bands = {0: {"energy_pj_low": 1e4, "energy_pj_high": 5e4, "area_mm2_low": 0.08,
                 "area_mm2_high": 0.15, "latency_ns_low": 700.0, "latency_ns_high": 1800.0},
             1: {"energy_pj_low": 8e4, "energy_pj_high": 2e5, "area_mm2_low": 0.25,
                 "area_mm2_high": 0.4, "latency_ns_low": 250.0, "latency_ns_high": 600.0}}
    figure = pareto_figure(designs, designs, problem, "figure", bands=bands)  # 2: no band
    energy, area, latency = figure.axes
    for axis, metric in ((energy, "energy_pj"), (area, "area_mm2"), (latency, "latency_ns")):
        assert _bars(axis) == {
            85.0: (pytest.approx(bands[0][f"{metric}_low"]),
                   pytest.approx(bands[0][f"{metric}_high"])),
            88.0: (pytest.approx(bands[1][f"{metric}_low"]),
                   pytest.approx(bands[1][f"{metric}_high"]))}
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert sum("cost band" in label for label in legend) == 1
    plain = pareto_figure(designs, designs, problem, "figure")  # no bands: no error bars
    assert not any(_bars(axis) for axis in plain.axes)
