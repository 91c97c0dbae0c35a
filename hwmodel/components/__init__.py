"""Hardware components, one small class each: an area and an energy per action.

Every formula is written with numpy functions that accept Python numbers as well as arrays, so
the scalar evaluator and the vectorised batch evaluator share them. Energies are in fJ per
action (the scale of the technology numbers); the evaluators sum them and convert to pJ.
"""

from hwmodel.components.adder_trees import (
    MultiBitAdderTree,
    PopcountTree,
    adder_tree_depth,
    adder_tree_full_adders,
    bit_length,
)
from hwmodel.components.control import Control, leakage_energy_pj
from hwmodel.components.logic import Accumulator, Register, ThresholdComparator, XnorArray
from hwmodel.components.memory import MramArray, SenseAmplifiers
from hwmodel.components.sng import (
    Lfsr,
    MtjTrng,
    SngBank,
    SobolGenerator,
    generator_for,
)
from hwmodel.components.storage import SramBuffer

__all__ = [
    "Accumulator",
    "Control",
    "Lfsr",
    "MramArray",
    "MtjTrng",
    "MultiBitAdderTree",
    "PopcountTree",
    "Register",
    "SenseAmplifiers",
    "SngBank",
    "SobolGenerator",
    "SramBuffer",
    "ThresholdComparator",
    "XnorArray",
    "adder_tree_depth",
    "adder_tree_full_adders",
    "bit_length",
    "generator_for",
    "leakage_energy_pj",
]
