"""The static power that accrues while an inference runs."""

from __future__ import annotations

from hwmodel.technology import Technology

NW_NS_TO_PJ = 1e-6  # 1 nW * 1 ns = 1e-18 J = 1e-6 pJ


def leakage_power_nw(tech: Technology, cmos_area_um2, mram_cells):
    """Static power: CMOS area by density, MRAM cells by their own figure.

    The MTJs are non-volatile (no retention power); a cell leaks only through its access
    transistor, so the cell array is excluded from the CMOS area.
    """
    return (tech.leakage.logic_nw_per_um2 * cmos_area_um2
            + tech.mram.leakage_nw_per_cell * mram_cells)


def leakage_energy_pj(tech: Technology, cmos_area_um2, mram_cells, latency_ns):
    """Static energy over `latency_ns` (`leakage_power_nw` for that long)."""
    return leakage_power_nw(tech, cmos_area_um2, mram_cells) * latency_ns * NW_NS_TO_PJ
