"""Composing a design: from a chosen network to a training config, and from its hardware
configurations to scored design points.

A `Network` (its parameters, `codesign.problem.design_space`) is one training run; a design point
adds what does not change the weights (N at deployment, the organisation, tiles, rows, the first
layer's hardware and dataflow, the popcount circuit, the device). The `Recipe` holds what the
space fixes rather than searches (the model family's shape, the data, the SNG kinds' parameters,
the training budget, the architecture fields no row sweeps). Training and hardware meet only
through plain specs (widths, N, merge point), so `trainer` and `hwmodel` never see each other.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from codesign.problem.design_space import DesignSpace, Network
from codesign.problem.kinds import SngChoice, hardware_sng, sng_source
from codesign.problem.objectives import Objective, ValueOf
from codesign.problem.space import Budget, ConvSpace, DataSpace, Execution, MLPSpace, SearchSpace
from hwmodel import Architecture, BatchResult, Technology, evaluate_batch, parse_workload_spec
from hwmodel.workload import ConvWorkloadSpec, MlpWorkloadSpec
from trainer.config import MergePoint, TrainConfig, TrainingMode
from trainer.dataset_table import DATASETS

OUTPUT_MERGE_TRAIN_LENGTH = 1  # output merge: each training step sees one stochastic bit-plane
POOL_EVERY = 2  # the VGG-style networks pool after every pair of convolutions
_MISSING = object()  # a hardware parameter a design point does not have


def _mlp_model(network: Network, model: MLPSpace) -> dict[str, Any]:
    widths = [network[f"width_{i}"] for i in range(1, model.hidden_layers + 1)]
    return {"kind": "mlp", "hidden": widths}


def _conv_model(network: Network, model: ConvSpace) -> dict[str, Any]:
    c = network["base_channels"]
    channels = [c * 2**stage for stage in range(model.stages) for _ in range(2)]
    return {"kind": "conv", "channels": channels, "pool_every": POOL_EVERY,
            "hidden": [network["fc_width"]] * model.fc_layers}


MODEL_CONFIGS: dict[str, Callable[[Network, Any], dict[str, Any]]] = {
    "mlp": _mlp_model,
    "conv": _conv_model,
}


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


@dataclass(frozen=True)
class Recipe:
    """How a chosen network is trained and built (see the module doc)."""

    model: MLPSpace | ConvSpace
    data: DataSpace
    seed: int
    bitstream_lengths: tuple[int, ...]
    sngs: Mapping[str, SngChoice]  # SNG kind -> its parameters
    sng_seed: int
    sng_sharing: int
    budget: Budget
    execution: Execution
    fixed_architecture: Mapping[str, Any]  # Architecture fields the space fixes
    architecture_names: Mapping[str, str]  # hardware parameter -> its Architecture field

    def model_config(self, network: Network) -> dict[str, Any]:
        """The trainer's `model` section of a network (a `trainer.config.ModelConfig`)."""
        return MODEL_CONFIGS[self.model.family](network, self.model)

    def sng_config(self, network: Network) -> dict[str, Any]:
        """The trainer's `input.sng` of an SC network: its kind with its own parameters."""
        choice = self.sngs[str(network["sng_kind"])]
        return {"seed": self.sng_seed, "sharing": self.sng_sharing,
                **sng_source(choice.kind).trainer_fields(choice)}

    def train_config(self, network: Network, output_dir: str,
                     eval_bers: Sequence[float] = ()) -> TrainConfig:
        """The TrainConfig that trains `network`, evaluated at every N of the space and, with
        its weights flipped, at every bit-error rate in `eval_bers` (its design points')."""
        return TrainConfig.model_validate({
            "name": "network",
            "seed": self.seed,
            "data": {**self.data.model_dump(), "subset": self.budget.subset},
            "model": self.model_config(network),
            "input": self._input_config(network),
            "optim": {"epochs": self.budget.epochs},
            "weight_errors": {"eval_bers": sorted(set(eval_bers)) or None,
                              "maps": self.budget.error_maps, "seed": self.seed,
                              "percentile": self.budget.accuracy_percentile},
            "output_dir": output_dir,
            "accelerator": self.execution.accelerator,
            "precision": self.execution.precision,
        })

    def _input_config(self, network: Network) -> dict[str, Any]:
        lengths = list(self.bitstream_lengths)
        config: dict[str, Any] = {"mode": network.input_mode}
        if network.is_sc:
            config.update(
                training=network["training_mode"],
                merge_point=network["merge_point"],
                length=network.get("train_length") or min(16, max(lengths)),
                eval_lengths=lengths,
                sng=self.sng_config(network),
            )
            output_merge = network["merge_point"] == MergePoint.OUTPUT
            if output_merge and network["training_mode"] == TrainingMode.ADAPTED:
                config["train_lengths"] = [OUTPUT_MERGE_TRAIN_LENGTH]
        return config

    def workload_spec(self, network: Network) -> dict[str, Any]:
        """The network's layer shapes as a `hardware.workload` YAML mapping."""
        return workload_of_model(self.model_config(network), self.data.dataset)

    def architecture_fields(self, network: Network, hardware: Mapping[str, Any],
                            ) -> dict[str, Any]:
        """The Architecture of one design point: its hardware parameters, what the space
        fixes, and what the network's source needs (its generator and its parameters)."""
        return {**self._hardware_fields(hardware), **self._network_fields(network)}

    def _hardware_fields(self, hardware: Mapping[str, Any]) -> dict[str, Any]:
        """A design point's hardware parameters under their Architecture field names."""
        return {self.architecture_names[name]: value for name, value in hardware.items()}

    def _network_fields(self, network: Network) -> dict[str, Any]:
        """The Architecture fields every design point of `network` shares, over its hardware
        parameters: what the space fixes, and what the network's source needs."""
        fields = dict(self.fixed_architecture)
        if network.is_sc:
            choice = self.sngs[str(network["sng_kind"])]
            fields.update(sng_source(choice.kind).architecture_fields(choice),
                          sng_sharing=self.sng_sharing, merge_point=str(network["merge_point"]))
        else:
            fields["sng_kind"] = hardware_sng(None)
        return fields

    def hardware_batch(self, network: Network, configurations: Sequence[Mapping[str, Any]],
                       technology: Technology) -> BatchResult:
        """Cost every hardware configuration of `network` at once (one batch evaluation),
        column by column: the fields the network fixes are one value, the others are read
        from the configurations. Building a design's dict of fields first, for each of the
        5 million design points of the main job's space, was most of the 80 s its search
        spent before its first training (`cost_scales`)."""
        shared = self._network_fields(network)
        count = len(configurations)
        columns: dict[str, np.ndarray] = {}
        for parameter, field_name in self.architecture_names.items():
            if field_name in shared or field_name in columns:
                continue
            values = [hw.get(parameter, _MISSING) for hw in configurations]
            if any(value is not _MISSING for value in values):
                default = Architecture.model_fields[field_name].default
                columns[field_name] = np.asarray(
                    [default if value is _MISSING else value for value in values])
        for field_name, value in shared.items():
            columns[field_name] = np.full(count, value, dtype=np.asarray(value).dtype)
        workload = parse_workload_spec(self.workload_spec(network))
        return evaluate_batch(workload.build(), technology, dict(sorted(columns.items())))

    def hardware_points(self, network: Network, configurations: Sequence[Mapping[str, Any]],
                        technology: Technology) -> list[HardwarePoint]:
        """Cost every hardware configuration of `network` at once (one batch evaluation)."""
        result = self.hardware_batch(network, configurations, technology)
        defaults = {name: info.default for name, info in Architecture.model_fields.items()}
        shared = self._network_fields(network)  # as `architecture_fields`, made once
        totals = zip(result.area_mm2.tolist(), result.energy_pj.tolist(),
                     result.latency_ns.tolist(), result.weight_error_rate.tolist(), strict=True)
        return [
            HardwarePoint(params=dict(hardware),
                          architecture={**defaults, **self._hardware_fields(hardware), **shared},
                          area_mm2=area, energy_pj=energy, latency_ns=latency,
                          weight_error_rate=ber, batch=result, index=index)
            for index, (hardware, (area, energy, latency, ber))
            in enumerate(zip(configurations, totals, strict=True))
        ]


