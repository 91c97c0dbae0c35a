"""The device-error model: the probability that a stored weight bit reads wrong, over a life.

Four independent causes flip a stored bit. Each is fixed for a given chip at a given age (one
chip, one error map; the trainer's error maps draw them):

* a read decision error (`MramCell.decision_error_rate`): the cell's resistance and the sense
  amplifier's offset put the sensed difference on the wrong side. It depends on the cell
  (1T1MTJ against a reference, or differential 2T2MTJ) and on the read voltage: more voltage,
  more signal against a fixed amplifier offset, until the TMR's fall with bias takes over;
* a write error: programming left the cell in the wrong state (`write_error_rate`, set by the
  programming pulse of the technology). A differential bit with one failed cell holds two
  equal junctions, read either way with equal odds: per bit, the rate of one cell;
* a retention error: thermal activation flips a junction of energy barrier Delta(T) at the
  rate exp(-Delta(T)) / tau_0 (Neel-Brown), Delta(T) = Delta(T_ref) T_ref / T, so over the
  time t since the junction was written it flips with probability
  1 - exp(-(t / tau_0) exp(-Delta(T))); per bit, as for writes;
* a read disturb: every read drives the current I through the junction, and the junction in
  the state that current destabilises (`disturbed_state`) switches within the read pulse
  t_read with probability 1 - exp(-(t_read / tau_0) exp(-Delta(T) (1 - I / Ic0)^2))
  (thermally assisted switching). A weight read n times since it was written has flipped
  with probability 1 - exp(-n lambda), lambda the exponent's rate per read, averaged over the
  junctions' spread of Ic0 (a Gaussian, integrated on a grid of +-8 standard deviations). A
  flipped junction stays flipped (the read current holds it there) until the next write.
  `MramCell.disturb_error_rate` turns a junction's flip into a bit's error.

Reads and time accumulate from the last write: the chip's age (its end of life, or
`age_s`), or the refresh period of a design that rewrites its weights (architecture
`refresh_period_s`). A weight is read, per inference, as often as its row is: the most-read
layer's rows are read (row reads / weight rows) times, P r for a layer that re-reads them at
each position and pass, once for a latched layer 1 (organisation, dataflow, N and merge all
change it). The rate the network sees is that of the most-read layer (conservative: the
trainer flips every layer at one rate). A design runs min(duty, its throughput) inferences a
second. The rates are quoted at one temperature for the whole life (`rated_temperature`).

Independent flips compose: a bit reads wrong when an odd number of them hit it,
p = (1 - prod(1 - 2 p_i)) / 2. Error correction (`ErrorCorrection.residual_error_rate`) turns
the raw rate into the rate the network sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hwmodel.kinds import Column
from hwmodel.technology import DeviceErrorSpec, Technology, read_current_problem

if TYPE_CHECKING:
    from hwmodel.costs.context import BatchContext

CAUSES = ("decision", "write", "retention", "read_disturb")
# The spread of Ic0, integrated on a grid of standard normal deviates: the trapezoid rule on
# the smooth integrand converges fast (a step of 0.2 is within 2e-6 of adaptive quadrature
# over the preset's voltages, read counts and spreads of 2-10 %; tests/hwmodel/test_lifetime.py).
SPREAD_DEVIATES = np.linspace(-8.0, 8.0, 81)
_SPREAD_WEIGHTS = np.exp(-0.5 * SPREAD_DEVIATES**2)
SPREAD_WEIGHTS = _SPREAD_WEIGHTS / _SPREAD_WEIGHTS.sum()


def retention_error_rate(spec: DeviceErrorSpec, seconds: Any = None,
                         temperature_k: float | None = None):
    """Probability that a junction flips thermally within `seconds` (the rated age) at a
    temperature (the rated one)."""
    seconds = spec.rated_age_s if seconds is None else np.asarray(seconds, dtype=float)
    delta = spec.thermal_stability_at(spec.temperature_k if temperature_k is None
                                      else temperature_k)
    attempts = seconds * 1e9 / spec.attempt_time_ns
    return -np.expm1(-attempts * np.exp(-delta))


def disturb_rate_per_read(spec: DeviceErrorSpec, current_ua, critical_current_ua,
                          temperature_k: float):
    """lambda: the expected switchings of one junction per read (t_read / tau_0 attempts,
    each exp(-Delta(T) (1 - I / Ic)^2); at I >= Ic every attempt switches)."""
    ratio = np.asarray(current_ua, dtype=float) / np.asarray(critical_current_ua, dtype=float)
    barrier = spec.thermal_stability_at(temperature_k) * np.square(np.clip(1.0 - ratio, 0.0, 1.0))
    return spec.read_pulse_ns / spec.attempt_time_ns * np.exp(-barrier)


def junction_disturb_probability(spec: DeviceErrorSpec, current_ua, reads,
                                 temperature_k: float):
    """Probability that a junction under disturb has flipped after `reads` reads at the
    current `current_ua`, averaged over the junctions' spread of Ic0 (arrays broadcast)."""
    current, reads = np.broadcast_arrays(np.asarray(current_ua, dtype=float),
                                         np.asarray(reads, dtype=float))
    currents, where = np.unique(current, return_inverse=True)
    rates, weights = _spread_rates(spec, currents, temperature_k)
    # a sum per design (not a matrix product, whose order depends on the batch's shape)
    flipped = -np.expm1(-reads[..., None] * rates[where.reshape(current.shape)])
    return np.sum(flipped * weights, axis=-1)


