"""SRAM buffers for binary activations and first-layer partial sums."""

from __future__ import annotations

from hwmodel.technology import Technology


class SramBuffer:
    """A buffer of `bits` bits; area includes its periphery, energies are per bit accessed."""

    def __init__(self, tech: Technology, bits):
        s = tech.sram
        self.bits = bits
        self.area_um2 = bits * s.area_um2_per_bit
        self.read_energy_fj_per_bit = s.read_energy_fj_per_bit
        self.write_energy_fj_per_bit = s.write_energy_fj_per_bit
