"""The hardware model's logic counts against Yosys synthesis of the same blocks.

For each block and size: the model's counts (`hwmodel.blocks`, the formulas the evaluator
prices) priced with the preset's unit areas, next to the synthesized area (rtl.synthesis:
Yosys 0.23, ABC mapped to AND/NAND/OR/NOR/XOR/XNOR/MUX, NanGate FreePDK45 X1 areas scaled to
28 nm like the preset), their ratio, and what the builder actually created (full adders, half
adders, sum-only slices, comparator slices).

The model's seven primitives are synthesized alone first with the same script; pricing the
model's counts with those synthesized primitive areas (the last ratio column) separates what
the model counts wrong (structure) from what one primitive costs in ABC's generic gate set
(no FA or AOI cells) against the preset's library cell.

    PYTHONPATH=. python experiments/rtl_vs_model.py --markdown

SNG parameters are the trainer's (seeds, wiring, torch's Sobol tables, through
`codesign.problem.rtl_design.sng_bank_spec`), so the synthesized banks are the bit-exact ones the
tests simulate.
"""

from __future__ import annotations

import argparse
import time

from codesign.problem import rtl_design
from codesign.problem.rtl_design import sng_bank_spec
from hwmodel import blocks as model
from hwmodel import load_technology
from hwmodel.components.primitives import PRIMITIVE_CELLS
from rtl import (
    AccumulatorSpec,
    MultiBitAdderTreeSpec,
    PopcountSpec,
    ScComparatorSpec,
    ThresholdSpec,
    structure,
    synthesize,
)
from rtl.synthesis import synthesize_verilog
from trainer.sng import LFSRSNG, SobolSNG

PIXEL_BITS = 8


EXTRA_PROBES = {
    "flip-flop with enable": "module p(input clk, d, e, output reg q);"
    " always @(posedge clk) if (e) q <= d; endmodule",
}


def synthesized_primitives() -> tuple[dict[str, float], dict[str, object]]:
    """Each primitive synthesized alone: its area per Primitives field, and every result."""
    results = {**rtl_design.synthesized_primitives(),
               **{name: synthesize_verilog(text, "p") for name, text in EXTRA_PROBES.items()}}
    return {name: results[name].area_um2 for name in rtl_design.PRIMITIVE_VERILOG}, results


def lfsr_bank(positions: int, sharing: int, width: int = 16):
    spec = sng_bank_spec(LFSRSNG(width=width, seed=0, sharing=sharing, bits=PIXEL_BITS), positions)
    return spec, model.sng_bank("lfsr", positions, sharing, PIXEL_BITS, width)


def sobol_bank(positions: int, sharing: int, storage: str = "hardwired"):
    sng = SobolSNG(seed=0, sharing=sharing, bits=PIXEL_BITS)
    spec = sng_bank_spec(sng, positions, storage)
    return spec, model.sng_bank("sobol", positions, sharing, PIXEL_BITS, 16)


