"""STT-MRAM weight arrays: cells and the periphery every array carries."""

from __future__ import annotations

from hwmodel.technology import Technology


class MramArray:
    """One rows x cols array of weight bits with its decoders, drivers and overhead.

    A read activates one row and senses all its columns at once. The sense amplifiers belong
    to the lanes of the organisation (`hwmodel.organisations`), reached through the column
    periphery, so the array itself carries only cells and periphery.
    """

    def __init__(self, tech: Technology, rows, cols):
        m = tech.mram
        self.rows, self.cols = rows, cols
        self.cell_area_um2 = rows * cols * m.cells_per_bit * m.cell_area_um2
        self.periphery_area_um2 = (
            rows * m.row_periphery_area_um2
            + cols * m.column_periphery_area_um2
            + m.array_overhead_area_um2
        )
        self.area_um2 = self.cell_area_um2 + self.periphery_area_um2
        self.bit_read_energy_fj = m.cells_per_bit * m.read_energy_fj_per_cell
        self.row_read_energy_fj = m.row_activation_energy_fj + cols * self.bit_read_energy_fj
