"""A design's logic blocks as RTL, beside the hardware model's count of each.

`rtl` builds circuits from plain parameters and `hwmodel` counts them; this module knows both
and the trainer: it takes a design (the `hw` document, or an exported design with its training
section), lists the logic blocks its organisation uses, builds each block's RTL spec (the SNG
bank with the trainer's own seeds, taps, wiring and Sobol tables, so the chip makes the streams
the network learnt from) and the model's primitive counts (`hwmodel.blocks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from codesign.kinds import HARDWARE_SNG
from hwmodel import FirstLayerMode, HardwareDesign, blocks, evaluate
from hwmodel.components.ecc import hsiao_code, word_data_bits
from hwmodel.components.primitives import Primitives
from rtl import (
    AccumulatorSpec,
    LfsrSngSpec,
    MultiBitAdderTreeSpec,
    PopcountSpec,
    ScComparatorSpec,
    SecdedDecoderSpec,
    SobolSngSpec,
    ThresholdSpec,
)
from rtl.spec import BlockSpec
from rtl.synthesis import SynthesisResult, synthesize_verilog
from trainer.config import SNGConfig, SNGKind
from trainer.sng import LFSRSNG, SobolSNG, build_sng

SOFTWARE_SNG = {hardware: software for software, hardware in HARDWARE_SNG.items()}


@dataclass(frozen=True)
class Block:
    """One logic block of a design: its RTL spec and the model's count of it."""

    name: str  # unique within the design: a file name
    role: str  # what it does in the design
    spec: BlockSpec
    model: Primitives


def sng_config_for(design: HardwareDesign, training: dict[str, Any] | None) -> SNGConfig:
    """The SNG a design's hardware must reproduce: the exported training section's (with its
    seed), else the trainer's defaults for the architecture's generator kind."""
    arch = design.architecture
    kind = SOFTWARE_SNG.get(arch.sng_kind)
    if training is not None:
        config = SNGConfig.model_validate(training["input"]["sng"])
        if HARDWARE_SNG[config.kind] != arch.sng_kind:
            raise ValueError(
                f"training.input.sng.kind {config.kind} is built as {HARDWARE_SNG[config.kind]}, "
                f"but hardware.architecture.sng_kind is {arch.sng_kind}")
        return config
    fields: dict[str, Any] = {"kind": kind, "sharing": arch.sng_sharing, "bits": arch.input_bits}
    if kind == SNGKind.LFSR:
        fields["width"] = arch.lfsr_width_bits
    return SNGConfig.model_validate(fields)


def sng_bank_spec(sng: LFSRSNG | SobolSNG, positions: int,
                  sobol_storage: str = "hardwired") -> BlockSpec:
    """The bank that emits, bit for bit, the trainer generator's streams over `positions`."""
    groups = sng.num_groups(positions)
    wiring = [[int(b) for b in row] for row in sng.wiring]
    if isinstance(sng, LFSRSNG):
        return LfsrSngSpec(width_bits=sng.width, taps=sng.taps,
                           seeds=tuple(int(s) for s in sng.group_seeds(groups)),
                           sharing=sng.sharing, wiring=wiring, comparator_bits=sng.bits,
                           positions=positions)
    engine = sng.engine(groups)
    return SobolSngSpec.from_sobol_state(
        engine.sobolstate.tolist(), engine.shift.tolist(), comparator_bits=sng.bits,
        counter_bits=sng.bits,  # exact for N <= 2^B: the model's B direction numbers
        positions=positions, sharing=sng.sharing, wiring=wiring,
        direction_storage=sobol_storage)


