"""Golden device choices: the cost of cells, reference columns, read voltage and SEC-DED, and
the bit-error rates, computed by hand from docs/hwmodel.md (sections 6 and 12).

Each case changes one device choice of the hand-computed design `shared_tiles_sc` of
test_hw_golden.py (the golden MLP fc1 6-4, fc2 4-2 on 4 x 4 arrays, T = 2 tiles, N = 3,
5 arrays: 4 for fc1, 1 for fc2) and states, by hand, what moves. Round-number technology:
a cell 0.1 um^2 and 10 fJ per read at 200 mV, a row activation 100 fJ, periphery 1 um^2 per
row, 2 um^2 per column, 50 um^2 per array.

Work that the device choices touch, from the base case: 24 + 2 = 26 row reads and 20
threshold bits read (fc1's comparisons 4 x a = 5), so 26 C + 20 = 124 data bits sensed;
lanes T C = 8; cycles 21 (fc1, r = 3 runs) + 5 (fc2, r = 1).
"""

from __future__ import annotations

import math

import pytest

from hwmodel import COMPONENTS, Technology, evaluate
from tests.hwmodel.test_hw_golden import (
    A_AND,
    A_COL,
    A_OVERHEAD,
    A_ROW,
    A_SA,
    A_XNOR,
    E_ACT,
    E_AND,
    E_CELL,
    E_CTRL,
    E_SA,
    E_XNOR,
    MLP,
    C,
    R,
    arch,
    shared_tiles_sc,
    technology,
)

ARRAYS = 5
ROW_READS, THRESHOLD_BITS, LANES = 26, 20, 2 * C
BITS_SENSED = ROW_READS * C + THRESHOLD_BITS  # 124
BASE = shared_tiles_sc()


def _with(tech_update: dict | None = None, **fields) -> tuple[Technology, object]:
    tech = technology()
    if tech_update:
        tech = tech.model_copy(update={"mram": tech.mram.model_copy(update=tech_update)})
    return tech, arch("shared_tiles", "sc", **fields)


def _array_energy(row_read_fj: float, bit_read_fj: float) -> float:
    return ROW_READS * row_read_fj + THRESHOLD_BITS * bit_read_fj


def differential():
    """2t2mtj: two cells per bit. Array: R C 2 A_cell + periphery = 3.2 + 4 + 8 + 50 = 65.2;
    row read E_act + 2 C e_cell = 180 fJ; a threshold bit 2 e_cell = 20 fJ."""
    array = R * C * 2 * 0.1 + R * A_ROW + C * A_COL + A_OVERHEAD
    area = {"mram_arrays": ARRAYS * array}
    energy = {"mram_arrays": _array_energy(E_ACT + 2 * C * E_CELL, 2 * E_CELL)}
    return _with(mram_cell="2t2mtj"), area, energy, BASE.latency_ns


def single_ended_with_references():
    """1t1mtj with 2 reference columns: a row is 4 + 2 cells and 6 columns of periphery:
    2.4 + 4 + 12 + 50 = 68.4 um^2; row read E_act + 6 e_cell = 160 fJ, a data bit's share of
    the cells 6 e_cell / C = 15 fJ per threshold bit."""
    array = R * (C + 2) * 0.1 + R * A_ROW + (C + 2) * A_COL + A_OVERHEAD
    area = {"mram_arrays": ARRAYS * array}
    energy = {"mram_arrays": _array_energy(E_ACT + 6 * E_CELL, 6 * E_CELL / C)}
    return _with({"reference_columns": 2}), area, energy, BASE.latency_ns


def lower_read_voltage():
    """100 mV against the 200 mV the cell energy is quoted at: 5 fJ per cell read."""
    area: dict = {}
    energy = {"mram_arrays": _array_energy(E_ACT + C * 5.0, 5.0)}
    return _with(read_voltage_mv=100), area, energy, BASE.latency_ns


