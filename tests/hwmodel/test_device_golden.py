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
    parity 3 XOR and non-zero 3 OR (AND2 class), a predecoded matcher: the columns 1110, 1101,
    1011, 0111 (bits 0-3) take 3 patterns on bits 0-1 (11, 10, 01) and 3 on bits 2-3 (10,
    01, 11), one AND2 each, and one AND2 per column joins them: 3 + 3 + 4 = 10 AND2. So 23
    XNOR-class + 13 AND2-class gates: 23 x 0.5 + 13 x 0.4 = 16.7 um^2. Energy by activity:
    with no device errors (this technology has no device model) every syndrome is zero, so
    only the 20 gates that see the data switch: 20 x 0.5 = 10 fJ per word.
    Decoders: one per word sensed at once, lanes / k = 2; words decoded: 124 / 4 = 31.
    Latency: one more stage per run: fc1 21 + 3, fc2 5 + 1 cycles (30 ns); the sequencer
    clocks the 4 extra cycles."""
    array = R * 8 * 0.1 + R * A_ROW + 8 * A_COL + A_OVERHEAD
    decoder_area = 23 * A_XNOR + 13 * A_AND
    decode_energy = 20 * E_XNOR
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


# --- bit-error rates over a life, by hand ------------------------------------------------------

ERRORS = {"resistance_parallel_kohm": 10.0, "tmr": 1.0, "tmr_half_bias_mv": 1e9,
          "resistance_sigma": 0.1, "sense_offset_ua": 1.0, "thermal_stability": 50.0,
          "thermal_stability_temperature_k": 300.0, "attempt_time_ns": 1.0,
          "critical_current_ua": 50.0, "critical_current_sigma": 0.0, "read_pulse_ns": 2.0,
          "write_error_rate": 1e-3, "write_endurance_cycles": 1e6, "lifetime_s": 1e5,
          "duty_inferences_per_s": 1.0, "operating_temperature_k": 300.0,
          "worst_case_temperature_k": 400.0}
LIFETIME_READS = 3 * 1.0 * 1e5  # fc1 reads each weight row P r = 3 times an inference


def _q(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def _odd(*rates: float) -> float:
    kept = 1.0
    for rate in rates:
        kept *= 1 - 2 * rate
    return (1 - kept) / 2


def _device_tech(**errors) -> Technology:
    return Technology.model_validate({**technology().model_dump(),
                                      "device_errors": {**ERRORS, **errors}})


def _decision(cell: str, volts: float) -> float:
    """I_P = V / 10 kOhm, I_AP = I_P / 2 (TMR 1, no fall at this V_h); spreads 0.1, offset 1.
    2t2mtj: margin I_P - I_AP against (0.1 I_P)^2 + (0.1 I_AP)^2 + 1; 1t1mtj: margin to the
    midpoint (I_P - I_AP) / 2, the reference's variance 0.01 (I_P^2 + I_AP^2) / 4 beside the
    cell's and the offset, the two states' tails averaged."""
    parallel, antiparallel = volts / 10, volts / 20
    if cell == "2t2mtj":
        return _q((parallel - antiparallel) / math.sqrt(0.01 * (parallel**2 + antiparallel**2)
                                                        + 1))
    reference = 0.01 * (parallel**2 + antiparallel**2) / 4
    margin = (parallel - antiparallel) / 2
    return (_q(margin / math.sqrt(0.01 * parallel**2 + reference + 1))
            + _q(margin / math.sqrt(0.01 * antiparallel**2 + reference + 1))) / 2


# (mV, K): the parallel junction carries I = V / 10 kOhm (10, 20 uA) against Ic0 = 50 uA;
# Delta = 50 at 300 K is 37.5 at 400 K. Per read 2 attempts of exp(-Delta (1 - I / 50)^2);
# 3e5 reads; retention over 1e5 s with 1e9 attempts a second of exp(-Delta).
LIFE = {
    (100, 300.0): dict(disturb=1 - math.exp(-3e5 * 2 * math.exp(-50 * 0.64)),
                       retention=1 - math.exp(-1e14 * math.exp(-50.0))),
    (200, 300.0): dict(disturb=1 - math.exp(-3e5 * 2 * math.exp(-50 * 0.36)),
                       retention=1 - math.exp(-1e14 * math.exp(-50.0))),
    (100, 400.0): dict(disturb=1 - math.exp(-3e5 * 2 * math.exp(-37.5 * 0.64)),
                       retention=1 - math.exp(-1e14 * math.exp(-37.5))),
    (200, 400.0): dict(disturb=1 - math.exp(-3e5 * 2 * math.exp(-37.5 * 0.36)),
                       retention=1 - math.exp(-1e14 * math.exp(-37.5))),
}


@pytest.mark.parametrize("cell", ["1t1mtj", "2t2mtj"])
@pytest.mark.parametrize("ecc", ["none", "secded"])
@pytest.mark.parametrize("volts, kelvin", list(LIFE))
def test_end_of_life_bit_error_rates_by_hand(cell, ecc, volts, kelvin):
    """Decision, write (1e-3), retention and read disturb at two voltages and two
    temperatures, composed as an odd number of flips. A disturbed junction's flip is half a
    bit error for both cells (1t1mtj: half the bits hold the disturbed state; 2t2mtj: every
    bit has one such junction, and a flipped one leaves a tie read either way). SEC-DED
    (8, 4): a data bit stays wrong if another of the word's 8 bits is wrong too."""
    rated = "operating" if kelvin == 300.0 else "worst_case"
    tech = _device_tech(rated_temperature=rated)
    life = LIFE[(volts, kelvin)]
    causes = {"decision": _decision(cell, volts), "write": 1e-3,
              "retention": life["retention"], "read_disturb": life["disturb"] / 2}
    raw = _odd(*causes.values())
    seen = raw * (1 - (1 - raw) ** 7) if ecc == "secded" else raw
    report = evaluate(MLP, arch("shared_tiles", "sc", mram_cell=cell, ecc=ecc,
                                read_voltage_mv=volts), tech)
    budget = report.error_budget
    assert budget.by_cause == pytest.approx(causes, rel=1e-9)
    assert (budget.temperature_k, budget.age_s, budget.since_write_s) == (kelvin, 1e5, 1e5)
    assert (budget.reads_per_inference, budget.reads) == (3.0, LIFETIME_READS)
    assert report.bit_error_rate == pytest.approx(raw, rel=1e-9)
    assert report.weight_error_rate == pytest.approx(seen, rel=1e-9)


