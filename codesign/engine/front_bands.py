"""Cost bands of recorded design points, for the front's CSV and JSON.

Each design is re-costed at the low and the high corner of its search's technology
(`hwmodel.corners`: every ranged preset number at its cost-lowering or cost-raising bound), so
a reader sees how far each cost may be off. A design recorded without its architecture (a
study written before) gets no band.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from codesign.engine.study import design_record
from hwmodel import Architecture, WorkloadSpec, cost_bands, load_technology

BANDED_METRICS = ("area_mm2", "energy_pj", "latency_ns")


def design_bands(trial: Any, problem: Any) -> dict[str, float]:
    """`{metric}_low` and `{metric}_high` of a design trial's area, energy and latency."""
    architecture = design_record(trial, "architecture")
    if architecture is None:
        return {}
    network = problem.network(trial.params)
    workload = TypeAdapter(WorkloadSpec).validate_python(problem.recipe.workload_spec(network))
    bands = cost_bands(workload.build(), Architecture(**architecture),
                       load_technology(problem.technology))
    return {f"{metric}_{end}": getattr(bands[metric], end)
            for metric in BANDED_METRICS for end in ("low", "high")}
