"""The STT-MRAM array model against NVSim and published eMRAM macros (docs/hwmodel-validation.md).

Prints the model's side of the memory table (area per bit with periphery, read energy per bit,
latency, leakage per bit for 32x256, 128x128, 256x256 and 512x512 arrays of the default
preset) next to the NVSim results committed in docs/nvsim/results.csv and the published macro
figures in docs/nvsim/published_macros.yaml, with the ratios.

    python experiments/memory_validation.py                 # the tables
    python experiments/memory_validation.py --technology my_preset.yaml

NVSim is not part of this project and is never built by it. To reproduce results.csv with
your own NVSim build (github.com/SEAL-UCSB/NVSim), write the exact inputs used here, run NVSim
on each, and collect its outputs:

    python experiments/memory_validation.py --write-nvsim-inputs /tmp/nv
    cp <NVSim>/sample_STTRAM.cell /tmp/nv/        # NVSim's own sample cell, unmodified
    cd /tmp/nv && for f in *.cfg; do <NVSim>/nvsim $f > ${f%.cfg}.out; done
    python experiments/memory_validation.py --collect /tmp/nv --out docs/nvsim/results.csv

Like with like. The model's bit is differential (2T2MTJ, two cells, one precharge sense
amplifier per column, sensing every column of a row at once); NVSim models a single-ended
1T1MTJ cell read against a reference by a current-mode sense amplifier. So:
* area per bit compares the model's R x C array with NVSim's R x 2C subarray (two cells per
  bit), divided by R x C bits; NVSim's sense amplifiers are listed apart, because the model
  keeps them in the tiles;
* read energy per bit compares with NVSim's single-ended R x C read, whose cell energy already
  counts two cell currents (data cell + reference cell), as many as a differential read;
* NVSim is forced to the model's organisation: one subarray, no column multiplexing, a word as
  wide as the row (all columns sensed per access), so per-access figures / word width = per bit.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from hwmodel import load_technology
from hwmodel.components.memory import MramArray
from hwmodel.components.mram_cell import MramCell
from hwmodel.technology import Technology

ROOT = Path(__file__).resolve().parents[1]
NVSIM_DIR = ROOT / "docs" / "nvsim"
RESULTS_CSV = NVSIM_DIR / "results.csv"
MACROS_YAML = NVSIM_DIR / "published_macros.yaml"

MODEL_GEOMETRIES = [(32, 256), (128, 128), (256, 256), (512, 512)]
CELLS_PER_BIT = MramCell.get("2t2mtj").cells_per_bit  # the validated bit: differential
NODES_NM = (22, 28, 32)
ROADMAPS = ("HP", "LSTP", "LOP")
TARGETS = ("ReadLatency", "ReadDynamicEnergy", "Area", "LeakagePower")
# NVSim subarrays: each model geometry R x C single-ended, and R x 2C (two cells per bit).
NVSIM_GEOMETRIES = sorted({g for r, c in MODEL_GEOMETRIES for g in ((r, c), (r, 2 * c))})
MACRO_ROADMAPS = ("HP", "LSTP")
MACRO_CAPACITY_B, MACRO_WORD_BITS = 32768, 64
SAMPLE_CELL = "sample_STTRAM.cell"          # NVSim's own file, used unmodified
# The model's 28 nm cell (0.036 um^2) expressed in F^2 at each node; NVSim scales cells by F^2.
MODEL_CELL_F2 = {22: 74.38, 28: 45.92, 32: 35.16}

CFG_TEMPLATE = """\
# {comment}
-DesignTarget: RAM
-OptimizationTarget: {target}
-EnablePruning: Yes
-ProcessNode: {node_nm}
-Capacity (B): {capacity_b}
-WordWidth (bit): {word_bits}
-DeviceRoadmap: {roadmap}
-LocalWireType: LocalAggressive
-LocalWireRepeaterType: RepeatedNone
-LocalWireUseLowSwing: No
-GlobalWireType: GlobalAggressive
-GlobalWireRepeaterType: RepeatedNone
-GlobalWireUseLowSwing: No
-Routing: H-tree
-InternalSensing: true
-MemoryCellInputFile: {cell_file}
-Temperature (K): 350
"""
FORCED_ORGANISATION = """\
-ForceBank (Total AxB, Active CxD): 1x1, 1x1
-ForceMat (Total AxB, Active CxD): 1x1, 1x1
-ForceMuxSenseAmp: 1
-ForceMuxOutputLev1: 1
-ForceMuxOutputLev2: 1
"""
MODEL_CELL_TEMPLATE = """\
//NVSim's sample_STTRAM.cell with CellArea changed to {f2} F^2 = 0.036 um^2 at {node} nm
//(the hwmodel preset's 28 nm 1T1MTJ cell); every other line is the sample's.

