"""Composing a design: from a chosen network to a training config, and from its hardware
configurations to scored design points.

A `Network` (its parameters, `codesign.design_space`) is one training run; a design point adds
what does not change the weights (N at deployment, the organisation, tiles, rows, the first
layer's hardware and dataflow, the popcount circuit). Training and hardware meet only through
plain specs (widths, N, merge point), so `trainer` and `hwmodel` never see each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from codesign.design_space import Network, hardware_configurations
from codesign.kinds import hardware_sng
from codesign.objectives import ACCURACY, OBJECTIVES
from codesign.space import SearchSpace
from hwmodel import Architecture, BatchResult, Technology, WorkloadSpec, evaluate_batch
from hwmodel.workload import ConvWorkloadSpec, MlpWorkloadSpec
from trainer.config import MergePoint, SNGKind, TrainConfig, TrainingMode
from trainer.data import DATASETS

OUTPUT_MERGE_TRAIN_LENGTH = 1  # output merge: each training step sees one stochastic bit-plane
POOL_EVERY = 2  # the VGG-style networks pool after every pair of convolutions


def _mlp_model(network: Network, space: SearchSpace) -> dict[str, Any]:
    widths = [network[f"width_{i}"] for i in range(1, space.model.hidden_layers + 1)]
    return {"kind": "mlp", "hidden": widths}


def _conv_model(network: Network, space: SearchSpace) -> dict[str, Any]:
    c = network["base_channels"]
    channels = [c * 2**stage for stage in range(space.model.stages) for _ in range(2)]
    return {"kind": "conv", "channels": channels, "pool_every": POOL_EVERY,
            "hidden": [network["fc_width"]] * space.model.fc_layers}


MODEL_CONFIGS: dict[str, Callable[[Network, SearchSpace], dict[str, Any]]] = {
    "mlp": _mlp_model,
    "conv": _conv_model,
}


def model_config(network: Network, space: SearchSpace) -> dict[str, Any]:
    """The trainer's `model` section of a network (a `trainer.config.ModelConfig`)."""
    return MODEL_CONFIGS[space.model.family](network, space)


def train_config(network: Network, space: SearchSpace, output_dir: str,
                 eval_bers: Sequence[float] = ()) -> TrainConfig:
    """The TrainConfig that trains `network`, evaluated at every N of the space and, with
    its weights flipped, at every bit-error rate in `eval_bers` (its design points')."""
    lengths = space.input.bitstream_lengths
    input_config: dict[str, Any] = {"mode": network.input_mode}
    if network.is_sc:
        input_config.update(
            training=network["training_mode"],
            merge_point=network["merge_point"],
            length=network.get("train_length") or min(16, max(lengths)),
            eval_lengths=lengths,
            sng=sng_config(network, space),
        )
        output_merge = network["merge_point"] == MergePoint.OUTPUT
        if output_merge and network["training_mode"] == TrainingMode.ADAPTED:
            input_config["train_lengths"] = [OUTPUT_MERGE_TRAIN_LENGTH]
    data = space.data
    return TrainConfig.model_validate({
        "name": "network",
        "seed": space.seed,
        "data": {"dataset": data.dataset, "root": data.root, "download": data.download,
                 "val_fraction": data.val_fraction, "subset": space.budget.subset,
                 "batch_size": data.batch_size, "augment": data.augment},
        "model": model_config(network, space),
        "input": input_config,
        "optim": {"epochs": space.budget.epochs},
        "weight_errors": {"eval_bers": sorted(set(eval_bers)) or None,
                          "maps": space.budget.error_maps, "seed": space.seed},
        "output_dir": output_dir,
        "accelerator": space.execution.accelerator,
        "precision": space.execution.precision,
    })


def sng_config(network: Network, space: SearchSpace) -> dict[str, Any]:
    config: dict[str, Any] = {"kind": network["sng_kind"], "seed": space.input.sng_seed,
                              "sharing": space.input.sng_sharing}
    if network["sng_kind"] == SNGKind.LFSR:
        config["width"] = space.input.lfsr_width
    return config


def workload_spec(network: Network, space: SearchSpace) -> dict[str, Any]:
    """The network's layer shapes as a `hardware.workload` YAML mapping."""
    return workload_of_model(model_config(network, space), space.data.dataset)


def workload_of_model(model: dict[str, Any], dataset_name: str) -> dict[str, Any]:
    """A trainer `model` section's layer shapes on a dataset, as a `hardware.workload`."""
    dataset = DATASETS[dataset_name]
    if model["kind"] == "conv":
        return ConvWorkloadSpec(
            kind="conv", input_shape=dataset.input_shape, channels=model["channels"],
            pool_every=model["pool_every"], hidden=model["hidden"],
            num_classes=dataset.num_classes).model_dump(mode="json")
    return MlpWorkloadSpec(kind="mlp", input_size=math.prod(dataset.input_shape),
                           hidden=model["hidden"], num_classes=dataset.num_classes,
                           ).model_dump(mode="json")


def _workload(network: Network, space: SearchSpace):
    return TypeAdapter(WorkloadSpec).validate_python(workload_spec(network, space)).build()


