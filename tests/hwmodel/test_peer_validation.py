"""experiments/peer_validation.py without its peers: the ratio and band logic, the table, and
the one line a missing peer leaves (the peer runs themselves are not in the default tests)."""

from __future__ import annotations

import pytest

from hwmodel import load_technology
from tests.hwmodel.experiment_scripts import load_script


@pytest.fixture(scope="module")
def pv():
    return load_script("peer_validation")


@pytest.fixture(scope="module")
def tech():
    return load_technology("stt_mram_28nm")


def test_ratio_band_and_verdict(pv) -> None:
    row = pv.Comparison("x", "peer", ours=3.0, theirs=2.0, band="same circuit")
    assert row.ratio == 1.5 and row.inside and row.verdict() == "inside"  # 1.5 is the edge
    low = pv.Comparison("x", "peer", ours=1.0, theirs=2.0, band="same circuit")
    assert low.ratio == 0.5 and not low.inside and low.verdict() == "OUTSIDE"
    explained = pv.Comparison("x", "peer", ours=1.0, theirs=2.0, band="same circuit", note="y")
    assert explained.verdict() == "outside, explained"
    assert pv.Comparison("x", "p", 1.0, 2.0, "same function").inside  # 0.5-2


def test_peer_figure_against_the_preset_range(pv, tech) -> None:
    interval = tech.ranges["mram.read_energy_fj_per_cell"]

    def row(theirs: float, field: str | None = "mram.read_energy_fj_per_cell"):
        return pv.Comparison("cell", "p", 25.0, theirs, "read physics", field)

    assert row(interval.high).in_range(tech) and row(interval.low).in_range(tech)
    assert row(interval.high * 1.005).in_range(tech)  # the bounds are 3-digit roundings
    assert row(interval.high * 1.05).in_range(tech) is False
    assert row(interval.low * 0.9).in_range(tech) is False
    assert row(1.0, field=None).in_range(tech) is None
    assert row(1.0, field="supply_v").in_range(tech) is None  # a field with no range


def test_nvsim_rows_from_the_committed_results(pv, tech) -> None:
    """Without a binary: one line saying so, and the rows of docs/nvsim/results.csv."""
    lines: list[str] = []
    rows = pv.collect(tech, {"nvsim"}, None, lines.append)
    assert lines == ["NVSim: no binary (--nvsim PATH or NVSIM_BIN); using docs/nvsim/results.csv"]
    by_name = {r.component: r for r in rows}
    activation = by_name["row activation (fJ/row)"]
    assert activation.theirs == pytest.approx(161.0)  # 0.161 pJ in the CSV's 256x512 run
    assert activation.ratio == pytest.approx(160 / 161)
    cell = by_name["cell read energy (fJ/cell)"]
    assert cell.theirs == pytest.approx(22.387e3 / 256 / 2)  # data + reference cell, per cell
    assert cell.in_range(tech)


@pytest.mark.parametrize("peer", ["nvsim", "neurosim", "cacti", "yosys"])
def test_a_missing_peer_is_one_line_and_the_others_go_on(pv, tech, peer, tmp_path,
                                                         monkeypatch) -> None:
    monkeypatch.setenv("CODESIGN_PEERS_DIR", str(tmp_path / "peers"))
    monkeypatch.setenv("CODESIGN_PEERS_PYTHON", str(tmp_path / "no-python"))
    monkeypatch.setattr(pv.shutil, "which", lambda name: None)
    lines: list[str] = []
    rows = pv.collect(tech, {peer, "published"}, tmp_path / "no-nvsim", lines.append)
    assert len(lines) == 1 and "\n" not in lines[0], lines
    expected = {
        "nvsim": f"NVSim: not available (no NVSim binary at {tmp_path / 'no-nvsim'})",
        "neurosim": "NeuroSim and CACTI (hwcomponents): not available (no Python >= 3.12 "
                    "found (set CODESIGN_PEERS_PYTHON))",
        "cacti": "NeuroSim and CACTI (hwcomponents): not available",
        "yosys": "Yosys: not available (yosys is not on PATH",
    }[peer]
    assert lines[0].startswith(expected) and lines[0].endswith("going on with the others")
    assert rows and {r.peer for r in rows} == {"published"}  # the others went on
    assert not (tmp_path / "peers").exists() or not any((tmp_path / "peers").iterdir())


def test_text_table_fits_80_columns(pv, tech) -> None:
    rows = pv.collect(tech, {"nvsim", "published"}, None, lambda line: None)
    lines = pv.table_lines(rows, tech, markdown=False)
    assert len(lines) == len(rows) + 3 and all(len(line) <= 80 for line in lines)
    assert all(len(line) <= 80 for line in pv.summary(rows, tech).splitlines())
    markdown = pv.table_lines(rows, tech, markdown=True)
    assert all(line.count("|") == 10 for line in markdown)


def test_unknown_peer_option_is_one_line_exit_2(pv, capsys) -> None:
    assert pv.main(["--peers", "nvsim,spice"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "--peers: unknown peer 'spice' (nvsim, neurosim, cacti, yosys, published)"
