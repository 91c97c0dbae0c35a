"""Architecture: the organisation choices a co-design search varies for a fixed network.

Categorical fields take the names of their kind families (`hwmodel.kinds`): adding a kind
adds a valid value. Numeric fields carry their valid ranges. A batch of designs is the same
fields as columns (`Columns`); `validate_columns` is the one validation of both: a scalar
`Architecture` is checked as a batch of one, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import annotated_types
import numpy as np
from pydantic import Field, model_validator

from hwmodel.components.adder_trees import PopcountCircuit
from hwmodel.components.ecc import ErrorCorrection
from hwmodel.components.mram_cell import MramCell
from hwmodel.components.sng import NO_GENERATOR, Generator
from hwmodel.dataflows import FirstLayerDataflow
from hwmodel.first_layer import FirstLayerMode
from hwmodel.kinds import Column, Kind, category_masks
from hwmodel.organisations import Organisation
from hwmodel.plan import Design
from hwmodel.technology import Spec

MergePoint = Literal["first_layer", "output"]
MERGE_POINTS: tuple[str, ...] = ("first_layer", "output")

# Upper bounds keep the integer arithmetic of the evaluator exact in float64 and reject
# values that are certainly typos; none of them is a physical limit.
MAX_ARRAY_DIM = 16_384
MAX_TILES = 1_000_000
MAX_BITSTREAM_LENGTH = 1 << 20
MIN_READ_VOLTAGE_MV, MAX_READ_VOLTAGE_MV = 10, 2000


def _names(family: type[Kind], *extra: str) -> Any:
    return Literal[(*family.names(), *extra)]  # type: ignore[valid-type]


def _listed(family: type[Kind]) -> str:
    """The kinds of a family as field descriptions list them (from its registry)."""
    return " | ".join(family.names())


class Architecture(Spec):
    """One hardware organisation: memory geometry, parallelism, input encoding."""

    organisation: _names(Organisation) = Field(  # type: ignore[valid-type]
        "shared_tiles", description=_listed(Organisation)
    )
    array_rows: int = Field(256, ge=2, le=MAX_ARRAY_DIM, description="rows per STT-MRAM array")
    array_cols: int = Field(
        256, ge=2, le=MAX_ARRAY_DIM, description="columns per array = lanes of a tile"
    )
    tiles: int = Field(
        16, ge=1, le=MAX_TILES, description="compute tiles (organisation shared_tiles only)"
    )
    first_layer_mode: _names(FirstLayerMode) = Field(  # type: ignore[valid-type]
        description="sc: stochastic bitstreams; fixed_point_*: conventional BNN baselines"
    )
    first_layer_dataflow: _names(FirstLayerDataflow) = Field(  # type: ignore[valid-type]
        "reread", description="what repeats when layer 1 runs N or B times"
    )
    popcount_circuit: _names(PopcountCircuit) = Field(  # type: ignore[valid-type]
        "ripple_tree", description=f"adder trees: {_listed(PopcountCircuit)}"
    )
    sng_kind: _names(Generator, NO_GENERATOR) = Field(  # type: ignore[valid-type]
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
    mram_cell: _names(MramCell) = Field(  # type: ignore[valid-type]
        "2t2mtj", description="1t1mtj: one junction and a reference; 2t2mtj: two junctions"
    )
    read_voltage_mv: int = Field(
        200, ge=MIN_READ_VOLTAGE_MV, le=MAX_READ_VOLTAGE_MV,
        description="bias across a junction as it is read (read energy vs decision errors)",
    )
    ecc: _names(ErrorCorrection) = Field(  # type: ignore[valid-type]
        "none", description=f"{_listed(ErrorCorrection)} (secded: a Hsiao SEC-DED code per "
        "64-bit row word)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Architecture:
        columns = {name: np.asarray([getattr(self, name)]) for name in FIELDS}
        for field, message in consistency_problems(columns):
            raise ValueError(f"{field}: {message}")
        return self

    @property
    def is_sc(self) -> bool:
        return FirstLayerMode.get(self.first_layer_mode).stochastic

    @property
    def effective_bitstream_length(self) -> int:
        """N as the hardware sees it: fixed-point first layers have no bitstream (N=1)."""
        return self.bitstream_length if self.is_sc else 1


FIELDS: tuple[str, ...] = tuple(Architecture.model_fields)
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "organisation": Organisation.names(),
    "first_layer_mode": FirstLayerMode.names(),
    "first_layer_dataflow": FirstLayerDataflow.names(),
    "popcount_circuit": PopcountCircuit.names(),
    "sng_kind": (*Generator.names(), NO_GENERATOR),
    "merge_point": MERGE_POINTS,
    "mram_cell": MramCell.names(),
    "ecc": ErrorCorrection.names(),
}


Masks = dict[str, dict[str, np.ndarray]]  # field -> value name -> designs with that value


def consistency_problems(columns: Mapping[str, np.ndarray],
                         masks: Masks | None = None) -> list[tuple[str, str]]:
    """Rules across fields, as (field, message) pairs; columns must be valid one by one."""
    masks = masks or {name: category_masks(columns[name], CATEGORICAL[name])
                      for name in CATEGORICAL}
    problems = []
    modes = Column(FirstLayerMode, masks["first_layer_mode"])
    stochastic = modes.any(lambda mode: mode.stochastic)
    no_generator = masks["sng_kind"][NO_GENERATOR]
    if np.any(stochastic & no_generator):
        problems.append(("sng_kind", "first_layer_mode 'sc' needs a stochastic number "
                                     f"generator: set sng_kind to {' | '.join(Generator.names())}"))
    lfsr = stochastic & masks["sng_kind"]["lfsr"]
    if np.any(lfsr & (columns["lfsr_width_bits"] < columns["input_bits"])):
        problems.append(("lfsr_width_bits", "must be at least input_bits"))
    generators = Column(Generator, masks["sng_kind"])
    deterministic = generators.any(lambda generator: generator.deterministic)
    output_merge = stochastic & masks["merge_point"]["output"]
    dataflows = Column(FirstLayerDataflow, masks["first_layer_dataflow"])
    for dataflow in dataflows.present:
        chosen = dataflows.mask(dataflow.name)
        for mode in modes.present:
            for deterministic_value in (False, True):
                for merge_value in (False, True):
                    rows = (chosen & modes.mask(mode.name) & (deterministic == deterministic_value)
                            & (output_merge == merge_value))
                    problem = dataflow.problem(mode, deterministic_value, merge_value)
                    if problem and np.any(rows):
                        problems.append(("first_layer_dataflow", f"{dataflow.name}: {problem}"))
    return problems


def _integers(name: str, values: np.ndarray) -> np.ndarray:
    numbers = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(numbers)) or np.any(numbers != np.round(numbers)):
        raise ValueError(f"{name}: values must be integers")
    for bound in Architecture.model_fields[name].metadata:
        if isinstance(bound, annotated_types.Ge) and np.any(numbers < bound.ge):
            raise ValueError(f"{name}: values must be >= {bound.ge}")
        if isinstance(bound, annotated_types.Le) and np.any(numbers > bound.le):
            raise ValueError(f"{name}: values must be <= {bound.le}")
    return numbers


def validate_columns(fields: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int, Masks]:
    """Broadcast Architecture fields (scalars or arrays) to columns and check every value;
    the categorical ones come with a mask per value name."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown architecture field(s): {', '.join(unknown)}")
    if "first_layer_mode" not in fields:
        raise ValueError("first_layer_mode: required")
    defaults = {
        name: info.default for name, info in Architecture.model_fields.items()
        if name != "first_layer_mode"
    }
    arrays = np.broadcast_arrays(*(np.asarray(fields.get(name, defaults.get(name)))
                                   for name in FIELDS))
    size = arrays[0].size
    columns: dict[str, np.ndarray] = {}
    masks: Masks = {}
    for name, values in zip(FIELDS, arrays, strict=True):
        values = values.reshape(size)
        if name in CATEGORICAL:
            values = np.asarray(values, dtype=str)
            masks[name] = category_masks(values, CATEGORICAL[name])
            unknown_values = ~np.logical_or.reduce(list(masks[name].values()))
            if unknown_values.any():
                bad = str(values[unknown_values][0])
                raise ValueError(f"{name}: {bad!r} is not one of {', '.join(CATEGORICAL[name])}")
            columns[name] = values
        else:
            columns[name] = _integers(name, values)
    for field, message in consistency_problems(columns, masks):
        raise ValueError(f"{field}: {message}")
    return columns, size, masks