def compile_recipe(space: SearchSpace, design_space: DesignSpace) -> Recipe:
    """The recipe of a space: the Architecture fields its hardware section fixes are those
    it writes as one value that no row sweeps (`array_cols`)."""
    names = {row.name: row.architecture_field for row in design_space.hardware_parameters}
    fixed = {name: value for name, value in space.hardware
             if name in Architecture.model_fields and name not in names.values()
             and not isinstance(value, list)}
    return Recipe(
        model=space.model, data=space.data, seed=space.seed,
        bitstream_lengths=tuple(space.input.bitstream_lengths),
        sngs={choice.kind: choice for choice in space.input.sngs},
        sng_seed=space.input.sng_seed, sng_sharing=space.input.sng_sharing,
        budget=space.budget, execution=space.execution, fixed_architecture=fixed,
        architecture_names=names)


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

    @cached_property
    def evaluated_error_rate(self) -> float:
        """The rate the network's accuracy is evaluated at for this point: its weight
        bit-error rate rounded up to the grid (`evaluated_error_rate`; kept: recording a
        network reads it for each of its tens of thousands of points several times)."""
        return evaluated_error_rate(self.weight_error_rate)

    def metric(self, name: str) -> float:
        """Any total of the cost model by name (`hwmodel.BatchResult`: area_mm2, energy_pj,
        latency_ns, peak_current_a, ...): what an objective's metric reads, from the batch's
        column (a bound is checked on every point of a network before training; building a
        point's whole row with its breakdowns for one number made recording a network's design
        points take tens of seconds: docs/search.md, "Where the time goes")."""
        column = getattr(self.batch, name, None)
        if isinstance(column, np.ndarray):
            return float(column[self.index])
        return float(self.cost[name])


