"""The device over a chip's life: read disturb against theory (the spread of Ic0 integrated
against scipy's quadrature), its trends, the refusals (a read near switching, a refresh past
the write endurance, impossible conditions), and the SEC-DED decoder's energy by activity.
Values by hand at two voltages and two temperatures: test_device_golden.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import integrate, stats

from hwmodel import Architecture, evaluate, evaluate_batch, load_technology, mlp_workload
from hwmodel.components.ecc import ErrorCorrection, hsiao_code
from hwmodel.components.mram_cell import MramCell
from hwmodel.device_errors import disturb_rate_per_read, junction_disturb_probability
from hwmodel.technology import DeviceErrorSpec, one_line

TECH = load_technology("stt_mram_28nm")
SPEC = TECH.device_errors
NET = mlp_workload(784, [256], 10)


def _exact(spec: DeviceErrorSpec, current: float, reads: float, kelvin: float) -> float:
    """The junctions' mean flip probability by adaptive quadrature over Ic0's Gaussian."""
    def flipped(z: float) -> float:
        critical = spec.critical_current_ua * (1 + spec.critical_current_sigma * z)
        rate = disturb_rate_per_read(spec, current, critical, kelvin)
        return -math.expm1(-reads * float(rate)) * stats.norm.pdf(z)

    value, _ = integrate.quad(flipped, -8, 8, points=[-3, 0], limit=200, epsabs=0,
                              epsrel=1e-10)
    return value


@pytest.mark.parametrize("sigma", [0.02, 0.05, 0.1])
@pytest.mark.parametrize("volts, reads", [(50, 1e12), (100, 1e6), (100, 1e10), (150, 1e4)])
def test_the_spread_of_ic0_is_integrated_to_quadrature_accuracy(sigma, volts, reads):
    spec = SPEC.model_copy(update={"critical_current_sigma": sigma})
    current = float(spec.disturb_current_ua(volts))
    for kelvin in (300.0, 358.15):
        grid = float(junction_disturb_probability(spec, current, reads, kelvin))
        assert grid == pytest.approx(_exact(spec, current, reads, kelvin), rel=1e-5, abs=1e-300)


def test_without_spread_a_junction_flips_as_the_formula_says():
    spec = SPEC.model_copy(update={"critical_current_sigma": 0.0})
    current, reads, kelvin = 20.0, 1e9, 358.15
    delta = 60 * 300 / kelvin
    expected = -math.expm1(-reads * 5.0 * math.exp(-delta * (1 - 20 / 75) ** 2))
    assert junction_disturb_probability(spec, current, reads, kelvin) == pytest.approx(
        expected, rel=1e-12)


def test_disturb_grows_with_reads_current_temperature_and_spread():
    reads = np.logspace(3, 13, 11)
    flips = junction_disturb_probability(SPEC, 20.0, reads, 300.0)
    assert np.all(np.diff(flips) > 0) and flips[-1] <= 1.0
    currents = np.arange(5.0, 60.0, 5.0)
    assert np.all(np.diff(junction_disturb_probability(SPEC, currents, 1e6, 300.0)) > 0)
    temperatures = np.array([250.0, 300.0, 358.15, 398.15])
    by_heat = [junction_disturb_probability(SPEC, 20.0, 1e6, t) for t in temperatures]
    assert np.all(np.diff(by_heat) > 0)
    narrow = SPEC.model_copy(update={"critical_current_sigma": 0.0})
    assert junction_disturb_probability(narrow, 20.0, 1e6, 300.0) < flips[3]


def test_both_cells_turn_a_junction_flip_into_half_a_bit_error():
    for cell in ("1t1mtj", "2t2mtj"):
        assert MramCell.get(cell).disturb_error_rate(0.3) == pytest.approx(0.15)


def test_a_hotter_chip_reads_its_weights_wrong_more_often():
    hot = TECH.model_copy(update={"device_errors": SPEC.model_copy(
        update={"rated_temperature": "worst_case"})})
    cool = TECH.model_copy(update={"device_errors": SPEC.model_copy(
        update={"rated_temperature": "operating"})})
    fields = dict(first_layer_mode="fixed_point_parallel", sng_kind="none",
                  read_voltage_mv=np.arange(40, 121, 20), refresh_period_s=3600)
    hot_rates = evaluate_batch(NET, hot, **fields).bit_error_rate
    cool_rates = evaluate_batch(NET, cool, **fields).bit_error_rate
    assert np.all(hot_rates > cool_rates)


def test_an_earlier_age_reads_fewer_errors():
    young = TECH.model_copy(update={"device_errors": SPEC.model_copy(update={"age_s": 3.1536e7})})
    fields = dict(first_layer_mode="sc", bitstream_length=8, read_voltage_mv=80)
    old_report = evaluate_batch(NET, TECH, **fields)
    young_report = evaluate_batch(NET, young, **fields)
    assert young_report.weight_reads[0] == pytest.approx(old_report.weight_reads[0] / 10)
    assert young_report.bit_error_rate[0] < old_report.bit_error_rate[0]


# --- refusals: one line naming the field ------------------------------------------------------


def test_a_read_near_switching_is_refused_naming_the_voltage():
    """The parallel junction carries V / 5 kOhm; the limit is Ic0 (1 - 3 sigma) = 63.75 uA,
    reached at 318.75 mV."""
    design = Architecture(first_layer_mode="sc", read_voltage_mv=320)
    with pytest.raises(ValueError) as caught:
        evaluate(NET, design, TECH)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("read_voltage_mv: ")
    assert "64 uA" in message and "63.8 uA" in message and "critical_current_ua 75" in message
    evaluate(NET, Architecture(first_layer_mode="sc", read_voltage_mv=318), TECH)
    with pytest.raises(ValueError, match="read_voltage_mv: .* at or above Ic0 20 uA"):
        evaluate(NET, Architecture(first_layer_mode="sc", read_voltage_mv=200),
                 TECH.model_copy(update={"ranges": {}}).with_values(
                     {"device_errors.critical_current_ua": 20.0,
                      "device_errors.critical_current_sigma": 0.0}))


def test_a_refresh_past_the_write_endurance_is_refused():
    """10 years / 1e6 writes: a period under 315.36 s wears the cells out."""
    with pytest.raises(ValueError, match=r"refresh_period_s: 300 s rewrites each cell 1\.05e\+06"):
        evaluate_batch(NET, TECH, first_layer_mode="sc", refresh_period_s=np.array([0, 300]))
    evaluate_batch(NET, TECH, first_layer_mode="sc", refresh_period_s=316)


@pytest.mark.parametrize("field, value, message", [
    ("lifetime_s", -1.0, "lifetime_s: Input should be greater than 0"),
    ("operating_temperature_k", 0.0, "operating_temperature_k: Input should be greater than 0"),
    ("worst_case_temperature_k", -5.0, "worst_case_temperature_k: Input should be greater"),
    ("worst_case_temperature_k", 290.0, "worst_case_temperature_k: below operating"),
    ("critical_current_ua", 0.0, "critical_current_ua: Input should be greater than 0"),
    ("duty_inferences_per_s", 0.0, "duty_inferences_per_s: Input should be greater than 0"),
    ("age_s", 4e8, "age_s: 4e+08 s is past lifetime_s"),
    ("critical_current_sigma", 0.2, "critical_current_sigma: Input should be less than 0.125"),
])
def test_impossible_device_values_name_their_field(field, value, message):
    with pytest.raises(ValidationError) as caught:
        TECH.with_values({f"device_errors.{field}": value})
    assert message in one_line(caught.value)


def test_the_old_retention_field_says_where_it_went():
    data = TECH.model_dump()
    data["device_errors"]["retention_s"] = 1.0
    with pytest.raises(ValidationError, match="retention_s is now lifetime_s"):
        type(TECH).model_validate(data)


# --- SEC-DED decoding energy by activity -------------------------------------------------------


def test_the_decoder_charges_its_matcher_only_for_words_with_errors():
    """A word's energy: the gates that see the data every word, and the matcher and flag in
    the fraction 1 - (1 - p)^72 of words whose syndrome is non-zero."""
    code, secded = hsiao_code(64), ErrorCorrection.get("secded")
    clean = code.active_primitives().energy_fj(TECH)
    extra = code.error_primitives().energy_fj(TECH)
    assert secded.decode_energy_fj(TECH, 256) == pytest.approx(clean)
    assert secded.correction_energy_fj(TECH, 256) == pytest.approx(extra)
    assert (code.active_primitives() + code.error_primitives()) == code.decoder_primitives()
    fields = dict(first_layer_mode="fixed_point_parallel", sng_kind="none", ecc="secded",
                  mram_cell="1t1mtj", refresh_period_s=3600,
                  read_voltage_mv=np.array([60, 100, 140]))
    result = evaluate_batch(NET, TECH, **fields)
    words = result.counts["bits_read"] / 64 * 4 / 4  # 4 words of 64 per 256-bit row
    per_word = result.energy_by_component_pj["ecc"] * 1e3 / words
    with_errors = 1 - (1 - result.bit_error_rate) ** 72
    np.testing.assert_allclose(per_word, clean + with_errors * extra, rtol=1e-9)
    assert np.all(with_errors > 0.01)  # the matcher's share is visible at these rates
