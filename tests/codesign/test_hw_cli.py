"""`python -m codesign hw`: tables, JSON, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from codesign.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hw_fmnist_sc.yaml"


def design(**architecture) -> dict:
    return {
        "workload": {"kind": "mlp", "input_size": 784, "hidden": [1024, 1024], "num_classes": 10},
        "architecture": {"first_layer_mode": "sc", "bitstream_length": 8, **architecture},
        "technology": "stt_mram_28nm",
    }


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err, err
    return err


def test_example_prints_tables_and_writes_json(tmp_path, capsys) -> None:
    out_json = tmp_path / "out" / "report.json"
    assert main(["hw", str(EXAMPLE), "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    for title in ("Totals", "Breakdown by component", "Breakdown by layer", "mram_arrays", "fc1"):
        assert title in out
    report = json.loads(out_json.read_text())
    assert report["area_mm2"] == pytest.approx(report["area_um2"] / 1e6)
    assert sum(report["energy_by_component_pj"].values()) == pytest.approx(report["energy_pj"])
    assert report["architecture"]["bitstream_length"] == 8


def test_bad_field_is_one_line_naming_file_and_field(tmp_path, capsys) -> None:
    path = write(tmp_path / "bad.yaml", design(tiles=-4))
    assert main(["hw", str(path)]) == 2
    err = one_error_line(capsys)
    assert "bad.yaml" in err and "architecture.tiles" in err


def test_unknown_key_and_bad_preset_file(tmp_path, capsys) -> None:
    data = design()
    data["architecture"]["tilez"] = 3
    assert main(["hw", str(write(tmp_path / "typo.yaml", data))]) == 2
    assert "architecture.tilez: unknown key" in one_error_line(capsys)

    preset = yaml.safe_load((ROOT / "hwmodel" / "presets" / "stt_mram_28nm.yaml").read_text())
    preset["mram"]["cell_area_um2"] = -1
    write(tmp_path / "neg_tech.yaml", preset)
    data = design()
    data["technology"] = "neg_tech.yaml"  # relative to the design file
    assert main(["hw", str(write(tmp_path / "d.yaml", data))]) == 2
    err = one_error_line(capsys)
    assert "neg_tech.yaml" in err and "mram.cell_area_um2" in err

    data["technology"] = "no_such_preset"
    assert main(["hw", str(write(tmp_path / "d2.yaml", data))]) == 2
    assert "technology" in one_error_line(capsys)


@pytest.mark.parametrize(("architecture", "field"), [
    ({"mram_cell": "3t3mtj"}, "architecture.mram_cell"),
    ({"ecc": "chipkill"}, "architecture.ecc"),
    ({"read_voltage_mv": 5}, "architecture.read_voltage_mv"),
])
def test_bad_device_choices_are_one_line(tmp_path, capsys, architecture, field) -> None:
    path = write(tmp_path / "device.yaml", design(**architecture))
    out_json = tmp_path / "never.json"
    assert main(["hw", str(path), "--json", str(out_json)]) == 2
    err = one_error_line(capsys)
    assert "device.yaml" in err and field in err
    assert not out_json.exists()


@pytest.mark.parametrize(("section", "key", "value"), [
    ("device_errors", "write_error_rate", 0.7),
    ("mram", "cells_per_bit", 2),  # moved to architecture.mram_cell
])
def test_bad_device_model_in_a_technology_is_one_line(tmp_path, capsys, section, key,
                                                      value) -> None:
    data = design()
    data["technology"] = yaml.safe_load(
        (ROOT / "hwmodel" / "presets" / "stt_mram_28nm.yaml").read_text())
    data["technology"][section][key] = value
    assert main(["hw", str(write(tmp_path / "inline.yaml", data))]) == 2
    err = one_error_line(capsys)
    assert "inline.yaml" in err and f"technology.{section}" in err


def test_device_choices_show_their_bit_error_rates(tmp_path, capsys) -> None:
    path = write(tmp_path / "weak.yaml", design(mram_cell="1t1mtj", read_voltage_mv=100,
                                                ecc="secded", refresh_period_s=3600))
    out_json = tmp_path / "weak.json"
    assert main(["hw", str(path), "--json", str(out_json)]) == 0
    assert "bit-error rate" in capsys.readouterr().out
    report = json.loads(out_json.read_text())
    assert 1e-3 < report["bit_error_rate"] < 1e-2  # 1t1mtj at 100 mV, the preset's devices
    assert report["error_budget"]["since_write_s"] == 3600  # the hourly refresh
    assert report["energy_by_component_pj"]["refresh"] > 0
    assert report["weight_error_rate"] < report["bit_error_rate"] / 2
    assert report["area_by_component_um2"]["ecc"] > 0


def test_hardware_section_and_inline_technology(tmp_path, capsys) -> None:
    inner = design(first_layer_mode="fixed_point_bit_serial", sng_kind="none")
    inner["technology"] = yaml.safe_load(
        (ROOT / "hwmodel" / "presets" / "stt_mram_28nm.yaml").read_text()
    )
    training = {"model": {"kind": "mlp", "hidden": [1024, 1024]},
                "input": {"mode": "fixed_point"}}  # the same network: the sections agree
    path = write(tmp_path / "exported.yaml", {"hardware": inner, "training": training})
    out_json = tmp_path / "r.json"
    assert main(["hw", str(path), "--json", str(out_json)]) == 0
    assert json.loads(out_json.read_text())["effective_bitstream_length"] == 1
    capsys.readouterr()
    inner["architecture"]["input_bits"] = 99
    write(path, {"hardware": inner})
    assert main(["hw", str(path)]) == 2
    err = one_error_line(capsys)
    assert "exported.yaml: hardware" in err and "architecture.input_bits" in err


def test_missing_file_and_missing_argument(tmp_path, capsys) -> None:
    assert main(["hw", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in one_error_line(capsys)
    assert main(["hw"]) == 2
    assert "--paper-check" in one_error_line(capsys)


def test_paper_check_prints_the_table_and_writes_json(tmp_path, capsys) -> None:
    out_json = tmp_path / "paper.json"
    assert main(["hw", "--paper-check", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    for view in ("raw", "equal throughput", "equal latency"):
        assert f"62% area, {view}:" in out and f"2.1x energy, {view}:" in out  # verdicts
    assert "parallel x8" in out  # the folded baseline at equal throughput
    data = json.loads(out_json.read_text())
    assert data["bitstream_length"] == 8  # ideal SNG: 87.49% is within 1.4 points of 88.80%
    combos = {(r["organisation"], r["baseline"], r["view"]) for r in data["rows"]}
    assert len(combos) == 12  # every organisation: both baselines raw, the folded one twice


@pytest.mark.parametrize(("flags", "expected"), [
    (["--sng", "quantum"], "--sng"),
    (["--tiles", "0"], "--tiles: 0 must be at least 1"),
    (["--accuracy", "missing.json"], "missing.json: no such file"),
    (["--technology", "no_such_preset"], "--technology"),
])
def test_paper_check_bad_options_are_one_line(capsys, flags, expected) -> None:
    assert main(["hw", "--paper-check", *flags]) == 2
    assert expected in capsys.readouterr().err


def test_subprocess_exit_code_and_message(tmp_path) -> None:
    path = write(tmp_path / "bad.yaml", design(bitstream_length=0))
    done = subprocess.run(
        [sys.executable, "-m", "codesign", "hw", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "bad.yaml" in lines[0] and "architecture.bitstream_length" in lines[0]
    )


def test_the_end_of_life_rate_against_read_voltage_is_u_shaped(tmp_path, capsys) -> None:
    """The example design (2t2mtj, SC at N = 8 re-reading layer 1): decision errors fall and
    read disturb rises with the voltage; the end-of-life rate at 85 C has a minimum inside the
    sweep; 330 mV drives the junctions past 3 sigma of Ic0 and is refused."""
    out_json = tmp_path / "sweep.json"
    assert main(["hw", str(EXAMPLE), "--read-voltages", "30:330:20", "--json",
                 str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "Read voltage: bit-error rates" in out and "refused: 330 mV" in out
    sweep = json.loads(out_json.read_text())["read_voltage_sweep"]
    kept = [point for point in sweep if point["refused"] is None]
    assert [p["read_voltage_mv"] for p in sweep if p["refused"]] == [330]
    rates = [point["bit_error_rate_worst_case"] for point in kept]
    best = rates.index(min(rates))
    assert 0 < best < len(rates) - 1
    assert all(a > b for a, b in zip(rates[:best], rates[1:best + 1], strict=True))
    assert all(a <= b for a, b in zip(rates[best:], rates[best + 1:], strict=False))
    assert rates[0] > 10 * rates[best] and rates[-1] > 10 * rates[best]
    cool = [point["bit_error_rate_operating"] for point in kept]
    assert all(c <= h for c, h in zip(cool, rates, strict=True))
    assert min(cool) < min(rates) / 10  # 27 C against 85 C


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("lifetime_s", -1, "technology.device_errors.lifetime_s: Input should be greater than 0"),
    ("worst_case_temperature_k", 0,
     "technology.device_errors.worst_case_temperature_k: Input should be greater than 0"),
    ("operating_temperature_k", -20,
     "technology.device_errors.operating_temperature_k: Input should be greater than 0"),
    ("critical_current_ua", 30, "architecture.read_voltage_mv: a parallel junction carries "
                                "40 uA at 200 mV, at or above the critical current 25.5 uA"),
])
def test_impossible_lifetimes_temperatures_and_currents_are_one_line(
        tmp_path, capsys, key, value, expected) -> None:
    data = design()
    preset = yaml.safe_load((ROOT / "hwmodel" / "presets" / "stt_mram_28nm.yaml").read_text())
    preset["ranges"] = {}  # a value outside its range would be refused for that
    preset["device_errors"][key] = value
    data["technology"] = preset
    out_json = tmp_path / "never.json"
    assert main(["hw", str(write(tmp_path / "life.yaml", data)), "--json", str(out_json)]) == 2
    err = one_error_line(capsys)
    assert "life.yaml" in err and expected in err, err
    assert not out_json.exists()


def test_a_refresh_that_wears_the_cells_out_is_one_line(tmp_path, capsys) -> None:
    assert main(["hw", str(write(tmp_path / "r.yaml", design(refresh_period_s=60)))]) == 2
    err = one_error_line(capsys)
    assert "architecture.refresh_period_s: 60 s rewrites each cell 5.26e+06 times" in err


@pytest.mark.parametrize("flag", ["abc", "100:50:10", "50:100:0", "5:100:10"])
def test_bad_read_voltage_sweeps_are_one_line(capsys, flag) -> None:
    assert main(["hw", str(EXAMPLE), "--read-voltages", flag]) == 2
    assert "--read-voltages" in one_error_line(capsys)


def test_json_and_table_carry_bands_computed_by_hand(tmp_path, capsys) -> None:
    """`hw --json` gives low / nominal / high of area, energy and latency: on the small
    golden design of tests/hwmodel/test_technology_ranges.py, both corners by hand."""
    from tests.hwmodel.test_technology_ranges import (
        SMALL_DESIGN,
        SMALL_WORKLOAD,
        corner_bounds,
        corner_by_hand,
        small_technology,
    )

    tech = write(tmp_path / "small.yaml", small_technology().model_dump(mode="json"))
    path = write(tmp_path / "small_design.yaml", {
        "workload": SMALL_WORKLOAD, "architecture": SMALL_DESIGN, "technology": str(tech)})
    out_json = tmp_path / "report.json"
    assert main(["hw", str(path), "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "area low-high" in out and "energy low-high" in out and "latency low-high" in out
    report = json.loads(out_json.read_text())
    bands = report["bands"]
    for corner in ("low", "high"):
        area, energy_fj, latency_ns = corner_by_hand(corner_bounds(corner))
        assert bands["area_um2"][corner] == pytest.approx(sum(area.values()))
        assert bands["energy_pj"][corner] * 1e3 == pytest.approx(sum(energy_fj.values()))
        assert bands["latency_ns"][corner] == pytest.approx(latency_ns)
    for metric in ("area_um2", "energy_pj", "latency_ns", "peak_power_mw"):
        band = bands[metric]
        assert band["low"] <= band["nominal"] <= band["high"], metric
        assert band["nominal"] == pytest.approx(report[metric]), metric
    assert bands["area_um2"]["low"] < bands["area_um2"]["high"]
