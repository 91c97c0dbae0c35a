"""STT-MRAM weight arrays: cells and the periphery every array carries."""

from __future__ import annotations

import numpy as np

from hwmodel.components.mram_cell import read_currents_ua
from hwmodel.technology import Technology


def segment_read_energy_fj(tech: Technology, segment_cells):
    """A cell read's energy on a bitline segment of `segment_cells` cells, at the preset's read
    voltage: the share `bitline_fixed_fraction` (amplifier input, precharge) stays, the rest
    scales with the segment's length against the bitline the figure is quoted for."""
    m = tech.mram
    fixed = m.bitline_fixed_fraction
    length = np.asarray(segment_cells, dtype=float) / m.read_energy_bitline_rows
    return m.read_energy_fj_per_cell * (fixed + (1.0 - fixed) * length)


def mean_cell_current_ua(tech: Technology, read_voltage_mv):
    """The mean read current of a cell (uA): stored bits and reference cells are parallel
    and antiparallel equally often, so (I_P + I_AP) / 2 from the device model; 0 without one
    (`hwmodel.costs` then counts the read's current through its energy alone)."""
    spec = tech.device_errors
    if spec is None:
        return np.zeros(np.shape(read_voltage_mv))
    parallel, antiparallel = read_currents_ua(spec, read_voltage_mv)
    return (parallel + antiparallel) / 2.0


class MramArray:
    """One rows x cols array of weight bits with its decoders, drivers and overhead.

    A read activates one row (or `parallel_rows` rows, one per bitline segment) and senses all
    its columns at once. The sense amplifiers belong to the lanes of the organisation
    (`hwmodel.organisations`), reached through the column periphery, so the array itself
    carries only cells and periphery. A column sensed in `parallel_rows` segments has an
    amplifier per segment (a precharge sense amplifier carries its own precharge devices, so
    the segments add lanes, not column periphery), and a read charges only its segment of
    ceil(rows / parallel_rows) cells (`segment_read_energy_fj`).

    Device choices (`hwmodel.components.mram_cell`, `hwmodel.components.ecc`): a bit is
    `cells_per_bit` junctions; a row of `cols` data bits also stores `check_columns` ECC check
    bits (every stored bit column has its periphery, and is sensed and read with the row);
    single-ended cells add `reference_columns` reference cells per row, read with every row.
    A cell's read energy scales linearly with the read voltage (the bitline charge and the
    cell current drawn from the supply both grow with it); its read current is the device
    model's at that voltage.
    """

    def __init__(self, tech: Technology, rows, cols, cells_per_bit=2, check_columns=0.0,
                 reference_columns=0.0, read_voltage_mv=None, parallel_rows=1.0):
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
        self.segment_cells = np.ceil(np.asarray(rows, dtype=float) / parallel_rows)
        cell_read_fj = segment_read_energy_fj(tech, self.segment_cells) * np.asarray(
            voltage, dtype=float) / m.read_voltage_mv
        self.row_read_energy_fj = m.row_activation_energy_fj + self.cells_per_row * cell_read_fj
        # a data bit's share of a row read (its check bits and reference cells included)
        self.bit_read_energy_fj = self.cells_per_row * cell_read_fj / cols
        self.sensed_per_data_bit = self.stored_columns / cols  # check bits are sensed too
        self.row_read_current_ua = self.cells_per_row * mean_cell_current_ua(tech, voltage)
