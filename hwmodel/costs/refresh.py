"""A refresh: every weight rewritten each `refresh_period_s`, from a golden copy.

Read disturb and retention flips accumulate from a weight's last write
(`hwmodel.device_errors`); a design that rewrites its weights every T seconds sees the errors
of T, not of its whole life. The rewrite costs energy and time, charged per inference: each
refresh writes every used row (weight and threshold rows) of every array, one row at a time
(a row activation and every cell of the row programmed, check and reference cells included),
and the chip serves no inference meanwhile. A design that runs min(duty, its throughput)
inferences a second serves T min(duty, throughput) inferences per refresh; its throughput is
taken from the organisation's schedule (the ECC stage and the refresh itself, a few cycles and
a fraction of a percent, left out of that estimate). Where the golden copy lives (off-chip
flash, a host) and the cost of fetching it are not modelled.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from hwmodel.costs.base import Component


class Refresh(Component):
    name = "refresh"
    description = "periodic rewrite of the weights (energy and downtime, per inference)"

    @cached_property
    def refreshing(self) -> bool:
        return bool(np.any(self.design.refresh_period > 0))

    @cached_property
    def refreshes_per_inference(self):
        """1 / (inferences served between two refreshes); 0 without refresh."""
        period = np.asarray(self.design.refresh_period, dtype=float)
        spec = self.tech.device_errors
        if spec is None:
            raise ValueError("refresh_period_s: a refresh needs the technology's device_errors "
                             "(its duty_inferences_per_s)")
        cycles = sum(layer.work["cycles"] for layer in self.batch.layers)
        rate = np.minimum(spec.duty_inferences_per_s, 1e9 / (cycles * self.tech.cycle_ns))
        return np.where(period > 0, 1.0 / (np.maximum(period, 1.0) * rate), 0.0)

    @staticmethod
    def _rows(layer):
        return layer.plan.weight_rows + layer.plan.threshold_rows

    def cycles(self, layer):
        if not self.refreshing:
            return 0.0
        mram = self.tech.mram
        return (self._rows(layer) * mram.write_pulse_ns / self.tech.cycle_ns
                * self.refreshes_per_inference)

    def energy_fj(self, layer):
        if not self.refreshing:
            return 0.0
        mram = self.tech.mram
        row_write = (mram.row_activation_energy_fj
                     + self.batch.array.cells_per_row * mram.write_energy_fj_per_cell)
        return self._rows(layer) * row_write * self.refreshes_per_inference
