"""STT-MRAM bit cells: how many junctions store one bit, and how a read decides it.

A junction is in the parallel state (low resistance R_P) or the antiparallel one
(R_AP = R_P (1 + TMR(V))); read at a voltage V it passes the current V / R. The tunnel
magnetoresistance falls with bias, TMR(V) = TMR_0 / (1 + (V / V_h)^2) (the usual
phenomenological fit of MgO junctions). A junction's current spreads from device to device
with relative standard deviation sigma_r, and the sense amplifier adds an input-referred
offset of standard deviation sigma_sa. A bit is decided wrong when the sensed difference
changes sign: with Gaussian spreads, with probability Q(margin / sigma), Q the Gaussian tail.

* `1t1mtj`: one junction per bit, compared with a reference current at the midpoint of a
  parallel and an antiparallel reference cell (`mram.reference_columns` columns per array).
  Margin: half the P/AP difference; noise: the cell, the reference (two cells averaged) and
  the amplifier. Half the cells of a differential bit, but a much smaller margin.
* `2t2mtj`: two complementary junctions per bit (one P, one AP), compared with each other by
  a precharge sense amplifier, the scheme of Hirtzlin et al., "Implementing binarized neural
  networks with magnetoresistive RAM without error correction" (NANOARCH 2019,
  arXiv:1908.04085): twice the cells, no reference, the whole P/AP difference as margin.

Stored weights are +1 and -1 equally often, so half the bits sit in each state; a bit's
decision error is the average over the two. The decision depends on the device's fixed
resistance and the amplifier's fixed offset, so a misread bit is misread at every read.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import ndtr

from hwmodel.kinds import Kind
from hwmodel.technology import DeviceErrorSpec


def gaussian_tail(z):
    """Q(z) = P(X > z) for a standard normal X (accurate far into the tail)."""
    return ndtr(-np.asarray(z, dtype=float))


def wrong_decision(margin, *sigmas):
    """P(a margin plus independent Gaussian noises of these standard deviations < 0)."""
    return gaussian_tail(margin / np.sqrt(sum(np.square(sigma) for sigma in sigmas)))


def tmr_at(spec: DeviceErrorSpec, read_voltage_mv):
    """TMR ratio at the read bias: TMR_0 / (1 + (V / V_h)^2)."""
    v = np.asarray(read_voltage_mv, dtype=float) / spec.tmr_half_bias_mv
    return spec.tmr / (1.0 + v * v)


def read_currents_ua(spec: DeviceErrorSpec, read_voltage_mv):
    """(I_P, I_AP) in uA at the read voltage (mV / kOhm = uA)."""
    v = np.asarray(read_voltage_mv, dtype=float)
    parallel = v / spec.resistance_parallel_kohm
    return parallel, parallel / (1.0 + tmr_at(spec, v))


class MramCell(Kind):
    """How a weight bit is stored and sensed."""

    family: ClassVar[str] = "MRAM cell"
    registry: ClassVar[dict[str, Kind]] = {}
    cells_per_bit: ClassVar[int]
    uses_reference: ClassVar[bool]  # reads against reference columns

    def decision_error_rate(self, spec: DeviceErrorSpec, read_voltage_mv):
        """Probability that a read decides a stored bit wrong (the two states averaged)."""
        raise NotImplementedError


class SingleEnded(MramCell):
    name = "1t1mtj"
    description = "one junction per bit, sensed against a midpoint reference"
    cells_per_bit = 1
    uses_reference = True

    def decision_error_rate(self, spec, read_voltage_mv):
        parallel, antiparallel = read_currents_ua(spec, read_voltage_mv)
        sigma_r, sigma_sa = spec.resistance_sigma, spec.sense_offset_ua
        margin = (parallel - antiparallel) / 2  # to the midpoint reference
        reference = sigma_r * np.sqrt(parallel**2 + antiparallel**2) / 2  # 2 cells averaged
        return (wrong_decision(margin, sigma_r * parallel, reference, sigma_sa)
                + wrong_decision(margin, sigma_r * antiparallel, reference, sigma_sa)) / 2


class Differential(MramCell):
    name = "2t2mtj"
    description = "two complementary junctions per bit, sensed against each other"
    cells_per_bit = 2
    uses_reference = False

    def decision_error_rate(self, spec, read_voltage_mv):
        parallel, antiparallel = read_currents_ua(spec, read_voltage_mv)
        sigma_r = spec.resistance_sigma
        return wrong_decision(parallel - antiparallel, sigma_r * parallel,
                              sigma_r * antiparallel, spec.sense_offset_ua)
