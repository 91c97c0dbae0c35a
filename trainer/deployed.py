"""Testing a trained network as the hardware runs it: plain PyTorch, no Lightning.

Training needs Lightning's loop (checkpoints, early stopping, logging); testing does not. A
test is one pass over the split: each batch's input drawn once at the longest N and read at
every prefix (`trainer.inference`), scored clean and under every weight-error map
(`trainer.bit_errors`), correct decisions counted. Written once here, it serves the search's
testing of every trained network (`trainer.evaluate`, `trainer.evaluation_plan`) and
`codesign evaluate` on an exported design, which loads the weights with `TrainedNetwork` and
so imports neither Lightning nor its dependencies (seconds of a command that should take
one or two).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from trainer.bit_errors import (
    ErrorSweep,
    ErrorSweepAccumulator,
    SweepCutoff,
    weights_read_with,
)
from trainer.config import Precision, TrainConfig, WeightErrorConfig
from trainer.data import TensorBatches, load_dataset
from trainer.encoding import InputEncoding, deployed_encoding
from trainer.error_structure import ErrorStructure
from trainer.incremental import CleanPass
from trainer.inference import encoded_at, encoded_input, scores_of_encoded
from trainer.layers import deployed_bits
from trainer.models import SCBNN, build_network
from trainer.sng import KeyedGenerators

NETWORK_PREFIX = "network."  # the network's entries in a checkpoint's state_dict


@dataclass(frozen=True)
class ErrorSweepSpec:
    """The weight-error maps a test also scores under: `maps` seeded maps per bit-error rate,
    of the given structure, and the low percentile reported over them; with a `cutoff`, the
    rates to stop scoring once they cannot beat their thresholds (`SweepCutoff`); with
    `lengths_by_ber`, the lengths each rate is scored at (the others: every length tested),
    so rates wanted at different lengths share one pass (one draw, one clean pass)."""

    bers: tuple[float, ...]
    maps: int
    seed: int
    structure: ErrorStructure
    percentile: float
    cutoff: SweepCutoff | None = None
    lengths_by_ber: Mapping[float, tuple[int, ...]] | None = None

    @classmethod
    def of(cls, errors: WeightErrorConfig) -> ErrorSweepSpec:
        """The maps a config's `weight_errors` asks for, at its `eval_bers`."""
        return cls((), errors.maps, errors.seed, ErrorStructure.from_config(errors),
                   errors.percentile).at(errors.eval_bers or [])

    def at(self, bers: Iterable[float]) -> ErrorSweepSpec:
        """The same maps at the rates `bers` (sorted, each once)."""
        return replace(self, bers=tuple(sorted(set(map(float, bers)))))


@dataclass(frozen=True)
class Tested:
    """What one test pass measured: accuracy by N, and the error sweep (None: no rates)."""

    accuracy: dict[int, float]
    sweep: ErrorSweep | None = None


def _autocast(precision: Precision, device: torch.device) -> contextlib.AbstractContextManager:
    """The arithmetic of `precision`, as Lightning's precision plugin sets it for a step."""
    if precision == "16-mixed":
        return torch.autocast(device.type, dtype=torch.float16)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _deployed_on(network: SCBNN, device: torch.device) -> Iterator[SCBNN]:
    """`network` on `device` in eval mode, its stored bits computed once, for the block; its
    device and mode come back."""
    was_training = network.training
    home = next(network.parameters()).device
    network.to(device).eval()
    try:
        with deployed_bits(network):
            yield network
    finally:
        network.to(home).train(was_training)