def _spread_rates(spec: DeviceErrorSpec, currents: np.ndarray, temperature_k: float):
    """(lambda over the spread's grid for each current (currents, grid), the grid's weights)."""
    sigma = spec.critical_current_sigma
    deviates, weights = (SPREAD_DEVIATES, SPREAD_WEIGHTS) if sigma else (np.zeros(1), np.ones(1))
    critical = spec.critical_current_ua * (1.0 + sigma * deviates)
    return disturb_rate_per_read(spec, currents[:, None], critical, temperature_k), weights


def combined_flip_rate(*rates):
    """Probability of an odd number of independent flips."""
    kept = np.ones(np.broadcast_shapes(*(np.shape(r) for r in rates)))
    for rate in rates:
        kept = kept * (1.0 - 2.0 * np.asarray(rate, dtype=float))
    return (1.0 - kept) / 2.0


@dataclass(frozen=True)
class ErrorRates:
    """The bit-error rates of a batch of designs at their rated age and temperature, by
    cause, with the reads behind the disturb (columns over the designs)."""

    by_cause: dict[str, Any]  # CAUSES -> a stored bit's rate from that cause alone
    bit_error_rate: Any  # all causes: a stored bit reads wrong
    weight_error_rate: Any  # after error correction: what the network sees
    reads_per_inference: Any  # reads of the most-read weight per inference
    reads: Any  # reads of the most-read weight since it was last written
    since_write_s: Any  # the retention time: the age, or the refresh period
    temperature_k: float
    age_s: float


def _distinct_pairs(first, second):
    """(unique first, unique second, inverse) of the pairs (first_i, second_i): sorted by
    both keys at once (a row-wise `np.unique` sorts structured rows, several times slower)."""
    first, second = np.ravel(first), np.ravel(second)
    order = np.lexsort((second, first))
    changes = np.ones(order.size, dtype=bool)
    changes[1:] = (np.diff(first[order]) != 0) | (np.diff(second[order]) != 0)
    inverse = np.empty(order.size, dtype=np.int64)
    inverse[order] = np.cumsum(changes) - 1
    starts = order[changes]
    return first[starts], second[starts], inverse


def refresh_problem(spec: DeviceErrorSpec, refresh_period_s: float) -> str | None:
    """Why a refresh period wears the cells out (None if it does not): it rewrites each cell
    more often over the lifetime than the cell's write endurance."""
    if refresh_period_s <= 0 or spec.lifetime_s / refresh_period_s <= spec.write_endurance_cycles:
        return None
    return (f"{refresh_period_s:g} s rewrites each cell {spec.lifetime_s / refresh_period_s:.3g} "
            f"times in device_errors.lifetime_s, more than its write endurance "
            f"{spec.write_endurance_cycles:.3g}")


