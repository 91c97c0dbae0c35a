"""Cost bands: every design at the technology's nominal numbers and at its two cost corners.

A preset's numbers are estimates inside ranges (`Technology.ranges`); a cost read from one
number hides how far it may be off. `evaluate_corners` scores a batch three times: at
`tech.at_corner("low")` (every ranged cost field at its cost-lowering bound), at the nominal
technology, and at `tech.at_corner("high")`. Area, energy and latency are monotone in every
ranged field (tests/hwmodel/test_technology_ranges.py), so the corners bound them over the
whole box of ranges. The busiest cycle's power and current are not: a faster clock (the low
corner) lowers the energy but packs it into a shorter cycle, so their band is the smallest
and largest of the three evaluations, an indication rather than a bound. Bit-error rates stay
nominal (the device's error fields have their own corners, `Technology.error_range_fields`).

Corners are opt-in: they cost two more evaluations of the batch (benchmarks/hw_throughput.py
--corners measures the ratio); a search evaluates one technology, nominal or a corner
(`hardware.cost_corner`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hwmodel.architecture import Architecture
from hwmodel.batch import BatchResult, evaluate_batch
from hwmodel.report import CostBand
from hwmodel.technology import Technology
from hwmodel.workload import Workload

CostCorner = Literal["low", "nominal", "high"]
COST_CORNERS: tuple[str, ...] = ("low", "nominal", "high")
# The totals a band is given for: bounded by the corners (monotone in every ranged field) ...
BOUNDED = ("area_um2", "area_mm2", "energy_pj", "latency_ns", "interval_ns")
# ... and spanned by them (the clock moves these the other way from the energies).
SPANNED = ("peak_power_mw", "peak_current_a")
BANDED = BOUNDED + SPANNED


def corner_technology(tech: Technology, corner: str) -> Technology:
    """The technology at a cost corner: "nominal" is `tech` itself; "low" and "high" move
    every ranged cost field to its bound (a technology without ranges stays as it is)."""
    if corner not in COST_CORNERS:
        raise ValueError(f"cost corner must be one of {', '.join(COST_CORNERS)}, not {corner!r}")
    if corner == "nominal" or not tech.cost_range_fields:
        return tech
    return tech.at_corner(corner)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CornerResult:
    """One batch at the low corner, nominal and the high corner (`BatchResult` each)."""

    low: BatchResult
    nominal: BatchResult
    high: BatchResult

    def band(self, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(smallest, nominal, largest) of a total over the three evaluations, per design."""
        values = np.stack([getattr(result, metric) for result in (self.low, self.nominal,
                                                                  self.high)])
        return values.min(axis=0), values[1], values.max(axis=0)

    def bands(self, index: int) -> dict[str, dict[str, float]]:
        """Design `index`'s bands as plain numbers: metric -> {low, nominal, high}."""
        return {metric: dict(zip(COST_CORNERS, (float(v[index]) for v in self.band(metric)),
                                 strict=True))
                for metric in BANDED}


def evaluate_corners(
    workload: Workload,
    technology: Technology,
    designs: Mapping[str, Any] | None = None,
    **fields: Any,
) -> CornerResult:
    """`evaluate_batch` at the low corner, nominal and the high corner of `technology`."""
    results = {corner: evaluate_batch(workload, corner_technology(technology, corner),
                                      designs, **fields)
               for corner in COST_CORNERS}
    return CornerResult(**results)


def cost_bands(workload: Workload, architecture: Architecture,
               technology: Technology) -> dict[str, CostBand]:
    """One design's bands (a batch of one): metric -> CostBand."""
    result = evaluate_corners(workload, technology, architecture.model_dump())
    return {metric: CostBand(**band) for metric, band in result.bands(0).items()}
