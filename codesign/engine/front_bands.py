"""Cost bands of recorded design points, for the front's CSV and JSON and the error bars of
`pareto.png`.

Each design is re-costed at the low and the high corner of its search's technology
(`hwmodel.corners`: every ranged preset number at its cost-lowering or cost-raising bound), so
a reader sees how far each cost may be off. A design recorded without its architecture (a
study written before) gets no band.

The designs of one network share a workload: they are costed as one batch per network
(`hwmodel.evaluate_corners`), with the technology read once, not one design at a time (on the
900-point front of the main job: 29 s one by one, under a second batched).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from codesign.engine.study import design_record
from hwmodel import Architecture, evaluate_corners, load_technology, parse_workload_spec
from hwmodel.architecture import architectures_to_columns

BANDED_METRICS = ("area_mm2", "energy_pj", "latency_ns")


def front_bands(trials: Iterable[Any], problem: Any) -> dict[int, dict[str, float]]:
    """Trial number -> `{metric}_low` and `{metric}_high` of its area, energy and latency
    (`{}` for a design recorded without its architecture)."""
    trials = list(trials)
    bands: dict[int, dict[str, float]] = {trial.number: {} for trial in trials}
    by_network: dict[str, list[tuple[int, Architecture]]] = {}
    networks = {}
    for trial in trials:
        architecture = design_record(trial, "architecture")
        if architecture is None:
            continue
        network = problem.network(trial.params)
        networks[network.key()] = network
        by_network.setdefault(network.key(), []).append((trial.number,
                                                         Architecture(**architecture)))
    if not by_network:
        return bands
    technology = load_technology(problem.technology)
    for key, designs in by_network.items():
        workload = parse_workload_spec(
            problem.recipe.workload_spec(networks[key]))
        result = evaluate_corners(workload.build(), technology,
                                  architectures_to_columns(a for _, a in designs))
        columns = {metric: result.band(metric) for metric in BANDED_METRICS}
        for index, (number, _) in enumerate(designs):
            bands[number] = {f"{metric}_{end}": float(columns[metric][side][index])
                             for metric in BANDED_METRICS
                             for end, side in (("low", 0), ("high", 2))}
    return bands


def design_bands(trial: Any, problem: Any) -> dict[str, float]:
    """One design's bands (a batch of one)."""
    return front_bands([trial], problem)[trial.number]
