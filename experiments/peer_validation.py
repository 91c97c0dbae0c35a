"""The hardware model's components against independent models: one table of ratios.

    python experiments/peer_validation.py                  # the table, at 80 columns
    python experiments/peer_validation.py --markdown       # the table of docs/hwmodel-validation.md
    python experiments/peer_validation.py --nvsim PATH     # with a live NVSim (or NVSIM_BIN=PATH)

Each row prices one component of the preset (`--technology`) and the same component in a
peer, ours / peer, against a stated band (`BANDS`: how close the two should be, given what
each models), and says whether the peer's figure lies inside the preset's range for that
field (`ranges:` of the preset). The peers:

* NVSim (github.com/SEAL-UCSB/NVSim, built by you; this project neither ships nor builds it):
  with `--nvsim PATH` (or `NVSIM_BIN`) it is run here on the like-with-like inputs of
  experiments/memory_validation.py; without, the committed docs/nvsim/results.csv is used.
  Component areas (sense amplifier, periphery) need the instrumented build of
  docs/nvsim/README.md and always come from that CSV.
* NeuroSim V1.3 and CACTI, through hwcomponents and its plug-ins, in their own Python >= 3.12
  environment (experiments/peer_env.py: made and installed on first use; their bundled
  binaries are rebuilt from the wheels' sources where they do not start).
* Yosys: the project's RTL of the model's primitives and blocks, synthesized by
  experiments/rtl_vs_model.py's functions (NanGate X1 areas x (28/45)^2).
* Published macros: docs/nvsim/published_macros.yaml.

A peer that cannot be installed or run is one line, and the others go on. Exit status 1 when
some row is outside its band with no explanation.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from hwmodel import load_technology
from hwmodel.technology import Technology

EXPERIMENTS = Path(__file__).resolve().parent
if str(EXPERIMENTS) not in sys.path:  # the sibling scripts this one reuses
    sys.path.insert(0, str(EXPERIMENTS))
import memory_validation as mv  # noqa: E402
import peer_env  # noqa: E402

NODE_NM, ROADMAP, TARGET = 28, "LSTP", "ReadLatency"
ROWS = COLS = 256  # the model's array; NVSim's and NeuroSim's like-with-like subarray
SRAM_WIDTH, SRAM_DEPTH = 64, 64  # CACTI: a 4 kbit buffer, the size of the example's


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    meaning: str


BANDS = {
    "same circuit": Band(0.67, 1.5, "the same circuit or structure priced twice"),
    "same function": Band(0.5, 2.0, "the same function, built or estimated differently"),
    "read physics": Band(0.25, 4.0, "a cell read priced differently: bitline C V^2 against a "
                                    "DC cell current over a sense time"),
    "macro scope": Band(0.1, 1.0, "a row read into adjacent amplifiers against a macro's "
                                  "per-bit read with its data path: ours lower, within 10x"),
}


@dataclass(frozen=True)
class Comparison:
    """One component priced by the preset (`ours`) and by a peer (`theirs`), same units."""

    component: str
    peer: str
    ours: float
    theirs: float
    band: str
    field: str | None = None  # the preset field the peer's figure bounds (same units)
    note: str = ""  # why a row outside its band is outside (docs/hwmodel-validation.md)

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs

    @property
    def inside(self) -> bool:
        band = BANDS[self.band]
        return band.low <= self.ratio <= band.high

    def in_range(self, tech: Technology) -> bool | None:
        """Whether the peer's figure lies inside the preset's range of `field` (bounds are
        the peers' figures to 3 digits: 1 % slack), None where the row maps to no field."""
        if self.field is None or self.field not in tech.ranges:
            return None
        interval = tech.ranges[self.field]
        return interval.low * 0.99 <= self.theirs <= interval.high * 1.01

    def verdict(self) -> str:
        if self.inside:
            return "inside"
        return "outside, explained" if self.note else "OUTSIDE"


class Peer:
    """A source of comparisons: `rows` raises peer_env.PeerUnavailable (one line) when the
    peer cannot be installed or run here."""

    name = ""

    def rows(self, tech: Technology) -> list[Comparison]:
        raise NotImplementedError


# --- NVSim --------------------------------------------------------------------------------

ROWDEC_ENERGY = re.compile(r"Row Decoder Dynamic Energy = ([\d.]+)(fJ|pJ)")


def nvsim_binary(option: str | None) -> Path | None:
    named = option or os.environ.get("NVSIM_BIN")
    return Path(named).expanduser() if named else None


def nvsim_live(binary: Path) -> dict[str, dict]:
    """The two like-with-like runs (R x C for energy and latency, R x 2C for the row), parsed
    with memory_validation's parser; the row decoder's energy read from the report."""
    runs = [mv.NvsimRun("mcell", NODE_NM, ROADMAP, TARGET, ROWS, cols) for cols in (COLS, 2 * COLS)]
    out = {}
    with tempfile.TemporaryDirectory() as work:
        (Path(work) / f"model_cell_{NODE_NM}nm.cell").write_text(mv.MODEL_CELL_TEMPLATE.format(
            f2=mv.MODEL_CELL_F2[NODE_NM], node=NODE_NM))
        for run in runs:
            (Path(work) / f"{run.name}.cfg").write_text(run.cfg_text())
            done = subprocess.run([str(binary), f"{run.name}.cfg"], cwd=work, text=True,
                                  capture_output=True, timeout=600)
            parsed = mv.parse_nvsim_output(done.stdout)
            if done.returncode != 0 or not parsed:
                raise peer_env.PeerUnavailable(f"NVSim at {binary} gave no result for {run.name}")
            energy = ROWDEC_ENERGY.search(done.stdout)
            parsed["rowdec_read_pj"] = float(energy.group(1)) * mv._UNITS[energy.group(2)]
            out[run.name] = parsed
    return out


class NVSim(Peer):
    name = "NVSim"

    def __init__(self, binary: Path | None, log: Callable[[str], None]) -> None:
        self.binary, self.log = binary, log

    def runs(self) -> dict[str, dict]:
        committed = mv.load_results()
        if self.binary is None:
            self.log("NVSim: no binary (--nvsim PATH or NVSIM_BIN); using docs/nvsim/results.csv")
            return committed
        if not self.binary.is_file():
            raise peer_env.PeerUnavailable(f"no NVSim binary at {self.binary}")
        live = nvsim_live(self.binary)
        same = all(abs(run[key] - committed[name][key]) <= 1e-3 * abs(committed[name][key])
                   for name, run in live.items()
                   for key in ("read_energy_pj", "read_latency_ns", "area_um2", "rowdec_read_pj"))
        self.log(f"NVSim: ran {self.binary} on {len(live)} inputs; "
                 f"{'equal to' if same else 'DIFFERENT from'} results.csv (energy, latency, "
                 "area); component areas from results.csv (instrumented build)")
        return {**committed, **live}

    def rows(self, tech: Technology) -> list[Comparison]:
        runs = self.runs()
        name = f"mcell_{ROWS}x{{}}_{NODE_NM}nm_{ROADMAP}_{TARGET}"
        single, double = runs[name.format(COLS)], runs[name.format(2 * COLS)]
        pair = mv.nvsim_pair(mv.load_results(), "mcell", ROWS, COLS, NODE_NM, ROADMAP, TARGET)
        model = mv.model_array(tech, ROWS, COLS)
        return [
            Comparison("array area/bit, no SA (um^2)", self.name, model["area_per_bit_um2"],
                       pair["diff_area_per_bit_no_sa_um2"], "same circuit"),
            Comparison("cell read energy (fJ/cell)", self.name, tech.mram.read_energy_fj_per_cell,
                       single["cell_read_pj"] * 1e3 / COLS / 2, "read physics",
                       "mram.read_energy_fj_per_cell"),
            Comparison("row activation (fJ/row)", self.name, tech.mram.row_activation_energy_fj,
                       double["rowdec_read_pj"] * 1e3, "same circuit",
                       "mram.row_activation_energy_fj"),
            Comparison("sense amp area (um^2)", self.name, tech.sense_amplifier.area_um2,
                       pair["sa_area_per_column_um2"], "same function", "sense_amplifier.area_um2",
                       note="a current-mode amplifier with a 50,000 F^2 placeholder converter"),
            Comparison("sense amp energy (fJ/bit)", self.name, tech.sense_amplifier.energy_fj,
                       single["senseamp_read_pj"] * 1e3 / COLS, "same function",
                       "sense_amplifier.energy_fj",
                       note="a current-mode amplifier: HSPICE constant, not a precharge latch"),
            Comparison("read cycle (ns)", self.name, tech.cycle_ns, single["read_latency_ns"],
                       "same function", note="the model's cycle is a design choice with margin"),
        ]


# --- hwcomponents: NeuroSim and CACTI ------------------------------------------------------

def neurosim_queries(tech: Technology) -> list[dict]:
    """NeuroSim's array of the model's size (rows x 2 columns of cells: a differential bit,
    one row read at a time) with NVSim's sample STT-MRAM cell, and its logic cells."""
    node, cycle = tech.node_nm * 1e-9, tech.cycle_ns * 1e-9
    array = {"tech_node": node, "cycle_period": cycle, "rows": ROWS, "cols": 2 * COLS,
             "cols_active_at_once": 2 * COLS, "cell_config": "nvsim_STTRAM",
             "average_input_value": 1.0, "average_cell_value": 0.5, "read_pulse_width": cycle,
             "sequential": True}
    logic = {"tech_node": node, "cycle_period": cycle}
    module = "hwcomponents_neurosim"
    return [
        {"module": module, "class": "MemoryCell", "args": array, "actions": ["read"]},
        {"module": module, "class": "RowDrivers", "args": array, "actions": ["read"]},
        {"module": module, "class": "ColDrivers", "args": array, "actions": []},
        {"module": module, "class": "ADC", "args": {**array, "adc_resolution": 1}, "actions": []},
        {"module": module, "class": "Adder", "args": {**logic, "n_bits": 1}, "actions": ["read"]},
        {"module": module, "class": "FlipFlop", "args": {**logic, "n_bits": 1},
         "actions": ["read"]},
        {"module": module, "class": "Mux", "args": {**logic, "n_bits": 1, "n_mux_inputs": 2},
         "actions": ["read"]},
        {"module": module, "class": "AdderTree",
         "args": {**logic, "n_bits": 1, "n_adder_tree_inputs": COLS}, "actions": ["read"]},
    ]


def cacti_queries(tech: Technology) -> list[dict]:
    size = SRAM_WIDTH * SRAM_DEPTH
    return [{"module": "hwcomponents_cacti", "class": "SRAM",
             "args": {"tech_node": tech.node_nm * 1e-9, "width": SRAM_WIDTH,
                      "depth": SRAM_DEPTH, "size": size}, "actions": ["read", "write"]}]


def checked(results: list[dict], what: str) -> list[dict]:
    failed = next((r["error"] for r in results if "error" in r), None)
    if failed:
        raise peer_env.PeerUnavailable(f"{what}: {failed}")
    return results


class HwComponents(Peer):
    """NeuroSim and CACTI, priced in one call to the peers' environment."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log

    def results(self, tech: Technology) -> tuple[list[dict], list[dict]]:
        python = peer_env.environment_python(self.log)
        neurosim, cacti = neurosim_queries(tech), cacti_queries(tech)
        results = peer_env.probe(python, neurosim + cacti)
        return results[:len(neurosim)], results[len(neurosim):]


def neurosim_rows(tech: Technology, results: list[dict]) -> list[Comparison]:
    from hwmodel import blocks

    cell, row, col, sense, adder, flop, mux, tree = checked(results, "NeuroSim")
    logic, peer = tech.logic, "NeuroSim"
    ripple = blocks.popcount("ripple_tree", COLS)
    return [
        Comparison("cell read energy (fJ/cell)", peer, tech.mram.read_energy_fj_per_cell,
                   cell["energy_fj"]["read"], "read physics", "mram.read_energy_fj_per_cell"),
        Comparison("row activation (fJ/row)", peer, tech.mram.row_activation_energy_fj,
                   row["energy_fj"]["read"], "same function", "mram.row_activation_energy_fj",
                   note="NeuroSim's row drivers and switch matrix against a decoder + wordline"),
        Comparison("row periphery (um^2/row)", peer, tech.mram.row_periphery_area_um2,
                   row["area_um2"] / ROWS, "same function", "mram.row_periphery_area_um2"),
        Comparison("column periphery (um^2/col)", peer, tech.mram.column_periphery_area_um2,
                   col["area_um2"] / COLS, "same function", "mram.column_periphery_area_um2"),
        Comparison("sense amp area (um^2)", peer, tech.sense_amplifier.area_um2,
                   sense["area_um2"] / (2 * COLS), "same function", "sense_amplifier.area_um2",
                   note="a current-sensing amplifier per cell column, not a precharge latch"),
        Comparison("full adder area (um^2)", peer, logic.full_adder.area_um2, adder["area_um2"],
                   "same circuit", "logic.full_adder.area_um2"),
        Comparison("full adder energy (fJ)", peer, logic.full_adder.energy_fj,
                   adder["energy_fj"]["read"], "same circuit", "logic.full_adder.energy_fj"),
        Comparison("flip-flop area (um^2)", peer, logic.flip_flop.area_um2, flop["area_um2"],
                   "same circuit", "logic.flip_flop.area_um2"),
        Comparison("flip-flop energy (fJ)", peer, logic.flip_flop.energy_fj,
                   flop["energy_fj"]["read"], "same circuit", "logic.flip_flop.energy_fj"),
        Comparison("2:1 mux area (um^2)", peer, logic.mux2.area_um2, mux["area_um2"],
                   "same function", "logic.mux2.area_um2",
                   note="NeuroSim's transmission-gate mux against NanGate's static MUX2_X1"),
        Comparison("2:1 mux energy (fJ)", peer, logic.mux2.energy_fj, mux["energy_fj"]["read"],
                   "same function", "logic.mux2.energy_fj"),
        Comparison("popcount 256 area (um^2)", peer, ripple.area_um2(tech),
                   tree["area_um2"], "same circuit",
                   note="the same 502 adder slices; NeuroSim lays its tree out to a fixed width"),
        Comparison("popcount 256 energy (fJ)", peer, ripple.energy_fj(tech),
                   tree["energy_fj"]["read"], "same circuit"),
    ]


def cacti_rows(tech: Technology, results: list[dict]) -> list[Comparison]:
    (sram,) = checked(results, "CACTI")
    peer, bits = "CACTI", SRAM_WIDTH * SRAM_DEPTH
    read_note = "the preset's SRAM energies are estimates above CACTI"
    return [
        Comparison("SRAM area (um^2/bit)", peer, tech.sram.area_um2_per_bit,
                   sram["area_um2"] / bits, "same circuit", "sram.area_um2_per_bit"),
        Comparison("SRAM read (fJ/bit)", peer, tech.sram.read_energy_fj_per_bit,
                   sram["energy_fj"]["read"] / SRAM_WIDTH, "same function",
                   "sram.read_energy_fj_per_bit", note=read_note),
        Comparison("SRAM write (fJ/bit)", peer, tech.sram.write_energy_fj_per_bit,
                   sram["energy_fj"]["write"] / SRAM_WIDTH, "same function",
                   "sram.write_energy_fj_per_bit", note=read_note),
    ]


# --- Yosys: synthesis of the project's RTL ------------------------------------------------

YOSYS_BLOCKS = {  # rows of rtl_vs_model.blocks(), one of each kind the model sizes: label
    ("popcount ripple_tree", "w=256"): "ripple popcount 256 (um^2)",
    ("popcount compressor_tree", "w=256"): "compressor popcount 256 (um^2)",
    ("accumulator", "n=11, addend 9 (hidden layer, F=1024)"): "accumulator 11 bits (um^2)",
    ("threshold comparator", "n=11"): "threshold 11 bits (um^2)",
    ("LFSR SNG bank", "16-bit, V=16, sharing 1"): "LFSR bank, 16 pixels (um^2)",
    ("Sobol SNG bank, hardwired", "k=8, V=16, sharing 1"): "Sobol bank, 16 pixels (um^2)",
}
BLOCK_NOTES = {
    "threshold comparator": "ABC's majority slice in generic gates (no AOI cell)",
}


def yosys_rows(tech: Technology) -> list[Comparison]:
    if shutil.which("yosys") is None:
        raise peer_env.PeerUnavailable("yosys is not on PATH (Debian: apt-get install yosys)")
    import rtl_vs_model

    from hwmodel.components.primitives import PRIMITIVE_CELLS
    from rtl import synthesize

    synthesized, _ = rtl_vs_model.synthesized_primitives()
    rows = [Comparison(f"{cell.replace('_', ' ')} area (um^2)", "Yosys",
                       getattr(tech.logic, cell).area_um2, synthesized[name], "same circuit",
                       f"logic.{cell}.area_um2")
            for name, cell in PRIMITIVE_CELLS.items()]
    units = {name: getattr(tech.logic, cell).area_um2 for name, cell in PRIMITIVE_CELLS.items()}
    for block, size, spec, counts in rtl_vs_model.blocks():
        if (block, size) in YOSYS_BLOCKS:
            rows.append(Comparison(YOSYS_BLOCKS[block, size], "Yosys", counts.priced(units),
                                   synthesize(spec, node_nm=tech.node_nm).area_um2,
                                   "same circuit", note=BLOCK_NOTES.get(block, "")))
    return rows


# --- published macros -----------------------------------------------------------------------

PUBLISHED = {  # quantity -> (component, band, field)
    "cell_area_um2": ("cell um^2", "same function", "mram.cell_area_um2"),
    "read_energy_pj_per_bit": ("read fJ/bit", "macro scope", None),
    "read_time_ns": ("read cycle ns", "same function", None),
}


def published_rows(tech: Technology) -> list[Comparison]:
    macros = yaml.safe_load(mv.MACROS_YAML.read_text())["macros"]
    model = mv.model_array(tech, ROWS, COLS)
    rows = []
    for macro in macros:
        for figure in macro["figures"]:
            if figure["quantity"] not in PUBLISHED:
                continue
            component, band, field = PUBLISHED[figure["quantity"]]
            scale = 1e3 if figure["quantity"] == "read_energy_pj_per_bit" else 1.0
            ours = mv._model_quantity(model, tech, figure["quantity"]) * scale
            rows.append(Comparison(f"{component}, {macro['short']}", "published", ours,
                                   figure["value"] * scale, band, field,
                                   note=published_note(figure["quantity"], ours,
                                                       figure["value"] * scale)))
    return rows


def published_note(quantity: str, ours: float, theirs: float) -> str:
    if quantity == "read_energy_pj_per_bit" and ours < theirs:
        return "the macro's per-bit read includes a narrow word's data path"
    if quantity == "read_time_ns":
        return "the model's cycle is a design choice with margin"
    return "macro-level cells differ from the densest 28 nm cell" if quantity == (
        "cell_area_um2") else ""


# --- the table --------------------------------------------------------------------------------

def collect(tech: Technology, peers: set[str], nvsim: Path | None,
            log: Callable[[str], None]) -> list[Comparison]:
    """Every peer's rows; a peer that cannot run is one logged line."""
    rows: list[Comparison] = []

    def attempt(name: str, make: Callable[[], list[Comparison]]) -> None:
        try:
            rows.extend(make())
        except peer_env.PeerUnavailable as exc:
            log(f"{name}: not available ({exc}); going on with the others")

    if "nvsim" in peers:
        attempt("NVSim", lambda: NVSim(nvsim, log).rows(tech))
    if peers & {"neurosim", "cacti"}:
        try:
            neurosim, cacti = HwComponents(log).results(tech)
        except peer_env.PeerUnavailable as exc:
            log(f"NeuroSim and CACTI (hwcomponents): not available ({exc}); going on with the "
                "others")
        else:
            if "neurosim" in peers:
                attempt("NeuroSim", lambda: neurosim_rows(tech, neurosim))
            if "cacti" in peers:
                attempt("CACTI", lambda: cacti_rows(tech, cacti))
    if "yosys" in peers:
        attempt("Yosys", lambda: yosys_rows(tech))
    if "published" in peers:
        attempt("published", lambda: published_rows(tech))
    return rows


def band_text(row: Comparison) -> str:
    band = BANDS[row.band]
    return f"{band.low:g}-{band.high:g}"


def range_text(row: Comparison, tech: Technology) -> str:
    inside = row.in_range(tech)
    return "-" if inside is None else ("in" if inside else "out")


def table_lines(rows: list[Comparison], tech: Technology, markdown: bool) -> list[str]:
    if markdown:
        lines = ["| component | peer | ours | peer's | ours / peer | band | verdict | "
                 "peer in preset range | why outside |", "|" + " --- |" * 9]
        lines += [f"| {r.component} | {r.peer} | {r.ours:.4g} | {r.theirs:.4g} | {r.ratio:.2f} "
                  f"| {band_text(r)} ({r.band}) | {r.verdict()} | {range_text(r, tech)} | "
                  f"{'' if r.inside else r.note} |" for r in rows]
        return lines
    lines = [f"{'component':28} {'peer':9} {'ours':>7} {'peer':>7} {'ratio':>5} {'band':>8} "
             "band rng"]
    for r in rows:
        verdict = {"inside": "ok", "outside, explained": "out*", "OUTSIDE": "OUT"}[r.verdict()]
        lines.append(f"{r.component[:28]:28} {r.peer[:9]:9} {r.ours:7.4g} {r.theirs:7.4g} "
                     f"{r.ratio:5.2f} {band_text(r):>8} {verdict:4} {range_text(r, tech)}")
    lines += ["band: ok inside; out* outside, explained (--markdown says why); OUT outside",
              "rng: the peer's figure in/out of the preset's range for that field"]
    return lines


def summary(rows: list[Comparison], tech: Technology) -> str:
    inside = sum(r.inside for r in rows)
    explained = sum(not r.inside and bool(r.note) for r in rows)
    ranged = [r.in_range(tech) for r in rows if r.in_range(tech) is not None]
    return (f"{len(rows)} comparisons: {inside} inside their band, {explained} outside and "
            f"explained,\n{len(rows) - inside - explained} outside unexplained; the peer's "
            f"figure inside the preset's range in {sum(ranged)} of {len(ranged)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technology", default="stt_mram_28nm", help="preset name or YAML path")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--nvsim", help="an NVSim binary to run (default: $NVSIM_BIN, else "
                                        "the committed docs/nvsim/results.csv)")
    parser.add_argument("--peers", default="nvsim,neurosim,cacti,yosys,published",
                        help="comma-separated subset of the peers")
    args = parser.parse_args(argv)
    peers = {p.strip() for p in args.peers.split(",") if p.strip()}
    unknown = peers - {"nvsim", "neurosim", "cacti", "yosys", "published"}
    if unknown:
        print(f"--peers: unknown peer {sorted(unknown)[0]!r} (nvsim, neurosim, cacti, yosys, "
              "published)", file=sys.stderr)
        return 2
    try:
        tech = load_technology(args.technology)
    except ValueError as exc:
        print(f"--technology: {exc}", file=sys.stderr)
        return 2
    rows = collect(tech, peers, nvsim_binary(args.nvsim), print)
    print(f"\nPreset {tech.name} against its peers (ours / peer):\n")
    for line in table_lines(rows, tech, args.markdown):
        print(line)
    print(f"\n{summary(rows, tech)}")
    if args.markdown:
        print("\nBands:\n")
        for name, band in BANDS.items():
            print(f"* {name}, {band.low:g}-{band.high:g}: {band.meaning}")
    return 1 if any(r.verdict() == "OUTSIDE" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
