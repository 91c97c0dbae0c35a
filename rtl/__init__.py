"""RTL ground truth for the hardware model: the design's logic blocks as synthesizable
Verilog (Amaranth), simulated bit-exact against the trainer, synthesized with Yosys.

A leaf package: it imports amaranth, numpy, pydantic and the standard library only, never
`trainer`, `hwmodel` or `codesign`; blocks are built from plain parameter specs.
"""

from rtl.accumulator import Accumulator, AccumulatorSpec
from rtl.adder_tree import MultiBitAdderTree, MultiBitAdderTreeSpec
from rtl.gates import GateTally
from rtl.lfsr_sng import LfsrSngBank, LfsrSngSpec
from rtl.popcount import Popcount, PopcountSpec
from rtl.sc_comparator import ScComparator, ScComparatorSpec, identity_bits, reference_bits
from rtl.secded import SecdedDecoder, SecdedDecoderSpec
from rtl.sobol_sng import SobolSngBank, SobolSngSpec, torch_first_word
from rtl.synthesis import SynthesisError, SynthesisResult, find_yosys, synthesize
from rtl.threshold import ThresholdComparator, ThresholdSpec
from rtl.verilog import structure, to_verilog

__all__ = [
    "Accumulator",
    "AccumulatorSpec",
    "GateTally",
    "LfsrSngBank",
    "LfsrSngSpec",
    "MultiBitAdderTree",
    "MultiBitAdderTreeSpec",
    "Popcount",
    "PopcountSpec",
    "ScComparator",
    "ScComparatorSpec",
    "SecdedDecoder",
    "SecdedDecoderSpec",
    "SobolSngBank",
    "SobolSngSpec",
    "SynthesisError",
    "SynthesisResult",
    "ThresholdComparator",
    "ThresholdSpec",
    "find_yosys",
    "identity_bits",
    "reference_bits",
    "structure",
    "synthesize",
    "to_verilog",
    "torch_first_word",
]
