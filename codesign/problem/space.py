"""The search space: what a user writes in `search_spaces/*.yaml`.

Everything is a finite set of choices (lists, or `{min, max}` ranges expanded to powers of two
or steps; a single value is a list of one), so the search is reproducible and a design point is
a plain dictionary of choices. Unknown keys are errors, and every error names its field. The
kinds a field accepts come from their registries (`hwmodel`'s families, `codesign.problem.kinds`,
`codesign.problem.objectives`). This module is the schema only; `codesign.problem.compiled`
compiles it into the problem the search and the reports read.

Old spellings still read (studies store their space): `input.sng_kinds: [ideal, lfsr]` with
`input.lfsr_width: 12` is `input.sngs: [ideal, {kind: lfsr, width: 12}]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from codesign.errors import one_line
from codesign.problem.kinds import FIRST_LAYER_MODES, SngSource
from codesign.problem.objectives import ACCURACY, OBJECTIVES, Objective
from hwmodel import (
    ErrorCorrection,
    FirstLayerDataflow,
    MramCell,
    Organisation,
    PopcountCircuit,
    Schedule,
)
from hwmodel.architecture import (
    MAX_ARRAY_DIM,
    MAX_BITSTREAM_LENGTH,
    MAX_READ_VOLTAGE_MV,
    MAX_REFRESH_PERIOD_S,
    MAX_TILES,
    MIN_READ_VOLTAGE_MV,
)
from trainer.config import (
    Accelerator,
    FileName,
    InputMode,
    MergePoint,
    Precision,
    Seed,
    TrainingMode,
)
from trainer.stop_rule import EarlyStopRule


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_CHOICES = 4096  # values one list or range may expand to: more is a typo, not a search


class IntRange(StrictModel):
    """`{min: 1, max: 64}`: powers of two in [min, max] (scale pow2) or every `step`."""

    min: PositiveInt
    max: PositiveInt
    scale: Literal["pow2", "linear"] = "pow2"
    step: PositiveInt = 1

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.scale == "linear" and (self.max - self.min) // self.step >= MAX_CHOICES:
            raise ValueError(f"{self.min}..{self.max} by {self.step} gives more than "
                             f"{MAX_CHOICES} values")
        if not self.values():
            raise ValueError(f"no power of two lies in [{self.min}, {self.max}]")
        return self

    def values(self) -> list[int]:
        if self.scale == "linear":
            return list(range(self.min, self.max + 1, self.step))
        powers, value = [], 1
        while value <= self.max:
            if value >= self.min:
                powers.append(value)
            value *= 2
        return powers


def _as_list(value: object) -> object:
    """A single value where a list is expected is a list of one (`tiles: 4` is `[4]`)."""
    return value if isinstance(value, list | dict) else [value]


def _expand_choices(value: object) -> object:
    """A `{min, max}` mapping becomes its list of values; lists are sorted and deduplicated."""
    if isinstance(value, dict):
        try:
            return IntRange.model_validate(value).values()
        except ValidationError as exc:
            raise ValueError(one_line(exc)) from None
    value = _as_list(value)
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return sorted(set(value))
    return value


def int_choices(maximum: int, minimum: int = 1) -> Any:
    """A list of values in [minimum, maximum], or a {min, max, scale, step} range; sorted and
    unique after validation."""

    def within_bounds(values: list[int]) -> list[int]:
        outside = [v for v in values if not minimum <= v <= maximum]
        if outside:
            raise ValueError(f"{outside[0]} is outside {minimum}..{maximum}")
        return values

    return Annotated[list[int], BeforeValidator(_expand_choices), AfterValidator(within_bounds),
                     Field(min_length=1, max_length=MAX_CHOICES)]


# Upper bounds of the space's numbers. The hardware ones are the cost model's (beyond them its
# arithmetic is no longer exact; `hwmodel.architecture`); the network ones reject typos (a
# width of 10^8 needs terabytes), and `codesign.problem.preflight` estimates the memory of what is
# left.
MAX_WIDTH = 65_536  # neurons of a dense layer
MAX_CHANNELS = 4_096  # channels of the first conv stage (later stages double them)
IntChoices = int_choices(MAX_WIDTH)


def _choices(values: Any) -> Any:
    """A non-empty list of names (each validated against its own Literal or enum); a single
    name is a list of one."""
    return Annotated[list[values], BeforeValidator(_as_list), Field(min_length=1)]


def _kind_names(family: Any) -> Any:
    return Literal[family.names()]  # type: ignore[valid-type]


class DataSpace(StrictModel):
    dataset: Literal["fashion_mnist", "cifar10"] = "fashion_mnist"
    root: str | None = None
    download: bool = True
    val_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    batch_size: PositiveInt = 256
    augment: bool = False


class MLPSpace(StrictModel):
    """Fully connected networks: `hidden_layers` layers, each width chosen from `widths`."""

    family: Literal["mlp"] = "mlp"
    hidden_layers: int = Field(2, ge=1, le=6)
    widths: IntChoices = Field(default_factory=lambda: [256, 512, 1024],
                               description=f"neurons per hidden layer, 1..{MAX_WIDTH}")


class ConvSpace(StrictModel):
    """VGG-style conv BNNs: channels (c, c, 2c, 2c, 4c, 4c) for c in `base_channels`, then
    `fc_layers` dense layers of a width from `fc_widths` (BinaryNet's CIFAR-10 network is
    c = 128, 3 stages, 2 dense layers of 1024)."""

    family: Literal["conv"] = "conv"
    base_channels: int_choices(MAX_CHANNELS) = Field(
        default_factory=lambda: [16, 32, 64], description=f"1..{MAX_CHANNELS}")
    stages: int = Field(3, ge=1, le=5, description="pairs of convs, each pair ends in a pool")
    fc_widths: IntChoices = Field(default_factory=lambda: [256])
    fc_layers: int = Field(1, ge=1, le=4, description="dense layers, each of the chosen width")


ModelSpace = Annotated[MLPSpace | ConvSpace, Field(discriminator="family")]


def _sng_entry(value: object) -> object:
    """`lfsr` is `{kind: lfsr}` (the kind with its default parameters)."""
    return {"kind": value} if isinstance(value, str) else value


def _sng_choice() -> Any:
    """One SNG of the space: a kind of `codesign.problem.kinds` with its own parameters."""
    choices = tuple(source.Choice for source in SngSource.registry.values())
    union = Annotated[choices[0] if len(choices) == 1 else  # type: ignore[valid-type]
                      Annotated[Union[choices], Field(discriminator="kind")],  # noqa: UP007
                      BeforeValidator(_sng_entry)]
    return Annotated[list[union], BeforeValidator(_as_list), Field(min_length=1)]


def _deployable_modes() -> Any:
    return Literal[tuple(mode.value for mode in FIRST_LAYER_MODES)]  # type: ignore[valid-type]


class InputSpace(StrictModel):
    """Input encodings to consider. `fixed_point` is the conventional BNN baseline."""

    modes: _choices(_deployable_modes()) = [InputMode.SC]
    bitstream_lengths: int_choices(MAX_BITSTREAM_LENGTH) = Field(
        default_factory=lambda: [1, 2, 4, 8, 16, 32, 64],
        description=f"N at deployment, 1..{MAX_BITSTREAM_LENGTH} (2^20)")
    merge_points: _choices(MergePoint) = [MergePoint.FIRST_LAYER]
    sngs: _sng_choice() = Field(
        default_factory=lambda: [SngSource.registry["ideal"].default()],
        description="SNG kinds, each a name or {kind: NAME, its parameters}, e.g. "
                    "[ideal, {kind: lfsr, width: 16}]")
    training_modes: _choices(TrainingMode) = [TrainingMode.ADAPTED]
    train_lengths: int_choices(MAX_BITSTREAM_LENGTH) = Field(
        default_factory=lambda: [16],
        description="N for SC-adapted training with the first-layer merge (output merge: 1), "
                    f"1..{MAX_BITSTREAM_LENGTH}",
    )
    sng_sharing: PositiveInt = 1
    sng_seed: Seed = 0

    @model_validator(mode="before")
    @classmethod
    def _old_sng_spelling(cls, data: Any) -> Any:
        """`sng_kinds: [...]` and `lfsr_width: W` (before SNG kinds owned their parameters)
        read as `sngs: [...]` with W the LFSR entry's width."""
        if not isinstance(data, dict) or not {"sng_kinds", "lfsr_width"} & set(data):
            return data
        data = dict(data)
        if "sng_kinds" in data and "sngs" in data:
            raise ValueError("sng_kinds is the old spelling of sngs: give sngs only")
        entries = _as_list(data.pop("sng_kinds", data.get("sngs", ["ideal"])))
        width = data.pop("lfsr_width", None)
        if width is not None and isinstance(entries, list):
            entries = [{**_sng_entry(e), "width": width}
                       if _sng_entry(e).get("kind") == "lfsr" else e for e in entries]
        data["sngs"] = entries
        return data

    @field_validator("sngs")
    @classmethod
    def _one_entry_per_kind(cls, value: list[Any]) -> list[Any]:
        kinds = [choice.kind for choice in value]
        repeated = next((kind for kind in kinds if kinds.count(kind) > 1), None)
        if repeated:
            raise ValueError(f"{repeated} is listed twice (one entry per kind)")
        return value

    @property
    def sng_kinds(self) -> list[str]:
        return [choice.kind for choice in self.sngs]


