"""experiments/memory_validation.py: the model's side of docs/hwmodel-validation.md, the NVSim
inputs it writes, the parser of NVSim reports, and the committed results it reads."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mv():
    spec = importlib.util.spec_from_file_location(
        "memory_validation", ROOT / "experiments" / "memory_validation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["memory_validation"] = module
    spec.loader.exec_module(module)
    return module


def test_model_side_of_the_table(mv, tech) -> None:
    m = mv.model_array(tech, 256, 256)
    cells = 2 * 0.036 * 65536
    periphery = 256 * 2.0 + 256 * 3.0 + 500
    assert math.isclose(m["area_per_bit_um2"], (cells + periphery) / 65536)
    assert math.isclose(m["array_efficiency"], cells / (cells + periphery))
    activation = tech.mram.row_activation_energy_fj
    assert math.isclose(m["read_fj_per_bit"], (activation + 256 * 2 * 25) / 256 + 5)
    assert m["latency_ns"] == 5.0
    assert math.isclose(m["leakage_nw_per_bit"], (2 * 65536 * 1e-3 + periphery * 2.0) / 65536)
    # smaller arrays carry more periphery per bit
    per_bit = [mv.model_array(tech, r, c)["area_per_bit_um2"] for r, c in mv.MODEL_GEOMETRIES]
    assert per_bit == sorted(per_bit, reverse=True)


def test_nvsim_inputs_are_forced_to_the_model_organisation(mv, tmp_path) -> None:
    count = mv.write_nvsim_inputs(tmp_path)
    assert count == len(list(tmp_path.glob("*.cfg"))) == 2 * 8 * 3 * 3 * 4 + 3 * 2 * 4
    cfg = (tmp_path / "mcell_256x512_28nm_LSTP_ReadLatency.cfg").read_text()
    for line in ("-ProcessNode: 28", "-Capacity (B): 16384", "-WordWidth (bit): 512",
                 "-DeviceRoadmap: LSTP", "-OptimizationTarget: ReadLatency",
                 "-MemoryCellInputFile: model_cell_28nm.cell",
                 "-ForceMat (Total AxB, Active CxD): 1x1, 1x1", "-ForceMuxSenseAmp: 1"):
        assert line in cfg.splitlines()
    macro = (tmp_path / "macro_32KB_w64_22nm_HP_Area.cfg").read_text()
    assert "-Capacity (B): 32768" in macro and "Force" not in macro
    cell = (tmp_path / "model_cell_28nm.cell").read_text()
    f2 = float(next(line for line in cell.splitlines() if line.startswith("-CellArea")).split()[-1])
    assert math.isclose(f2 * 0.028**2, 0.036, rel_tol=1e-3)


REPORT = """\
=============
CONFIGURATION
=============
Bank Organization: 1 x 1
Mat Organization: 1 x 1
 - Subarray Size    : 256 Rows x 512 Columns
Mux Level:
 - Senseamp Mux      : 1
Buffer Design Style: Latency-Optimized
=============
   RESULT
=============
Area:
 - Total Area = 199.245um x 152.488um = 30382.468um^2
 - Area Efficiency = 15.531%
Timing:
 -  Read Latency = 2.278ns
       |--- Senseamp Latency    = 1.457ns
Power:
 -  Read Dynamic Energy = 122.882pJ
       |--- Bitline & Cell Read Energy = 44.749pJ
       |--- Senseamp Dynamic Energy    = 77.100pJ
 - Leakage Power = 77.224uW
DBG area_um2 subarray 29000.0 cells 5549.064 rowDecoder 724.14 senseAmp 20257.055 precharger 317.9
DBG capBitline_fF 22.064 capWordline_fF 168.627 vdd 0.920 senseAmpLatency_ns 1.457
"""


def test_parse_nvsim_report(mv) -> None:
    out = mv.parse_nvsim_output(REPORT)
    assert (out["rows"], out["cols"], out["senseamp_mux"]) == (256, 512, 1)
    assert out["area_um2"] == 30382.468 and out["area_efficiency_pct"] == 15.531
    assert out["read_latency_ns"] == 2.278 and out["read_energy_pj"] == 122.882
    assert out["cell_read_pj"] == 44.749 and out["leakage_uw"] == 77.224
    assert out["senseamp_area_um2"] == 20257.055 and out["wordline_cap_ff"] == 168.627
    assert math.isclose(mv.parse_nvsim_output(REPORT.replace("77.224uW", "1.5mW"))["leakage_uw"],
                        1500.0)
    assert mv.parse_nvsim_output("No valid solutions.") == {}


def test_committed_results_cover_every_run(mv) -> None:
    results = mv.load_results()
    assert set(results) == {run.name for run in mv.nvsim_runs()}
    for rows, cols in mv.MODEL_GEOMETRIES:
        for node in mv.NODES_NM:
            pair = mv.nvsim_pair(results, "mcell", rows, cols, node, "LSTP", "ReadLatency")
            assert pair["diff_area_per_bit_no_sa_um2"] > 2 * 0.036   # two cells and more
            assert pair["diff_area_per_bit_um2"] > pair["diff_area_per_bit_no_sa_um2"]
            assert pair["read_fj_per_bit"] > pair["cell_read_fj_per_bit"] > 0


def test_published_macros_file_is_well_formed(mv) -> None:
    macros = yaml.safe_load(mv.MACROS_YAML.read_text())["macros"]
    quantities = {"cell_area_um2", "area_per_cell_um2", "area_per_bit_um2", "array_efficiency",
                  "read_energy_pj_per_bit", "read_time_ns", "standby_nw_per_bit"}
    for macro in macros:
        assert macro["citation"] and macro["figures"]
        for figure in macro["figures"]:
            assert figure["quantity"] in quantities and figure["source"]
            assert figure["value"] > 0


def test_main_prints_the_tables(mv, capsys) -> None:
    assert mv.main([]) == 0
    text = capsys.readouterr().out
    assert "## Model (per differential bit)" in text and "256x256 | 0.0992" in text
    assert "## NVSim, like with like" in text and "## Published macros" in text
