"""The device-error model: SEC-DED codes that correct and detect what they must, the residual
error rate against a Monte Carlo run of the real decoder, and the model's monotonic trends
(more read voltage: fewer errors and more energy; differential cells: fewer errors and more
area; ECC: fewer errors and more area, energy and latency)."""

import itertools
import math

import numpy as np
import pytest
from scipy.stats import binom

from hwmodel import evaluate_batch, load_technology, mlp_workload
from hwmodel.components.ecc import ErrorCorrection, HsiaoCode, hsiao_code
from hwmodel.components.mram_cell import MramCell, tmr_at
from hwmodel.device_errors import combined_flip_rate, retention_error_rate

TECH = load_technology("stt_mram_28nm")
SPEC = TECH.device_errors
NET = mlp_workload(784, [256], 10)
VOLTAGES = np.arange(20, 301, 10)


# --- SEC-DED: what one error and two errors do -------------------------------------------------


@pytest.mark.parametrize("data_bits, check_bits", [(4, 4), (8, 5), (32, 7), (64, 8)])
def test_hsiao_codes_have_the_fewest_check_bits_of_a_secded_code(data_bits, check_bits):
    """r + 1 check bits of an extended Hamming code: the fewest r with 2^r >= k + r + 1."""
    code = hsiao_code(data_bits)
    assert code.check_bits == check_bits
    hamming = next(r for r in itertools.count(1) if 2**r >= data_bits + r + 1)
    assert code.check_bits == hamming + 1
    columns = {tuple(c) for c in code.check_matrix.T}
    assert len(columns) == code.length  # distinct columns ...
    assert all(sum(c) % 2 == 1 for c in columns)  # ... all of odd weight


def _random_words(code: HsiaoCode, count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, (count, code.data_bits), dtype=np.uint8)


@pytest.mark.parametrize("data_bits", [4, 64])
def test_every_single_error_is_corrected(data_bits):
    code = hsiao_code(data_bits)
    data = _random_words(code, code.length)
    received = code.encode(data)
    received[np.arange(code.length), np.arange(code.length)] ^= 1  # word i: bit i flipped
    decoded, corrected, uncorrectable = code.decode(received)
    np.testing.assert_array_equal(decoded, data)
    assert corrected.all() and not uncorrectable.any()
    clean, corrected, uncorrectable = code.decode(code.encode(data))
    np.testing.assert_array_equal(clean, data)
    assert not corrected.any() and not uncorrectable.any()


@pytest.mark.parametrize("data_bits", [4, 64])
def test_every_double_error_is_detected_and_left_as_read(data_bits):
    """Two errors are flagged, never 'corrected' into a third: the data comes back with
    exactly the errors that fell on data bits."""
    code = hsiao_code(data_bits)
    pairs = np.array(list(itertools.combinations(range(code.length), 2)))
    data = _random_words(code, len(pairs), seed=1)
    received = code.encode(data)
    rows = np.arange(len(pairs))
    received[rows, pairs[:, 0]] ^= 1
    received[rows, pairs[:, 1]] ^= 1
    decoded, corrected, uncorrectable = code.decode(received)
    assert uncorrectable.all() and not corrected.any()
    np.testing.assert_array_equal(decoded, received[:, : code.data_bits])
    on_data = (pairs < code.data_bits).sum(axis=1)
    np.testing.assert_array_equal((decoded != data).sum(axis=1), on_data)


@pytest.mark.parametrize("raw", [1e-3, 5e-3, 2e-2])
def test_residual_error_rate_against_the_real_decoder(raw):
    """Monte Carlo of (72, 64) words with independent raw errors, decoded by the code: the
    analytic rate neglects only miscorrections of >= 3 errors (at most one extra bit per
    such word), so it must lie between MC - that bound and MC, within sampling noise."""
    code, words = hsiao_code(64), 200_000
    rng = np.random.default_rng(3)
    data = _random_words(code, words, seed=2)
    received = code.encode(data) ^ (rng.random((words, code.length)) < raw).astype(np.uint8)
    decoded, _, _ = code.decode(received)
    measured = (decoded != data).mean()
    analytic = ErrorCorrection.get("secded").residual_error_rate(raw, 64)
    miscorrection_bound = binom.sf(2, code.length, raw) / code.data_bits
    noise = 4 * math.sqrt(measured / (words * code.data_bits)) + 1e-9
    assert analytic - noise <= measured <= analytic + miscorrection_bound + noise
    assert analytic < raw  # correction helps at these rates
    assert analytic == pytest.approx(raw * (1 - (1 - raw) ** 71), rel=1e-9)


# --- monotonic trends -------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["1t1mtj", "2t2mtj"])
def test_decision_errors_fall_as_the_read_voltage_rises_until_the_tmr_falls(cell):
    """Below ~250 mV more voltage is more signal against a fixed amplifier offset; far above
    it the TMR's fall with bias shrinks the margin again."""
    low = VOLTAGES[VOLTAGES <= 250]
    errors = MramCell.get(cell).decision_error_rate(SPEC, low)
    assert np.all(np.diff(errors) < 0)
    assert np.all(np.diff(tmr_at(SPEC, VOLTAGES)) < 0)  # the TMR itself falls with bias
    kind = MramCell.get(cell)
    assert kind.decision_error_rate(SPEC, 1500) > kind.decision_error_rate(SPEC, 300)