class HardwareSpace(StrictModel):
    """Hardware choices, swept analytically for every trained network (no retraining)."""

    technology: str = Field("stt_mram_28nm", description="a preset name or a preset YAML path")
    cost_corner: Literal["nominal", "high"] = Field(
        "nominal", description="the technology's numbers the designs are costed, ranked and "
                               "constrained with: nominal, or high (every ranged number at its "
                               "cost-raising bound: a robust search, hwmodel.corners)")
    organisations: _choices(_kind_names(Organisation)) = ["shared_tiles"]
    tiles: int_choices(MAX_TILES) = Field(
        default_factory=lambda: [1, 2, 4, 8, 16, 32, 64],
        description=f"organisations with tiles (shared_tiles), 1..{MAX_TILES}",
    )
    array_rows: int_choices(MAX_ARRAY_DIM, minimum=2) = Field(
        default_factory=lambda: [256], description=f"rows per array, 2..{MAX_ARRAY_DIM}")
    array_cols: int = Field(256, ge=2, le=MAX_ARRAY_DIM, description="columns per array")
    parallel_rows: int_choices(MAX_ARRAY_DIM) = Field(
        default_factory=lambda: [1],
        description="rows each array senses at once (those above a design's array_rows are "
                    f"left out), 1..{MAX_ARRAY_DIM}")
    schedules: _choices(_kind_names(Schedule)) = Field(
        default_factory=lambda: ["sequential"],
        description="layer_pipelined: every layer a pipeline stage (organisations whose "
                    "layers have their own logic)")
    first_layer_folds: int_choices(MAX_BITSTREAM_LENGTH) = Field(
        default_factory=lambda: [1],
        description="cycles a parallel fixed-point layer 1 reuses its datapath over")

    fixed_point_first_layers: _choices(
        Literal[FIRST_LAYER_MODES[InputMode.FIXED_POINT]]  # type: ignore[valid-type]
    ) = list(FIRST_LAYER_MODES[InputMode.FIXED_POINT])
    first_layer_dataflows: _choices(_kind_names(FirstLayerDataflow)) = ["reread"]
    popcount_circuits: _choices(_kind_names(PopcountCircuit)) = ["ripple_tree"]
    # device choices: each sets the weights' bit-error rate, which the accuracy then pays for
    mram_cells: _choices(_kind_names(MramCell)) = ["2t2mtj"]
    read_voltages_mv: int_choices(MAX_READ_VOLTAGE_MV, minimum=MIN_READ_VOLTAGE_MV) = Field(
        default_factory=lambda: [70],
        description=f"read bias of the junctions, {MIN_READ_VOLTAGE_MV}.."
                    f"{MAX_READ_VOLTAGE_MV} mV: read energy and decision errors against read "
                    "disturb (the default, 70 mV, is the least end-of-life rate of a 2t2mtj "
                    "read of the preset at 85 C without refresh)",
    )
    ecc: _choices(_kind_names(ErrorCorrection)) = ["none"]
    refresh_periods_s: int_choices(MAX_REFRESH_PERIOD_S, minimum=0) = Field(
        default_factory=lambda: [0],
        description="rewrite every weight this often, seconds (0: never): read disturb and "
                    "retention restart at each rewrite, which costs energy and time",
    )


