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
decision error is the average over the two. Read disturb (`hwmodel.device_errors`) pushes the
junction in one state (`disturbed_state`) towards the other: a 1t1mtj bit in that state reads
wrong once its junction flips; every 2t2mtj bit has one junction in it, and once it flips
the bit holds two equal junctions, read either way with equal odds. Both give half the
junction's flip probability per bit. (The 1t1mtj reference cells are read with every row; the
model takes them as disturb-free: a reference resistor, or references rewritten with a
refresh.) The decision depends on the device's fixed
resistance and the amplifier's fixed offset, so a misread bit is misread at every read.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from hwmodel.kinds import Kind
from hwmodel.technology import DeviceErrorSpec


def gaussian_tail(z):
    """Q(z) = P(X > z) for a standard normal X (accurate far into the tail). SciPy is
    imported here, at the first error rate asked: a command that costs no design (`evaluate`,
    `status`) is spared its import (0.15 s)."""
    from scipy.special import ndtr

    return ndtr(-np.asarray(z, dtype=float))


def wrong_decision(margin, *sigmas):
    """P(a margin plus independent Gaussian noises of these standard deviations < 0)."""
    return gaussian_tail(margin / np.sqrt(sum(np.square(sigma) for sigma in sigmas)))


def tmr_at(spec: DeviceErrorSpec, read_voltage_mv):
    """TMR ratio at the read bias: TMR_0 / (1 + (V / V_h)^2)."""
    return spec.tmr_at(read_voltage_mv)


def read_currents_ua(spec: DeviceErrorSpec, read_voltage_mv):
    """(I_P, I_AP) in uA at the read voltage (mV / kOhm = uA)."""
    return spec.read_currents_ua(read_voltage_mv)


class MramCell(Kind):
    """How a weight bit is stored and sensed, and what a disturbed junction does to it."""

    family: ClassVar[str] = "MRAM cell"
    registry: ClassVar[dict[str, Kind]] = {}
    cells_per_bit: ClassVar[int]
    uses_reference: ClassVar[bool]  # reads against reference columns
    # Read disturb: the share of bits with a junction in the state a read current pushes
    # away, and the probability that such a bit reads wrong once that junction has flipped.
    disturbed_share: ClassVar[float]
    wrong_once_flipped: ClassVar[float]

    def decision_error_rate(self, spec: DeviceErrorSpec, read_voltage_mv):
        """Probability that a read decides a stored bit wrong (the two states averaged)."""
        raise NotImplementedError

    def disturb_error_rate(self, junction_flipped):
        """A stored bit's error rate when a junction under disturb has flipped with
        probability `junction_flipped` (`hwmodel.device_errors`)."""
        return self.disturbed_share * self.wrong_once_flipped * np.asarray(junction_flipped)


class SingleEnded(MramCell):
    name = "1t1mtj"
    description = "one junction per bit, sensed against a midpoint reference"
    cells_per_bit = 1
    uses_reference = True
    disturbed_share = 0.5  # the bits stored in the disturbed state
    wrong_once_flipped = 1.0  # the junction now holds the other value

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
    disturbed_share = 1.0  # every bit has one junction in each state
    wrong_once_flipped = 0.5  # two equal junctions: the amplifier's offset decides

    def decision_error_rate(self, spec, read_voltage_mv):
        parallel, antiparallel = read_currents_ua(spec, read_voltage_mv)
        sigma_r = spec.resistance_sigma
        return wrong_decision(parallel - antiparallel, sigma_r * parallel,
                              sigma_r * antiparallel, spec.sense_offset_ua)
