"""A new hardware component is one class: declared in a fixture, it reaches `evaluate`,
`evaluate_batch`, the `hw` table and JSON and `hw --plot`, and is gone again afterwards.

The fixture's component is a fixed-area block (in the area every layer shares) that spends a
fixed energy per cycle of every layer and counts its cycles; everything it adds is computed by
hand from those two numbers, the report's own cycles and latency, and the preset's leakage
density (its area leaks like any CMOS area). The files a new component touches are listed in
docs/extending.md; this test touches exactly those (one class) and reads what follows.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from codesign.cli import main
from codesign.problem.config_io import load_design
from codesign.screen.breakdown_plot import breakdown_figure
from hwmodel import (
    Architecture,
    Component,
    Counts,
    architectures_to_columns,
    component_names,
    conv_workload,
    evaluate,
    evaluate_batch,
    load_technology,
    mlp_workload,
)
from hwmodel.costs.datapath import Popcount

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hw_fmnist_sc.yaml"
BLOCK_AREA_UM2 = 1234.5
BLOCK_ENERGY_FJ_PER_CYCLE = 7.25
NW_NS_TO_PJ = 1e-6


@pytest.fixture()
def test_block():
    """Declare the component for one test, and take it out of the registry afterwards."""

    class TestBlock(Component):
        name = "test_block"
        label = "test block (fixture)"
        description = "a fixed-area block that spends energy every cycle"
        counts = ("test_block_cycles",)

        def shared_area_um2(self):
            return BLOCK_AREA_UM2

        def energy_fj(self, layer):
            return layer.cycles * BLOCK_ENERGY_FJ_PER_CYCLE

        def layer_counts(self, layer):
            return {"test_block_cycles": layer.cycles}

    yield TestBlock
    del Component.registry[TestBlock.name]


def _added_energy_pj(report, tech) -> float:
    """The block's own energy, and the leakage of its area over the latency."""
    own = report.counts.cycles * BLOCK_ENERGY_FJ_PER_CYCLE / 1000
    leakage = tech.leakage.logic_nw_per_um2 * BLOCK_AREA_UM2 * report.latency_ns * NW_NS_TO_PJ
    return own + leakage


def _with_and_without(test_block, design):
    """The design's report with the fixture's block, and without it."""
    with_block = design.evaluate()
    del Component.registry["test_block"]
    try:
        without = design.evaluate()
    finally:
        Component.registry["test_block"] = test_block
    return with_block, without


def test_a_component_reaches_evaluate(test_block) -> None:
    """The block adds exactly its area and energy (and leakage) where no wires span the chip
    and placed cells fill their blocks: both grow with the rest of the chip (next test)."""
    design = load_design(EXAMPLE)
    bare = design.technology.model_copy(update={"interconnect": None,
                                                "placement_utilisation": 1.0})
    design = design.model_copy(update={"technology": bare})
    with_block, without = _with_and_without(test_block, design)
    tech = design.technology

    assert list(with_block.area_by_component_um2) == [*without.area_by_component_um2,
                                                      "test_block"]
    assert with_block.area_by_component_um2["test_block"] == BLOCK_AREA_UM2
    assert with_block.area_um2 == pytest.approx(without.area_um2 + BLOCK_AREA_UM2, rel=1e-12)
    assert with_block.area_by_layer_um2["shared"] == pytest.approx(
        without.area_by_layer_um2["shared"] + BLOCK_AREA_UM2, rel=1e-12)
    assert with_block.energy_by_component_pj["test_block"] == pytest.approx(
        with_block.counts.cycles * BLOCK_ENERGY_FJ_PER_CYCLE / 1000, rel=1e-12)
    assert with_block.energy_pj == pytest.approx(
        without.energy_pj + _added_energy_pj(without, tech), rel=1e-12)
    assert with_block.latency_ns == without.latency_ns
    for layer, plain in zip(with_block.layers, without.layers, strict=True):
        assert layer.energy_by_component_pj["test_block"] == pytest.approx(
            layer.cycles * BLOCK_ENERGY_FJ_PER_CYCLE / 1000, rel=1e-12)
        assert layer.area_um2 == plain.area_um2  # the block is shared, no layer's alone
    assert with_block.counts.model_dump()["test_block_cycles"] == with_block.counts.cycles


def test_a_new_component_is_placed_standard_cells_by_default(test_block) -> None:
    """With the preset, the block's cells bring their placement whitespace, (1 / u - 1) of
    their area, and lengthen the wires that span the chip."""
    design = load_design(EXAMPLE)
    with_block, without = _with_and_without(test_block, design)
    utilisation = design.technology.placement_utilisation
    assert test_block.placed and utilisation < 1
    assert with_block.area_by_component_um2["placement"] == pytest.approx(
        without.area_by_component_um2["placement"] + BLOCK_AREA_UM2 * (1 / utilisation - 1),
        rel=1e-12)
    assert (with_block.area_by_component_um2["interconnect"]
            > without.area_by_component_um2["interconnect"])