def _constraint(item: Objective) -> tuple[Any, Any]:
    """The `constraints` field of an objective: its limit, written as the objective says
    (`parse_limit`: an accuracy as 89 or 0.89, a cost as a positive number)."""

    def parse(value: Any) -> Any:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return item.parse_limit(value) if number else value

    bound = "at least" if item.maximize else "at most"
    unit = "0.89 or 89 (%)" if item.unit == "%" else item.unit
    default = (f"; default {item.default_limit:g} (null: none): {item.limit_source}"
               if item.default_limit is not None else "")
    return Annotated[float | None, BeforeValidator(parse)], Field(
        item.default_limit, description=f"{bound} this {item.label} ({unit}){default}")


# Hard budgets, one per objective (`codesign.problem.objectives`); hardware budgets are checked
# before training: no wasted runs. The buildability limits (peak current and power density) are
# on unless a space writes null.
Constraints = create_model(
    "Constraints",
    __base__=StrictModel,
    **{o.constraint: _constraint(o) for o in OBJECTIVES.values()},  # type: ignore[arg-type]
)
ObjectiveName = Literal[tuple(OBJECTIVES)]  # type: ignore[valid-type]


class EarlyStopping(EarlyStopRule):
    """Pareto-aware early stopping (`codesign.engine.fidelity`): at each rung, a training whose
    optimistic accuracy could put none of its design points on the current front is stopped
    (and recorded at its fidelity, never on the front)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(False, description="stop trainings that cannot reach the front")


class Budget(StrictModel):
    trials: PositiveInt = Field(8, description="networks to train (each yields many designs)")
    wall_time_s: float | None = Field(
        None, gt=0.0, description="stop asking for new networks, and cut the trainings still "
                                  "running after their epoch (the next run goes on from "
                                  "there)")
    epochs: PositiveInt = 5
    subset: float = Field(1.0, gt=0.0, le=1.0, description="class-balanced training fraction")
    error_maps: PositiveInt = Field(
        1, description="seeded weight-error maps per bit-error rate a network is tested at"
    )
    accuracy_over_maps: Literal["mean", "low_percentile"] = Field(
        "mean", description="the searched accuracy over a rate's error maps (one map = one "
                            "chip): their mean, or their accuracy_percentile-th percentile (the "
                            "bad chips); every design point records both")
    accuracy_percentile: float = Field(
        10.0, gt=0.0, lt=100.0, description="the low percentile over the error maps")

    @model_validator(mode="after")
    def _percentile_needs_maps(self) -> Budget:
        if self.accuracy_over_maps == "low_percentile" and self.error_maps < 2:
            raise ValueError("accuracy_over_maps: low_percentile needs error_maps >= 2 (a "
                             "percentile of one chip is that chip)")
        return self
    early_stopping: EarlyStopping = Field(default_factory=EarlyStopping)
    record: Literal["network_front", "search_front"] = Field(
        "network_front", description="design points recorded as trials: those no other point "
        "of their network dominates, or of those, the ones the search's front so far does not "
        "(fewer trials, the same front; every point is in the network's table either way)")


class SamplerSpec(StrictModel):
    kind: Literal["nsga2", "tpe", "gp", "random"] = "nsga2"
    seed: Seed = 0
    population_size: int = Field(8, ge=2, description="NSGA-II population")


class Execution(StrictModel):
    """Where trainings run. None of it changes what is searched, so a search may be resumed
    with other settings (on a GPU machine, say)."""

    mode: Literal["local", "ray"] = "local"
    workers: PositiveInt = Field(
        1, description="trainings at once: worker processes of this machine (local, nothing "
                       "listens) or Ray tasks (ray)")
    ray_address: str | None = Field(None, description="join this Ray cluster (else start one)")
    accelerator: Accelerator = Field(
        "cpu", description="cpu, gpu (an error where there is none) or auto (a GPU if any)"
    )
    gpus_per_training: float = Field(
        1.0, gt=0.0, le=8.0,
        description="with ray and a GPU: the GPU share each training asks for (0.5: two a GPU)",
    )
    precision: Precision = Field(
        "32-true", description="16-mixed: float16 where popcounts stay exact (GPU only)"
    )

    @model_validator(mode="after")
    def _precision_fits_accelerator(self) -> Execution:
        if self.precision == "16-mixed" and self.accelerator == "cpu":
            raise ValueError("precision 16-mixed needs accelerator gpu or auto")
        return self


DEFAULT_RUNS_DIR = "runs"


def default_storage_url(name: str, output_dir: str | Path = DEFAULT_RUNS_DIR) -> str:
    """The one default-storage rule: Optuna's journal file named after the study in the runs
    folder, `journal:runs/NAME.log`.

    A journal records a design trial as one appended line, where SQLite writes some fifty rows
    (a parameter, an attribute each), every one a few statements through SQLAlchemy's ORM:
    ~47x as fast to record on the project's machine, and as fast to read back
    (`benchmarks/storage_kinds.py`, docs/benchmarks.md). A study recorded before in SQLite
    (`runs/NAME.db`, and no journal beside it) keeps its file."""
    folder = Path(output_dir)
    if (folder / f"{name}.db").exists() and not (folder / f"{name}.log").exists():
        return f"sqlite:///{folder / name}.db"
    return f"journal:{folder / name}.log"


class SearchSpace(StrictModel):
    name: FileName = Field(description="study name (names its folder under output_dir)")
    seed: Seed = Field(0, description="training seed of every network")
    data: DataSpace = DataSpace()
    model: ModelSpace = MLPSpace()
    input: InputSpace = InputSpace()
    hardware: HardwareSpace = HardwareSpace()
    objectives: Annotated[list[ObjectiveName], Field(min_length=2)] = [
        "accuracy", "energy", "area"
    ]
    constraints: Constraints = Constraints()  # type: ignore[valid-type]
    budget: Budget = Budget()
    sampler: SamplerSpec = SamplerSpec()
    initial_networks: list[dict[str, int | str]] = Field(
        default_factory=list,
        description="networks to train first (Optuna parameters, e.g. the paper's reference)",
    )
    storage: str | None = Field(None, description="Optuna storage URL")
    execution: Execution = Execution()
    output_dir: str = Field(DEFAULT_RUNS_DIR, description="checkpoints and reports go here")

    @field_validator("objectives")
    @classmethod
    def _objectives_valid(cls, value: list[str]) -> list[str]:
        if ACCURACY.name not in value:
            raise ValueError(f"must include {ACCURACY.name}")
        if len(set(value)) != len(value):
            raise ValueError("objectives must not repeat")
        return value

    @property
    def storage_url(self) -> str:
        return self.storage or default_storage_url(self.name, self.output_dir)
