"""Hardware components: what one block costs in area, and in energy per action.

Formulas are numpy functions that accept Python numbers as well as arrays, so the evaluator
prices one design and a million with the same code. Energies are in fJ per action (the scale
of the technology numbers); the evaluator sums them and converts to pJ.
"""

from hwmodel.components.adder_trees import (
    CompressorTree,
    PopcountCircuit,
    RippleTree,
    bit_length,
    compressor_tree_adders,
    ripple_tree_adders,
    ripple_tree_slices,
)
from hwmodel.components.ecc import ErrorCorrection, HsiaoCode
from hwmodel.components.leakage import leakage_energy_pj
from hwmodel.components.memory import MramArray
from hwmodel.components.mram_cell import MramCell
from hwmodel.components.sng import (
    NO_GENERATOR,
    Generator,
    Lfsr,
    MtjTrng,
    Sobol,
    comparator_bits,
    generators,
)
from hwmodel.components.storage import SramBuffer

__all__ = [
    "NO_GENERATOR",
    "CompressorTree",
    "ErrorCorrection",
    "Generator",
    "HsiaoCode",
    "Lfsr",
    "MramArray",
    "MramCell",
    "MtjTrng",
    "PopcountCircuit",
    "RippleTree",
    "Sobol",
    "SramBuffer",
    "bit_length",
    "comparator_bits",
    "compressor_tree_adders",
    "generators",
    "leakage_energy_pj",
    "ripple_tree_adders",
    "ripple_tree_slices",
]
