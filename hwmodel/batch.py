"""`evaluate_batch`: score many designs of one workload and technology at once.

Every Architecture field may be an array (they broadcast together); fields left out take the
Architecture defaults. The result holds one value per design. It is `hwmodel.core`'s
evaluation, reduced to the totals, the component breakdown and the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hwmodel.core import evaluate_columns
from hwmodel.technology import Technology
from hwmodel.workload import Workload


@dataclass(frozen=True)
class BatchResult:
    """One entry per design; totals, the component breakdown and the counts, all arrays."""

    area_um2: np.ndarray
    area_mm2: np.ndarray
    energy_pj: np.ndarray
    latency_ns: np.ndarray
    inferences_per_s: np.ndarray
    average_power_mw: np.ndarray
    effective_bitstream_length: np.ndarray
    bit_error_rate: np.ndarray  # a stored bit reads wrong (hwmodel.device_errors)
    weight_error_rate: np.ndarray  # a weight reads wrong after error correction
    area_by_component_um2: dict[str, np.ndarray] = field(default_factory=dict)
    energy_by_component_pj: dict[str, np.ndarray] = field(default_factory=dict)
    energy_by_layer_pj: dict[str, np.ndarray] = field(default_factory=dict)
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.area_um2.shape[0])

    def row(self, index: int) -> dict[str, Any]:
        """Design `index` as plain numbers (for tables, JSON and tests)."""
        scalars = ("area_um2", "area_mm2", "energy_pj", "latency_ns", "inferences_per_s",
                   "average_power_mw", "bit_error_rate", "weight_error_rate")
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
    evaluation = evaluate_columns(workload, technology, {**(designs or {}), **fields})
    area, energy, latency = evaluation.area_um2, evaluation.energy_pj, evaluation.latency_ns
    return BatchResult(
        area_um2=area,
        area_mm2=area * 1e-6,
        energy_pj=energy,
        latency_ns=latency,
        inferences_per_s=1e9 / latency,
        average_power_mw=energy / latency,
        effective_bitstream_length=evaluation.effective_bitstream_length,
        bit_error_rate=evaluation.bit_error_rate,
        weight_error_rate=evaluation.weight_error_rate,
        area_by_component_um2=evaluation.area_by_component_um2,
        energy_by_component_pj=evaluation.energy_by_component_pj,
        energy_by_layer_pj={layer.plan.shape.name: sum(layer.energy_pj.values())
                            for layer in evaluation.layers},
        counts=evaluation.counts,
    )
