"""Composing a design: from search choices to a training config and hardware designs.

The co-design decomposition lives here. A `NetworkChoice` holds only what changes the trained
weights (one training run each); a design point adds what does not: the bitstream length N at
deployment, the tile count, and the first-layer hardware of a conventional network. Training
and hardware meet only through plain specs (widths, N, merge point), so `trainer` and
`hwmodel` never see each other.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from codesign.space import ConvSpace, MLPSpace, SearchSpace
from hwmodel import Architecture, Technology, Workload, conv_workload, evaluate_batch, mlp_workload
from trainer.config import TrainConfig

DATASET_SHAPES = {"fashion_mnist": ((1, 28, 28), 10), "cifar10": ((3, 32, 32), 10)}
# trainer SNG kind -> hwmodel SNG kind: the ideal independent source is an MTJ true RNG
HARDWARE_SNG = {"ideal": "mtj_trng", "lfsr": "lfsr", "sobol": "sobol"}
OUTPUT_MERGE_TRAIN_LENGTH = 1  # output merge: each training step sees one stochastic bit-plane
OBJECTIVE_METRICS = {
    "accuracy": "accuracy",
    "energy": "energy_pj",
    "area": "area_mm2",
    "latency": "latency_ns",
}


@dataclass(frozen=True)
class NetworkChoice:
    """The choices that change trained weights. Optuna parameter names are the field names."""

    input_mode: str
    widths: tuple[int, ...] = ()  # MLP hidden widths
    base_channels: int | None = None  # conv
    fc_width: int | None = None  # conv
    merge_point: str | None = None
    sng_kind: str | None = None
    training_mode: str | None = None
    train_length: int | None = None

    @property
    def is_sc(self) -> bool:
        return self.input_mode == "sc"

    def key(self) -> str:
        """Identical for two choices that would train the same network."""
        return "|".join(f"{k}={v}" for k, v in self.params().items())

    def params(self) -> dict[str, Any]:
        """Flat parameters as recorded on Optuna trials (absent choices left out)."""
        flat: dict[str, Any] = {"input_mode": self.input_mode}
        for index, width in enumerate(self.widths, start=1):
            flat[f"width_{index}"] = width
        for name in ("base_channels", "fc_width", "merge_point", "sng_kind", "training_mode",
                     "train_length"):
            value = getattr(self, name)
            if value is not None:
                flat[name] = value
        return flat

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> NetworkChoice:
        """Inverse of `params()`; extra keys (N, tiles of a design point) are ignored."""
        optional = ("base_channels", "fc_width", "merge_point", "sng_kind", "training_mode",
                    "train_length")
        return cls(
            input_mode=params["input_mode"],
            widths=_consecutive_widths(params),
            **{name: params[name] for name in optional if name in params},
        )


def _consecutive_widths(params: dict[str, Any]) -> tuple[int, ...]:
    widths = []
    for index in itertools.count(1):
        if f"width_{index}" not in params:
            return tuple(widths)
        widths.append(int(params[f"width_{index}"]))
    return tuple(widths)


def suggest_network(trial: Any, space: SearchSpace) -> NetworkChoice:
    """Ask an Optuna trial for the training-relevant choices (define-by-run, conditional)."""
    mode = trial.suggest_categorical("input_mode", space.input.modes)
    fields: dict[str, Any] = {"input_mode": mode}
    if isinstance(space.model, MLPSpace):
        fields["widths"] = tuple(
            trial.suggest_categorical(f"width_{i}", space.model.widths)
            for i in range(1, space.model.hidden_layers + 1)
        )
    else:
        fields["base_channels"] = trial.suggest_categorical(
            "base_channels", space.model.base_channels
        )
        fields["fc_width"] = trial.suggest_categorical("fc_width", space.model.hidden)
    if mode == "sc":
        merge = trial.suggest_categorical("merge_point", space.input.merge_points)
        fields["merge_point"] = merge
        fields["sng_kind"] = trial.suggest_categorical("sng_kind", space.input.sng_kinds)
        training = trial.suggest_categorical("training_mode", space.input.training_modes)
        fields["training_mode"] = training
        if training == "adapted" and merge == "first_layer":
            fields["train_length"] = trial.suggest_categorical(
                "train_length", space.input.train_lengths
            )
    return NetworkChoice(**fields)


def model_config(choice: NetworkChoice, space: SearchSpace) -> dict[str, Any]:
    if isinstance(space.model, ConvSpace):
        c = choice.base_channels
        channels = [c * 2**stage for stage in range(space.model.stages) for _ in range(2)]
        hidden = [choice.fc_width] * space.model.fc_layers
        return {"kind": "conv", "channels": channels, "pool_every": 2, "hidden": hidden}
    return {"kind": "mlp", "hidden": list(choice.widths)}


def train_config(choice: NetworkChoice, space: SearchSpace, output_dir: str) -> TrainConfig:
    """The TrainConfig that trains `choice`, evaluated at every N of the space."""
    lengths = space.input.bitstream_lengths
    input_config: dict[str, Any] = {"mode": choice.input_mode}
    if choice.is_sc:
        validation_length = choice.train_length or min(16, max(lengths))
        input_config.update(
            training=choice.training_mode,
            merge=choice.merge_point,
            length=validation_length,
            eval_lengths=lengths,
            sng=sng_config(choice, space),
        )
        if choice.merge_point == "output" and choice.training_mode == "adapted":
            input_config["train_lengths"] = [OUTPUT_MERGE_TRAIN_LENGTH]
    data = space.data
    return TrainConfig.model_validate(
        {
            "name": "network",
            "seed": space.seed,
            "data": {
                "dataset": data.dataset,
                "root": data.root,
                "download": data.download,
                "val_fraction": data.val_fraction,
                "subset": space.budget.subset,
                "batch_size": data.batch_size,
                "augment": data.augment,
            },
            "model": model_config(choice, space),
            "input": input_config,
            "optim": {"epochs": space.budget.epochs},
            "output_dir": output_dir,
            "accelerator": space.execution.accelerator,
            "precision": space.execution.precision,
        }
    )


def sng_config(choice: NetworkChoice, space: SearchSpace) -> dict[str, Any]:
    config: dict[str, Any] = {
        "kind": choice.sng_kind,
        "seed": space.input.sng_seed,
        "sharing": space.input.sng_sharing,
    }
    if choice.sng_kind == "lfsr":
        config["width"] = space.input.lfsr_width
    return config


def workload(choice: NetworkChoice, space: SearchSpace) -> Workload:
    input_shape, classes = DATASET_SHAPES[space.data.dataset]
    model = model_config(choice, space)
    if model["kind"] == "conv":
        return conv_workload(input_shape, model["channels"], 2, model["hidden"], classes)
    return mlp_workload(math.prod(input_shape), model["hidden"], classes)


def workload_spec(choice: NetworkChoice, space: SearchSpace) -> dict[str, Any]:
    """The same workload as a `hardware.workload` YAML mapping."""
    input_shape, classes = DATASET_SHAPES[space.data.dataset]
    model = model_config(choice, space)
    if model["kind"] == "conv":
        return {"kind": "conv", "input_shape": list(input_shape), "channels": model["channels"],
                "pool_every": 2, "hidden": model["hidden"], "num_classes": classes}
    return {"kind": "mlp", "input_size": math.prod(input_shape), "hidden": model["hidden"],
            "num_classes": classes}


@dataclass(frozen=True)
class HardwarePoint:
    """One hardware configuration of a network, with its cost."""

    first_layer_mode: str
    bitstream_length: int | None
    tiles: int
    architecture: dict[str, Any]
    area_mm2: float
    energy_pj: float
    latency_ns: float
    cost: dict[str, Any]

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"first_layer_hw": self.first_layer_mode, "tiles": self.tiles}
        if self.bitstream_length is not None:
            params["bitstream_length"] = self.bitstream_length
        return params


def architectures(choice: NetworkChoice, space: SearchSpace) -> list[dict[str, Any]]:
    """Every hardware configuration the space allows for `choice`, as Architecture fields."""
    hw = space.hardware
    common = {"array_rows": hw.array_rows, "array_cols": hw.array_cols}
    designs = []
    if choice.is_sc:
        sng = {
            "sng_kind": HARDWARE_SNG[choice.sng_kind],
            "sng_sharing": space.input.sng_sharing,
            "lfsr_width_bits": space.input.lfsr_width,
            "merge_point": choice.merge_point,
        }
        for n, tiles in itertools.product(space.input.bitstream_lengths, hw.tiles):
            designs.append({**common, **sng, "first_layer_mode": "sc", "bitstream_length": n,
                            "tiles": tiles})
    else:
        for mode, tiles in itertools.product(hw.fixed_point_first_layers, hw.tiles):
            designs.append({**common, "first_layer_mode": mode, "sng_kind": "none",
                            "tiles": tiles})
    return [Architecture.model_validate(d).model_dump(mode="json") for d in designs]


def hardware_points(
    choice: NetworkChoice, space: SearchSpace, technology: Technology
) -> list[HardwarePoint]:
    """Cost every hardware configuration of `choice` at once (numpy batch API)."""
    designs = architectures(choice, space)
    columns = {key: np.array([d[key] for d in designs]) for key in designs[0]}
    result = evaluate_batch(workload(choice, space), technology, columns)
    points = []
    for index, design in enumerate(designs):
        row = result.row(index)
        sc = design["first_layer_mode"] == "sc"
        points.append(
            HardwarePoint(
                first_layer_mode=design["first_layer_mode"],
                bitstream_length=design["bitstream_length"] if sc else None,
                tiles=design["tiles"],
                architecture=design,
                area_mm2=row["area_mm2"],
                energy_pj=row["energy_pj"],
                latency_ns=row["latency_ns"],
                cost=row,
            )
        )
    return points


def hardware_violations(point: HardwarePoint, space: SearchSpace) -> dict[str, float]:
    """Named constraint values (<= 0 feasible) of the hardware budgets."""
    limits = space.constraints
    violations = {}
    if limits.max_area_mm2 is not None:
        violations["area_mm2"] = point.area_mm2 - limits.max_area_mm2
    if limits.max_energy_pj is not None:
        violations["energy_pj"] = point.energy_pj - limits.max_energy_pj
    if limits.max_latency_ns is not None:
        violations["latency_ns"] = point.latency_ns - limits.max_latency_ns
    return violations


def accuracy_violation(accuracy: float, space: SearchSpace) -> dict[str, float]:
    if space.constraints.min_accuracy is None:
        return {}
    return {"accuracy": space.constraints.min_accuracy - accuracy}


def objective_values(space: SearchSpace, accuracy: float, point: HardwarePoint) -> list[float]:
    metrics = {"accuracy": accuracy, "energy_pj": point.energy_pj, "area_mm2": point.area_mm2,
               "latency_ns": point.latency_ns}
    return [metrics[OBJECTIVE_METRICS[name]] for name in space.objectives]


def metric_names(space: SearchSpace) -> list[str]:
    return [OBJECTIVE_METRICS[name] for name in space.objectives]


def directions(space: SearchSpace) -> list[str]:
    return ["maximize" if name == "accuracy" else "minimize" for name in space.objectives]


def enumerate_networks(space: SearchSpace) -> list[NetworkChoice]:
    """Every network the space allows (the same conditional structure as `suggest_network`)."""
    inputs = space.input
    if isinstance(space.model, MLPSpace):
        shapes = [
            {"widths": widths}
            for widths in itertools.product(
                space.model.widths, repeat=space.model.hidden_layers
            )
        ]
    else:
        shapes = [
            {"base_channels": c, "fc_width": f}
            for c, f in itertools.product(space.model.base_channels, space.model.hidden)
        ]
    sc_variants: list[dict[str, Any]] = []
    for merge, sng, training in itertools.product(
        inputs.merge_points, inputs.sng_kinds, inputs.training_modes
    ):
        base = {"merge_point": merge, "sng_kind": sng, "training_mode": training}
        if training == "adapted" and merge == "first_layer":
            sc_variants += [{**base, "train_length": n} for n in inputs.train_lengths]
        else:
            sc_variants.append(base)
    choices = []
    for mode, shape in itertools.product(inputs.modes, shapes):
        for variant in sc_variants if mode == "sc" else [{}]:
            choices.append(NetworkChoice(input_mode=mode, **shape, **variant))
    return choices