def ber_key(ber: float) -> str:
    """A bit-error rate as a JSON key that reads back to the same float (training results
    keyed by rate cross processes and storages as JSON)."""
    return repr(float(ber))


# The rates a network's accuracy is evaluated at: a design point's weight bit-error rate
# rounded UP to 1, 2, 3 or 5 times a power of ten, and to at least ERROR_RATE_FLOOR. The
# device model's rates are continuous (reads per weight depend on N, dataflow, merge, the
# throughput; retention on the refresh), and each distinct rate costs an error-map evaluation
# of the network: rounding up keeps that to at most 4 per decade (36 between the floor and
# 0.5), and is conservative (a point is never credited with a better rate than its own, and at
# most 2x worse). Below the floor a network of a few million weights has almost no wrong
# weight in any map, so its accuracy is the clean one within the maps' noise.
ERROR_RATE_GRID = (1.0, 2.0, 3.0, 5.0)
ERROR_RATE_FLOOR = 1e-9
ERROR_RATE_CAP = 0.5
# every grid rate from the floor's decade to the cap's, each parsed from its decimal text (so
# 3e-5 is the float that "3e-5" reads as, the same a JSON key or a config gives)
_GRID_RATES = tuple(sorted(float(f"{mantissa}e{power}") for mantissa in ERROR_RATE_GRID
                           for power in range(math.floor(math.log10(ERROR_RATE_FLOOR)), 1)))


def evaluated_error_rate(rate: float) -> float:
    """The grid rate a design point's accuracy is evaluated at (0 stays 0; at most 0.5): the
    least grid rate at least `rate` (a relative 1e-12 below counts as equal: rates computed
    from the device model land on grid values up to rounding). By bisection: a search reads it
    for each of a network's tens of thousands of points."""
    if rate <= 0:
        return 0.0
    index = bisect.bisect_left(_GRID_RATES, max(float(rate), ERROR_RATE_FLOOR) * (1 - 1e-12))
    return min(_GRID_RATES[index], ERROR_RATE_CAP) if index < len(_GRID_RATES) else (
        ERROR_RATE_CAP)


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


def weight_error_rates(rates: Iterable[float]) -> list[float]:
    """The distinct non-zero evaluated rates of a network's design points, given their weight
    bit-error rates (each rounded up to the grid): the rates its training run evaluates it at.
    Each distinct rate is rounded once (a network has tens of thousands of points and a few
    hundred distinct rates)."""
    return sorted({evaluated_error_rate(rate) for rate in set(map(float, rates)) if rate > 0})


class PointColumns:
    """Any metric of many design points at once (`HardwarePoint.metric` of each), read from
    their batches' columns: a network's points share one batch, and a bound or a cost is
    checked on its tens of thousands of points at every launch, which one call per point made
    seconds (`benchmarks/launch_costing.py`). The points are grouped by batch once."""

    def __init__(self, points: Sequence[HardwarePoint]):
        self.points = points
        by_batch: dict[int, tuple[BatchResult, list[int], list[int]]] = {}
        for position, point in enumerate(points):
            _, positions, rows = by_batch.setdefault(id(point.batch), (point.batch, [], []))
            positions.append(position)
            rows.append(point.index)
        self.groups = [(batch, np.array(positions, dtype=np.intp), np.array(rows, dtype=np.intp))
                       for batch, positions, rows in by_batch.values()]

    def __call__(self, name: str) -> np.ndarray:
        values = np.empty(len(self.points))
        for batch, positions, rows in self.groups:
            column = getattr(batch, name, None)
            values[positions] = (column[rows] if isinstance(column, np.ndarray) else
                                 [self.points[position].metric(name) for position in positions])
        return values


def design_objective(point: HardwarePoint, accuracy: float) -> ValueOf:
    """A trained design point's value of any objective: the network's accuracy at the
    point (training), or the point's cost (hardware)."""

    def value(objective: Objective) -> float:
        return accuracy if objective.source == "training" else point.metric(objective.metric)

    return value
