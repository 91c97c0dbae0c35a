"""What a training run needs, known before it starts: memory, and a lower bound of its time.

A config can ask for far more than a machine has: N = 2^31 (the ideal SNG's sampling table
alone is 256 x N numbers), 10^9 weight-error maps (each one a float per weight), a batch of
10^9 images. Started, such a run allocates until the system kills it, or runs for months. So
the commands estimate before any work (`check_resources`) and refuse, with one line naming the
field, what cannot fit:

- memory: the larger of the training phase (weights, gradients and Adam's two moments in
  float32, one batch of activations and their gradients, the training encoding's tables) and
  the evaluation phase (the weights, one evaluation batch's first-layer input at every N and
  its activations, the SNG's tables, the error maps: a float per weight per map, a bit per
  weight per map and rate). Every term is memory the run certainly allocates, so the sum is a
  lower bound: a refused run could not have fitted;
- time: multiply-accumulates of training (3 passes per image and epoch) and evaluation
  (validation and test images, at every N and under every error map), at a rate no
  accelerator here reaches (`PEAK_MACS_PER_S`): a run whose lower bound exceeds
  `MAX_RUN_S` is refused. `optim.max_time_s` caps the training part.

Layer sizes come from the network itself, built on PyTorch's `meta` device (no memory) and
run on one image (on the CPU where its weights are small, `network_profile` says why), so
nothing about a model kind is repeated here; what an encoding or an SNG kind costs is a method
of its class (`InputEncoding.input_bytes`, `StochasticNumberGenerator.table_bytes`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import torch
from torch import nn

from trainer.config import TrainConfig
from trainer.data.dataset import DATASETS
from trainer.encoding import deployed_encoding, training_encoding
from trainer.inference import PLANE_CHUNK
from trainer.models import build_network

FLOAT_BYTES = 4
ADAM_TENSORS = 4  # latent weight, gradient, Adam's first and second moments
PEAK_MACS_PER_S = {"cpu": 1e12, "gpu": 1e15, "auto": 1e15}  # above any machine's here
MAX_RUN_S = 7 * 24 * 3600  # a run that needs more than a week is a typo, not a plan
CPU_PROFILE_BYTES = 256 * 2**20  # weights up to this are profiled on the CPU (`network_profile`)


class ResourceError(ValueError):
    """The run cannot fit: names the config field that makes it so."""


@dataclass(frozen=True)
class NetworkProfile:
    """Sizes of a network, per image where it says so."""

    parameters: int  # every trained value (binary layers' latent weights, batch norms)
    binary_weights: int  # the stored bits: what an error map covers
    activations: int  # values every module outputs, per image
    macs: int  # multiply-accumulates of one forward pass, per image


def network_profile(config: TrainConfig, input_shape: tuple[int, ...],
                    num_classes: int) -> NetworkProfile:
    """The network of `config`, run on one image: on the CPU when its weights take at most
    `CPU_PROFILE_BYTES`, on the meta device otherwise (sized there first). A network on the
    meta device costs nothing, but its first elementwise operation, or moving it to the CPU
    with `to_empty`, imports PyTorch's compiler stack (most of a second, and `evaluate`
    should take one or two). Its initial weights are drawn from a forked random generator:
    profiling leaves the seeded runs that follow as they were."""
    with torch.device("meta"):
        network = build_network(config.model, input_shape, num_classes)
    parameters = sum(p.numel() for p in network.parameters())
    device = "cpu" if FLOAT_BYTES * parameters <= CPU_PROFILE_BYTES else "meta"
    if device == "cpu":
        with torch.random.fork_rng(devices=[]):
            network = build_network(config.model, input_shape, num_classes)
    outputs: list[int] = []
    macs: list[int] = []

    def count(module: nn.Module, _inputs, output) -> None:
        if isinstance(output, torch.Tensor) and not list(module.children()):
            outputs.append(output.numel())
            weight = getattr(module, "weight", None)
            if isinstance(weight, torch.Tensor) and weight.dim() >= 2:
                macs.append(output.numel() * weight[0].numel())

    hooks = [module.register_forward_hook(count) for module in network.modules()]
    network.eval()
    with torch.no_grad():
        network(torch.zeros((1, *input_shape), device=device))
    for hook in hooks:
        hook.remove()
    binary = sum(module.weight.numel() for module in network.modules()
                 if isinstance(getattr(module, "weight", None), torch.Tensor)
                 and module.weight.dim() >= 2)
    return NetworkProfile(parameters, binary, sum(outputs), sum(macs))


@dataclass(frozen=True)
class Demand:
    field: str  # the config field to change
    bytes: int
    what: str


def _demands(config: TrainConfig, profile: NetworkProfile, input_shape: tuple[int, ...],
             train_images: int, evaluation_only: bool) -> list[list[Demand]]:
    """The memory of each phase (training, evaluation), term by term."""
    positions = math.prod(input_shape)
    lengths = config.input.lengths_to_evaluate
    deployed = deployed_encoding(config.input)
    batch = min(config.data.batch_size, train_images)
    eval_batch = config.data.eval_batch_size
    errors = config.weight_errors
    bers = len(errors.eval_bers or [])
    n = max(lengths)
    passes = deployed.network_passes(lengths)  # at once, except in the output merge's chunks
    passes = min(passes, PLANE_CHUNK) if deployed.merges_at_output else passes
    evaluation = [
        Demand("model", FLOAT_BYTES * profile.parameters, "the weights"),
        Demand("input.eval_lengths", deployed.table_bytes(positions, lengths, keyed=True),
               f"the SNG's tables for N up to {n}"),
        Demand("input.eval_lengths", eval_batch * deployed.input_bytes(positions, lengths),
               f"one evaluation batch's input at every N up to {n} (data.eval_batch_size "
               f"{eval_batch})"),
        Demand("model", eval_batch * FLOAT_BYTES * passes * profile.activations,
               f"the activations of one evaluation batch of {eval_batch} images at {passes} "
               "lengths at once"),
        Demand("weight_errors.maps", bers and errors.maps * profile.binary_weights
               * (FLOAT_BYTES + bers), f"{errors.maps} error maps at {bers} bit-error rates"),
    ]
    if evaluation_only:
        return [evaluation]
    train_lengths = config.input.train_lengths or [config.input.length]
    encoding = training_encoding(config.input)
    training = [
        Demand("model", FLOAT_BYTES * ADAM_TENSORS * profile.parameters,
               "weights, gradients and Adam's moments"),
        Demand("data.batch_size", batch * 2 * FLOAT_BYTES * profile.activations,
               f"one training batch of {batch} images"),
        Demand("input.length", encoding.table_bytes(positions, train_lengths),
               f"the SNG's tables for N up to {max(train_lengths)}"),
    ]
    return [training, evaluation]


def operations(config: TrainConfig, profile: NetworkProfile, train_images: int,
               eval_images: int, evaluation_only: bool = False) -> tuple[float, float]:
    """(training, evaluation) multiply-accumulates, lower bounds."""
    lengths = config.input.lengths_to_evaluate
    maps = len(config.weight_errors.eval_bers or []) * config.weight_errors.maps
    evaluation = (eval_images * profile.macs * (1 + maps)
                  * deployed_encoding(config.input).network_passes(lengths))
    training = 0.0 if evaluation_only else 3.0 * config.optim.epochs * train_images * profile.macs
    return training, float(evaluation)


def physical_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that says
        return None


def _gib(size: float) -> str:
    return f"{size / 2**30:,.1f} GiB"


def _duration(seconds: float) -> str:
    return f"{seconds / 86400:,.0f} days" if seconds >= 86400 else f"{seconds / 3600:,.1f} h"


def _train_images(config: TrainConfig) -> int:
    spec = DATASETS[config.data.dataset]
    kept = spec.train_images * config.data.subset * (1 - config.data.val_fraction)
    return max(1, round(kept))


def memory_needed(config: TrainConfig, evaluation_only: bool = False,
                  profile: NetworkProfile | None = None) -> tuple[int, Demand]:
    """A lower bound of a run's peak memory, and its largest term."""
    spec = DATASETS[config.data.dataset]
    profile = profile or network_profile(config, spec.input_shape, spec.num_classes)
    phases = _demands(config, profile, spec.input_shape, _train_images(config), evaluation_only)
    peak = max(phases, key=lambda phase: sum(d.bytes for d in phase))
    return sum(d.bytes for d in peak), max(peak, key=lambda d: d.bytes)


