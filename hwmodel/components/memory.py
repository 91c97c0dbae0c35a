"""STT-MRAM weight arrays: cells and the periphery every array carries."""

from __future__ import annotations

import numpy as np

from hwmodel.technology import Technology


class MramArray:
    """One rows x cols array of weight bits with its decoders, drivers and overhead.

    A read activates one row and senses all its columns at once. The sense amplifiers belong
    to the lanes of the organisation (`hwmodel.organisations`), reached through the column
    periphery, so the array itself carries only cells and periphery.

    Device choices (`hwmodel.components.mram_cell`, `hwmodel.components.ecc`): a bit is
    `cells_per_bit` junctions; a row of `cols` data bits also stores `check_columns` ECC check
    bits (every stored bit column has its periphery, and is sensed and read with the row);
    single-ended cells add `reference_columns` reference cells per row, read with every row.
    A cell's read energy scales linearly with the read voltage (the bitline charge and the
    cell current drawn from the supply both grow with it).
    """

    def __init__(self, tech: Technology, rows, cols, cells_per_bit=2, check_columns=0.0,
                 reference_columns=0.0, read_voltage_mv=None):
        m = tech.mram
        voltage = m.read_voltage_mv if read_voltage_mv is None else read_voltage_mv
        self.rows, self.cols = rows, cols
        self.stored_columns = cols + np.asarray(check_columns, dtype=float)
        self.cells_per_row = self.stored_columns * cells_per_bit + reference_columns
        self.cell_area_um2 = rows * self.cells_per_row * m.cell_area_um2
        self.periphery_area_um2 = (
            rows * m.row_periphery_area_um2
            + (self.stored_columns + reference_columns) * m.column_periphery_area_um2
            + m.array_overhead_area_um2
        )
        self.area_um2 = self.cell_area_um2 + self.periphery_area_um2
        cell_read_fj = m.read_energy_fj_per_cell * np.asarray(voltage, dtype=float) / (
            m.read_voltage_mv)
        self.row_read_energy_fj = m.row_activation_energy_fj + self.cells_per_row * cell_read_fj
        # a data bit's share of a row read (its check bits and reference cells included)
        self.bit_read_energy_fj = self.cells_per_row * cell_read_fj / cols
        self.sensed_per_data_bit = self.stored_columns / cols  # check bits are sensed too
