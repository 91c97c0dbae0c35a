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

import functools
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
from hwmodel.device_errors import ErrorRates, lifetime_error_rates
from hwmodel.plan import Design, LayerPlan
from hwmodel.report import Counts
from hwmodel.technology import Technology
from hwmodel.workload import Workload

CHUNK_DESIGNS = 16_384  # designs evaluated together (`evaluate_by_organisation`)
TIMING_COUNTS = ("cycles",)  # counts of the layer's schedule, not of one component


def _total(values: Iterable[Any], size: int) -> np.ndarray:
    """The sum of columns, in place, skipping the scalar zeros of components a layer or a
    design does not have (most are, in any one layer): the batch path's hot loop. The first
    two terms make the new column (no copy of the first), the others add into it."""
    first, total = None, None
    for value in values:
        if is_nothing(value):
            continue
        if first is None:
            first = value
        elif total is None:
            total = np.add(np.broadcast_to(first, (size,)), value, dtype=float)
        else:
            total += value
    if total is not None:
        return total
    return np.array(np.broadcast_to(first, (size,)), dtype=float) if first is not None else (
        np.zeros(size))


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
    rows_at_once: np.ndarray  # weight rows sensed in one cycle
    tree_width: np.ndarray  # inputs of one popcount tree
    peak_power_mw: np.ndarray  # the layer's busiest cycle (`Component.cycle_energy_fj`)
    peak_current_a: np.ndarray  # its supply current (`Component.instant_current_ua`)
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
    latency_ns: np.ndarray  # one inference, first input to last output
    interval_ns: np.ndarray  # between inferences (the latency unless layers overlap)
    peak_power_mw: np.ndarray  # the busiest cycle's energy over the cycle
    peak_current_a: np.ndarray  # the supply current of the busiest cycle
    effective_bitstream_length: np.ndarray  # N; 1 without SC
    mram_cells: np.ndarray  # junctions of every array (check and reference cells included)
    error_rates: ErrorRates  # the device's error rates over the life (hwmodel.device_errors)

    @property
    def bit_error_rate(self) -> np.ndarray:
        """A stored bit reads wrong (at the technology's rated age and temperature)."""
        return self.error_rates.bit_error_rate

    @property
    def weight_error_rate(self) -> np.ndarray:
        """A weight reads wrong after error correction."""
        return self.error_rates.weight_error_rate

    @property
    def component_names(self) -> tuple[str, ...]:
        """The components this evaluation summed, in breakdown order."""
        return tuple(self.raw_shared_area_um2)

    @cached_property
    def energy_pj(self) -> np.ndarray:
        return _total((layer.energy_total_pj for layer in self.layers), self.size)

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
    Groups are cut into equal chunks of at most CHUNK_DESIGNS designs (no small remainder
    paying a whole chunk's overhead), so that their columns stay in the processor's cache
    (benchmarks/hw_throughput.py: 15-25 % faster than whole groups of 33,000). The batch
    path (`evaluate_batch`) puts the groups' results back in order."""
    columns, size, masks = validate_columns(fields)
    groups = [chunk
              for group in (np.flatnonzero(mask) for mask in masks["organisation"].values())
              if group.size
              for chunk in np.array_split(group, -(-group.size // CHUNK_DESIGNS))]
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


def _overrides(components: list[Component], method: str) -> list[Component]:
    """The components that implement `method` themselves (the others take the default)."""
    default = getattr(Component, method)
    return [component for component in components
            if getattr(type(component), method) is not default]


def _areas(batch: BatchContext, components: list[Component]
           ) -> tuple[dict[str, Any], list[dict[str, Any]], list[np.ndarray]]:
    """(shared area, each layer's area, each layer's total) by component, in breakdown order.
    Every component's own area first (each layer's and the batch's `hardware_area_um2`; their
    standard cells, `placed_area_um2`, when asked for), then the components whose area
    follows from those (`Component.after_total`); sets the chip's total area on the batch."""
    size, layers = batch.size, batch.layers
    early = [component for component in components if not component.after_total]
    late = [component for component in components if component.after_total]
    shared = {component.name: component.shared_area_um2() for component in early}
    per_layer = [{component.name: component.area_um2(layer) for component in early}
                 for layer in layers]
    unplaced = frozenset(component.name for component in components if not component.placed)
    for layer, area in zip(layers, per_layer, strict=True):
        layer.hardware_area_um2 = _total(area.values(), size)
        layer.own_area_um2, layer.unplaced = area, unplaced
    batch.own_shared_area_um2, batch.unplaced = shared, unplaced
    batch.hardware_area_um2 = _total([*(layer.hardware_area_um2 for layer in layers),
                                      *shared.values()], size)
    late_shared = {component.name: component.shared_area_um2() for component in late}
    late_layers = [{component.name: component.area_um2(layer) for component in late}
                   for layer in layers]
    layer_totals = [_total([layer.hardware_area_um2, *extra.values()], size)
                    for layer, extra in zip(layers, late_layers, strict=True)]
    batch.area_um2 = _total([batch.hardware_area_um2, *late_shared.values(),
                             *(value for extra in late_layers for value in extra.values())],
                            size)
    order = [component.name for component in components]
    shared = {**shared, **late_shared}
    merged = [{**area, **extra} for area, extra in zip(per_layer, late_layers, strict=True)]
    return ({name: shared[name] for name in order},
            [{name: area[name] for name in order} for area in merged], layer_totals)


def _overlapped(design: Design) -> np.ndarray | None:
    """The designs whose layers overlap (`Schedule.overlaps_layers`), or None if none do."""
    if not any(kind.overlaps_layers for kind in design.schedule.present):
        return None
    return design.schedule.any(lambda kind: kind.overlaps_layers)


def _schedule(batch: BatchContext, components: list[Component]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Each layer's cycles (the organisation's, and what components add), latency and the
    time the chip's static power is charged to it; (latency, interval) of an inference."""
    for layer in batch.layers:
        cycles = layer.work["cycles"]
        for component in components:
            extra = component.cycles(layer)
            if not is_nothing(extra):
                cycles = cycles + extra
        layer.cycles, layer.latency_ns = cycles, cycles * batch.tech.cycle_ns
    latency = _total((layer.latency_ns for layer in batch.layers), batch.size)
    overlapped = _overlapped(batch.design)
    if overlapped is None:
        for layer in batch.layers:
            layer.static_ns = layer.latency_ns
        return latency, latency
    slowest = np.max([layer.latency_ns for layer in batch.layers], axis=0)
    for layer in batch.layers:  # the chip is charged per inference for the interval
        layer.static_ns = np.where(overlapped, layer.latency_ns * slowest / latency,
                                   layer.latency_ns)
    return (np.where(overlapped, len(batch.layers) * slowest, latency),
            np.where(overlapped, slowest, latency))


def _busiest_cycle(batch: BatchContext, components: list[Component],
                   results: list[LayerResult]) -> tuple[np.ndarray, np.ndarray]:
    """(peak power mW, peak current A): the busiest layer's cycle, or every layer's cycle
    at once where the layers overlap, plus the static power drawn in every cycle."""
    power = [result.peak_power_mw for result in results]
    current = [result.peak_current_a for result in results]
    power_mw, current_a = functools.reduce(np.maximum, power), functools.reduce(np.maximum,
                                                                               current)
    overlapped = _overlapped(batch.design)
    if overlapped is not None:
        power_mw = np.where(overlapped, _total(power, batch.size), power_mw)
        current_a = np.where(overlapped, _total(current, batch.size), current_a)
    static_mw = _total((component.static_power_nw() for component in components),
                       batch.size) * 1e-6
    return power_mw + static_mw, current_a + static_mw * 1e-3 / batch.tech.supply_v


def _layer_result(layer: LayerContext, components: list[Component], area: dict[str, Any],
                  area_total: np.ndarray, tech: Technology, peaked: list[Component],
                  currents: list[Component]) -> LayerResult:
    """The layer's energy and counts by component, with its area and time, and its busiest
    cycle: the components that say what they spend in it (`peaked`), the others' energy
    spread over the layer's busy steps (the result keeps no reference to the batch)."""
    size = layer.plan.design.size
    energy = {component.name: component.energy_fj(layer) for component in components}
    total_fj = _total(energy.values(), size)
    spread = total_fj - _total((energy[component.name] for component in peaked), size)
    cycle_fj = spread / layer.steps + _total(
        (component.cycle_energy_fj(layer) for component in peaked), size)
    counts: dict[str, Any] = dict.fromkeys(count_names(components), 0.0)
    for component in components:
        counts.update(component.layer_counts(layer))
    counts["cycles"] = layer.cycles
    return LayerResult(
        plan=layer.plan, size=size, busy_units=layer.work["busy_units"], cycles=layer.cycles,
        latency_ns=layer.latency_ns, area_total_um2=area_total,
        energy_total_pj=total_fj * FJ_TO_PJ, rows_at_once=layer.work["rows_at_once"],
        tree_width=np.broadcast_to(layer.work["tree_width"], (size,)),
        peak_power_mw=cycle_fj / tech.cycle_ns * 1e-3,  # fJ / ns = uW
        peak_current_a=(cycle_fj / (tech.supply_v * tech.cycle_ns)  # fJ / (V ns) = uA
                        + _total((component.instant_current_ua(layer)
                                  for component in currents), size)) * 1e-6,
        raw_counts=counts, raw_area_um2=area, raw_energy_fj=energy,
    )


def _evaluate(workload: Workload, tech: Technology, design: Design) -> Evaluation:
    """The sum of the registered components (`hwmodel.costs`) over one batch: every area
    first (the placement and the wires follow from the rest; nothing in an area depends on
    time or on the device's error rates), then the schedule (the wires' stages read the
    areas; energies read the cycles), then the device's error rates (the reads of a life
    need the interval between inferences; ECC's activity reads them), then each layer's
    energy and busiest cycle."""
    size = design.size
    batch = BatchContext.build(workload, tech, design)
    _check_logic_priced(batch)
    components = [component(batch) for component in Component.registry.values()]
    shared_area, layer_areas, layer_totals = _areas(batch, components)
    latency, interval = _schedule(batch, components)
    batch.error_rates = lifetime_error_rates(tech, batch, interval)  # reads of a life
    peaked = _overrides(components, "cycle_energy_fj")
    currents = _overrides(components, "instant_current_ua")
    results = [_layer_result(layer, components, area, total, tech, peaked, currents)
               for layer, area, total in zip(batch.layers, layer_areas, layer_totals,
                                             strict=True)]
    peak_power, peak_current = _busiest_cycle(batch, components, results)
    return Evaluation(size=size, layers=results, raw_shared_area_um2=shared_area,
                      area_um2=batch.area_um2, latency_ns=latency, interval_ns=interval,
                      peak_power_mw=peak_power, peak_current_a=peak_current,
                      effective_bitstream_length=design.n,
                      mram_cells=np.broadcast_to(batch.mram_cells, (size,)),
                      error_rates=batch.error_rates)
