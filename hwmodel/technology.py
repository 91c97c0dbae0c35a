"""Technology: the physical numbers of one process node, specified once and cited in a preset.

Every number a cost depends on lives here, so that a preset YAML can state where it comes
from. Energies of devices and gates are in fJ (the scale at which they are published); the
reports convert to pJ. Areas are in um^2. Nothing here knows about networks or architectures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

Corner = Literal["low", "high"]
# A field whose cost falls as its value rises says so in its Field: json_schema_extra=COST_FALLS.
COST_FALLS = {"cost_falls_as_it_rises": True}
# Numbers that move a cost but carry no range of their own, and why (every other such number
# of a preset has one: tests/hwmodel/test_technology_ranges.py).
UNRANGED_COST_FIELDS = {
    "mram.read_voltage_mv": "the bias the cell read energy is quoted at; its uncertainty is "
                            "the read energy's range",
    "mram.reference_columns": "a count of the single-ended read scheme, not a measured number",
}


class Spec(BaseModel):
    """Base for every spec: unknown keys are errors, and specs are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def one_line(error: pydantic.ValidationError) -> str:
    """Every problem of a validation error on one line, each naming its field path.

    The project's one formatter of validation errors: the CLI puts a file name in front of
    it, and `hwmodel` uses it where a preset file fails inside another validation.
    """
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{location}: {message}" if location else message)
    return "; ".join(problems)


class GateSpec(Spec):
    """One logic primitive: its layout area and the energy of one use (one evaluation)."""

    area_um2: float = Field(gt=0, description="cell area")
    energy_fj: float = Field(ge=0, description="average dynamic energy per evaluation")


class LogicSpec(Spec):
    """Standard-cell primitives the digital components are built from."""

    full_adder: GateSpec
    half_adder: GateSpec = Field(description="the slice of an adder with no carry in")
    flip_flop: GateSpec = Field(description="D flip-flop; energy per clocked write")
    xnor: GateSpec = Field(description="2-input XNOR (also used for XOR: same complexity)")
    comparator_bit: GateSpec = Field(description="one bit-slice of a magnitude comparator")
    mux2: GateSpec = Field(description="2:1 multiplexer")
    and2: GateSpec = Field(description="2-input AND (also OR, NAND, NOR: the same size class)")