def blocks() -> list[tuple[str, str, object, model.Primitives]]:
    """(block, size, RTL spec, model counts): the sizes the model meets (256-column tiles,
    8-bit pixels, accumulators of the Fashion-MNIST MLP)."""
    rows = []
    for circuit in ("ripple_tree", "compressor_tree"):
        for w in (16, 64, 256):
            rows.append((f"popcount {circuit}", f"w={w}", PopcountSpec(inputs=w, circuit=circuit),
                         model.popcount(circuit, w)))
        rows.append((f"popcount {circuit} + XNOR lane", "w=256",
                     PopcountSpec(inputs=256, circuit=circuit, xnor_lane=True),
                     model.popcount(circuit, 256, xnor_lanes=True)))
    for circuit in ("ripple_tree", "compressor_tree"):
        for w in (16, 64, 256):
            spec = MultiBitAdderTreeSpec(operands=w, operand_bits=PIXEL_BITS + 1, circuit=circuit,
                                         negation_lane=True)
            rows.append((f"first-layer tree {circuit} + negation", f"w={w}, b=9", spec,
                         model.multibit_tree(circuit, w, PIXEL_BITS)))
    for bits, addend, signed, why in (
        (11, 9, False, "hidden layer, F=1024"),
        (13, 9, False, "SC layer 1, F*N=784*8"),
        (19, 17, True, "fixed-point layer 1"),
    ):
        spec = AccumulatorSpec(accumulator_bits=bits, addend_bits=addend, signed=signed)
        rows.append(("accumulator", f"n={bits}, addend {addend} ({why})", spec,
                     model.accumulator(bits)))
    for bits, signed in ((11, False), (13, False), (19, True)):
        label = f"n={bits}{' signed' if signed else ''}"
        rows.append(("threshold comparator", label, ThresholdSpec(count_bits=bits, signed=signed),
                     model.threshold(bits)))
    rows.append(("SC comparator (one pixel)", "k=8", ScComparatorSpec(comparator_bits=8),
                 model.sc_comparator(8)))
    for positions, sharing in ((1, 1), (16, 1), (16, 16)):
        size = f"V={positions}, sharing {sharing}"
        rows.append(("LFSR SNG bank", f"16-bit, {size}", *lfsr_bank(positions, sharing)))
    for positions, sharing in ((1, 1), (16, 1), (16, 16)):
        size = f"k=8, V={positions}, sharing {sharing}"
        rows.append(("Sobol SNG bank, hardwired", size, *sobol_bank(positions, sharing)))
    for positions, sharing in ((1, 1), (16, 1)):
        size = f"k=8, V={positions}, sharing {sharing}"
        rows.append(("Sobol SNG bank, registers", size,
                     *sobol_bank(positions, sharing, "registers")))
    return rows


def describe_built(tally) -> str:
    parts = [
        ("FA", tally.full_adders),
        ("HA", tally.half_adders),
        ("sum-only", tally.sum_only),
        ("cmp", tally.comparator_slices),
        ("XNOR", tally.xnor_gates),
        ("FF", tally.flip_flops),
    ]
    return " ".join(f"{v} {name}" for name, v in parts if v)


def preset_units() -> dict[str, float]:
    """The preset's area per primitive (the same table `Primitives.area_um2` prices with)."""
    logic = load_technology("stt_mram_28nm").logic
    return {name: getattr(logic, cell).area_um2 for name, cell in PRIMITIVE_CELLS.items()}


def print_table(header: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + " --- |" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        for row in [header, *rows]:
            print("  ".join(row))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    args = parser.parse_args()

    preset = preset_units()
    synthesized, probes = synthesized_primitives()
    rows = []
    for name, result in probes.items():
        preset_area = f"{preset[name]:.3f}" if name in preset else "-"
        cells = " ".join(f"{n} {c.strip('$_')}" for c, n in sorted(result.cells_by_type.items()))
        rows.append([name, preset_area, f"{result.area_um2:.3f}", cells, str(result.transistors)])
    print_table(
        ["primitive", "preset um^2", "synth um^2", "gates", "transistors"], rows, args.markdown
    )

    header = [
        "block", "size", "model counts", "model um^2", "synth um^2", "synth/model",
        "synth/model at synth. primitives", "NAND2 eq", "FF model/synth", "transistors",
        "built", "synth s",
    ]  # fmt: skip
    rows = []
    for block, size, spec, counts in blocks():
        start = time.perf_counter()
        result = synthesize(spec, node_nm=28.0)
        seconds = time.perf_counter() - start
        model_area = counts.priced(preset)
        rows.append(
            [
                block,
                size,
                counts.describe(),
                f"{model_area:.1f}",
                f"{result.area_um2:.1f}",
                f"{result.area_um2 / model_area:.2f}",
                f"{result.area_um2 / counts.priced(synthesized):.2f}",
                f"{result.nand2_equivalents:.0f}",
                f"{int(counts.flip_flops)}/{result.flip_flops}",
                str(result.transistors),
                describe_built(structure(spec)),
                f"{seconds:.1f}",
            ]
        )
        if not args.markdown:
            print("  ".join(rows[-1]), flush=True)
    if args.markdown:
        print_table(header, rows, markdown=True)


if __name__ == "__main__":
    main()
