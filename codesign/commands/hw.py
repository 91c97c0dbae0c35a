"""`hw`: score a hardware design: area, energy, latency and a per-component breakdown.

    python -m codesign hw DESIGN.yaml [--json PATH] [--technology PRESET_OR_PATH]
    python -m codesign hw --paper-check [--sng ideal] [--accuracy FILE] [--json PATH]

DESIGN.yaml has `workload`, `architecture` and `technology` (a preset name, a path to a preset
YAML, or an inline mapping); an exported design keeps them under `hardware:`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codesign import present
from codesign.commands.common import positive_int
from codesign.config_io import (
    check_sections_agree,
    check_writable,
    load_design,
    load_spec,
    write_json,
)
from codesign.errors import UserError
from codesign.kinds import SngSource
from codesign.paper_check import ACCURACY_FILE, MeasuredAccuracy, PaperCheckError, paper_check
from hwmodel import TechnologyError, load_technology


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
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the result as JSON")
    parser.add_argument(
        "--plot", type=Path, metavar="FILE",
        help="also draw the area and energy breakdown, by component and by layer (stacked "
             "bars; the format follows the extension: png, pdf, svg, ...)",
    )
    parser.add_argument(
        "--technology", metavar="PRESET_OR_PATH",
        help="use this technology instead of the design's (a preset name or a YAML path)",
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
            check = paper_check(technology, accuracy, args.sng, args.tiles, args.array_rows)
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
    report = design.evaluate()
    present.show(out, present.hw_report(report))
    if args.json:
        write_json(args.json, report.model_dump(mode="json"))
    if args.plot is not None:
        from codesign.breakdown_plot import breakdown_png

        out.print(f"wrote {breakdown_png(report, args.plot)}", soft_wrap=True)  # one line
    return 0


def _check_plot(args: argparse.Namespace) -> None:
    """--plot is checked before any work: a bad path costs nothing and writes nothing."""
    if args.paper_check:
        raise UserError("--plot: draws one design's breakdown; give a DESIGN.yaml, not "
                        "--paper-check")
    from codesign.breakdown_plot import check_figure_path

    try:
        check_figure_path(args.plot)
    except ValueError as exc:
        raise UserError(f"--plot {args.plot}: {exc}") from None


def _technology(ref: str):
    try:
        return load_technology(ref, Path.cwd())
    except TechnologyError as exc:
        raise UserError(f"--technology: {exc}") from None