def architectures_to_columns(architectures: Iterable[Architecture]) -> dict[str, np.ndarray]:
    """Field-wise arrays of a list of Architecture objects, ready for `evaluate_batch`."""
    items = list(architectures)
    return {name: np.asarray([getattr(arch, name) for arch in items]) for name in FIELDS}


def design_from_columns(columns: Mapping[str, np.ndarray], size: int, masks: Masks) -> Design:
    """The validated columns with their kinds resolved and the derived flags every layer's
    formulas share."""
    modes = Column(FirstLayerMode, masks["first_layer_mode"])
    dataflows = Column(FirstLayerDataflow, masks["first_layer_dataflow"])
    stochastic = modes.any(lambda mode: mode.stochastic)
    bits = columns["input_bits"]
    n = np.where(stochastic, columns["bitstream_length"], 1.0)
    output_merge = stochastic & masks["merge_point"]["output"]
    repetitions = modes.select(lambda mode: mode.repetitions(n, bits))
    return Design(
        size=size,
        organisation=Column(Organisation, masks["organisation"]),
        mode=modes,
        dataflow=dataflows,
        circuit=Column(PopcountCircuit, masks["popcount_circuit"]),
        generator=Column(Generator, masks["sng_kind"]),
        rows=columns["array_rows"],
        cols=columns["array_cols"],
        tiles=columns["tiles"],
        input_bits=bits,
        sharing=columns["sng_sharing"],
        lfsr_width=columns["lfsr_width_bits"],
        n=n,
        output_merge=output_merge,
        stochastic=stochastic,
        multibit=modes.any(lambda mode: mode.multibit_datapath),
        signed_first=np.where(modes.any(lambda mode: mode.signed), 1.0, 0.0),
        first_range=modes.select(lambda mode: mode.value_range(n, bits, output_merge)),
        first_repetitions=repetitions,
        latched=dataflows.any(lambda dataflow: dataflow.latched) & (repetitions > 1),
        cell=Column(MramCell, masks["mram_cell"]),
        ecc=Column(ErrorCorrection, masks["ecc"]),
        read_voltage=columns["read_voltage_mv"],
    )