def test_differential_cells_err_less_than_single_ended_ones():
    single = MramCell.get("1t1mtj").decision_error_rate(SPEC, VOLTAGES)
    double = MramCell.get("2t2mtj").decision_error_rate(SPEC, VOLTAGES)
    assert np.all(double < single)
    assert np.all((double < single / 10)[VOLTAGES >= 60])


def test_more_spread_and_offset_mean_more_decision_errors():
    base = MramCell.get("1t1mtj").decision_error_rate(SPEC, 150)
    for field in ("resistance_sigma", "sense_offset_ua"):
        worse = SPEC.model_copy(update={field: getattr(SPEC, field) * 1.5})
        assert MramCell.get("1t1mtj").decision_error_rate(worse, 150) > base


def test_retention_errors_fall_with_thermal_stability_and_rise_with_time_and_heat():
    rates = [retention_error_rate(SPEC.model_copy(update={"thermal_stability": delta}))
             for delta in (40, 45, 50, 55, 60)]
    assert np.all(np.diff(rates) < 0)
    longer = SPEC.model_copy(update={"lifetime_s": SPEC.lifetime_s * 10})
    assert retention_error_rate(longer) > retention_error_rate(SPEC)
    hotter = [retention_error_rate(SPEC, temperature_k=t) for t in (300, 330, 358.15, 398.15)]
    assert np.all(np.diff(hotter) > 0)
    delta, seconds = SPEC.thermal_stability, SPEC.lifetime_s
    assert retention_error_rate(SPEC, temperature_k=300.0) == pytest.approx(
        1 - math.exp(-seconds / 1e-9 * math.exp(-delta)), rel=1e-9)
    # the figures: Delta = 60 at 300 K over 10 years, at 300 K, 85 C and 125 C
    for kelvin, expected in ((300.0, 2.8e-9), (358.15, 4.7e-5), (398.15, 7.2e-3)):
        assert retention_error_rate(SPEC, temperature_k=kelvin) == pytest.approx(expected,
                                                                                   rel=0.02)


def test_independent_flips_compose_to_an_odd_number_of_flips():
    assert combined_flip_rate(0.1, 0.2) == pytest.approx(0.1 * 0.8 + 0.9 * 0.2)
    assert combined_flip_rate(0.5, 0.3) == pytest.approx(0.5)
    assert combined_flip_rate(0.0, 0.0) == 0.0


def _sweep(**fields):
    return evaluate_batch(NET, TECH, first_layer_mode="fixed_point_parallel", sng_kind="none",
                          **fields)


def test_read_voltage_trades_energy_for_errors_and_the_end_of_life_rate_is_u_shaped():
    """More voltage: more energy, fewer decision errors, more read disturb. At the end of
    life the rate falls, then rises: an optimum voltage (a refresh every hour moves it up)."""
    voltages = np.arange(30, 201, 10)
    result = _sweep(mram_cell="2t2mtj", read_voltage_mv=voltages)
    assert np.all(np.diff(result.energy_pj) > 0)
    assert np.all(np.diff(result.energy_by_component_pj["mram_arrays"]) > 0)
    causes = result.bit_error_rate_by_cause
    assert np.all(np.diff(causes["decision"]) < 0)
    rising = causes["read_disturb"] < 0.49  # below saturation the disturb grows with V
    assert np.all(np.diff(causes["read_disturb"][rising]) > 0)
    rate = result.bit_error_rate
    best = int(np.argmin(rate))
    assert 0 < best < voltages.size - 1
    assert np.all(np.diff(rate[: best + 1]) < 0) and np.all(np.diff(rate[best:]) >= 0)
    refreshed = _sweep(mram_cell="2t2mtj", read_voltage_mv=voltages, refresh_period_s=3600)
    assert voltages[int(np.argmin(refreshed.bit_error_rate))] > voltages[best]
    assert refreshed.bit_error_rate.min() < rate.min() / 10
    assert np.ptp(result.area_um2) == 0 and np.ptp(result.latency_ns) == 0


def test_the_cell_trades_area_and_energy_for_errors():
    result = _sweep(mram_cell=np.array(["1t1mtj", "2t2mtj"]), read_voltage_mv=150,
                    refresh_period_s=3600)
    single, double = result.row(0), result.row(1)
    assert double["area_um2"] > single["area_um2"]
    assert double["energy_pj"] > single["energy_pj"]
    assert double["bit_error_rate"] < single["bit_error_rate"]
    # the raw rate can never fall below the write and retention floor
    assert double["bit_error_rate"] >= SPEC.write_error_rate


def test_ecc_trades_area_energy_and_latency_for_errors():
    result = _sweep(ecc=np.array(["none", "secded"]), mram_cell="1t1mtj", read_voltage_mv=125,
                    refresh_period_s=3600)
    plain, corrected = result.row(0), result.row(1)
    for metric in ("area_um2", "energy_pj", "latency_ns"):
        assert corrected[metric] > plain[metric], metric
    assert corrected["area_by_component_um2"]["ecc"] > 0 == plain["area_by_component_um2"]["ecc"]
    assert corrected["bit_error_rate"] == plain["bit_error_rate"]  # the cells are the same
    assert corrected["weight_error_rate"] < plain["weight_error_rate"] / 10
    assert plain["weight_error_rate"] == plain["bit_error_rate"]


def test_without_a_device_error_model_every_bit_reads_right():
    bare = TECH.model_copy(update={"device_errors": None})
    result = evaluate_batch(NET, bare, first_layer_mode="sc", mram_cell="1t1mtj",
                            read_voltage_mv=20)
    assert result.bit_error_rate[0] == 0.0 == result.weight_error_rate[0]
