"""Architecture: the organisation choices a co-design search varies for a fixed network.

The categorical choices are Literals so a YAML typo is an error naming the field; the numeric
ones carry their valid ranges. `hwmodel.batch` accepts the same fields as numpy arrays.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from hwmodel.technology import Spec

SngKind = Literal["lfsr", "sobol", "mtj_trng", "none"]
FirstLayerMode = Literal["sc", "fixed_point_parallel", "fixed_point_bit_serial"]
MergePoint = Literal["first_layer", "output"]

SNG_KINDS: tuple[str, ...] = get_args(SngKind)
FIRST_LAYER_MODES: tuple[str, ...] = get_args(FirstLayerMode)
MERGE_POINTS: tuple[str, ...] = get_args(MergePoint)

# Upper bounds keep the integer arithmetic of the batch path exact in float64 and reject
# values that are certainly typos; none of them is a physical limit.
MAX_ARRAY_DIM = 16_384
MAX_TILES = 1_000_000
MAX_BITSTREAM_LENGTH = 1 << 20


class Architecture(Spec):
    """One hardware organisation: memory geometry, parallelism, input encoding."""

    array_rows: int = Field(256, ge=2, le=MAX_ARRAY_DIM, description="rows per STT-MRAM array")
    array_cols: int = Field(
        256, ge=2, le=MAX_ARRAY_DIM, description="columns per array = popcount width of a tile"
    )
    tiles: int = Field(16, ge=1, le=MAX_TILES, description="parallel compute tiles")
    first_layer_mode: FirstLayerMode = Field(
        description="sc: stochastic bitstreams; fixed_point_*: conventional BNN baselines"
    )
    sng_kind: SngKind = Field(
        "lfsr", description="stochastic number generator (ignored by fixed_point_* modes)"
    )
    sng_sharing: int = Field(1, ge=1, description="pixels served by one generator")
    lfsr_width_bits: int = Field(16, ge=3, le=32, description="LFSR register width")
    input_bits: int = Field(8, ge=1, le=16, description="bits per pixel")
    merge_point: MergePoint = Field(
        "first_layer", description="where the N bit-planes are merged (sc only)"
    )
    bitstream_length: int = Field(
        1, ge=1, le=MAX_BITSTREAM_LENGTH, description="N, bits per stochastic stream (sc only)"
    )

    @model_validator(mode="after")
    def _sng_consistent(self) -> Architecture:
        if self.first_layer_mode == "sc" and self.sng_kind == "none":
            raise ValueError(
                "first_layer_mode 'sc' needs a stochastic number generator: "
                "set sng_kind to lfsr, sobol or mtj_trng"
            )
        lfsr = self.first_layer_mode == "sc" and self.sng_kind == "lfsr"
        if lfsr and self.lfsr_width_bits < self.input_bits:
            raise ValueError("lfsr_width_bits must be at least input_bits")
        return self

    @property
    def is_sc(self) -> bool:
        return self.first_layer_mode == "sc"

    @property
    def effective_bitstream_length(self) -> int:
        """N as the hardware sees it: fixed-point first layers have no bitstream (N=1)."""
        return self.bitstream_length if self.is_sc else 1
