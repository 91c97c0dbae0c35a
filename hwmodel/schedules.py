"""Schedules: how the layers of a network share time (`Architecture.schedule`).

* `sequential`: one inference at a time, layers one after another. The latency is the sum of
  the layers' times and the next inference starts when the last layer ends; the busiest cycle
  is the busiest cycle of one layer.
* `layer_pipelined`: every layer is a pipeline stage working on another inference (ISAAC's
  inter-layer pipeline, Shafiee et al., ISCA 2016): a new inference enters every interval =
  the slowest layer's time, and each inference advances one stage per interval, so the
  latency is layers x interval (at least the sequential latency: throughput against
  latency). Every layer is busy at once: the busiest cycle is the sum of the layers' busiest
  cycles. Each layer boundary keeps its own ping-pong activation buffer and each layer its
  own input register (`hwmodel.costs.buffers`, `hwmodel.costs.inputs`). Only organisations
  whose layers have their own logic can overlap them (`Organisation.layers_own_logic`):
  shared tiles serve one layer at a time.

The static power of the chip is paid per inference for the interval (the chip holds several
inferences at once), attributed to the layers in proportion to their cycles.
"""

from __future__ import annotations

from typing import ClassVar

from hwmodel.kinds import Kind
from hwmodel.organisations import Organisation


class Schedule(Kind):
    family: ClassVar[str] = "schedule"
    registry: ClassVar[dict[str, Kind]] = {}
    overlaps_layers: ClassVar[bool] = False  # every layer busy at once, on other inferences

    def problem(self, organisation: Organisation) -> str | None:
        """Why this schedule cannot run on the organisation, or None."""
        return None


class Sequential(Schedule):
    name = "sequential"
    description = "one inference at a time, layers one after another"


class LayerPipelined(Schedule):
    name = "layer_pipelined"
    short = "pipelined"
    description = "each layer a pipeline stage on another inference (throughput vs latency)"
    overlaps_layers = True

    def problem(self, organisation):
        if not organisation.layers_own_logic:
            own = ", ".join(kind.name for kind in Organisation.registry.values()
                            if kind.layers_own_logic)
            return (f"{organisation.name} serves one layer at a time: only sequential applies "
                    f"(layer_pipelined needs one of {own})")
        return None
