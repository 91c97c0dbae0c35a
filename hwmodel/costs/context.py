"""What every component reads: one batch of designs, laid out and scheduled.

`BatchContext` holds, for a batch of designs, the `Design` columns, the technology, each
layer's plan (`hwmodel.plan`), the organisation's work and logic counts
(`hwmodel.organisations`) and the quantities several components share, each derived once.
`LayerContext` is one layer of it; the evaluator sets its `cycles` and `latency_ns` before
any energy is asked for, and the batch's total area before the first energy too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from hwmodel.components import MramArray
from hwmodel.organisations import Logic
from hwmodel.plan import Design, LayerPlan, plan_layer
from hwmodel.technology import Technology
from hwmodel.workload import Workload


@dataclass
class LayerContext:
    """One layer of every design of the batch: its plan, the organisation's work on it and
    the logic it alone uses; its time once the evaluator has summed the cycles."""

    plan: LayerPlan
    work: dict[str, np.ndarray]  # `Organisation.work`: cycles, trees, accumulations, ...
    logic: dict[str, np.ndarray]  # `Logic.per_layer`: lanes, adders, ... this layer alone uses
    last: bool  # the output layer
    cycles: Any = None  # set by the evaluator
    latency_ns: Any = None  # set by the evaluator

    @property
    def first(self) -> bool:
        return self.plan.first

    @cached_property
    def threshold_bits(self):
        """Threshold bits read from the arrays (a word per comparison)."""
        return self.plan.comparisons * self.plan.acc_bits

    @cached_property
    def bits_sensed(self):
        """Weight and threshold bits sensed (data bits; check bits come on top)."""
        return self.plan.row_reads * self.plan.design.cols + self.threshold_bits

    @cached_property
    def activation_reads(self):
        """Bits of the layer's input read from the activation buffer (layers after the
        first read their input feature map once per pass)."""
        plan = self.plan
        return plan.shape.input_values * plan.repetitions if not plan.first else 0.0

    @property
    def activation_writes(self):
        """Bits written to the activation buffer: one output bit per thresholding."""
        return self.plan.comparisons


def _organisation_logic(design: Design, plans: list[LayerPlan]) -> Logic:
    """Each design's organisation's logic counts (one `Logic`, kinds merged by mask)."""
    if len(design.organisation.present) == 1:  # a group of `evaluate_by_organisation`
        return design.organisation.present[0].logic(plans, design)
    per_layer: list[dict[str, np.ndarray]] = [{} for _ in plans]
    shared: dict[str, np.ndarray] = {}
    for organisation in design.organisation.present:
        mask = design.organisation.mask(organisation.name)
        logic = organisation.logic(plans, design)
        for merged, counts in [*zip(per_layer, logic.per_layer, strict=True),
                               (shared, logic.shared)]:
            for key, value in counts.items():
                merged[key] = np.where(mask, value, merged.get(key, 0.0))
    return Logic(per_layer=per_layer, shared=shared)


def _weight_array(tech: Technology, design: Design) -> MramArray:
    """The arrays as the device choices build them: cells per bit, check and reference
    columns, read voltage."""
    cols = design.cols
    return MramArray(
        tech, design.rows, cols,
        cells_per_bit=design.cell.select(lambda cell: cell.cells_per_bit),
        check_columns=design.ecc.select_distinct(lambda ecc, cols: ecc.check_columns(cols), cols),
        reference_columns=design.cell.select(
            lambda cell: tech.mram.reference_columns if cell.uses_reference else 0.0),
        read_voltage_mv=design.read_voltage,
    )


@dataclass
class BatchContext:
    """A batch of designs as every component sees it."""

    tech: Technology
    design: Design
    layers: list[LayerContext]
    shared_logic: dict[str, np.ndarray]  # `Logic.shared`: the organisation's shared logic
    area_um2: Any = field(default=None)  # the chip's total area, set by the evaluator

    @classmethod
    def build(cls, workload: Workload, tech: Technology, design: Design) -> BatchContext:
        """Plan every layer, and count the organisation's work and logic on it."""
        last = len(workload.layers) - 1
        plans = [plan_layer(design, shape, index, last)
                 for index, shape in enumerate(workload.layers)]
        logic = _organisation_logic(design, plans)
        organisation = design.organisation
        layers = [LayerContext(plan=plan,
                               work=organisation.merge(lambda kind, plan=plan: kind.work(plan,
                                                                                         design)),
                               logic=counts, last=plan.index == last)
                  for plan, counts in zip(plans, logic.per_layer, strict=True)]
        return cls(tech=tech, design=design, layers=layers, shared_logic=logic.shared)

    @property
    def size(self) -> int:
        return self.design.size

    @property
    def first(self) -> LayerContext:
        return self.layers[0]

    @cached_property
    def array(self) -> MramArray:
        """One weight array of every design (cells, periphery, read energies)."""
        return _weight_array(self.tech, self.design)

    @cached_property
    def arrays(self):
        """Weight arrays of the whole network."""
        return sum(layer.plan.arrays for layer in self.layers)

    @cached_property
    def mram_cells(self):
        """Junctions of every array (check and reference cells included)."""
        return self.arrays * self.design.rows * self.array.cells_per_row

    @cached_property
    def pixels(self) -> int:
        """Values of layer 1's input (the image)."""
        return self.first.plan.shape.input_values
