"""The one mapping between the trainer's vocabulary and the hardware model's.

`trainer` and `hwmodel` never see each other, so where a training choice becomes a hardware
choice the application says how, here and only here (the search, the export and the
experiments all use it).
"""

from __future__ import annotations

from hwmodel import NO_GENERATOR
from trainer.config import InputMode, SNGKind

# trainer SNG kind -> hwmodel generator kind: the ideal independent source is an MTJ true RNG
HARDWARE_SNG: dict[SNGKind, str] = {
    SNGKind.IDEAL: "mtj_trng",
    SNGKind.LFSR: "lfsr",
    SNGKind.SOBOL: "sobol",
}

# trainer input mode -> the hwmodel first-layer modes that can deploy it
FIRST_LAYER_MODES: dict[InputMode, tuple[str, ...]] = {
    InputMode.SC: ("sc",),
    InputMode.FIXED_POINT: ("fixed_point_parallel", "fixed_point_bit_serial"),
}


def hardware_sng(kind: SNGKind | None) -> str:
    """The generator that realises a trainer SNG kind (none without SC)."""
    return HARDWARE_SNG[SNGKind(kind)] if kind is not None else NO_GENERATOR
