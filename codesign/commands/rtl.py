"""`rtl`: write a design's logic blocks as Verilog, and check the model against synthesis.

    python -m codesign rtl DESIGN.yaml -o DIR [--synth] [--sobol-storage hardwired|registers]

DESIGN.yaml is what `hw` reads or `export` writes (an exported design's training section gives
the SNG's seed, so the generated generators emit the streams the network was trained on).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codesign.errors import UserError
from codesign.outputs import OutputBatch, check_writable
from codesign.problem.config_io import check_sections_agree, load_design, read_yaml
from codesign.screen import present


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rtl", help="write a design's logic blocks as Verilog (and synthesize them)",
        description="Generate synthesizable Verilog of a design's logic blocks with Amaranth, "
                    "a manifest of the blocks, and with --synth the model-vs-synthesis table.")
    parser.add_argument("design", type=Path, help="DESIGN.yaml, or a YAML written by `export`")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    parser.add_argument("--synth", action="store_true",
                        help="synthesize every block with Yosys and compare with the model")
    parser.add_argument("--sobol-storage", choices=("hardwired", "registers"),
                        default="hardwired",
                        help="Sobol direction numbers as constants, or in registers (the "
                             "programmable generator the model prices)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    design = load_design(args.design)
    check_sections_agree(args.design, design)
    check_writable(args.output, "-o", folder=True)
    document = read_yaml(args.design)
    training = document.get("training") if isinstance(document, dict) else None
    from rtl import find_yosys

    if args.synth and find_yosys() is None:
        raise UserError("--synth: yosys is not on PATH (Debian: apt-get install yosys)")
    from codesign.problem.rtl_design import design_blocks

    try:
        blocks = design_blocks(design, training, args.sobol_storage)
    except ValueError as exc:
        raise UserError(f"{args.design}: {exc}") from None
    technology = design.technology
    manifest = {"design": str(args.design), "technology": technology.name,
                "architecture": design.architecture.model_dump(mode="json"), "blocks": []}
    rows = []
    with OutputBatch(args.output) as batch:  # every file of the design, or none
        for block in blocks:
            rows.append(_write_block(batch, args, block, technology))
        manifest["blocks"] = rows
        with batch.file(args.output / "manifest.json") as temporary:
            temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written = batch.commit()
    out = present.console()
    present.show(out, [present.wrote(written[:-1]),
                       present.rtl_table(rows, technology.node_nm, args.synth),
                       present.verbatim(f"manifest: {present.printable(written[-1])}")])
    return 0


def _write_block(batch: OutputBatch, args: argparse.Namespace, block, technology) -> dict:
    """One block's Verilog (in the batch) and its manifest entry."""
    from rtl import to_verilog

    verilog = args.output / f"{block.name}.v"
    with batch.file(verilog) as temporary:
        temporary.write_text(to_verilog(block.spec), encoding="utf-8")
    entry = {"name": block.name, "role": block.role, "verilog": verilog.name,
             "top": block.spec.top_name,
             "parameters": block.spec.model_dump(mode="json", exclude={"wiring", "seeds",
                                                                       "directions"}),
             "model_primitives": block.model.describe(),
             "model_area_um2": block.model.area_um2(technology)}
    if args.synth:
        from rtl import synthesize

        result = synthesize(block.spec, node_nm=technology.node_nm)
        entry.update(synthesized_area_um2=result.area_um2, transistors=result.transistors,
                     nand2_equivalents=result.nand2_equivalents,
                     synthesized_cells=result.cells_by_type,
                     synthesized_over_model=result.area_um2 / entry["model_area_um2"])
    return entry