def test_the_hand_values_span_the_regimes():
    """The four conditions above are not all one regime: disturb from negligible to most
    junctions, retention from negligible to percent level."""
    disturb = sorted(life["disturb"] for life in LIFE.values())
    assert disturb[0] < 1e-7 and disturb[-1] > 0.5
    assert LIFE[(100, 300.0)]["retention"] < 1e-7 < 1e-3 < LIFE[(100, 400.0)]["retention"]


@pytest.mark.parametrize("organisation, fields, reads", [
    ("shared_tiles", {}, 3.0),  # fc1 re-read at each of N = 3 passes
    ("shared_tiles", {"first_layer_dataflow": "row_latched"}, 1.0),  # each row sensed once
    ("tile_per_array", {"merge_point": "output"}, 3.0),  # every layer runs N times
    ("neuron_parallel", {"first_layer_mode": "fixed_point_bit_serial", "sng_kind": "none"}, 2.0),
])
def test_reads_per_inference_follow_the_dataflow(organisation, fields, reads):
    """The most-read weight: row reads / weight rows of the most-read layer (B = 2 bit-planes
    for the bit-serial layer 1)."""
    tech = _device_tech()
    mode = fields.pop("first_layer_mode", "sc")
    report = evaluate(MLP, arch(organisation, mode, **fields), tech)
    assert report.error_budget.reads_per_inference == reads
    assert report.error_budget.reads == reads * 1.0 * 1e5


def test_a_design_slower_than_the_duty_runs_back_to_back():
    """With a duty of 1e12 inferences a second the design runs at its throughput, 1e9 /
    latency (20 cycles of 1 ns: fc1 12 + 3, fc2 2 + 3, one pipeline fill a layer)."""
    report = evaluate(MLP, arch("shared_tiles", "sc"), _device_tech(duty_inferences_per_s=1e12))
    assert report.latency_ns == pytest.approx(20.0)
    assert report.error_budget.reads == pytest.approx(3 * 1e9 / 20.0 * 1e5, rel=1e-12)


def test_refresh_costs_what_the_hand_computation_says():
    """Refresh every 10 s at 1 inference a second: 10 inferences per refresh. Each refresh
    writes fc1's 8 weight + 5 threshold rows and fc2's 2 rows, one at a time: a row
    activation (100 fJ) and 4 cells at 20 fJ = 180 fJ and 2 ns per row. Per inference: fc1
    13 x 180 / 10 = 234 fJ and 13 x 2 / 10 = 2.6 ns (2.6 cycles of 1 ns), fc2 36 fJ and 0.4
    cycles; the sequencer clocks the 3 extra cycles (E_CTRL each). The weights' reads and
    retention time restart at each write: 30 reads, 10 s."""
    tech = _device_tech()
    tech = tech.model_copy(update={"mram": tech.mram.model_copy(
        update={"write_energy_fj_per_cell": 20.0, "write_pulse_ns": 2.0})})
    report = evaluate(MLP, arch("shared_tiles", "sc", refresh_period_s=10), tech)
    plain = evaluate(MLP, arch("shared_tiles", "sc"), tech)
    assert report.energy_by_component_pj["refresh"] == pytest.approx(0.27, rel=1e-12)
    assert report.latency_ns == pytest.approx(plain.latency_ns + 3.0, rel=1e-12)
    assert (report.energy_by_component_pj["registers_control"]
            - plain.energy_by_component_pj["registers_control"]) == pytest.approx(
        3 * E_CTRL / 1000, rel=1e-9)
    assert report.area_um2 == plain.area_um2
    assert (report.error_budget.reads, report.error_budget.since_write_s) == (30.0, 10.0)
    assert report.bit_error_rate < plain.bit_error_rate