def time_needed_s(config: TrainConfig, evaluation_only: bool = False,
                  profile: NetworkProfile | None = None) -> tuple[float, str]:
    """A lower bound of a run's time at `PEAK_MACS_PER_S`, and the field that dominates it."""
    spec = DATASETS[config.data.dataset]
    profile = profile or network_profile(config, spec.input_shape, spec.num_classes)
    training, evaluation = operations(config, profile, _train_images(config),
                                      spec.train_images + spec.test_images, evaluation_only)
    rate = PEAK_MACS_PER_S[config.accelerator]
    training_s, evaluation_s = training / rate, evaluation / rate
    if config.optim.max_time_s is not None:
        training_s = min(training_s, config.optim.max_time_s)
    if training_s > evaluation_s:
        return training_s + evaluation_s, "optim.epochs"
    errors = config.weight_errors
    return training_s + evaluation_s, ("weight_errors.maps" if errors.eval_bers and errors.maps > 1
                                       else "input.eval_lengths")


def check_resources(config: TrainConfig, evaluation_only: bool = False, concurrent: int = 1,
                    available_bytes: int | None = None, memory: bool = True) -> None:
    """Raise ResourceError if `concurrent` runs of `config` cannot fit in this machine's memory
    (`memory`: they run here), or one needs more than `MAX_RUN_S` (see the module docstring)."""
    spec = DATASETS[config.data.dataset]
    profile = network_profile(config, spec.input_shape, spec.num_classes)
    needed, largest = memory_needed(config, evaluation_only, profile)
    available = physical_memory_bytes() if available_bytes is None else available_bytes
    if memory and available is not None and concurrent * needed > available:
        times = f"{concurrent} trainings at once x " if concurrent > 1 else ""
        raise ResourceError(f"{largest.field}: needs at least {times}{_gib(needed)} of memory "
                            f"(largest part: {largest.what}, {_gib(largest.bytes)}); this "
                            f"machine has {_gib(available)}")
    seconds, field = time_needed_s(config, evaluation_only, profile)
    if seconds > MAX_RUN_S:
        rate = PEAK_MACS_PER_S[config.accelerator]
        raise ResourceError(f"{field}: needs at least {_duration(seconds)} even at 10^"
                            f"{round(math.log10(rate))} multiply-accumulates per second "
                            f"(faster than this machine), more than {_duration(MAX_RUN_S)}")
