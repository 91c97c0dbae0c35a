"""Structured error maps: read errors that cluster in array columns and rows, as the fixed
offsets of sense amplifiers and the deviations of shared references make them.

A bit is read by a sense amplifier that compares the cell's current with another (the
complementary cell of a `2t2mtj` bit, the reference of a `1t1mtj` bit); the read is wrong when
the margin plus the noise changes sign. The noise has parts with different reach: the cell's
own deviation (one bit), the amplifier's input-referred offset (every bit of its array column:
one amplifier per column serves every row of its array) and, for `1t1mtj`, the reference's
deviation from the midpoint (every bit of the row, or of the array, that it serves). All are
fixed when the chip is made. The hardware model adds their variances and reports the mean rate
p = Q(margin / sigma) (docs/hwmodel.md, section 12); here the shared parts stay shared.

The model (a one-factor Gaussian model per cause). In units of sigma, bit w reads wrong when

    z_w = sqrt(1 - sum_k rho_k) e_w + s_w sum_k sqrt(rho_k) a_k[g_k(w)]  >  Q^-1(p),

with e_w and every a_k[g] independent standard normals, g_k(w) the group of cause k that holds
w (its column, row or array, `trainer.array_layout`), rho_k the share of the read-noise
variance that cause k contributes (`weight_errors.structure`), and s_w = +1/-1 the stored bit:
an offset pushes every decision of its group towards one state, so it misreads the bits of the
other state and helps those of its own. z_w is standard normal whatever the shares, so every
weight reads wrong with probability p exactly, the hardware model's mean rate, and the map's
uniform number u_w = Q(z_w) flips the weights with u < p: nested in p like the i.i.d. maps.
Given its offset a, a group misreads the bits of the disfavoured state at
Q((Q^-1(p) - sqrt(rho) a) / sqrt(1 - rho)): at p = 1e-3 and rho = 0.75, a column whose
offset is 2 standard deviations out misreads 0.33 % of them and one 3 out 16 %, while the
median column misreads 3e-10 (docs/trainer.md tabulates more). The shares are assumptions,
not measured numbers: the experiment (experiments/structured_errors.py) derives them from the
hardware model's preset, where the amplifier offset is most of the noise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from trainer.array_layout import WeightPositions, weight_positions
from trainer.config import SharedCause, WeightErrorConfig


class SharedCauseKind(ABC):
    """Which bits one instance of a cause serves: a group index per weight. Each
    `trainer.config.SharedCause` is one subclass; declaring it registers it."""

    cause: ClassVar[SharedCause]
    registry: ClassVar[dict[SharedCause, type[SharedCauseKind]]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        SharedCauseKind.registry[cls.cause] = cls

    @staticmethod
    @abstractmethod
    def groups(positions: WeightPositions, rows: int, cols: int) -> np.ndarray:
        """Group index (0, 1, ...) of every weight."""


class ColumnOffset(SharedCauseKind):
    """The sense amplifier of a column: every row of its array."""

    cause = SharedCause.COLUMN

    @staticmethod
    def groups(positions, rows, cols):
        return positions.array * cols + positions.column


class RowReference(SharedCauseKind):
    """A reference per row (the hardware model's reference columns): the row's bits."""

    cause = SharedCause.REFERENCE

    @staticmethod
    def groups(positions, rows, cols):
        return positions.array * rows + positions.row


class ArrayReference(SharedCauseKind):
    """One reference for a whole array: every bit of it."""

    cause = SharedCause.ARRAY_REFERENCE

    @staticmethod
    def groups(positions, rows, cols):
        return positions.array


@dataclass(frozen=True)
class ErrorStructure:
    """Shared causes with their shares of the read noise, on arrays of rows x cols."""

    shares: Mapping[SharedCause, float]
    rows: int
    cols: int

    @classmethod
    def from_config(cls, config: WeightErrorConfig) -> ErrorStructure:
        return cls(dict(config.structure), config.array_rows, config.array_cols)

    @property
    def independent(self) -> bool:
        """No shared cause: every weight flips independently."""
        return not self.shares

    def describe(self) -> str:
        if self.independent:
            return "independent flips"
        causes = ", ".join(f"{cause} {share:g}" for cause, share in self.shares.items())
        return f"clustered: {causes} of the read noise, {self.rows} x {self.cols} arrays"

    def to_json(self) -> dict:
        if self.independent:
            return {"structure": {}}
        return {"structure": {str(cause): share for cause, share in self.shares.items()},
                "array_rows": self.rows, "array_cols": self.cols}


INDEPENDENT = ErrorStructure({}, rows=256, cols=256)  # the geometry plays no part


class StructuredUniforms:
    """Draws, per map, u_w = Q(z_w) for every weight of a network (module docstring): each
    u_w is uniform on (0, 1), and the weights with u < p are the map's flips at rate p."""

    def __init__(self, layers: Mapping[str, torch.Tensor], structure: ErrorStructure):
        self.structure = structure
        self.stored: dict[str, torch.Tensor] = {}  # +1/-1 per weight, sign(0) = +1
        self.groups: dict[str, dict[SharedCause, tuple[torch.Tensor, int]]] = {}
        for name, weight in layers.items():
            positions = weight_positions(tuple(weight.shape), structure.rows, structure.cols)
            self.stored[name] = torch.where(weight.detach() >= 0, 1.0, -1.0).double()
            self.groups[name] = {}
            for cause in structure.shares:  # group of every weight, flattened (index_select
                group = SharedCauseKind.registry[cause].groups(  # is the fast CPU gather)
                    positions, structure.rows, structure.cols).ravel()
                self.groups[name][cause] = (torch.as_tensor(group, device=weight.device),
                                            int(group.max()) + 1)

    def draw(self, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """One map's u per layer (in place where it can: a layer has up to millions)."""
        own = float(np.sqrt(1.0 - sum(self.structure.shares.values())))
        uniforms = {}
        for name, stored in self.stored.items():
            z = torch.randn(stored.shape, generator=generator, dtype=torch.float64,
                            device=stored.device).mul_(own)
            shared = None
            for cause, share in self.structure.shares.items():
                group, count = self.groups[name][cause]
                offsets = torch.randn(count, generator=generator, dtype=torch.float64,
                                      device=stored.device)
                term = offsets.index_select(0, group).view_as(z).mul_(float(np.sqrt(share)))
                shared = term if shared is None else shared.add_(term)
            uniforms[name] = gaussian_tail_(z.add_(shared.mul_(stored))).float()
        return uniforms


def gaussian_tail_(z: torch.Tensor) -> torch.Tensor:
    """Q(z) = P(X > z) for a standard normal X, in place, accurate far into the upper tail
    (erfc; on a CPU it is also several times faster than float64 `torch.special.ndtr`)."""
    return z.mul_(0.5 ** 0.5).erfc_().mul_(0.5)

