"""`evaluate_batch`: score many designs of one workload and technology at once.

Every Architecture field may be an array (they broadcast together); fields left out take the
Architecture defaults. The result holds one value per design. It is `hwmodel.core`'s
evaluation, by organisation group: the totals at once, the breakdowns and counts when read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from hwmodel.core import Evaluation, evaluate_by_organisation
from hwmodel.report import TOTALS, derived_totals
from hwmodel.technology import Technology
from hwmodel.workload import Workload


@dataclass(frozen=True)
class BatchResult:
    """One entry per design: the totals, and the component breakdown, the energy per layer
    and the counts, gathered from the organisation groups when first read (a search needs
    the totals only)."""

    area_um2: np.ndarray
    area_mm2: np.ndarray
    energy_pj: np.ndarray
    latency_ns: np.ndarray
    interval_ns: np.ndarray  # between inferences: the latency, unless layers overlap
    inferences_per_s: np.ndarray
    average_power_mw: np.ndarray
    peak_power_mw: np.ndarray  # the busiest cycle (`hwmodel.report.TOTALS`)
    peak_current_a: np.ndarray
    peak_current_a_per_mm2: np.ndarray
    power_density_mw_per_mm2: np.ndarray
    area_latency_mm2_us: np.ndarray
    energy_delay_nj_us: np.ndarray
    effective_bitstream_length: np.ndarray
    bit_error_rate: np.ndarray  # a stored bit reads wrong (hwmodel.device_errors)
    weight_error_rate: np.ndarray  # a weight reads wrong after error correction
    parts: list[tuple[np.ndarray | slice, Evaluation]] = field(repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.area_um2.shape[0])

    def _gathered(self, read: Callable[[Evaluation], dict[str, np.ndarray]]
                  ) -> dict[str, np.ndarray]:
        if len(self.parts) == 1:
            return read(self.parts[0][1])
        out: dict[str, np.ndarray] = {}
        for where, evaluation in self.parts:
            for key, values in read(evaluation).items():
                out.setdefault(key, np.zeros(len(self)))[where] = values
        return out

    @cached_property
    def area_by_component_um2(self) -> dict[str, np.ndarray]:
        return self._gathered(lambda evaluation: evaluation.area_by_component_um2)

    @cached_property
    def energy_by_component_pj(self) -> dict[str, np.ndarray]:
        return self._gathered(lambda evaluation: evaluation.energy_by_component_pj)

    @cached_property
    def energy_by_layer_pj(self) -> dict[str, np.ndarray]:
        return self._gathered(lambda evaluation: {
            layer.plan.shape.name: layer.energy_total_pj for layer in evaluation.layers})

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        return self._gathered(lambda evaluation: evaluation.counts)

    @cached_property
    def bit_error_rate_by_cause(self) -> dict[str, np.ndarray]:
        """A stored bit's rate from each cause alone (`hwmodel.device_errors.CAUSES`)."""
        return self._gathered(lambda evaluation: evaluation.error_rates.by_cause)

    @cached_property
    def weight_reads(self) -> np.ndarray:
        """Reads of the most-read weight since its last write, at the rated age."""
        return self._gathered(lambda evaluation: {"reads": evaluation.error_rates.reads})["reads"]

    def row(self, index: int) -> dict[str, Any]:
        """Design `index` as plain numbers (for tables, JSON and tests)."""
        scalars = ("area_um2", "area_mm2", "energy_pj", "latency_ns", *TOTALS,
                   "bit_error_rate", "weight_error_rate")
        breakdowns = ("area_by_component_um2", "energy_by_component_pj", "energy_by_layer_pj")
        return {
            **{name: float(getattr(self, name)[index]) for name in scalars},
            "effective_bitstream_length": int(self.effective_bitstream_length[index]),
            **{name: {k: float(v[index]) for k, v in getattr(self, name).items()}
               for name in breakdowns},
            "counts": {k: int(v[index]) for k, v in self.counts.items()},
        }


def evaluate_batch(
    workload: Workload,
    technology: Technology,
    designs: Mapping[str, Any] | None = None,
    **fields: Any,
) -> BatchResult:
    """Score many architectures of one workload: Architecture fields as arrays or scalars.

    `designs` (a mapping such as `architectures_to_columns(...)`) and keyword fields are
    merged, keywords winning. Raises ValueError naming the field of a bad value.
    """
    size, parts = evaluate_by_organisation(workload, technology, {**(designs or {}), **fields})
    names = ("area_um2", "energy_pj", "latency_ns", "interval_ns", "peak_power_mw",
             "peak_current_a", "effective_bitstream_length", "bit_error_rate",
             "weight_error_rate")
    if len(parts) == 1:
        totals = {name: np.asarray(getattr(parts[0][1], name), dtype=float) for name in names}
    else:
        totals = {name: np.zeros(size) for name in names}
        for where, evaluation in parts:
            for name in names:
                totals[name][where] = getattr(evaluation, name)
    return BatchResult(
        **totals,
        **derived_totals(totals["area_um2"], totals["energy_pj"], totals["latency_ns"],
                         totals["interval_ns"], totals["peak_current_a"]),
        parts=parts,
    )
