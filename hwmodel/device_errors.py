"""The device-error model: the probability that a stored weight bit reads wrong.

Three independent causes flip a stored bit, each fixed for a given chip (one chip, one error
map; the trainer's error maps draw them):

* a read decision error (`MramCell.decision_error_rate`): the cell's resistance and the sense
  amplifier's offset put the sensed difference on the wrong side. It depends on the cell
  (1T1MTJ against a reference, or differential 2T2MTJ) and on the read voltage: more voltage,
  more signal against a fixed amplifier offset, until the TMR's fall with bias takes over;
* a write error: programming left the cell in the wrong state (`write_error_rate`, set by the
  programming pulse of the technology). A differential bit with one failed cell holds two
  equal junctions, read either way with equal odds: per bit, the rate of one cell;
* a retention error: thermal activation flips a junction of energy barrier Delta at the rate
  exp(-Delta) / tau_0 (Neel-Brown), so over the retention time t a cell flips with
  probability 1 - exp(-(t / tau_0) exp(-Delta)); per bit, as for writes.

Independent flips compose: a bit reads wrong when an odd number of them hit it,
p = (1 - prod(1 - 2 p_i)) / 2. Error correction (`ErrorCorrection.residual_error_rate`) turns
the raw rate into the rate the network sees. Read disturb (a read current that flips a
junction) is not modelled: its flips accumulate with the number of reads and depend on a
refresh policy the model does not have.
"""

from __future__ import annotations

import numpy as np

from hwmodel.kinds import Column
from hwmodel.technology import DeviceErrorSpec


def retention_error_rate(spec: DeviceErrorSpec) -> float:
    """Probability that a junction flips thermally within the retention time."""
    attempts = spec.retention_s * 1e9 / spec.attempt_time_ns
    return float(-np.expm1(-attempts * np.exp(-spec.thermal_stability)))


def combined_flip_rate(*rates):
    """Probability of an odd number of independent flips."""
    kept = np.ones(np.broadcast_shapes(*(np.shape(r) for r in rates)))
    for rate in rates:
        kept = kept * (1.0 - 2.0 * np.asarray(rate, dtype=float))
    return (1.0 - kept) / 2.0


def raw_bit_error_rate(spec: DeviceErrorSpec | None, cell: Column, read_voltage_mv):
    """Per design: the probability that a stored bit reads wrong before any correction."""
    voltage = np.asarray(read_voltage_mv, dtype=float)
    if spec is None:
        return np.zeros(np.shape(voltage))
    # a batch holds a handful of read voltages (whole mV): each Gaussian tail is computed once
    retention = retention_error_rate(spec)
    return cell.select_distinct(
        lambda kind, voltages: combined_flip_rate(kind.decision_error_rate(spec, voltages),
                                                  spec.write_error_rate, retention), voltage)


def weight_error_rate(raw, ecc: Column, cols):
    """Per design: the error rate of the weights the network sees, after correction."""
    return ecc.select(lambda kind: kind.residual_error_rate(raw, cols))
