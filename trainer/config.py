"""The specification of one training run: a `TrainConfig`, read from MODEL.yaml.

Every field the trained weights depend on lives here, so a config plus its seed rebuilds a
network. Unknown keys are errors (a misspelt key must never be silently ignored).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    field_validator,
    model_validator,
)

from trainer.lfsr import DEFAULT_TAPS
from trainer.recipes import RecipeName, with_recipe


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_NAME_LENGTH = 100  # a name becomes a file or folder name (255 bytes at most on Linux)
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _file_name(value: str) -> str:
    """A name that becomes one file or folder name and nothing else: no separator, no `..`,
    not absolute, not hidden, no control character, not an option (`-x`)."""
    if not value or len(value) > MAX_NAME_LENGTH or not _FILE_NAME.fullmatch(value):
        raise ValueError(f"must be a file name of 1..{MAX_NAME_LENGTH} letters, digits, _ . "
                         "and -, not starting with . or - (it names a folder)")
    return value


# A run's or a study's name: it names the folder its files go in, so it can never point
# elsewhere (`training.name: ../../x`, `/abs`, `..`).
FileName = Annotated[str, AfterValidator(_file_name)]

# Seeds are at most 32 bits: numpy's and Lightning's seeding refuse larger ones, and they must
# be refused when the document is read, not after a study or a run exists.
MAX_SEED = 2**32 - 1
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class SNGKind(StrEnum):
    """Where the comparison numbers come from (each kind is one class in `trainer.sng`)."""

    IDEAL = "ideal"  # independent uniforms: a true RNG
    LFSR = "lfsr"
    SOBOL = "sobol"


class MergePoint(StrEnum):
    """Where the N bit-planes of a stochastic input are merged."""

    FIRST_LAYER = "first_layer"  # layer-1 popcounts accumulate over N; the rest runs once
    OUTPUT = "output"  # the whole network runs per plane; class scores are summed


class InputMode(StrEnum):
    """What the first layer sees of a pixel."""

    FIXED_POINT = "fixed_point"  # the conventional BNN: 2x - 1
    SC = "sc"  # stochastic bitstreams
    THRESHOLD = "threshold"  # one bit per pixel


class TrainingMode(StrEnum):
    """What an SC network is trained on."""

    ADAPTED = "adapted"  # the deployed stochastic inputs
    NON_ADAPTED = "non_adapted"  # fixed-point inputs; SC only at deployment


Accelerator = Literal["cpu", "gpu", "auto"]
Precision = Literal["32-true", "16-mixed"]


class SNGConfig(StrictModel):
    """Which stochastic number generator feeds the comparators, with everything that fixes it."""

    kind: SNGKind = SNGKind.IDEAL
    seed: Seed = Field(0, description="seeds LFSR start states, Sobol scrambling, wiring")
    sharing: PositiveInt = Field(1, description="pixels that share one generator")
    bits: int = Field(8, ge=1, le=16, description="comparator width: bits of each number")
    width: int = Field(16, ge=3, le=32, description="LFSR register width")
    taps: list[PositiveInt] | None = Field(None, description="LFSR feedback taps (1-based)")

    @model_validator(mode="after")
    def _lfsr_fields_consistent(self) -> SNGConfig:
        if self.kind == SNGKind.LFSR:
            if self.taps is None and self.width not in DEFAULT_TAPS:
                raise ValueError(f"no default taps for width {self.width}: give taps")
            if self.taps is not None and max(self.taps) > self.width:
                raise ValueError(f"taps must lie in 1..width ({self.width})")
            if self.bits > self.width:
                raise ValueError("bits must not exceed the LFSR width")
        elif self.taps is not None:
            raise ValueError("taps apply to kind: lfsr only")
        return self


class InputConfig(StrictModel):
    """How pixels reach the first layer, in training and in deployment.

    `mode` is the deployed encoding: `fixed_point` (the conventional BNN: layer 1 sees 2x-1),
    `sc` (stochastic bitstreams of length N merged at `merge_point`), or `threshold` (one bit per
    pixel, x >= 0.5). `training` says what an `sc` network was trained on: `adapted` (the
    same stochastic inputs) or `non_adapted` (fixed-point inputs, SC only at deployment).
    """

    mode: InputMode = InputMode.SC
    training: TrainingMode = TrainingMode.ADAPTED
    merge_point: MergePoint = MergePoint.FIRST_LAYER
    length: PositiveInt = Field(16, description="bitstream length N for training and validation")
    train_lengths: list[PositiveInt] | None = Field(
        None, description="SC-adapted training draws N from this list for each batch"
    )
    eval_lengths: list[PositiveInt] | None = Field(
        None, description="test accuracy is reported at each of these N (default: [length])"
    )
    sng: SNGConfig = SNGConfig()

    @field_validator("eval_lengths", "train_lengths")
    @classmethod
    def _sorted_unique(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("must not be empty")
        return sorted(set(value))

    @model_validator(mode="after")
    def _training_mode_applies(self) -> InputConfig:
        if self.mode != InputMode.SC and self.training != TrainingMode.ADAPTED:
            raise ValueError("training: non_adapted applies to mode: sc only")
        return self

    @property
    def lengths_to_evaluate(self) -> list[int]:
        if self.mode != InputMode.SC:
            return [1]
        return self.eval_lengths or [self.length]


class MLPModelConfig(StrictModel):
    kind: Literal["mlp"] = "mlp"
    hidden: list[PositiveInt] = Field(default_factory=lambda: [1024, 1024], min_length=1)


class ConvModelConfig(StrictModel):
    kind: Literal["conv"] = "conv"
    channels: list[PositiveInt] = Field(
        default_factory=lambda: [64, 64, 128, 128, 256, 256], min_length=1
    )
    pool_every: PositiveInt = 2
    hidden: list[PositiveInt] = Field(default_factory=lambda: [512])


ModelConfig = Annotated[MLPModelConfig | ConvModelConfig, Field(discriminator="kind")]


class DataConfig(StrictModel):
    dataset: Literal["fashion_mnist", "cifar10"] = "fashion_mnist"
    root: str | None = Field(None, description="folder holding the files (else looked up)")
    download: bool = True
    val_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    subset: float = Field(1.0, gt=0.0, le=1.0, description="class-balanced training fraction")
    batch_size: PositiveInt = 256
    eval_batch_size: PositiveInt = 1000
    augment: bool = False


class OptimConfig(StrictModel):
    """How the weights are optimised: a named `recipe` (`trainer.recipes`) and any field.

    The defaults are the `adam` recipe, the one every result before issue 24 used: Adam on
    every parameter at one rate, a cosine schedule, latent weights clipped to [-1, 1].
    `optimizer: bop` flips the binary weights with Bop and keeps Adam (`lr`) for the
    real-valued parameters; `lr_scaling: glorot` multiplies each binary layer's Adam rate by
    BinaryNet's 1/H (`trainer.optimizers`). The schedule scales every rate (Bop's gamma too)
    once per epoch, after `warmup_epochs` of linear warmup.
    """

    recipe: RecipeName | None = Field(
        None, description="a named recipe: its fields, then the fields given here on top"
    )
    epochs: PositiveInt = 10
    lr: float = Field(1e-2, gt=0.0, description="Adam's rate (with bop: of real-valued params)")
    weight_decay: float = Field(0.0, ge=0.0)
    optimizer: Literal["adam", "bop"] = "adam"
    lr_scaling: Literal["none", "glorot"] = Field(
        "none", description="glorot: each binary layer's rate x 1/sqrt(1.5/(fan_in+fan_out))"
    )
    schedule: Literal["cosine", "step", "exponential", "constant"] = "cosine"
    warmup_epochs: int = Field(0, ge=0, description="linear warmup from 0.1 lr, per epoch")
    step_epochs: PositiveInt | None = Field(
        None, description="step: x0.1 every this many epochs (default a third of the run)"
    )
    final_lr_ratio: float = Field(
        3e-4, gt=0.0, le=1.0, description="exponential: the rate after the last epoch / lr"
    )
    bop_threshold: float = Field(1e-6, ge=0.0, description="bop: tau, the flip threshold")
    bop_gamma: float = Field(1e-3, gt=0.0, le=1.0, description="bop: the adaptivity rate")
    max_time_s: float | None = Field(None, gt=0.0, description="stop training after this time")

    @model_validator(mode="before")
    @classmethod
    def _recipe_then_fields(cls, data: Any) -> Any:
        return with_recipe(data)

    @model_validator(mode="after")
    def _warmup_fits(self) -> OptimConfig:
        if self.warmup_epochs >= self.epochs:
            raise ValueError(f"warmup_epochs ({self.warmup_epochs}) must be below epochs "
                             f"({self.epochs})")
        return self


MAX_BIT_ERROR_RATE = 0.5  # a bit read wrong half the time carries no information
DEFAULT_PERCENTILE = 10.0  # of accuracy over error maps: one chip in ten is worse


def _bit_error_rate(value: float) -> float:
    if not 0.0 <= value <= MAX_BIT_ERROR_RATE:
        raise ValueError(f"a bit-error rate must lie in [0, {MAX_BIT_ERROR_RATE}], got {value:g}")
    return value


class SharedCause(StrEnum):
    """A cause of read errors that the bits of one group share on a chip (each kind is one
    class in `trainer.error_structure`, which says which bits form a group)."""

    COLUMN = "column"  # the offset of the sense amplifier of an array column
    REFERENCE = "reference"  # the reference of an array row (1t1mtj: reference cells per row)
    ARRAY_REFERENCE = "array_reference"  # one reference for a whole array (1t1mtj)


class WeightErrorConfig(StrictModel):
    """Bit errors of the stored binary weights (`trainer.bit_errors`).

    `train_ber` is a training choice, like `input.training`: error-aware training flips every
    weight with this probability in each step's forward pass, a fresh error map per step, so
    the network learns to tolerate errors (Hirtzlin et al., AICAS 2019). `eval_bers` adds test
    accuracy with the weights of the kept checkpoint flipped at each rate, over `maps` seeded
    error maps (no retraining; one map is one chip): their mean and their `percentile`-th
    percentile (the bad chips). `structure` clusters the evaluation maps as sense-amplifier
    offsets and shared references do (`trainer.error_structure`), on arrays of `array_rows` x
    `array_cols` laid out as the hardware model lays them out; empty, every weight flips
    independently (the default).
    """

    train_ber: float = Field(0.0, description="error-aware training: flip rate in each step")
    eval_bers: list[float] | None = Field(
        None, description="also evaluate with weights flipped at each of these rates"
    )
    maps: PositiveInt = Field(3, description="independent error maps per evaluated rate")
    seed: Seed = Field(0, description="seeds the evaluation's error maps")
    percentile: float = Field(
        DEFAULT_PERCENTILE, ge=0.0, le=100.0,
        description="low percentile of accuracy over the maps (the bad chips)",
    )
    structure: dict[SharedCause, float] = Field(
        default_factory=dict,
        description="cause -> share of a bit's read-noise variance common to its group "
                    "(evaluation maps; empty: independent flips)",
    )
    array_rows: PositiveInt = Field(256, description="rows of a memory array (structure)")
    array_cols: PositiveInt = Field(256, description="columns of a memory array (structure)")

    @field_validator("train_ber")
    @classmethod
    def _train_rate(cls, value: float) -> float:
        return _bit_error_rate(value)

    @field_validator("eval_bers")
    @classmethod
    def _eval_rates(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("must not be empty")
        return sorted({_bit_error_rate(float(rate)) for rate in value})

    @field_validator("structure")
    @classmethod
    def _noise_shares(cls, value: dict[SharedCause, float]) -> dict[SharedCause, float]:
        if any(not 0.0 <= share < 1.0 for share in value.values()):
            raise ValueError("a share of the read noise must lie in [0, 1)")
        if sum(value.values()) >= 1.0:
            raise ValueError("the shares must sum to less than 1 (a bit keeps noise of its own)")
        return {cause: share for cause, share in sorted(value.items()) if share > 0}


class TrainConfig(StrictModel):
    name: FileName = Field("scbnn", description="the run's folder under output_dir")
    seed: Seed = 0
    data: DataConfig = DataConfig()
    model: ModelConfig = MLPModelConfig()
    input: InputConfig = InputConfig()
    optim: OptimConfig = OptimConfig()
    weight_errors: WeightErrorConfig = WeightErrorConfig()
    output_dir: str = "runs/train"
    accelerator: Accelerator = Field(
        "auto", description="cpu, gpu (an error where there is none) or auto (a GPU if visible)"
    )
    precision: Precision = Field(
        "32-true",
        description="16-mixed: float16 where a binary layer's popcount stays exact (GPU only)",
    )

    @model_validator(mode="after")
    def _precision_fits_accelerator(self) -> TrainConfig:
        if self.precision == "16-mixed" and self.accelerator == "cpu":
            raise ValueError("precision 16-mixed needs accelerator gpu or auto")
        return self
