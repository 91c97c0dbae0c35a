"""`hw`: score a hardware design: area, energy, latency and a per-component breakdown.

    python -m codesign hw DESIGN.yaml [--json PATH] [--technology PRESET_OR_PATH]
    python -m codesign hw --paper-check [DESIGN.yaml] [--json PATH]

DESIGN.yaml has `workload`, `architecture` and `technology` (a preset name, a path to a preset
YAML, or an inline mapping); an exported design keeps them under `hardware:`. The numbers come
from `hwmodel`; this module only loads, validates and presents.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from codesign.config_io import load_spec, read_yaml, validate
from codesign.errors import UserError
from hwmodel.design import HardwareDesign, hardware_section
from hwmodel.paper_check import BASELINES, MERGES, PaperCheck, paper_check
from hwmodel.report import CostReport
from hwmodel.technology import Technology
from hwmodel.technology_presets import TechnologyError, resolve_technology_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "hw",
        help="score a hardware design: area, energy, latency and a per-component breakdown",
        description=(
            "Score a hardware design with the analytical STT-MRAM cost model, or compare the "
            "model with the SC-BNN paper's claims (--paper-check)."
        ),
    )
    parser.add_argument(
        "design", type=Path, nargs="?", help="DESIGN.yaml, or a YAML written by `export`"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the result as JSON")
    parser.add_argument(
        "--technology",
        metavar="PRESET_OR_PATH",
        help="use this technology instead of the design's (a preset name or a YAML path)",
    )
    parser.add_argument(
        "--paper-check",
        action="store_true",
        help=(
            "Fashion-MNIST MLP 784-1024-1024-10: SC area reduction and energy ratio against N "
            "versus the fixed-point baselines (uses DESIGN.yaml's architecture if given)"
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    if args.paper_check:
        technology, architecture = None, None
        if args.design is not None:
            design = load_design(args.design, args.technology)
            technology, architecture = design.technology, design.architecture
            if not architecture.is_sc:
                raise UserError(
                    f"{args.design}: architecture.first_layer_mode: --paper-check needs sc"
                )
        elif args.technology is not None:
            technology = load_technology_ref(args.technology, Path.cwd(), "--technology")
        check = paper_check(technology=technology, architecture=architecture)
        print_paper_check(console, check)
        if args.json:
            write_json(args.json, check.model_dump(mode="json"))
        return 0
    if args.design is None:
        raise UserError("hw: give a DESIGN.yaml, or --paper-check")
    design = load_design(args.design, args.technology)
    report = design.evaluate()
    print_report(console, report)
    if args.json:
        write_json(args.json, report.model_dump(mode="json"))
    return 0


# --- loading --------------------------------------------------------------------------


def load_technology_ref(ref: str, base_dir: Path, source: str) -> Technology:
    """A preset name or preset path, validated; errors name the preset file and field."""
    try:
        path = resolve_technology_path(ref, base_dir)
    except TechnologyError as exc:
        raise UserError(f"{source}: {exc}") from None
    return load_spec(Technology, path)


def load_design(path: Path, technology: str | None = None) -> HardwareDesign:
    """Read DESIGN.yaml (or the `hardware` section of an exported design) and validate it."""
    document = read_yaml(path)
    section, exported = hardware_section(document)
    source = f"{path}: hardware" if exported else str(path)
    if isinstance(section, dict):
        section = dict(section)
        if technology is not None:
            section["technology"] = load_technology_ref(technology, Path.cwd(), "--technology")
        elif isinstance(section.get("technology"), str):
            section["technology"] = load_technology_ref(
                section["technology"], path.parent, f"{source}: technology"
            )
    return validate(HardwareDesign, section, source)


def write_json(path: Path, data: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None


# --- presentation ---------------------------------------------------------------------


SHORT = {"fixed_point_parallel": "parallel", "fixed_point_bit_serial": "bit-serial"}


def _num(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def print_report(console: Console, report: CostReport) -> None:
    arch = report.architecture
    mode = arch.first_layer_mode
    encoding = (
        f"sc, {arch.sng_kind} SNG shared by {arch.sng_sharing}, merge at {arch.merge_point}, "
        f"N={report.effective_bitstream_length}"
        if arch.is_sc
        else f"{mode}, {arch.input_bits}-bit pixels"
    )
    console.print(
        f"[bold]{report.workload}[/] on [bold]{report.technology}[/]: {encoding}; "
        f"{arch.tiles} tiles, {arch.array_rows}x{arch.array_cols} arrays"
    )

    totals = Table(title="Totals (per inference)", show_header=False)
    totals.add_column("quantity")
    totals.add_column("value", justify="right")
    totals.add_row("area", f"{_num(report.area_um2)} um^2 = {report.area_mm2:.4f} mm^2")
    totals.add_row("energy", f"{_num(report.energy_pj)} pJ")
    totals.add_row("latency", f"{_num(report.latency_ns)} ns")
    totals.add_row("throughput", f"{_num(report.inferences_per_s)} inferences/s")
    totals.add_row("average power", f"{report.average_power_mw:.3f} mW")
    console.print(totals)

    components = Table(title="Breakdown by component")
    for name, justify in [
        ("component", "left"),
        ("area um^2", "right"),
        ("area", "right"),
        ("energy pJ", "right"),
        ("energy", "right"),
    ]:
        components.add_column(name, justify=justify)
    for name, area in report.area_by_component_um2.items():
        energy = report.energy_by_component_pj[name]
        components.add_row(
            name,
            _num(area),
            _share(area, report.area_um2),
            _num(energy),
            _share(energy, report.energy_pj),
        )
    components.add_row("[bold]total", _num(report.area_um2), "", _num(report.energy_pj), "")
    console.print(components)

    layers = Table(title="Breakdown by layer (area: hardware used by that layer alone)")
    headers = ["layer", "shape", "arrays", "reads x", "cycles", "area um^2", "energy pJ"]
    for name in headers:
        layers.add_column(name, justify="left" if name in ("layer", "shape") else "right")
    for layer in report.layers:
        shape = f"{layer.fan_in}->{layer.outputs}"
        if layer.positions > 1:
            shape += f" @{layer.positions}"
        layers.add_row(
            layer.name,
            shape,
            f"{layer.arrays:,}",
            f"{layer.repetitions:,}",
            f"{layer.cycles:,}",
            _num(layer.area_um2, 0),
            _num(layer.energy_pj, 0),
        )
    shared = report.area_by_layer_um2.get("shared", 0.0)
    layers.add_row("shared", "tiles, buffers", "", "", "", _num(shared, 0), "")
    console.print(layers)

    counts = Table(title="Counts (per inference)", show_header=False)
    counts.add_column("count")
    counts.add_column("value", justify="right")
    for name, value in report.counts.model_dump().items():
        counts.add_row(name.replace("_", " "), f"{value:,}")
    console.print(counts)


def print_paper_check(console: Console, check: PaperCheck) -> None:
    arch = check.architecture
    console.print(
        f"[bold]Paper check[/]: {check.workload} on [bold]{check.technology}[/]; SC design: "
        f"{arch.sng_kind} SNG shared by {arch.sng_sharing}, {arch.tiles} tiles, "
        f"{arch.array_rows}x{arch.array_cols} arrays, {arch.input_bits}-bit pixels"
    )
    designs = Table(title="Designs (same arrays and tiles; only the first layer differs)")
    for name in ["design", "area um^2", "energy pJ", "latency ns"]:
        designs.add_column(name, justify="left" if name == "design" else "right")
    for d in check.designs:
        designs.add_row(d.label, _num(d.area_um2), _num(d.energy_pj), _num(d.latency_ns))
    console.print(designs)

    area = Table(title=f"Area reduction of SC (paper: {check.paper_area_reduction:.0%})")
    for name in ["against", f"at N={check.reference_n}", "range over N"]:
        area.add_column(name, justify="left" if name == "against" else "right")
    for mode in BASELINES:
        low, high = check.area_reduction_range_over_n[mode]
        area.add_row(mode, f"{check.area_reduction_vs[mode]:.1%}", f"{low:.1%} .. {high:.1%}")
    console.print(area)

    tiles = Table(title="Area reduction against the tile count (logic share grows with tiles)")
    tiles.add_column("tiles", justify="right")
    tiles.add_column("SC area um^2", justify="right")
    for mode in BASELINES:
        tiles.add_column(f"vs {SHORT[mode]}", justify="right")
    for row in check.tile_rows:
        tiles.add_row(
            str(row.tiles),
            _num(row.sc_area_um2),
            *[f"{row.area_reduction_vs[m]:.1%}" for m in BASELINES],
        )
    console.print(tiles)

    for merge in MERGES:
        ratios = Table(
            title=(
                f"Energy, SC merged at {merge}: baseline / SC (paper: "
                f"{check.paper_energy_factor}x at the N that costs "
                f"{check.paper_accuracy_cost_points} accuracy points)"
            )
        )
        for name in ["N", "SC energy pJ", *[f"vs {SHORT[m]}" for m in BASELINES]]:
            ratios.add_column(name, justify="right")
        for row in check.energy_rows:
            if row.merge_point == merge:
                ratios.add_row(
                    str(row.bitstream_length),
                    _num(row.sc_energy_pj, 0),
                    *[f"{row.ratio_vs[m]:.2f}x" for m in BASELINES],
                )
        console.print(ratios)

    summary = Table(title="Where SC saves energy")
    for name in [
        "merge",
        "baseline",
        "ratio at N=1",
        "break-even N",
        f"largest N with >= {check.paper_energy_factor}x",
    ]:
        summary.add_column(name, justify="left" if name in ("merge", "baseline") else "right")
    for s in check.energy_summary:
        summary.add_row(
            s.merge_point,
            SHORT[s.baseline],
            f"{s.ratio_at_n1:.2f}x",
            "-" if s.break_even_n is None else str(s.break_even_n),
            "-" if s.largest_n_with_paper_factor is None else str(s.largest_n_with_paper_factor),
        )
    console.print(summary)

    sng = Table(title=f"SC generator choice at N={check.reference_n} (area reduction)")
    for name in ["SNG", "sharing", "SNG area um^2", *[f"vs {SHORT[m]}" for m in BASELINES]]:
        sng.add_column(name, justify="left" if name == "SNG" else "right")
    for row in check.sng_rows:
        sng.add_row(
            row.sng_kind,
            str(row.sng_sharing),
            _num(row.sng_area_um2, 0),
            *[f"{row.area_reduction_vs[m]:.1%}" for m in BASELINES],
        )
    console.print(sng)
    if check.calibration:
        console.print("Calibration in the preset: " + "; ".join(check.calibration))
    else:
        console.print("No calibration: the preset's numbers are used as published or estimated.")
