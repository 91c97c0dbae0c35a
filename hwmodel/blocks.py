"""The model's logic blocks one at a time, as counts of its primitives.

The evaluator prices whole organisations; these functions give the count of one block (a
popcount, the multi-bit first-layer tree, an accumulator, a threshold comparator, a pixel's SC
comparator, an SNG bank) with the same formulas, so that a block can be set beside its
synthesized circuit (`codesign rtl --synth`, docs/hwmodel-validation.md). `Primitives` prices
counts with a technology's cells, or with any table of unit areas (the synthesized primitives).
"""

from __future__ import annotations

from hwmodel.components.adder_trees import PopcountCircuit
from hwmodel.components.primitives import Primitives
from hwmodel.components.sng import Generator


def tree(circuit: str, inputs: int, operand_bits: int = 1) -> Primitives:
    full, half = PopcountCircuit.get(circuit).adders(inputs, operand_bits)
    return Primitives(full_adders=float(full), half_adders=float(half))


def popcount(circuit: str, inputs: int, xnor_lanes: bool = False) -> Primitives:
    """A popcount of `inputs` bits (with an XNOR per lane in front where they are gates)."""
    return tree(circuit, inputs) + Primitives(xnors=inputs if xnor_lanes else 0.0)


def multibit_tree(circuit: str, inputs: int, pixel_bits: int) -> Primitives:
    """The parallel first layer: negation lanes (B XNORs a lane) and a tree of B+1-bit
    operands."""
    return tree(circuit, inputs, pixel_bits + 1) + Primitives(xnors=inputs * pixel_bits)


def accumulator(bits: int) -> Primitives:
    """An adder bit and a register bit per accumulator bit."""
    return Primitives(full_adders=bits, flip_flops=bits)


def threshold(bits: int) -> Primitives:
    return Primitives(comparator_bits=bits)


def sc_comparator(input_bits: int) -> Primitives:
    """One pixel's comparator: bit = (r < x), input_bits bit-slices."""
    return Primitives(comparator_bits=input_bits)


def sng_bank(kind: str, pixels: int, sharing: int, input_bits: int,
             lfsr_width_bits: int) -> Primitives:
    """ceil(pixels / sharing) generators, what the bank shares, and a comparator per pixel."""
    generator = Generator.get(kind)
    generators = -(-pixels // sharing)
    return (generators * generator.primitives(input_bits, lfsr_width_bits)
            + generator.bank_primitives(input_bits) + pixels * sc_comparator(input_bits))