def design_blocks(design: HardwareDesign, training: dict[str, Any] | None = None,
                  sobol_storage: str = "hardwired") -> list[Block]:
    """The logic blocks of a design, one of each distinct size, in datapath order."""
    arch, workload = design.architecture, design.build_workload()
    report = evaluate(workload, arch, design.technology)
    mode = FirstLayerMode.get(arch.first_layer_mode)
    circuit, bits = arch.popcount_circuit, arch.input_bits
    found: dict[str, Block] = {}

    def add(name: str, role: str, spec: BlockSpec, model: Primitives) -> None:
        found.setdefault(name, Block(name, role, spec, model))

    if mode.stochastic:
        add("sc_comparator", "one pixel's comparator, bit = (r < x)",
            ScComparatorSpec(comparator_bits=bits), blocks.sc_comparator(bits))
        sng = build_sng(sng_config_for(design, training))
        if isinstance(sng, LFSRSNG | SobolSNG):
            pixels = workload.layers[0].input_values
            add("sng_bank", f"{arch.sng_kind} SNG bank: {pixels} pixels, sharing "
                f"{arch.sng_sharing}", sng_bank_spec(sng, pixels, sobol_storage),
                blocks.sng_bank(arch.sng_kind, pixels, arch.sng_sharing, bits,
                                arch.lfsr_width_bits))
    if arch.ecc == "secded":
        code = hsiao_code(int(word_data_bits(arch.array_cols)))
        add(f"secded_decoder_{code.data_bits}",
            f"SEC-DED decoder of a ({code.length}, {code.data_bits}) row word, lane XNORs",
            SecdedDecoderSpec(check_matrix=tuple(tuple(int(bit) for bit in row)
                                                 for row in code.check_matrix)),
            code.decoder_primitives())
    neuron_parallel = arch.organisation == "neuron_parallel"
    for index, layer in enumerate(report.layers):
        width = layer.fan_in if neuron_parallel else arch.array_cols
        if index == 0 and mode.multibit_datapath:
            add(f"multibit_tree_{circuit}_{width}x{bits + 1}",
                f"parallel first layer: {width} lanes of {bits}-bit pixels",
                MultiBitAdderTreeSpec(operands=width, operand_bits=bits + 1, circuit=circuit,
                                      negation_lane=True),
                blocks.multibit_tree(circuit, width, bits))
        else:
            add(f"popcount_{circuit}_{width}", f"popcount of {width} XNOR lanes",
                PopcountSpec(inputs=width, circuit=circuit), blocks.popcount(circuit, width))
        signed = index == 0 and mode.signed
        addend = (width * (2**bits - 1) if index == 0 and mode.multibit_datapath else width)
        addend_bits = addend.bit_length() + (1 if signed and mode.multibit_datapath else 0)
        acc = layer.accumulator_bits
        if layer.accumulations:
            add(f"accumulator_{acc}", f"accumulator of {acc} bits (layer {layer.name})",
                AccumulatorSpec(accumulator_bits=acc, addend_bits=min(addend_bits, acc),
                                signed=signed), blocks.accumulator(acc))
        if layer.threshold_comparisons:
            add(f"threshold_{acc}{'_signed' if signed else ''}",
                f"threshold comparator of {acc} bits (layer {layer.name})",
                ThresholdSpec(count_bits=acc, signed=signed), blocks.threshold(acc))
    return list(found.values())


# Each primitive of the hardware model as the smallest Verilog that is that primitive (keys:
# `hwmodel.components.primitives.Primitives` fields). Synthesized alone, they price the model's
# counts at synthesized cost, which separates a miscount (structure) from what one primitive
# costs in Yosys' generic gate set against the preset's library cell.
PRIMITIVE_VERILOG = {
    "full_adders": "module p(input a, b, c, output s, co);"
    " assign s = a ^ b ^ c; assign co = (a & b) | (c & (a ^ b)); endmodule",
    "half_adders": "module p(input a, b, output s, co);"
    " assign s = a ^ b; assign co = a & b; endmodule",
    "flip_flops": "module p(input clk, d, output reg q); always @(posedge clk) q <= d; endmodule",
    "xnors": "module p(input a, b, output y); assign y = ~(a ^ b); endmodule",
    "comparator_bits": "module p(input a, b, c, output y);"
    " assign y = (a & ~b) | (c & (a | ~b)); endmodule",
    "muxes": "module p(input a, b, s, output y); assign y = s ? b : a; endmodule",
    "and2_gates": "module p(input a, b, output y); assign y = a & b; endmodule",
}


def synthesized_primitives(node_nm: float = 28.0) -> dict[str, SynthesisResult]:
    """Each of the model's primitives synthesized alone (Yosys), by `Primitives` field."""
    return {name: synthesize_verilog(text, "p", node_nm=node_nm)
            for name, text in PRIMITIVE_VERILOG.items()}
