"""Counts of logic primitives, and their price in a technology's cells.

Logic blocks (generators, trees, accumulators) are counted in the primitives a cell library
offers; a count priced with the technology's cells is its area. The same count priced with the
areas of the primitives synthesized alone separates counting errors from cell costs
(docs/hwmodel-validation.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from hwmodel.technology import Technology

PRIMITIVE_CELLS = {  # Primitives field -> the technology's logic cell that prices it
    "full_adders": "full_adder",
    "half_adders": "half_adder",
    "flip_flops": "flip_flop",
    "xnors": "xnor",
    "comparator_bits": "comparator_bit",
    "muxes": "mux2",
    "and2_gates": "and2",
}


@dataclass(frozen=True)
class Primitives:
    """How many of each logic primitive a block is made of."""

    full_adders: float = 0.0
    half_adders: float = 0.0
    flip_flops: float = 0.0
    xnors: float = 0.0
    comparator_bits: float = 0.0
    muxes: float = 0.0
    and2_gates: float = 0.0

    def __add__(self, other: Primitives) -> Primitives:
        return Primitives(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                             for f in fields(self)})

    def __rmul__(self, count: float) -> Primitives:
        return Primitives(**{f.name: count * getattr(self, f.name) for f in fields(self)})

    def area_um2(self, tech: Technology) -> float:
        units = {name: getattr(tech.logic, cell).area_um2 for name, cell in PRIMITIVE_CELLS.items()}
        return self.priced(units)

    def energy_fj(self, tech: Technology) -> float:
        """Energy if every primitive switches once (a generator's step)."""
        units = {
            name: getattr(tech.logic, cell).energy_fj for name, cell in PRIMITIVE_CELLS.items()
        }
        return self.priced(units)

    def priced(self, unit_area_um2: dict[str, float]) -> float:
        """Area with the given area per primitive (keys: this class's field names)."""
        return sum(getattr(self, name) * unit_area_um2[name] for name in PRIMITIVE_CELLS)

    def describe(self) -> str:
        short = {"full_adders": "FA", "half_adders": "HA", "flip_flops": "FF", "xnors": "XNOR",
                 "comparator_bits": "cmp", "muxes": "mux", "and2_gates": "AND2"}
        return " ".join(f"{getattr(self, n):.0f} {s}" for n, s in short.items() if getattr(self, n))
