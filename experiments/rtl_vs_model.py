"""The hardware model's logic counts against Yosys synthesis of the same blocks.

For each block and size: the model's counts (rtl.compare: the formulas of hwmodel/components,
re-derived) priced with the preset's unit areas, next to the synthesized area (rtl.synthesis:
Yosys 0.23, ABC mapped to AND/NAND/OR/NOR/XOR/XNOR/MUX, NanGate FreePDK45 X1 areas scaled to
28 nm like the preset), their ratio, and what the builder actually created (full adders, half
adders, sum-only slices, comparator slices).

The model's five primitives are synthesized alone first with the same script; pricing the
model's counts with those synthesized primitive areas (the last ratio column) separates what
the model counts wrong (structure) from what one primitive costs in ABC's generic gate set
(no FA or AOI cells) against the preset's library cell.

    PYTHONPATH=. python experiments/rtl_vs_model.py --markdown

SNG parameters are the trainer's (seeds, wiring, torch's Sobol tables), so the synthesized
banks are the bit-exact ones the tests simulate.
"""

from __future__ import annotations

import argparse
import time

import torch

from hwmodel import load_technology
from rtl import (
    AccumulatorSpec,
    LfsrSngSpec,
    MultiBitAdderTreeSpec,
    PopcountSpec,
    ScComparatorSpec,
    SobolSngSpec,
    ThresholdSpec,
    UnitAreas,
    model_counts,
    structure,
    synthesize,
)
from rtl.synthesis import synthesize_verilog
from trainer.sng import LFSRSNG, SobolSNG

PIXEL_BITS = 8


# Each primitive of the hardware model as the smallest Verilog that is that primitive.
PRIMITIVES = {
    "full_adder": "module p(input a, b, c, output s, co);"
    " assign s = a ^ b ^ c; assign co = (a & b) | (c & (a ^ b)); endmodule",
    "flip_flop": "module p(input clk, d, output reg q); always @(posedge clk) q <= d; endmodule",
    "xnor": "module p(input a, b, output y); assign y = ~(a ^ b); endmodule",
    "comparator_bit": "module p(input a, b, c, output y);"
    " assign y = (a & ~b) | (c & (a | ~b)); endmodule",
    "mux2": "module p(input a, b, s, output y); assign y = s ? b : a; endmodule",
}
EXTRA_PROBES = {
    "half adder": "module p(input a, b, output s, co);"
    " assign s = a ^ b; assign co = a & b; endmodule",
    "flip-flop with enable": "module p(input clk, d, e, output reg q);"
    " always @(posedge clk) if (e) q <= d; endmodule",
}


def synthesized_primitives() -> tuple[UnitAreas, dict[str, object]]:
    """Each primitive synthesized alone: its area as UnitAreas, and every probe's result."""
    results = {
        name: synthesize_verilog(text, "p") for name, text in (PRIMITIVES | EXTRA_PROBES).items()
    }
    units = UnitAreas(**{f"{name}_um2": results[name].area_um2 for name in PRIMITIVES})
    return units, results


def lfsr_bank(positions: int, sharing: int, width: int = 16) -> LfsrSngSpec:
    sng = LFSRSNG(width=width, seed=0, sharing=sharing, bits=PIXEL_BITS)
    return LfsrSngSpec(
        width_bits=width,
        taps=sng.taps,
        seeds=tuple(int(s) for s in sng.group_seeds(sng.num_groups(positions))),
        sharing=sharing,
        wiring=sng.wiring.tolist(),
        comparator_bits=PIXEL_BITS,
        positions=positions,
    )


def sobol_bank(positions: int, sharing: int, storage: str = "hardwired") -> SobolSngSpec:
    sng = SobolSNG(seed=0, sharing=sharing, bits=PIXEL_BITS)
    engine = torch.quasirandom.SobolEngine(sng.num_groups(positions), scramble=True, seed=0)
    return SobolSngSpec.from_sobol_state(
        engine.sobolstate.tolist(),
        engine.shift.tolist(),
        comparator_bits=PIXEL_BITS,
        counter_bits=PIXEL_BITS,  # exact for N <= 256, the model's B direction numbers
        positions=positions,
        sharing=sharing,
        wiring=sng.wiring.tolist(),
        direction_storage=storage,
    )