class MramSpec(Spec):
    """STT-MRAM array: bit cells plus the periphery that every array carries.

    How many cells store one bit is a design choice (`Architecture.mram_cell`), not a
    property of the technology.
    """

    cell_area_um2: float = Field(gt=0, description="area of one 1T1MTJ cell")
    read_energy_fj_per_cell: float = Field(
        ge=0, description="cell + bitline energy of one read at read_voltage_mv"
    )
    read_voltage_mv: float = Field(
        200.0, gt=0, description="the read voltage read_energy_fj_per_cell is quoted at; a "
                                 "design's read voltage scales that energy linearly"
    )
    reference_columns: int = Field(
        2, ge=0, description="reference cell columns per array of single-ended (1t1mtj) cells"
    )
    leakage_nw_per_cell: float = Field(
        ge=0, description="static power of a cell (its off access transistor); MTJs retain data"
    )
    row_activation_energy_fj: float = Field(ge=0, description="decoder + wordline, per row read")
    row_periphery_area_um2: float = Field(ge=0, description="decoder + wordline driver, per row")
    column_periphery_area_um2: float = Field(
        ge=0, description="precharge, column select, write driver, per column"
    )
    array_overhead_area_um2: float = Field(
        ge=0, description="per-array fixed overhead: timing, references, write supply"
    )

    @model_validator(mode="before")
    @classmethod
    def _cells_per_bit_moved(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cells_per_bit" in data:
            raise ValueError("cells_per_bit is now a design choice: architecture.mram_cell "
                             "(1t1mtj: one cell and a reference; 2t2mtj: two cells)")
        return data


class DeviceErrorSpec(Spec):
    """What makes a stored weight bit read wrong (`hwmodel.device_errors`).

    A read compares the junction's current with a reference (or with its complementary
    junction); junction resistances spread from device to device and the sense amplifier has
    an offset, so some bits are decided wrong at every read. Writes fail with some
    probability, and a junction's thermal stability sets how often it flips while it holds
    its bit. All three kinds of error are fixed for a given chip: one chip, one error map.
    """

    resistance_parallel_kohm: float = Field(gt=0, description="R_P of a junction at low bias")
    tmr: float = Field(gt=0, description="zero-bias TMR ratio (R_AP - R_P) / R_P")
    tmr_half_bias_mv: float = Field(gt=0, description="bias at which the TMR ratio halves")
    resistance_sigma: float = Field(
        ge=0, lt=1, description="relative standard deviation of a junction's resistance"
    )
    sense_offset_ua: float = Field(
        ge=0, description="standard deviation of a sense amplifier's input-referred offset"
    )
    thermal_stability: float = Field(gt=0, description="energy barrier / k_B T (Delta)")
    attempt_time_ns: float = Field(gt=0, description="attempt time tau_0 of thermal switching")
    retention_s: float = Field(
        ge=0, description="time from programming to the last inference (errors accumulate)"
    )
    write_error_rate: float = Field(
        ge=0, le=0.5, description="probability that programming leaves a cell in the wrong state"
    )


class SenseAmplifierSpec(Spec):
    """Sense amplifier that turns one bitline (pair) into a logic bit."""

    area_um2: float = Field(gt=0)
    energy_fj: float = Field(ge=0, description="per bit sensed")


class SramSpec(Spec):
    """Small SRAM buffers (activations, partial sums), periphery included per bit."""

    area_um2_per_bit: float = Field(gt=0)
    read_energy_fj_per_bit: float = Field(ge=0)
    write_energy_fj_per_bit: float = Field(ge=0)


class MtjTrngSpec(Spec):
    """Magnetic-tunnel-junction true random number generator: one random bit per read."""

    area_um2: float = Field(gt=0, description="one MTJ with its bias and read circuit")
    energy_fj_per_bit: float = Field(ge=0)


class ControlSpec(Spec):
    """Global sequencer: a fixed block that is clocked on every cycle."""

    area_um2: float = Field(ge=0)
    energy_fj_per_cycle: float = Field(ge=0)


class LeakageSpec(Spec):
    """Static power of the CMOS area (cells have their own figure in MramSpec)."""

    logic_nw_per_um2: float = Field(ge=0, description="leakage density of CMOS logic and SRAM")


class FieldRange(Spec):
    """The interval a preset number is known to: each bound with where it comes from.

    `low` and `high` are values of the field (low <= nominal <= high); which of them lowers a
    cost depends on the field (`Technology.cost_bound`).
    """

    low: float
    high: float
    source_low: str = Field(min_length=1, description="where the low bound comes from")
    source_high: str = Field(min_length=1, description="where the high bound comes from")


class Technology(Spec):
    """A process node with STT-MRAM, as one validated document (see hwmodel/presets/)."""

    name: str = Field(min_length=1)
    description: str = ""
    node_nm: float = Field(gt=0, le=1000)
    clock_mhz: float = Field(gt=0, le=10_000, json_schema_extra=COST_FALLS,
                             description="a faster clock lowers latency and leakage energy")
    supply_v: float = Field(gt=0, le=5)
    mram: MramSpec
    sense_amplifier: SenseAmplifierSpec
    logic: LogicSpec
    sram: SramSpec
    mtj_trng: MtjTrngSpec
    control: ControlSpec
    leakage: LeakageSpec
    device_errors: DeviceErrorSpec | None = Field(
        None, description="the bit-error model; without it every stored bit reads right"
    )
    sources: dict[str, str] = Field(
        default_factory=dict, description="field path -> where its number comes from"
    )
    calibration: list[str] = Field(
        default_factory=list, description="any adjustment made to a published number, with why"
    )
    ranges: dict[str, FieldRange] = Field(
        default_factory=dict,
        description="field path -> the interval its number is known to, with sources "
                    "(docs/hwmodel.md, 'Ranges and corners')",
    )

    @property
    def cycle_ns(self) -> float:
        return 1e3 / self.clock_mhz

    @model_validator(mode="after")
    def _ranges_hold(self) -> Technology:
        for path, interval in self.ranges.items():
            problem = _range_problem(self, path, interval)
            if problem:
                raise ValueError(f"ranges.{path}: {problem}")
        return self

    def value(self, path: str) -> float:
        """The number at a dotted field path (`mram.read_energy_fj_per_cell`)."""
        node: Any = self
        for part in path.split("."):
            node = getattr(node, part)
        return node

    def cost_bound(self, path: str, corner: Corner) -> float:
        """The bound of a ranged field that lowers ("low") or raises ("high") the costs."""
        interval = self.ranges[path]
        falls = cost_falls_as_it_rises(path)
        return interval.high if (corner == "low") == falls else interval.low

    def with_values(self, values: dict[str, float]) -> Technology:
        """This technology with the numbers at some field paths replaced (validated)."""
        data = self.model_dump()
        for path, number in values.items():
            *parents, leaf = path.split(".")
            node = data
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or leaf not in node:
                raise ValueError(f"{path}: no such field in technology {self.name!r}")
            node[leaf] = number
        return Technology.model_validate(data)

    def at_corner(self, corner: Corner, fields: Iterable[str] | None = None) -> Technology:
        """Every ranged field (or only `fields`) at its cost-lowering ("low") or
        cost-raising ("high") bound, the others at their nominal values.

        "high" takes the largest energy per read but the slowest clock: each bound is chosen
        for the costs, not for the number.
        """
        if corner not in ("low", "high"):
            raise ValueError(f"corner must be 'low' or 'high', not {corner!r}")
        chosen = list(self.ranges) if fields is None else list(fields)
        unknown = [path for path in chosen if path not in self.ranges]
        if unknown:
            raise ValueError(f"{unknown[0]}: no range in technology {self.name!r}")
        return self.with_values({path: self.cost_bound(path, corner) for path in chosen})


def field_info(path: str) -> FieldInfo | None:
    """The pydantic field behind a dotted path of Technology, or None if there is none."""
    model: Any = Technology
    info = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        args = [info.annotation, *getattr(info.annotation, "__args__", ())]
        model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return info


def cost_falls_as_it_rises(path: str) -> bool:
    info = field_info(path)
    extra = info.json_schema_extra if info is not None else None
    return isinstance(extra, dict) and bool(extra.get("cost_falls_as_it_rises"))


def _range_problem(tech: Technology, path: str, interval: FieldRange) -> str | None:
    """Why a range does not fit its field (None if it does): the path names a number of this
    technology, low <= nominal <= high, and each bound is a value the field accepts."""
    info = field_info(path)
    if info is None or path.split(".")[0] in ("ranges", "sources", "calibration"):
        return "no such field"
    try:
        nominal = tech.value(path)
    except AttributeError:
        return "no such field (its section is absent)"
    if isinstance(nominal, bool) or not isinstance(nominal, int | float):
        return "not a number"
    if not interval.low <= nominal <= interval.high:
        return (f"the nominal value {nominal:g} is outside low {interval.low:g} .. "
                f"high {interval.high:g}")
    *parents, leaf = path.split(".")
    parent = tech.value(".".join(parents)) if parents else tech.model_copy(update={"ranges": {}})
    for name, bound in (("low", interval.low), ("high", interval.high)):
        try:  # the field's own constraints (gt=0, an integer, ...) judge each bound
            type(parent).model_validate({**parent.model_dump(), leaf: bound})
        except pydantic.ValidationError as exc:
            return f"{name} {bound:g}: {one_line(exc)}"
    return None
