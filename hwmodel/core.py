"""The evaluator: area, energy per inference and latency of many designs at once.

Written once, over arrays: every quantity is a numpy column with one value per design, and a
single design is a batch of one (`hwmodel.evaluate` wraps it into a `CostReport`). The cost is
the sum of the registered hardware components (`hwmodel.costs`: each computes its own area,
cycles, energy and counts); this module schedules the layers, sums the components, groups and
chunks the batch, and keeps the breakdowns for when they are read. Categorical choices
dispatch to their kind classes (`hwmodel.kinds`), never to if-chains. The equations are in
docs/hwmodel.md; the layout of a layer is `hwmodel.plan`, what the organisation contributes is
`hwmodel.organisations`, the first-layer modes and dataflows their modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from hwmodel.architecture import CATEGORICAL, design_from_columns, validate_columns
from hwmodel.costs import (
    FJ_TO_PJ,
    BatchContext,
    Component,
    LayerContext,
    is_nothing,
    priced_logic_keys,
)
from hwmodel.device_errors import raw_bit_error_rate, weight_error_rate
from hwmodel.plan import Design, LayerPlan
from hwmodel.report import Counts
from hwmodel.technology import Technology
from hwmodel.workload import Workload

CHUNK_DESIGNS = 16_384  # designs evaluated together (`evaluate_by_organisation`)
TIMING_COUNTS = ("cycles",)  # counts of the layer's schedule, not of one component


def _total(values: Iterable[Any], size: int) -> np.ndarray:
    """The sum of columns, in place, skipping the scalar zeros of components a layer or a
    design does not have (most are, in any one layer): the batch path's hot loop."""
    total = None
    for value in values:
        if is_nothing(value):
            continue
        if total is None:
            total = np.array(np.broadcast_to(value, (size,)), dtype=float)
        else:
            total += value
    return total if total is not None else np.zeros(size)


def _columns_of(values: dict[str, Any], size: int) -> dict[str, np.ndarray]:
    """Every entry as a column of `size` (scalars broadcast, without a copy)."""
    return {key: np.broadcast_to(value, (size,)) for key, value in values.items()}


def count_names(components: Iterable[Component]) -> tuple[str, ...]:
    """The counts the components report, in the report's order (`Counts`), then any a newer
    component adds, then the schedule's."""
    owned = [name for component in components for name in component.counts]
    declared = [name for name in Counts.model_fields if name in owned]
    return (*declared, *(name for name in owned if name not in declared), *TIMING_COUNTS)


@dataclass
class LayerResult:
    """One layer of every design: its plan, work, time and cost (arrays over designs).

    The totals are summed as the layer is evaluated; the breakdowns are views made when
    first asked for (a search of thousands of designs needs the totals only)."""

    plan: LayerPlan
    size: int
    busy_units: np.ndarray
    cycles: np.ndarray
    latency_ns: np.ndarray
    area_total_um2: np.ndarray
    energy_total_pj: np.ndarray
    raw_counts: dict[str, Any]
    raw_area_um2: dict[str, Any]  # hardware this layer alone uses, by component
    raw_energy_fj: dict[str, Any]

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_counts, self.size)

    @cached_property
    def area_um2(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_area_um2, self.size)

    @cached_property
    def energy_pj(self) -> dict[str, np.ndarray]:
        return {key: np.broadcast_to(np.multiply(value, FJ_TO_PJ), (self.size,))
                for key, value in self.raw_energy_fj.items()}


@dataclass
class Evaluation:
    """Every design of a batch: totals, and (when asked for) breakdowns by component and by
    layer and the counts."""

    size: int
    layers: list[LayerResult]
    raw_shared_area_um2: dict[str, Any]  # hardware all layers use, by component
    area_um2: np.ndarray
    effective_bitstream_length: np.ndarray  # N; 1 without SC
    mram_cells: np.ndarray  # junctions of every array (check and reference cells included)
    bit_error_rate: np.ndarray  # a stored bit reads wrong (hwmodel.device_errors)
    weight_error_rate: np.ndarray  # a weight reads wrong after error correction

    @property
    def component_names(self) -> tuple[str, ...]:
        """The components this evaluation summed, in breakdown order."""
        return tuple(self.raw_shared_area_um2)

    @cached_property
    def energy_pj(self) -> np.ndarray:
        return _total((layer.energy_total_pj for layer in self.layers), self.size)

    @cached_property
    def latency_ns(self) -> np.ndarray:
        return _total((layer.latency_ns for layer in self.layers), self.size)

    @cached_property
    def shared_area_um2(self) -> dict[str, np.ndarray]:
        return _columns_of(self.raw_shared_area_um2, self.size)

    @cached_property
    def area_by_component_um2(self) -> dict[str, np.ndarray]:
        return {name: _total([self.raw_shared_area_um2[name],
                              *(layer.raw_area_um2[name] for layer in self.layers)], self.size)
                for name in self.component_names}

    @cached_property
    def energy_by_component_pj(self) -> dict[str, np.ndarray]:
        return {name: _total((layer.raw_energy_fj[name] for layer in self.layers), self.size)
                * FJ_TO_PJ for name in self.component_names}

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        names = self.layers[0].raw_counts if self.layers else {}
        return {name: _total((layer.raw_counts[name] for layer in self.layers), self.size)
                for name in names}


def evaluate_columns(workload: Workload, tech: Technology, fields: dict[str, Any]) -> Evaluation:
    """Score every design given as Architecture fields (scalars or arrays, broadcast)."""
    columns, size, masks = validate_columns(fields)
    return _evaluate(workload, tech, design_from_columns(columns, size, masks))