def device_problems(spec: DeviceErrorSpec | None, read_voltage_mv, refresh_period_s
                    ) -> list[tuple[str, str]]:
    """(field, message) for every read voltage that drives the cells too close to switching
    (`read_current_problem`) and every refresh period past the write endurance."""
    if spec is None:
        return []
    problems = []
    for voltage in np.unique(np.asarray(read_voltage_mv, dtype=float)):
        problem = read_current_problem(spec, float(voltage))
        if problem:
            problems.append(("read_voltage_mv", f"{problem} (device_errors.critical_current_ua "
                                                f"{spec.critical_current_ua:g} uA)"))
    for period in np.unique(np.asarray(refresh_period_s, dtype=float)):
        problem = refresh_problem(spec, float(period))
        if problem:
            problems.append(("refresh_period_s", problem))
    return problems


def check_device_limits(spec: DeviceErrorSpec | None, read_voltage_mv, refresh_period_s) -> None:
    """ValueError naming the field of the first of `device_problems`."""
    for field, message in device_problems(spec, read_voltage_mv, refresh_period_s):
        raise ValueError(f"{field}: {message}")


def weight_reads_per_inference(batch: BatchContext):
    """Per design: how often the most-read weight is read in one inference."""
    reads = [layer.plan.row_reads / layer.plan.weight_rows for layer in batch.layers]
    return np.maximum.reduce(np.broadcast_arrays(*reads)) if reads else 0.0


def lifetime_error_rates(tech: Technology, batch: BatchContext, latency_ns) -> ErrorRates:
    """Every design's bit-error rates at the technology's rated age and temperature."""
    design, spec, size = batch.design, tech.device_errors, batch.size
    if spec is None:
        zero = np.zeros(size)
        return ErrorRates(by_cause=dict.fromkeys(CAUSES, zero), bit_error_rate=zero,
                          weight_error_rate=zero, reads_per_inference=zero, reads=zero,
                          since_write_s=zero, temperature_k=0.0, age_s=0.0)
    check_device_limits(spec, design.read_voltage, design.refresh_period)
    temperature, age = spec.temperature_k, spec.rated_age_s
    since_write = np.where(design.refresh_period > 0, np.minimum(design.refresh_period, age), age)
    per_inference = np.broadcast_to(weight_reads_per_inference(batch), (size,))
    rate = np.minimum(spec.duty_inferences_per_s, 1e9 / np.asarray(latency_ns, dtype=float))
    reads = per_inference * rate * since_write
    voltages, read_counts, where = _distinct_pairs(
        np.broadcast_to(design.read_voltage, (size,)), reads)
    flipped = junction_disturb_probability(spec, spec.disturb_current_ua(voltages),
                                           read_counts, temperature)[where]
    by_cause = {
        "decision": design.cell.select_distinct(
            lambda kind, volts: kind.decision_error_rate(spec, volts), design.read_voltage),
        "write": np.full(size, spec.write_error_rate),
        "retention": retention_error_rate(spec, since_write, temperature),
        "read_disturb": design.cell.select(lambda kind: kind.disturb_error_rate(flipped)),
    }
    raw = np.broadcast_to(combined_flip_rate(*by_cause.values()), (size,))
    seen = np.broadcast_to(weight_error_rate(raw, design.ecc, design.cols), (size,))
    return ErrorRates(by_cause={k: np.broadcast_to(v, (size,)) for k, v in by_cause.items()},
                      bit_error_rate=raw, weight_error_rate=seen,
                      reads_per_inference=per_inference, reads=reads,
                      since_write_s=np.broadcast_to(since_write, (size,)),
                      temperature_k=temperature, age_s=age)


def weight_error_rate(raw, ecc: Column, cols):
    """Per design: the error rate of the weights the network sees, after correction."""
    return ecc.select(lambda kind: kind.residual_error_rate(raw, cols))