def deployed_accuracy(network: SCBNN, encoding: InputEncoding,
                      batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
                      lengths: Sequence[int], seed: int, errors: ErrorSweepSpec | None = None,
                      device: torch.device | str = "cpu", precision: Precision = "32-true",
                      incremental: bool = True) -> Tested:
    """Accuracy of `network` at each of `lengths` over `batches` (pixels, labels), and under
    `errors`' maps. The streams come from `seed`, each block or plane from its own keyed
    generator, so the accuracy at one N does not depend on the other N tested beside it.
    On the CPU a dense network is scored under each map from its clean pass
    (`trainer.incremental`: the same decisions, less work at low rates); `incremental=False`
    takes a full pass per map (what that is checked against), as a GPU does: there a full
    pass is a few fast products, and following the changes would wait on the device at
    every step (not measured, so not used)."""
    device = torch.device(device)
    incremental = incremental and device.type == "cpu"
    lengths = sorted(set(int(n) for n in lengths))
    generator = KeyedGenerators(seed, device)
    correct = torch.zeros(len(lengths), dtype=torch.int64, device=device)
    total = 0
    with _deployed_on(network, device), torch.inference_mode(), _autocast(precision, device):
        sweep = ErrorSweepAccumulator(network, errors.bers, lengths, errors.maps, errors.seed,
                                      errors.structure, errors.percentile, errors.cutoff,
                                      errors.lengths_by_ber
                                      ) if errors is not None and errors.bers else None
        for pixels, labels in batches:
            pixels, labels = pixels.to(device), labels.to(device)
            encoded = encoded_input(encoding, pixels, lengths, generator)
            clean = CleanPass.of(network, encoding, encoded, lengths) if (
                incremental and sweep is not None) else None

            def scores_under(error_map=None, columns=None, encoded=encoded, clean=clean):
                if clean is not None:
                    return clean.scores if error_map is None else clean.scores_under(
                        error_map, columns)
                some, at = encoded_at(encoding, encoded, lengths, columns)
                with weights_read_with(network, error_map):
                    return scores_of_encoded(network, encoding, some, at)

            scores = scores_under()
            correct += (scores.argmax(-1) == labels).sum(-1)
            total += int(labels.shape[0])
            if sweep is not None:
                sweep.add(scores_under, scores, labels)
    # float32, as torchmetrics' accuracy gave it: the numbers studies recorded stay the same
    fractions = (correct.float() / max(total, 1)).tolist()
    return Tested(dict(zip(lengths, fractions, strict=True)),
                  sweep.result() if sweep is not None else None)


@dataclass
class TrainedNetwork:
    """A checkpoint's network with the config it was trained with, loaded without Lightning
    (`torch.load(weights_only=True)`: no code runs from the file)."""

    config: TrainConfig
    network: SCBNN
    input_shape: tuple[int, ...]

    @classmethod
    def from_checkpoint(cls, path: str | Path, map_location: str = "cpu") -> TrainedNetwork:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
        hparams = checkpoint["hyper_parameters"]
        config = TrainConfig.model_validate(hparams["config"])
        input_shape = tuple(hparams["input_shape"])
        network = build_network(config.model, input_shape, hparams["num_classes"])
        network.load_state_dict(network_state(checkpoint["state_dict"]))
        return cls(config, network, input_shape)

    @property
    def encoding(self) -> InputEncoding:
        return deployed_encoding(self.config.input)


def network_state(state_dict: dict[str, Any]) -> dict[str, Any]:
    """The network's part of a checkpoint's state_dict; any other entry means the file is
    not one of ours (a strict load of the network then names what is missing)."""
    foreign = [key for key in state_dict if not key.startswith(NETWORK_PREFIX)]
    if foreign:
        raise KeyError(f"not an SC-BNN checkpoint: unexpected entry {foreign[0]!r}")
    return {key.removeprefix(NETWORK_PREFIX): value for key, value in state_dict.items()}


def batches_of_test_set(config: TrainConfig, device: torch.device | str = "cpu") -> TensorBatches:
    """`config.data`'s test set on `device`, batched as the data module batches it (the test
    set is never split or subsetted), without the Lightning data module."""
    data = config.data
    dataset = load_dataset(data.dataset, data.root, data.download,  # type: ignore[arg-type]
                           test_only=True)
    return TensorBatches((dataset.test_images.to(device), dataset.test_labels.to(device)),
                         data.eval_batch_size)