def evaluate_by_organisation(
    workload: Workload, tech: Technology, fields: dict[str, Any]
) -> tuple[int, list[tuple[np.ndarray | slice, Evaluation]]]:
    """Score designs in groups of one organisation each: (designs, [(where, evaluation)]).

    The organisation shapes every layer's logic and work, so a mixed batch would compute each
    organisation's formulas for every design and keep a third; a group computes its own only.
    Groups hold at most CHUNK_DESIGNS designs, so that their columns stay in the processor's
    cache (benchmarks/hw_throughput.py: 15-25 % faster than whole groups of 33,000). The batch
    path (`evaluate_batch`) puts the groups' results back in order."""
    columns, size, masks = validate_columns(fields)
    groups = [group[start:start + CHUNK_DESIGNS]
              for group in (np.flatnonzero(mask) for mask in masks["organisation"].values())
              for start in range(0, group.size, CHUNK_DESIGNS)]
    if len(groups) <= 1:
        return size, [(slice(None), _evaluate(workload, tech,
                                              design_from_columns(columns, size, masks)))]
    codes = {name: _value_codes(kinds) for name, kinds in masks.items()}
    parts = []
    for where in groups:
        group_columns = {name: values[where] for name, values in columns.items()
                         if name not in CATEGORICAL}  # kinds travel as masks
        group_masks = {name: _value_masks(codes[name][where], kinds)
                       for name, kinds in masks.items()}
        design = design_from_columns(group_columns, where.size, group_masks)
        parts.append((where, _evaluate(workload, tech, design)))
    return size, parts


def _value_codes(masks: dict[str, np.ndarray]) -> np.ndarray:
    """The index of each design's value among the names of `masks` (they are disjoint): a
    group gathers one small integer per design instead of a mask per value."""
    codes = np.zeros(next(iter(masks.values())).shape, dtype=np.int16)
    for index, mask in enumerate(masks.values()):
        if index:
            codes += np.int16(index) * mask
    return codes


def _value_masks(codes: np.ndarray, names: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The masks of a group, from its codes (`_value_codes`)."""
    return {name: codes == index for index, name in enumerate(names)}




def _check_logic_priced(batch: BatchContext) -> None:
    """Every logic count of the organisation must be some component's (a new kind of logic
    without a component would vanish from the cost)."""
    counted = set(batch.shared_logic).union(*(layer.logic for layer in batch.layers))
    unpriced = sorted(counted - priced_logic_keys())
    if unpriced:
        raise ValueError(f"organisation logic {', '.join(unpriced)}: no hardware component "
                         "prices it (hwmodel.costs.Component.logic_units)")


def _schedule(batch: BatchContext, components: list[Component]) -> None:
    """Each layer's cycles (the organisation's, and what components add) and latency."""
    for layer in batch.layers:
        cycles = layer.work["cycles"]
        for component in components:
            extra = component.cycles(layer)
            if not is_nothing(extra):
                cycles = cycles + extra
        layer.cycles, layer.latency_ns = cycles, cycles * batch.tech.cycle_ns


def _areas(batch: BatchContext, components: list[Component]
           ) -> tuple[dict[str, Any], list[dict[str, Any]], list[np.ndarray]]:
    """(shared area, each layer's area, each layer's total) by component; sets the chip's
    total area on the batch (leakage reads it)."""
    size = batch.size
    shared = {component.name: component.shared_area_um2() for component in components}
    per_layer = [{component.name: component.area_um2(layer) for component in components}
                 for layer in batch.layers]
    layer_totals = [_total(area.values(), size) for area in per_layer]
    batch.area_um2 = _total([*layer_totals, *shared.values()], size)
    return shared, per_layer, layer_totals


def _layer_result(layer: LayerContext, components: list[Component], area: dict[str, Any],
                  area_total: np.ndarray, size: int) -> LayerResult:
    """The layer's energy and counts by component, with its area and time (the result keeps
    no reference to the batch: only what it reports stays in memory)."""
    energy = {component.name: component.energy_fj(layer) for component in components}
    counts: dict[str, Any] = dict.fromkeys(count_names(components), 0.0)
    for component in components:
        counts.update(component.layer_counts(layer))
    counts["cycles"] = layer.cycles
    return LayerResult(
        plan=layer.plan, size=size, busy_units=layer.work["busy_units"], cycles=layer.cycles,
        latency_ns=layer.latency_ns, area_total_um2=area_total,
        energy_total_pj=_total(energy.values(), size) * FJ_TO_PJ, raw_counts=counts,
        raw_area_um2=area, raw_energy_fj=energy,
    )


def _evaluate(workload: Workload, tech: Technology, design: Design) -> Evaluation:
    """The sum of the registered components (`hwmodel.costs`) over one batch: the schedule
    first (energies read the cycles), then every area (leakage reads the total), then each
    layer's energy; and the device's error rates."""
    size = design.size
    batch = BatchContext.build(workload, tech, design)
    _check_logic_priced(batch)
    components = [component(batch) for component in Component.registry.values()]
    _schedule(batch, components)
    shared_area, layer_areas, layer_totals = _areas(batch, components)
    results = [_layer_result(layer, components, area, total, size)
               for layer, area, total in zip(batch.layers, layer_areas, layer_totals,
                                             strict=True)]
    raw = raw_bit_error_rate(tech.device_errors, design.cell, design.read_voltage)
    return Evaluation(size=size, layers=results, raw_shared_area_um2=shared_area,
                      area_um2=batch.area_um2, effective_bitstream_length=design.n,
                      mram_cells=np.broadcast_to(batch.mram_cells, (size,)),
                      bit_error_rate=np.broadcast_to(raw, (size,)),
                      weight_error_rate=np.broadcast_to(
                          weight_error_rate(raw, design.ecc, design.cols), (size,)))