-MemCellType: MRAM
-CellArea (F^2): {f2}
-CellAspectRatio: 0.54
-ResistanceOn (ohm): 3000
-ResistanceOff (ohm): 6000
-ReadMode: current
-ReadVoltage (V): 0.25
-MinSenseVoltage (mV): 25
-ReadPower (uW): 30
-ResetMode: current
-ResetCurrent (uA): 80
-ResetPulse (ns): 10
-ResetEnergy (pJ): 1
-SetMode: current
-SetCurrent (uA): 80
-SetPulse (ns): 10
-SetEnergy (pJ): 1
-AccessType: CMOS
-VoltageDropAccessDevice (V): 0.15
-AccessCMOSWidth (F): 8
"""


@dataclass(frozen=True)
class NvsimRun:
    """One NVSim input: a forced single subarray (`sub`, `mcell`) or a free macro (`macro`)."""

    family: str
    node_nm: int
    roadmap: str
    target: str
    rows: int = 0
    cols: int = 0

    @property
    def name(self) -> str:
        if self.family == "macro":
            return f"macro_32KB_w64_{self.node_nm}nm_{self.roadmap}_{self.target}"
        size = f"{self.rows}x{self.cols}"
        return f"{self.family}_{size}_{self.node_nm}nm_{self.roadmap}_{self.target}"

    @property
    def cell_file(self) -> str:
        return f"model_cell_{self.node_nm}nm.cell" if self.family == "mcell" else SAMPLE_CELL

    def cfg_text(self) -> str:
        if self.family == "macro":
            text = CFG_TEMPLATE.format(
                comment="32 KB macro, 64-bit word, organisation chosen by NVSim",
                target=self.target, node_nm=self.node_nm, capacity_b=MACRO_CAPACITY_B,
                word_bits=MACRO_WORD_BITS, roadmap=self.roadmap, cell_file=self.cell_file)
            return text
        cell = "model-matched cell (0.036 um^2); " if self.family == "mcell" else ""
        comment = (f"{cell}one subarray of {self.rows} rows x {self.cols} columns, all {self.cols}"
                   " columns sensed per access")
        return CFG_TEMPLATE.format(
            comment=comment, target=self.target, node_nm=self.node_nm,
            capacity_b=self.rows * self.cols // 8, word_bits=self.cols, roadmap=self.roadmap,
            cell_file=self.cell_file) + FORCED_ORGANISATION


def nvsim_runs() -> list[NvsimRun]:
    runs = [NvsimRun(family, node, roadmap, target, rows, cols)
            for family, (rows, cols), node, roadmap, target in itertools.product(
                ("sub", "mcell"), NVSIM_GEOMETRIES, NODES_NM, ROADMAPS, TARGETS)]
    runs += [NvsimRun("macro", node, roadmap, target)
             for node, roadmap, target in itertools.product(NODES_NM, MACRO_ROADMAPS, TARGETS)]
    return runs


def write_nvsim_inputs(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    for node, f2 in MODEL_CELL_F2.items():
        (directory / f"model_cell_{node}nm.cell").write_text(
            MODEL_CELL_TEMPLATE.format(f2=f2, node=node))
    runs = nvsim_runs()
    for run in runs:
        (directory / f"{run.name}.cfg").write_text(run.cfg_text())
    return len(runs)


# --- NVSim output -> CSV -------------------------------------------------------------------

_UNITS = {"ps": 1e-3, "ns": 1.0, "us": 1e3, "ms": 1e6, "fJ": 1e-3, "pJ": 1.0, "nJ": 1e3,
          "uJ": 1e6, "pW": 1e-6, "nW": 1e-3, "uW": 1.0, "mW": 1e3, "W": 1e6}
_PATTERNS = {  # field -> (regex, unit-bearing?)  times in ns, energies in pJ, powers in uW
    "read_latency_ns": r"-  Read Latency = ([\d.]+)(ps|ns|us|ms)",
    "senseamp_latency_ns": r"Senseamp Latency\s*= ([\d.]+)(ps|ns|us)",
    "read_energy_pj": r"-  Read Dynamic Energy = ([\d.]+)(fJ|pJ|nJ|uJ)",
    "cell_read_pj": r"Bitline & Cell Read Energy = ([\d.]+)(fJ|pJ|nJ)",
    "senseamp_read_pj": r"Senseamp Dynamic Energy\s*= ([\d.]+)(fJ|pJ|nJ)",
    "leakage_uw": r"- Leakage Power = ([\d.]+)(pW|nW|uW|mW|W)",
}
# Lines "DBG <group> <key> <value> ..." from an NVSim build instrumented to print SubArray
# members (component areas, leakages, energies); optional, see docs/nvsim/README.md.
_DBG_FIELDS = {
    ("area_um2", "subarray"): "subarray_area_um2", ("area_um2", "cells"): "cells_area_um2",
    ("area_um2", "rowDecoder"): "rowdec_area_um2", ("area_um2", "senseAmp"): "senseamp_area_um2",
    ("area_um2", "precharger"): "precharger_area_um2",
    ("leak_uW", "rowDecoder"): "rowdec_leak_uw", ("leak_uW", "senseAmp"): "senseamp_leak_uw",
    ("leak_uW", "precharger"): "precharger_leak_uw",
    ("read_pJ", "rowDecoder"): "rowdec_read_pj", ("read_pJ", "precharger"): "precharger_read_pj",
    ("capBitline_fF", None): "bitline_cap_ff", ("capWordline_fF", None): "wordline_cap_ff",
    ("vdd", None): "vdd",
    ("mat_area_um2", None): "mat_area_um2",
}
CSV_FIELDS = [
    "run", "family", "cell_file", "node_nm", "roadmap", "target", "capacity_b", "word_bits",
    "rows", "cols", "mats", "subarrays_per_mat", "senseamp_mux", "buffer_style",
    "area_um2", "area_efficiency_pct", "read_latency_ns", "senseamp_latency_ns",
    "read_energy_pj", "cell_read_pj", "senseamp_read_pj", "leakage_uw",
    *dict.fromkeys(_DBG_FIELDS.values()),
]


def parse_nvsim_output(text: str) -> dict:
    """The fields of one NVSim report (the unmodified tool's text), in the CSV's units."""
    if "No valid solutions" in text or "RESULT" not in text:
        return {}
    out: dict = {}
    m = re.search(r"Subarray Size\s*: (\d+) Rows x (\d+) Columns", text)
    out["rows"], out["cols"] = int(m.group(1)), int(m.group(2))
    out["mats"] = "x".join(re.search(r"Bank Organization: (\d+) x (\d+)", text).groups())
    mat = re.search(r"Mat Organization: (\d+) x (\d+)", text)
    out["subarrays_per_mat"] = "x".join(mat.groups())
    out["senseamp_mux"] = int(re.search(r"Senseamp Mux\s*: (\d+)", text).group(1))
    out["buffer_style"] = re.search(r"Buffer Design Style: (\S+)", text).group(1)
    m = re.search(r"Total Area = .* = ([\d.]+)(um|mm)\^2", text)
    out["area_um2"] = float(m.group(1)) * (1.0 if m.group(2) == "um" else 1e6)
    out["area_efficiency_pct"] = float(re.search(r"Area Efficiency = ([\d.]+)%", text).group(1))
    for field, pattern in _PATTERNS.items():
        m = re.search(pattern, text)
        out[field] = float(m.group(1)) * _UNITS[m.group(2)] if m else None
    for line in text.splitlines():
        if not line.startswith("DBG "):
            continue
        tokens = line.split()[1:]
        if tokens[0] in ("area_um2", "leak_uW", "read_pJ"):
            for key, value in zip(tokens[1::2], tokens[2::2], strict=False):
                if (tokens[0], key) in _DBG_FIELDS:
                    out[_DBG_FIELDS[(tokens[0], key)]] = float(value)
        else:
            for key, value in zip(tokens[::2], tokens[1::2], strict=False):
                if (key, None) in _DBG_FIELDS:
                    out[_DBG_FIELDS[(key, None)]] = float(value)
    return out


def collect(directory: Path, out_csv: Path) -> int:
    """Parse `<run>.out` (and `<run>.dbg.out` if present) for every run; write the CSV."""
    rows = []
    for run in nvsim_runs():
        path = directory / f"{run.name}.out"
        if not path.exists():
            continue
        row = {"run": run.name, "family": run.family, "cell_file": run.cell_file,
               "node_nm": run.node_nm, "roadmap": run.roadmap, "target": run.target,
               "capacity_b": MACRO_CAPACITY_B if run.family == "macro"
               else run.rows * run.cols // 8,
               "word_bits": MACRO_WORD_BITS if run.family == "macro" else run.cols}
        parsed = parse_nvsim_output(path.read_text())
        if not parsed:
            continue
        dbg = directory / f"{run.name}.dbg.out"
        if dbg.exists():
            extra = parse_nvsim_output(dbg.read_text())
            for key in ("area_um2", "read_energy_pj", "read_latency_ns", "leakage_uw"):
                if extra.get(key) != parsed[key]:
                    raise ValueError(f"{run.name}: instrumented build differs on {key}")
            parsed.update({k: v for k, v in extra.items() if k not in parsed})
        row.update(parsed)
        rows.append(row)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in CSV_FIELDS})
    return len(rows)


def load_results(path: Path = RESULTS_CSV) -> dict[str, dict]:
    numeric = {"node_nm", "capacity_b", "word_bits", "rows", "cols", "senseamp_mux"}
    out = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            parsed: dict = {}
            for key, value in row.items():
                if value == "":
                    parsed[key] = None
                elif key in numeric:
                    parsed[key] = int(value)
                else:
                    try:
                        parsed[key] = float(value)
                    except ValueError:
                        parsed[key] = value
            out[row["run"]] = parsed
    return out


# --- the model's side ---------------------------------------------------------------------

def model_array(tech: Technology, rows: int, cols: int) -> dict:
    """Per-bit figures of one rows x cols array of the model (a differential bit: the
    default `mram_cell`, CELLS_PER_BIT cells)."""
    array = MramArray(tech, rows, cols, cells_per_bit=CELLS_PER_BIT)
    sense_area_um2 = cols * tech.sense_amplifier.area_um2  # one lane per column
    sense_fj_per_bit = tech.sense_amplifier.energy_fj
    bits = rows * cols
    cells = bits * CELLS_PER_BIT
    density = tech.leakage.logic_nw_per_um2
    leak_nw = cells * tech.mram.leakage_nw_per_cell + array.periphery_area_um2 * density
    return {
        "bits": bits,
        "cells_per_bit": CELLS_PER_BIT,
        "area_per_bit_um2": array.area_um2 / bits,
        "area_per_bit_with_sa_um2": (array.area_um2 + sense_area_um2) / bits,
        "cell_area_per_bit_um2": array.cell_area_um2 / bits,
        "periphery_per_bit_um2": array.periphery_area_um2 / bits,
        "array_efficiency": array.cell_area_um2 / array.area_um2,
        "array_efficiency_with_sa": array.cell_area_um2 / (array.area_um2 + sense_area_um2),
        "array_read_fj_per_bit": array.row_read_energy_fj / cols,
        "sense_fj_per_bit": sense_fj_per_bit,
        "read_fj_per_bit": array.row_read_energy_fj / cols + sense_fj_per_bit,
        "latency_ns": tech.cycle_ns,
        "leakage_nw_per_bit": leak_nw / bits,
        "leakage_nw_per_bit_with_sa": (leak_nw + sense_area_um2 * density) / bits,
        "sa_area_um2": tech.sense_amplifier.area_um2,
    }


def nvsim_area_without_sa(run: dict) -> float | None:
    """NVSim bank area minus its sense amplifiers and the empty corner their height leaves
    beside the row decoder (subarray bounding box minus the sum of its parts)."""
    if run.get("senseamp_area_um2") is None:
        return None
    parts = (run["cells_area_um2"] + run["rowdec_area_um2"] + run["senseamp_area_um2"]
             + run["precharger_area_um2"])
    white = run["subarray_area_um2"] - parts
    return run["area_um2"] - run["senseamp_area_um2"] - white


def nvsim_pair(results: dict, family: str, rows: int, cols: int, node: int, roadmap: str,
               target: str) -> dict | None:
    """NVSim's like-with-like figures for a model array of rows x cols differential bits."""
    single = results.get(f"{family}_{rows}x{cols}_{node}nm_{roadmap}_{target}")
    double = results.get(f"{family}_{rows}x{2 * cols}_{node}nm_{roadmap}_{target}")
    if single is None or double is None:
        return None
    bits = rows * cols
    no_sa = nvsim_area_without_sa(double)
    sa_per_column = single["senseamp_area_um2"] / cols if single.get("senseamp_area_um2") else None
    out = {
        "single_area_per_bit_um2": single["area_um2"] / bits,
        "single_efficiency_pct": single["area_efficiency_pct"],
        "diff_area_per_bit_no_sa_um2": no_sa / bits if no_sa is not None else None,
        "sa_area_per_column_um2": sa_per_column,
        "read_fj_per_bit": single["read_energy_pj"] * 1e3 / cols,
        "cell_read_fj_per_bit": single["cell_read_pj"] * 1e3 / cols,
        "sense_fj_per_bit": single["senseamp_read_pj"] * 1e3 / cols,
        "latency_ns": single["read_latency_ns"],
        "senseamp_latency_ns": single["senseamp_latency_ns"],
        "leakage_nw_per_bit": single["leakage_uw"] * 1e3 / bits,
        "leakage_nw_per_bit_no_sa": ((single["leakage_uw"] - single["senseamp_leak_uw"]) * 1e3
                                     / bits if single.get("senseamp_leak_uw") is not None
                                     else None),
        "buffer_style": single["buffer_style"],
    }
    if out["diff_area_per_bit_no_sa_um2"] is not None and sa_per_column is not None:
        out["diff_area_per_bit_um2"] = out["diff_area_per_bit_no_sa_um2"] + sa_per_column / rows
    return out


def _fmt(value, spec=".3g") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(model, other) -> str:
    return "-" if model is None or not other else f"{model / other:.2f}"


def print_tables(tech: Technology, results: dict, macros: list[dict]) -> None:
    print(f"Model: preset {tech.name}, {tech.node_nm:g} nm, {CELLS_PER_BIT} cells/bit, "
          f"cell {tech.mram.cell_area_um2} um^2, clock {tech.clock_mhz:g} MHz")
    header = ("array", "area/bit", "w/ SA", "cells/bit", "eff", "E_read fJ/bit", "array",
              "SA", "latency ns", "leak nW/bit")
    print("\n## Model (per differential bit)")
    print(" | ".join(header))
    for rows, cols in MODEL_GEOMETRIES:
        m = model_array(tech, rows, cols)
        print(f"{rows}x{cols} | {m['area_per_bit_um2']:.4f} | {m['area_per_bit_with_sa_um2']:.4f}"
              f" | {m['cell_area_per_bit_um2']:.4f} | {m['array_efficiency']:.1%}"
              f" | {m['read_fj_per_bit']:.1f} | {m['array_read_fj_per_bit']:.1f}"
              f" | {m['sense_fj_per_bit']:.1f} | {m['latency_ns']:.1f}"
              f" | {m['leakage_nw_per_bit']:.4f}")

    print("\n## NVSim, like with like (ReadLatency target; Area target in brackets)")
    print("array | node | cell | roadmap | area/bit no SA (R x 2C) | ratio | SA um^2/col | "
          "E_read fJ/bit | ratio | E w/o SA | ratio | latency ns | leak nW/bit | ratio")
    for (rows, cols), family, node, roadmap in itertools.product(
            MODEL_GEOMETRIES, ("sub", "mcell"), NODES_NM, ("LSTP", "HP", "LOP")):
        lat = nvsim_pair(results, family, rows, cols, node, roadmap, "ReadLatency")
        area = nvsim_pair(results, family, rows, cols, node, roadmap, "Area")
        if lat is None:
            continue
        m = model_array(tech, rows, cols)
        cell = "model" if family == "mcell" else "sample"
        no_sa = lat["read_fj_per_bit"] - lat["sense_fj_per_bit"]
        area_lat, area_area = lat["diff_area_per_bit_no_sa_um2"], (area or {}).get(
            "diff_area_per_bit_no_sa_um2")
        print(f"{rows}x{cols} | {node} | {cell} | {roadmap} | {_fmt(area_lat, '.4f')} "
              f"[{_fmt(area_area, '.4f')}] | {_ratio(m['area_per_bit_um2'], area_lat)} | "
              f"{_fmt(lat['sa_area_per_column_um2'], '.1f')} | {lat['read_fj_per_bit']:.0f} | "
              f"{_ratio(m['read_fj_per_bit'], lat['read_fj_per_bit'])} | {no_sa:.0f} | "
              f"{_ratio(m['array_read_fj_per_bit'], no_sa)} | {lat['latency_ns']:.2f} "
              f"[{_fmt((area or {}).get('latency_ns'), '.2f')}] | "
              f"{lat['leakage_nw_per_bit']:.3g} | "
              f"{_ratio(m['leakage_nw_per_bit_with_sa'], lat['leakage_nw_per_bit'])}")

    macro_rows = [r for r in results.values() if r["family"] == "macro"]
    if macro_rows:
        print("\n## NVSim 32 KB macro, 64-bit word (organisation chosen by NVSim)")
        print("node | roadmap | target | subarray | mats | SA mux | area/bit um^2 | eff % | "
              "latency ns | E_read fJ/bit | leak nW/bit")
        for r in sorted(macro_rows, key=lambda r: (r["node_nm"], r["roadmap"], r["target"])):
            bits = MACRO_CAPACITY_B * 8
            print(f"{r['node_nm']} | {r['roadmap']} | {r['target']} | {r['rows']}x{r['cols']} |"
                  f" {r['mats']}/{r['subarrays_per_mat']} | {r['senseamp_mux']} | "
                  f"{r['area_um2'] / bits:.4f} | {r['area_efficiency_pct']:.1f} | "
                  f"{r['read_latency_ns']:.2f} | {r['read_energy_pj'] * 1e3 / MACRO_WORD_BITS:.0f}"
                  f" | {r['leakage_uw'] * 1e3 / bits:.3g}")

    m = model_array(tech, 256, 256)
    print("\n## Published macros against the model's 256x256 array")
    print("macro | quantity | published | model | model/published | source")
    for macro in macros:
        for q in macro["figures"]:
            model_value = _model_quantity(m, tech, q["quantity"])
            print(f"{macro['name']} | {q['quantity']} | {q['value']} {q['unit']} | "
                  f"{_fmt(model_value)} | {_ratio(model_value, q['value'])} | {q['source']}")


def _model_quantity(m: dict, tech: Technology, quantity: str) -> float | None:
    """The model's 256x256 figure comparable with a published macro quantity."""
    return {
        "cell_area_um2": tech.mram.cell_area_um2,
        "area_per_bit_um2": m["area_per_bit_um2"],
        "area_per_cell_um2": m["area_per_bit_um2"] / m["cells_per_bit"],
        "array_efficiency": m["array_efficiency"],
        "read_energy_pj_per_bit": m["read_fj_per_bit"] * 1e-3,
        "read_time_ns": m["latency_ns"],
        "standby_nw_per_bit": m["leakage_nw_per_bit"],
    }.get(quantity)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technology", default="stt_mram_28nm", help="preset name or YAML path")
    parser.add_argument("--results", type=Path, default=RESULTS_CSV)
    parser.add_argument("--macros", type=Path, default=MACROS_YAML)
    parser.add_argument("--write-nvsim-inputs", type=Path, metavar="DIR",
                        help="write the .cfg and model .cell files used for results.csv")
    parser.add_argument("--collect", type=Path, metavar="DIR",
                        help="parse DIR/<run>.out files of NVSim into --out")
    parser.add_argument("--out", type=Path, default=RESULTS_CSV)
    args = parser.parse_args(argv)
    if args.write_nvsim_inputs:
        count = write_nvsim_inputs(args.write_nvsim_inputs)
        print(f"wrote {count} .cfg files and 3 model .cell files to {args.write_nvsim_inputs}; "
              f"copy NVSim's {SAMPLE_CELL} there too")
        return 0
    if args.collect:
        print(f"{collect(args.collect, args.out)} runs -> {args.out}")
        return 0
    tech = load_technology(args.technology)
    results = load_results(args.results) if args.results.exists() else {}
    macros = yaml.safe_load(args.macros.read_text())["macros"] if args.macros.exists() else []
    print_tables(tech, results, macros)
    return 0


if __name__ == "__main__":
    sys.exit(main())
