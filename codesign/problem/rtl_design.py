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

from codesign.problem.kinds import sng_source, source_of_generator
from hwmodel import FirstLayerMode, HardwareDesign, blocks, evaluate
from hwmodel.components.ecc import hsiao_code, word_data_bits
from hwmodel.components.primitives import Primitives
from rtl import (
    AccumulatorSpec,
    MultiBitAdderTreeSpec,
    PopcountSpec,
    ScComparatorSpec,
    SecdedDecoderSpec,
    ThresholdSpec,
)
from rtl.spec import BlockSpec
from rtl.synthesis import SynthesisResult, synthesize_verilog
from trainer.config import SNGConfig
from trainer.sng import build_sng


@dataclass(frozen=True)
class Block:
    """One logic block of a design: its RTL spec and the model's count of it."""

    name: str  # unique within the design: a file name
    role: str  # what it does in the design
    spec: BlockSpec
    model: Primitives


def sng_config_for(design: HardwareDesign, training: dict[str, Any] | None) -> SNGConfig:
    """The SNG a design's hardware must reproduce: the exported training section's (with its
    seed), else the trainer's defaults for the kind the architecture's generator realises."""
    arch = design.architecture
    if training is not None:
        config = SNGConfig.model_validate(training["input"]["sng"])
        problems = sng_source(config.kind).disagreements(arch, config)
        if problems:
            field, have, trained, want = problems[0]
            raise ValueError(f"hardware.architecture.{field} is {have}, but training.{trained} "
                             f"is built as {want}")
        return config
    source = source_of_generator(arch.sng_kind)
    return SNGConfig.model_validate({"sharing": arch.sng_sharing, "bits": arch.input_bits,
                                     **source.trainer_fields(source.choice_of(arch))})


def sng_bank_spec(sng: Any, positions: int, sobol_storage: str = "hardwired") -> BlockSpec:
    """The bank that emits, bit for bit, a trainer generator's streams over `positions` (its
    kind's `bank_spec`, `codesign.problem.kinds`)."""
    return sng_source(sng.kind).bank_spec(sng, positions, sobol_storage)


def _sng_bank(design: HardwareDesign, training: dict[str, Any] | None, pixels: int,
              sobol_storage: str) -> Block | None:
    """The SNG bank of an SC design, or None where its source is not logic; a kind without
    RTL is refused (`codesign.problem.kinds.NoRtl`), never left out."""
    arch = design.architecture
    config = sng_config_for(design, training)
    spec = sng_bank_spec(build_sng(config), pixels, sobol_storage)
    if spec is None:
        return None
    return Block("sng_bank", f"{arch.sng_kind} SNG bank: {pixels} pixels, sharing "
                 f"{arch.sng_sharing}", spec,
                 blocks.sng_bank(arch.sng_kind, pixels, arch.sng_sharing, arch.input_bits,
                                 arch.lfsr_width_bits))


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
        bank = _sng_bank(design, training, workload.layers[0].input_values, sobol_storage)
        if bank is not None:
            found[bank.name] = bank
    if arch.ecc == "secded":
        code = hsiao_code(int(word_data_bits(arch.array_cols)))
        add(f"secded_decoder_{code.data_bits}",
            f"SEC-DED decoder of a ({code.length}, {code.data_bits}) row word, lane XNORs",
            SecdedDecoderSpec(check_matrix=tuple(tuple(int(bit) for bit in row)
                                                 for row in code.check_matrix)),
            code.decoder_primitives())
    for index, layer in enumerate(report.layers):
        width = layer.tree_width
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