def architecture_fields(network: Network, hardware: dict[str, Any],
                        space: SearchSpace) -> dict[str, Any]:
    """The Architecture of one design point: its hardware parameters plus what the space and
    the network fix (array columns, the SNG that realises the network's source, the merge)."""
    fields = {key: value for key, value in hardware.items() if key != "first_layer_hw"}
    fields["first_layer_mode"] = hardware["first_layer_hw"]
    fields["array_cols"] = space.hardware.array_cols
    if network.is_sc:
        fields.update(sng_kind=hardware_sng(network["sng_kind"]),
                      sng_sharing=space.input.sng_sharing,
                      lfsr_width_bits=space.input.lfsr_width,
                      merge_point=str(network["merge_point"]))
    else:
        fields["sng_kind"] = hardware_sng(None)
    return fields


@dataclass(frozen=True)
class HardwarePoint:
    """One hardware configuration of a network, with its cost."""

    params: dict[str, Any]  # the design point's hardware parameters (trial params)
    architecture: dict[str, Any]  # the full Architecture, as plain data
    area_mm2: float
    energy_pj: float
    latency_ns: float
    weight_error_rate: float  # the rate the weights are read wrong here (after ECC)
    batch: BatchResult = field(repr=False, compare=False)  # the evaluation it is row `index` of
    index: int = 0

    @cached_property
    def cost(self) -> dict[str, Any]:
        """Breakdowns and counts (read from the batch when needed: a network has thousands
        of points, and only the kept ones are recorded with their breakdowns)."""
        return self.batch.row(self.index)

    @property
    def bitstream_length(self) -> int:
        return int(self.params.get("bitstream_length", 1))

    def metric(self, name: str) -> float:
        """Any total of the cost model by name (`hwmodel.BatchResult`: area_mm2, energy_pj,
        latency_ns, average_power_mw, inferences_per_s): what an objective's metric reads."""
        return float(self.cost[name])


def ber_key(ber: float) -> str:
    """A bit-error rate as a JSON key that reads back to the same float (training results
    keyed by rate cross processes and storages as JSON)."""
    return repr(float(ber))


def accuracy_over_maps(split: str, sweep) -> dict[str, Any]:
    """A `trainer.bit_errors.ErrorSweep` as JSON: BER -> N -> accuracy over the error maps
    (one map = one chip): their mean (`{split}_accuracy_by_ber`, what the search reads), their
    `accuracy_percentile`-th percentile (`{split}_accuracy_percentile_by_ber`: the bad chips)
    and every map's (`{split}_accuracy_maps_by_ber`). Empty without a sweep."""
    if sweep is None:
        return {}

    def keyed(by_ber):
        return {ber_key(ber): {str(n): a for n, a in by_n.items()} for ber, by_n in by_ber.items()}

    return {f"{split}_accuracy_by_ber": keyed(sweep.mean()),
            f"{split}_accuracy_percentile_by_ber": keyed(sweep.low()),
            f"{split}_accuracy_maps_by_ber": keyed(sweep.by_map()),
            "accuracy_percentile": sweep.percentile}


def weight_error_rates(points: Sequence[HardwarePoint]) -> list[float]:
    """The distinct non-zero bit-error rates of a network's design points: the rates its
    training run evaluates it at."""
    return sorted({p.weight_error_rate for p in points if p.weight_error_rate > 0})


def hardware_points(network: Network, space: SearchSpace,
                    technology: Technology) -> list[HardwarePoint]:
    """Cost every hardware configuration of `network` at once (one batch evaluation)."""
    configurations = hardware_configurations(space, network)
    designs = [architecture_fields(network, hw, space) for hw in configurations]
    defaults = {name: info.default for name, info in Architecture.model_fields.items()}
    names = sorted({key for design in designs for key in design})
    columns = {name: np.asarray([d.get(name, defaults[name]) for d in designs]) for name in names}
    result = evaluate_batch(_workload(network, space), technology, columns)
    totals = zip(result.area_mm2.tolist(), result.energy_pj.tolist(),
                 result.latency_ns.tolist(), result.weight_error_rate.tolist(), strict=True)
    return [
        HardwarePoint(params=hardware, architecture={**defaults, **design}, area_mm2=area,
                      energy_pj=energy, latency_ns=latency, weight_error_rate=ber,
                      batch=result, index=index)
        for index, (hardware, design, (area, energy, latency, ber))
        in enumerate(zip(configurations, designs, totals, strict=True))
    ]


# --- scoring a design point against the space's objectives and constraints -----------------


def metric_names(space: SearchSpace) -> list[str]:
    return [OBJECTIVES[name].metric for name in space.objectives]


def directions(space: SearchSpace) -> list[str]:
    return [OBJECTIVES[name].direction for name in space.objectives]


def objective_values(space: SearchSpace, accuracy: float, point: HardwarePoint) -> list[float]:
    return [accuracy if OBJECTIVES[name] is ACCURACY else point.metric(OBJECTIVES[name].metric)
            for name in space.objectives]


def hardware_violations(point: HardwarePoint, space: SearchSpace) -> dict[str, float]:
    """Named constraint values (<= 0 feasible) of the hardware budgets."""
    violations = {}
    for objective in OBJECTIVES.values():
        limit = getattr(space.constraints, objective.constraint)
        if limit is not None and objective is not ACCURACY:
            violations[objective.metric] = objective.violation(point.metric(objective.metric),
                                                               limit)
    return violations


def violations(space: SearchSpace, accuracy: float, point: HardwarePoint) -> dict[str, float]:
    limit = getattr(space.constraints, ACCURACY.constraint)
    found = hardware_violations(point, space)
    if limit is not None:
        found[ACCURACY.metric] = ACCURACY.violation(accuracy, limit)
    return found


def fits_hardware_budget(space: SearchSpace, point: HardwarePoint) -> bool:
    return all(value <= 0 for value in hardware_violations(point, space).values())