def test_a_component_reaches_the_batch_and_the_batch_equals_the_scalar(test_block) -> None:
    tech = load_technology("stt_mram_28nm")
    workload = conv_workload((3, 16, 16), [16, 32], 2, [64], 10)
    designs = [Architecture(organisation=organisation, first_layer_mode=mode,
                            bitstream_length=5, tiles=3, ecc=ecc)
               for organisation in ("shared_tiles", "tile_per_array", "neuron_parallel")
               for mode in ("sc", "fixed_point_parallel", "fixed_point_bit_serial")
               for ecc in ("none", "secded")]
    batch = evaluate_batch(workload, tech, architectures_to_columns(designs))
    np.testing.assert_array_equal(batch.area_by_component_um2["test_block"], BLOCK_AREA_UM2)
    np.testing.assert_allclose(batch.energy_by_component_pj["test_block"],
                               batch.counts["cycles"] * BLOCK_ENERGY_FJ_PER_CYCLE / 1000,
                               rtol=1e-12)
    np.testing.assert_array_equal(batch.counts["test_block_cycles"], batch.counts["cycles"])
    for index, design in enumerate(designs):
        report = evaluate(workload, design, tech)
        row = batch.row(index)
        assert row["area_um2"] == pytest.approx(report.area_um2, rel=1e-12)
        assert row["energy_pj"] == pytest.approx(report.energy_pj, rel=1e-12)
        assert row["area_by_component_um2"] == pytest.approx(report.area_by_component_um2,
                                                             rel=1e-12)
        assert row["energy_by_component_pj"] == pytest.approx(report.energy_by_component_pj,
                                                               rel=1e-12)
        assert row["counts"]["test_block_cycles"] == report.counts.model_dump()[
            "test_block_cycles"]


def test_a_component_reaches_the_hw_table_and_json(test_block, tmp_path, capsys) -> None:
    out_json = tmp_path / "report.json"
    assert main(["hw", str(EXAMPLE), "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "test block (fixture)" in printed  # the component table shows its label
    report = json.loads(out_json.read_text())
    assert report["area_by_component_um2"]["test_block"] == BLOCK_AREA_UM2
    assert report["energy_by_component_pj"]["test_block"] == pytest.approx(
        report["counts"]["cycles"] * BLOCK_ENERGY_FJ_PER_CYCLE / 1000, rel=1e-12)
    assert report["counts"]["test_block_cycles"] == report["counts"]["cycles"]
    assert all("test_block" in layer["energy_by_component_pj"] for layer in report["layers"])


def test_a_component_reaches_hw_plot(test_block, tmp_path, capsys, monkeypatch) -> None:
    report = load_design(EXAMPLE).evaluate()
    figure = breakdown_figure(report)
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend[-1] == "test block (fixture)"
    area_shares = [patch.get_height() for patch in figure.axes[0].patches if patch.get_x() < 0.5]
    assert any(share == pytest.approx(100 * BLOCK_AREA_UM2 / report.area_um2, rel=1e-9)
               for share in area_shares)
    monkeypatch.setitem(matplotlib.rcParams, "svg.fonttype", "none")  # text stays text
    path = tmp_path / "breakdown.svg"
    assert main(["hw", str(EXAMPLE), "--plot", str(path)]) == 0
    assert "test block (fixture)" in path.read_text()


def test_a_new_component_comes_last_in_the_breakdown(test_block) -> None:
    assert component_names()[-1] == "test_block"


def test_after_the_fixture_the_component_is_gone() -> None:
    assert "test_block" not in component_names()
    report = evaluate(mlp_workload(20, [8], 3), Architecture(first_layer_mode="sc"),
                      load_technology("stt_mram_28nm"))
    assert "test_block" not in report.area_by_component_um2


def test_a_name_declared_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="'popcount' is declared twice"):
        type("AnotherPopcount", (Component,), {"name": "popcount"})
    assert Component.registry["popcount"] is Popcount


def test_organisation_logic_that_no_component_prices_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(Popcount, "logic_units", {})
    with pytest.raises(ValueError, match="tree_full_adders, tree_half_adders: no hardware "
                                         "component prices it"):
        evaluate(mlp_workload(20, [8], 3), Architecture(first_layer_mode="sc"),
                 load_technology("stt_mram_28nm"))


def test_every_reported_count_is_one_components() -> None:
    owners: dict[str, list[str]] = {}
    for name, cls in Component.registry.items():
        for count in cls.counts:
            owners.setdefault(count, []).append(name)
    assert all(len(names) == 1 for names in owners.values()), owners
    schedule_and_chip = {"weight_bits", "mram_cells", "cycles"}
    assert set(Counts.model_fields) - schedule_and_chip == set(owners)


def test_docs_list_every_component() -> None:
    text = (ROOT / "docs" / "hwmodel.md").read_text()
    for name, cls in Component.registry.items():
        assert f"| `{name}` |" in text, name
        assert cls.description, name
