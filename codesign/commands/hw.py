"""`hw`: score a hardware design: area, energy, latency and a per-component breakdown.

    python -m codesign hw DESIGN.yaml [--json PATH] [--technology PRESET_OR_PATH]
                                      [--read-voltages START:STOP:STEP] [--plot FILE]
    python -m codesign hw --paper-check [--sng ideal] [--accuracy FILE] [--json PATH]

DESIGN.yaml has `workload`, `architecture` and `technology` (a preset name, a path to a preset
YAML, or an inline mapping); an exported design keeps them under `hardware:`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codesign.commands.common import output_file, positive_int
from codesign.errors import UserError
from codesign.outputs import check_writable, replacing, write_json
from codesign.problem.config_io import check_sections_agree, load_design, load_spec
from codesign.problem.kinds import SngSource
from codesign.problem.paper_check import (
    ACCURACY_FILE,
    MeasuredAccuracy,
    PaperCheckError,
    paper_check,
)
from codesign.screen import present
from hwmodel import TechnologyError, load_technology
from hwmodel.architecture import MAX_READ_VOLTAGE_MV, MIN_READ_VOLTAGE_MV


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "hw",
        help="score a hardware design: area, energy, latency and a per-component breakdown",
        description=(
            "Score a hardware design with the analytical STT-MRAM cost model, or test the "
            "SC-BNN paper's two hardware claims on every organisation (--paper-check)."
        ),
    )
    parser.add_argument(
        "design", type=Path, nargs="?", help="DESIGN.yaml, or a YAML written by `export`"
    )
    parser.add_argument("--json", type=output_file, metavar="PATH",
                        help="also write the result as JSON")
    parser.add_argument(
        "--plot", type=output_file, metavar="FILE",
        help="also draw the area and energy breakdown, by component and by layer (stacked "
             "bars; the format follows the extension: png, pdf, svg, ...)",
    )
    parser.add_argument(
        "--technology", metavar="PRESET_OR_PATH",
        help="use this technology instead of the design's (a preset name or a YAML path)",
    )
    parser.add_argument(
        "--read-voltages", type=voltage_range, metavar="START:STOP:STEP",
        help="also sweep the design's read voltage (mV, STOP included): energy and the "
             "bit-error rates at end of life, at the operating and the worst-case temperature",
    )
    check = parser.add_argument_group("paper check")
    check.add_argument(
        "--paper-check", action="store_true",
        help="Fashion-MNIST MLP 784-1024-1024-10: area saving and energy ratio of SC against "
             "the fixed-point baselines, every organisation, dataflow and popcount circuit",
    )
    check.add_argument("--sng", choices=list(SngSource.registry), default="ideal",
                       help="the SC design's source (its measured accuracy sets N)")
    check.add_argument("--accuracy", type=Path, default=ACCURACY_FILE, metavar="FILE",
                       help="measured accuracy against N (default: the 3-seed runs of "
                            "docs/reproduction.md)")
    check.add_argument("--tiles", type=positive_int, default=16,
                       help="tiles of shared-tile designs")
    check.add_argument("--array-rows", type=positive_int, default=256, help="rows per array")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    out = present.console()
    check_writable(args.json, "--json")
    if args.plot is not None:
        _check_plot(args)
    if args.paper_check:
        technology = _technology(args.technology or "stt_mram_28nm")
        accuracy = load_spec(MeasuredAccuracy, args.accuracy)
        try:
            check = paper_check(technology, accuracy, args.sng, args.tiles, args.array_rows,
                                ranges=True)  # each verdict across the preset's ranges
        except PaperCheckError as exc:
            raise UserError(f"--sng {args.sng}: {args.accuracy}: {exc}") from None
        except ValueError as exc:  # the model refuses the geometry (--tiles, --array-rows)
            raise UserError(f"--paper-check: {exc}") from None
        present.show(out, present.paper_check(check))
        if args.json:
            write_json(args.json, check.model_dump(mode="json"))
        return 0
    if args.design is None:
        raise UserError("hw: give a DESIGN.yaml, or --paper-check")
    design = load_design(args.design, args.technology)
    check_sections_agree(args.design, design)
    report = design.evaluate(bands=True)  # low / nominal / high over the preset's ranges
    sweep = _read_voltage_sweep(design, args.read_voltages)
    present.show(out, present.hw_report(report))
    document = report.model_dump(mode="json")
    if sweep is not None:
        errors = design.technology.device_errors
        out.print(present.read_voltage_table(sweep, report, errors.operating_temperature_k,
                                             errors.worst_case_temperature_k))
        document["read_voltage_sweep"] = [point.model_dump(mode="json") for point in sweep]
    if args.json:
        write_json(args.json, document)
    if args.plot is not None:
        from codesign.screen.breakdown_plot import breakdown_png

        with replacing(args.plot) as temporary:  # a full disk leaves no partial figure
            breakdown_png(report, temporary)
        present.show(out, [present.wrote([args.plot])])
    return 0


def voltage_range(text: str) -> list[int]:
    """START:STOP:STEP in mV, STOP included (argparse type: a bad value is one line)."""
    parts = text.split(":")
    try:
        start, stop, step = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected START:STOP:STEP, whole mV "
                                         "(e.g. 40:200:10)") from None
    if step <= 0 or start < MIN_READ_VOLTAGE_MV or stop < start or stop > MAX_READ_VOLTAGE_MV:
        raise argparse.ArgumentTypeError(
            f"{text!r}: need {MIN_READ_VOLTAGE_MV} <= START <= STOP <= {MAX_READ_VOLTAGE_MV} "
            "and STEP > 0")
    return list(range(start, stop + 1, step))


def _read_voltage_sweep(design, voltages: list[int] | None):
    if voltages is None:
        return None
    try:
        return design.read_voltage_sweep(voltages)
    except ValueError as exc:
        raise UserError(f"--read-voltages: {exc}") from None


def _check_plot(args: argparse.Namespace) -> None:
    """--plot is checked before any work: a bad path costs nothing and writes nothing."""
    if args.paper_check:
        raise UserError("--plot: draws one design's breakdown; give a DESIGN.yaml, not "
                        "--paper-check")
    from codesign.screen.breakdown_plot import check_figure_path

    try:
        check_figure_path(args.plot)
    except ValueError as exc:
        raise UserError(f"--plot {args.plot}: {exc}") from None


def _technology(ref: str):
    try:
        return load_technology(ref, Path.cwd())
    except TechnologyError as exc:
        raise UserError(f"--technology: {exc}") from None
