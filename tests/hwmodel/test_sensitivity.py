"""experiments/sensitivity.py's sweep, box search and verdicts on a figure known by hand."""

from __future__ import annotations

import pytest

from hwmodel import load_technology
from tests.hwmodel.experiment_scripts import load_script


@pytest.fixture(scope="module")
def sens():
    return load_script("sensitivity")


@pytest.fixture(scope="module")
def tech():
    """The preset with two ranged fields: clock 100..357 MHz, cell 0.036..0.0588 um^2."""
    preset = load_technology("stt_mram_28nm")
    ranges = {f: preset.ranges[f] for f in ("clock_mhz", "mram.cell_area_um2")}
    return preset.model_copy(update={"ranges": ranges})


def measure(tech) -> dict[str, float]:
    """A figure that rises with the clock and falls with the cell area."""
    return {"f": tech.clock_mhz / tech.mram.cell_area_um2}


def test_sweep_sets_one_field_at_a_time_to_its_cost_bounds(sens, tech) -> None:
    swings = {s.field: s for s in sens.sweep(tech, measure)}
    clock = swings["clock_mhz"]  # the cost-lowering clock is the fast one
    assert clock.at_low["f"] == pytest.approx(357 / 0.036)
    assert clock.at_high["f"] == pytest.approx(100 / 0.036)
    cell = swings["mram.cell_area_um2"]
    assert cell.at_low["f"] == pytest.approx(200 / 0.036)
    assert cell.at_high["f"] == pytest.approx(200 / 0.0588)
    assert clock.width("f") == pytest.approx((357 - 100) / 0.036)


def test_box_extremes_are_the_vertices_by_hand(sens, tech) -> None:
    swings = sens.sweep(tech, measure)
    largest, vertex = sens.box_extreme(tech, "f", swings, True, measure)
    assert largest == pytest.approx(357 / 0.036)
    assert vertex == {"clock_mhz": "low", "mram.cell_area_um2": "low"}
    smallest, vertex = sens.box_extreme(tech, "f", swings, False, measure)
    assert smallest == pytest.approx(100 / 0.0588)
    assert vertex == {"clock_mhz": "high", "mram.cell_area_um2": "high"}


def test_verdict_holds_or_flips(sens, tech) -> None:
    swings = sens.sweep(tech, measure)
    extremes = (sens.box_extreme(tech, "f", swings, False, measure),
                sens.box_extreme(tech, "f", swings, True, measure))
    nominal = measure(tech)  # 200 / 0.036 = 5556
    holds = sens.Figure("f", "f", "x", threshold=1000.0)
    assert "the verdict holds" in sens.verdict_line(holds, nominal, swings, extremes)
    flips = sens.Figure("f", "f", "x", threshold=6000.0)
    line = sens.verdict_line(flips, nominal, swings, extremes)
    assert "not reached at nominal" in line and "flips inside the ranges" in line
    assert "flipped by clock_mhz alone" in line  # 357 / 0.036 = 9917 >= 6000; the cell alone


def test_paper_figures_over_buildable_and_all_designs_against_the_check(sens) -> None:
    """Each view's best figure over buildable combinations and over all, read from the paper
    check's rows directly (the plain reference)."""
    from codesign.problem.paper_check import load_accuracy, paper_check

    preset = load_technology("stt_mram_28nm")
    found = sens.paper_figures(preset)
    check = paper_check(preset, load_accuracy())
    for view in sens.PAPER_VIEWS:
        rows = check.in_view(view)
        built = [r for r in rows if r.buildable]
        assert built and len(built) < len(rows)
        assert found[f"{view}_area_saving_all"] == max(r.area_reduction for r in rows)
        assert found[f"{view}_area_saving_buildable"] == max(r.area_reduction for r in built)
        assert found[f"{view}_energy_ratio_buildable"] == max(r.energy_ratio for r in built)
        assert found[f"{view}_energy_ratio_all"] >= found[f"{view}_energy_ratio_buildable"]
    reaching = sens.reaching_rows(preset, "raw", "area_saving")
    assert reaching == [r for r in check.in_view("raw") if r.area_reduction >= 0.62]
    summary = sens.limits_broken(reaching)
    assert summary.startswith(f"{len(reaching)} combinations reach it, "
                              f"{sum(r.buildable for r in reaching)} buildable")