def blocks() -> list[tuple[str, str, object]]:
    """(block, size, spec): the sizes the model meets (256-column tiles, 8-bit pixels,
    accumulators of the Fashion-MNIST MLP)."""
    rows: list[tuple[str, str, object]] = []
    for circuit in ("ripple_tree", "compressor_tree"):
        for w in (16, 64, 256):
            rows.append((f"popcount {circuit}", f"w={w}", PopcountSpec(inputs=w, circuit=circuit)))
        rows.append(
            (
                f"popcount {circuit} + XNOR lane",
                "w=256",
                PopcountSpec(inputs=256, circuit=circuit, xnor_lane=True),
            )
        )
    for circuit in ("ripple_tree", "compressor_tree"):
        for w in (16, 64, 256):
            spec = MultiBitAdderTreeSpec(
                operands=w, operand_bits=PIXEL_BITS + 1, circuit=circuit, negation_lane=True
            )
            rows.append((f"first-layer tree {circuit} + negation", f"w={w}, b=9", spec))
    for bits, addend, signed, why in (
        (11, 9, False, "hidden layer, F=1024"),
        (13, 9, False, "SC layer 1, F*N=784*8"),
        (19, 17, True, "fixed-point layer 1"),
    ):
        spec = AccumulatorSpec(accumulator_bits=bits, addend_bits=addend, signed=signed)
        rows.append(("accumulator", f"n={bits}, addend {addend} ({why})", spec))
    for bits, signed in ((11, False), (13, False), (19, True)):
        label = f"n={bits}{' signed' if signed else ''}"
        rows.append(("threshold comparator", label, ThresholdSpec(count_bits=bits, signed=signed)))
    rows.append(("SC comparator (one pixel)", "k=8", ScComparatorSpec(comparator_bits=8)))
    rows.append(("LFSR SNG bank", "16-bit, V=1", lfsr_bank(1, 1)))
    rows.append(("LFSR SNG bank", "16-bit, V=16, sharing 1", lfsr_bank(16, 1)))
    rows.append(("LFSR SNG bank", "16-bit, V=16, sharing 16", lfsr_bank(16, 16)))
    rows.append(("Sobol SNG bank, hardwired", "k=8, V=1", sobol_bank(1, 1)))
    rows.append(("Sobol SNG bank, hardwired", "k=8, V=16, sharing 1", sobol_bank(16, 1)))
    rows.append(("Sobol SNG bank, hardwired", "k=8, V=16, sharing 16", sobol_bank(16, 16)))
    rows.append(("Sobol SNG bank, registers", "k=8, V=1", sobol_bank(1, 1, "registers")))
    rows.append(
        ("Sobol SNG bank, registers", "k=8, V=16, sharing 1", sobol_bank(16, 1, "registers"))
    )
    return rows


def describe_counts(counts) -> str:
    parts = [
        ("FA", counts.full_adders),
        ("FF", counts.flip_flops),
        ("XNOR", counts.xnors),
        ("cmp", counts.comparator_bits),
        ("mux", counts.muxes),
    ]
    return " ".join(f"{int(v)} {name}" for name, v in parts if v)


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


def preset_units() -> UnitAreas:
    logic = load_technology("stt_mram_28nm").logic
    return UnitAreas(
        full_adder_um2=logic.full_adder.area_um2,
        flip_flop_um2=logic.flip_flop.area_um2,
        xnor_um2=logic.xnor.area_um2,
        comparator_bit_um2=logic.comparator_bit.area_um2,
        mux2_um2=logic.mux2.area_um2,
    )


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
        field = f"{name}_um2"
        model = f"{getattr(preset, field):.3f}" if field in UnitAreas.model_fields else "-"
        cells = " ".join(f"{n} {c.strip('$_')}" for c, n in sorted(result.cells_by_type.items()))
        rows.append([name, model, f"{result.area_um2:.3f}", cells, str(result.transistors)])
    print_table(
        ["primitive", "preset um^2", "synth um^2", "gates", "transistors"], rows, args.markdown
    )

    header = [
        "block", "size", "model counts", "model um^2", "synth um^2", "synth/model",
        "synth/model at synth. primitives", "NAND2 eq", "FF model/synth", "transistors",
        "built", "synth s",
    ]  # fmt: skip
    rows = []
    for block, size, spec in blocks():
        counts = model_counts(spec)
        start = time.perf_counter()
        result = synthesize(spec, node_nm=28.0)
        seconds = time.perf_counter() - start
        model_area = counts.area_um2(preset)
        rows.append(
            [
                block,
                size,
                describe_counts(counts),
                f"{model_area:.1f}",
                f"{result.area_um2:.1f}",
                f"{result.area_um2 / model_area:.2f}",
                f"{result.area_um2 / counts.area_um2(synthesized):.2f}",
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