def secded():
    """SEC-DED over a 4-column row: one word of k = 4 data bits, Hsiao (8, 4): r = 4 check
    bits (4 odd-weight columns of weight 3 over 4 rows exist). Check matrix H = [P | I_4]
    with P the 4 weight-3 columns: 16 ones.
    Array: 8 stored columns: 3.2 + 4 + 16 + 50 = 73.2; row read E_act + 8 e_cell = 180 fJ; a
    threshold bit 8 e_cell / 4 = 20 fJ. Sense amplifiers for the check bits: lanes x 8 / 4,
    and every data bit sensed brings its check bit: 124 x 2 sensings.
    A decoder: syndrome XORs 16 - 4 = 12, correction XORs 4, lane XNORs 4, double-error
    parity 3 XOR and non-zero 3 OR (AND2 class), matching 4 x (4 - 1) = 12 AND2: 23 XNOR-class
    + 15 AND2-class gates: 23 x 0.5 + 15 x 0.4 = 17.5 um^2, 23 x 0.5 + 15 x 0.3 = 16 fJ per
    word. Decoders: one per word sensed at once, lanes / k = 2; words decoded: 124 / 4 = 31.
    Latency: one more stage per run: fc1 21 + 3, fc2 5 + 1 cycles (30 ns); the sequencer
    clocks the 4 extra cycles."""
    array = R * 8 * 0.1 + R * A_ROW + 8 * A_COL + A_OVERHEAD
    decoder_area = 23 * A_XNOR + 15 * A_AND
    decode_energy = 23 * E_XNOR + 15 * E_AND
    area = {"mram_arrays": ARRAYS * array, "sense_amplifiers": 2 * LANES * A_SA,
            "ecc": LANES / 4 * decoder_area}
    energy = {
        "mram_arrays": _array_energy(E_ACT + 8 * E_CELL, 8 * E_CELL / C),
        "sense_amplifiers": 2 * BITS_SENSED * E_SA,
        "ecc": BITS_SENSED / 4 * decode_energy,
        "registers_control": BASE.energy_fj["registers_control"] + 4 * E_CTRL,
    }
    return _with(ecc="secded"), area, energy, BASE.latency_ns + 4


CASES = {"2t2mtj": differential, "1t1mtj-references": single_ended_with_references,
         "read_voltage_100mv": lower_read_voltage, "secded": secded}


@pytest.mark.parametrize("case", list(CASES))
def test_device_choices_cost_what_the_hand_computation_says(case):
    (tech, architecture), area_changes, energy_changes, latency_ns = CASES[case]()
    report = evaluate(MLP, architecture, tech)
    area = {name: {**BASE.area_um2, **area_changes}.get(name, 0.0) for name in COMPONENTS}
    energy = {name: {**BASE.energy_fj, **energy_changes}.get(name, 0.0) / 1000
              for name in COMPONENTS}
    assert report.area_by_component_um2 == pytest.approx(area, rel=1e-12)
    assert report.energy_by_component_pj == pytest.approx(energy, rel=1e-12)
    assert report.latency_ns == pytest.approx(latency_ns, rel=1e-12)


# --- bit-error rates by hand -------------------------------------------------------------------

ERRORS = {"resistance_parallel_kohm": 10.0, "tmr": 1.0, "tmr_half_bias_mv": 1e9,
          "resistance_sigma": 0.1, "sense_offset_ua": 1.0, "thermal_stability": 40.0,
          "attempt_time_ns": 1.0, "retention_s": 0.0, "write_error_rate": 1e-3}


def _q(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def _odd(p: float, q: float) -> float:
    return p * (1 - q) + q * (1 - p)


@pytest.mark.parametrize("cell", ["1t1mtj", "2t2mtj"])
@pytest.mark.parametrize("ecc", ["none", "secded"])
def test_bit_error_rates_by_hand(cell, ecc):
    """100 mV over 10 kOhm: I_P = 10 uA; TMR 1 (no fall at this V_h): I_AP = 5 uA.
    2t2mtj: margin 5 uA, sigma^2 = (0.1 x 10)^2 + (0.1 x 5)^2 + 1 = 2.25: Q(5 / 1.5).
    1t1mtj: reference 7.5 uA (its variance 0.01 (100 + 25) / 4 = 0.3125), margin 2.5 uA;
    P: sigma^2 = 1 + 0.3125 + 1, AP: 0.25 + 0.3125 + 1; the mean of the two tails.
    A write error of 1e-3 flips on top (an odd number of flips), no retention time.
    SEC-DED (8, 4): a data bit stays wrong if another of the word's 8 bits is wrong too."""
    tech = Technology.model_validate({**technology().model_dump(), "device_errors": ERRORS})
    if cell == "2t2mtj":
        decision = _q(5 / 1.5)
    else:
        decision = (_q(2.5 / math.sqrt(2.3125)) + _q(2.5 / math.sqrt(1.5625))) / 2
    raw = _odd(decision, 1e-3)
    seen = raw * (1 - (1 - raw) ** 7) if ecc == "secded" else raw
    report = evaluate(MLP, arch("shared_tiles", "sc", mram_cell=cell, ecc=ecc,
                                read_voltage_mv=100), tech)
    assert report.bit_error_rate == pytest.approx(raw, rel=1e-9)
    assert report.weight_error_rate == pytest.approx(seen, rel=1e-9)
