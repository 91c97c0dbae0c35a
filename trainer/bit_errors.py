"""Bit errors in the stored binary weights: error maps, reading weights through one, and the
accuracy of one trained network at many bit-error rates without retraining.

A chip keeps its binary weights in STT-MRAM, and each stored bit is read wrong with a
probability, the bit-error rate (BER), that depends on the device (the hardware model's
device model says which). Errors that come from the cells (a resistance far out in its
distribution, a write that failed, a retention flip) are the same at every read, so one chip
is one *error map*: a fixed set of flipped weights. A map flips every weight independently
with probability `ber`; a design's accuracy at a BER is its expectation over maps, estimated
by the mean over a few seeded maps, whose spread says how far one chip may land from another.

Maps are nested: map m draws one uniform number u per weight and flips the weights with
u < ber, so at a higher BER it flips a superset of the weights it flips at a lower one (common
random numbers: accuracy-against-BER curves are smooth, and each map is still exactly
Bernoulli(ber) per weight, independently). A map that flips nothing leaves the network as it
is: its accuracy is the clean accuracy, and it costs nothing to evaluate. With a `structure`,
the maps cluster in array columns and rows as sense-amplifier offsets and shared references
make them (`trainer.error_structure`), still nested, each weight still flipped with
probability `ber`. A chip is chosen on the bad chips, not on the mean: `ErrorSweep.low()` is a
low percentile of accuracy over the maps.

Error-aware training (`weight_errors.train_ber`) reads the weights through a fresh map in
every training step (`random_error_map`); the gradient flows through the flipped signs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch
from torch import nn

from trainer.config import DEFAULT_PERCENTILE
from trainer.error_structure import INDEPENDENT, ErrorStructure, StructuredUniforms
from trainer.layers import BINARY_LAYERS


def binary_layers(network: nn.Module) -> list[tuple[str, nn.Module]]:
    """The layers whose weights are stored bits, by name, in network order."""
    return [(name, layer) for name, layer in network.named_modules()
            if isinstance(layer, BINARY_LAYERS)]


@dataclass(frozen=True)
class ErrorMap:
    """Which stored weights a chip reads flipped: a boolean mask per binary layer."""

    flips: dict[str, torch.Tensor]

    @cached_property
    def flipped(self) -> int:
        return int(sum(int(mask.sum()) for mask in self.flips.values()))

    @cached_property
    def weights(self) -> int:
        return int(sum(mask.numel() for mask in self.flips.values()))


def random_error_map(network: nn.Module, ber: float,
                     generator: torch.Generator | None = None) -> ErrorMap:
    """Every weight flipped independently with probability `ber` (a fresh map)."""
    return ErrorMap({
        name: torch.rand(layer.weight.shape, generator=generator,
                         device=layer.weight.device) < ber
        for name, layer in binary_layers(network)
    })


@contextmanager
def weights_read_with(network: nn.Module, error_map: ErrorMap | None) -> Iterator[None]:
    """Within the block, every binary layer computes with its weights as `error_map` reads
    them (sign(w) negated where the map flips it); outside it, with its own weights."""
    if error_map is None:
        yield
        return
    layers = dict(binary_layers(network))
    try:
        for name, mask in error_map.flips.items():
            layers[name].weight_signs = 1.0 - 2.0 * mask.to(layers[name].weight.dtype)
        yield
    finally:
        for name in error_map.flips:
            layers[name].weight_signs = None


class NestedErrorMaps:
    """`maps` seeded error maps of one network, each readable at any BER (nested in BER):
    independent flips, or clustered by `structure` (`trainer.error_structure`)."""

    def __init__(self, network: nn.Module, maps: int, seed: int,
                 structure: ErrorStructure = INDEPENDENT):
        device = next(network.parameters()).device
        weights = {name: layer.weight for name, layer in binary_layers(network)}
        structured = None if structure.independent else StructuredUniforms(weights, structure)
        self.structure = structure
        self.uniforms: list[dict[str, torch.Tensor]] = []
        for index in range(maps):
            generator = torch.Generator(device=device).manual_seed(
                int(np.random.SeedSequence([seed, index]).generate_state(1)[0]))
            self.uniforms.append(structured.draw(generator) if structured is not None else {
                name: torch.rand(weight.shape, generator=generator, device=device)
                for name, weight in weights.items()
            })

    def __len__(self) -> int:
        return len(self.uniforms)

    def at(self, index: int, ber: float) -> ErrorMap:
        return ErrorMap({name: u < ber for name, u in self.uniforms[index].items()})


@dataclass
class ErrorSweep:
    """Correct decisions of one network on one data split under every (BER, map, N)."""

    bers: list[float]
    lengths: list[int]
    maps: int
    correct: np.ndarray = field(repr=False)  # (bers, maps, lengths) counts
    total: int = 0
    flipped: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))  # (bers, maps)
    weights: int = 0
    percentile: float = DEFAULT_PERCENTILE  # of `low()`
    structure: ErrorStructure = INDEPENDENT
    # (bers, lengths): the pairs measured (None: all). A lazy evaluation
    # (`trainer.evaluation_plan`) measures only some; the others are left out of every
    # statistic rather than reported as zeros.
    measured: np.ndarray | None = field(repr=False, default=None)

    @property
    def accuracy(self) -> np.ndarray:
        """(bers, maps, lengths) fractions."""
        return self.correct / max(self.total, 1)

    def _by_pair(self, values: np.ndarray) -> dict[float, dict]:
        """BER -> N -> values[b, i] (any trailing shape), measured pairs only."""
        measured = self.measured if self.measured is not None else np.ones(
            (len(self.bers), len(self.lengths)), dtype=bool)
        found = {ber: {n: values[b, i] for i, n in enumerate(self.lengths) if measured[b, i]}
                 for b, ber in enumerate(self.bers)}
        return {ber: by_n for ber, by_n in found.items() if by_n}

    def unmeasured(self) -> set[tuple[int, float]]:
        """The (N, BER) pairs the sweep holds no measurement of (a lazy evaluation's)."""
        if self.measured is None:
            return set()
        return {(n, ber) for b, ber in enumerate(self.bers)
                for i, n in enumerate(self.lengths) if not self.measured[b, i]}

    def mean(self) -> dict[float, dict[int, float]]:
        """BER -> N -> accuracy averaged over the maps."""
        mean = self.accuracy.mean(axis=1)
        return _floats(self._by_pair(mean))

    def spread(self) -> dict[float, dict[int, float]]:
        """BER -> N -> standard deviation over the maps (0 with one map)."""
        std = self.accuracy.std(axis=1, ddof=1) if self.maps > 1 else np.zeros(
            (len(self.bers), len(self.lengths)))
        return _floats(self._by_pair(std))

    def low(self) -> dict[float, dict[int, float]]:
        """BER -> N -> the `percentile`-th percentile of accuracy over the maps (numpy's
        linear interpolation between the sorted map accuracies): a chip this good or worse
        is made `percentile` % of the time."""
        low = np.percentile(self.accuracy, self.percentile, axis=1)
        return _floats(self._by_pair(low))

    def by_map(self) -> dict[float, dict[int, list[float]]]:
        """BER -> N -> the accuracy of every map (one chip each)."""
        per_map = np.moveaxis(self.accuracy, 1, -1)  # (bers, lengths, maps)
        return {ber: {n: [float(a) for a in values] for n, values in by_n.items()}
                for ber, by_n in self._by_pair(per_map).items()}

    def to_json(self) -> dict:
        measured = {} if self.measured is None else {"measured": self.measured.tolist()}
        return {"bers": self.bers, "lengths": self.lengths, "maps": self.maps,
                "total": self.total, "weights": self.weights,
                "correct": self.correct.astype(int).tolist(),
                "flipped": self.flipped.astype(int).tolist(),
                "percentile": self.percentile, **self.structure.to_json(), **measured}


def _floats(by_pair: dict[float, dict]) -> dict[float, dict[int, float]]:
    return {ber: {n: float(v) for n, v in by_n.items()} for ber, by_n in by_pair.items()}


@dataclass(frozen=True)
class SweepCutoff:
    """When a sweep stops scoring a pair (N, rate) part way through the split: as soon as it
    cannot end above the accuracy it must beat, even if every example left were decided
    correctly under every map. The bound is exact (counts, not a statistical guess): a pair
    cut is one whose full measurement would have said the same, so a lazy evaluation
    (`trainer.evaluation_plan`) that only needs to know whether a pair beats its threshold
    loses nothing by cutting it. A rate's maps then go through the rows of its lengths still
    scored only, and none once every pair of it is cut. A cut pair is reported as not
    measured."""

    thresholds: Mapping[tuple[int, float], float]  # (N, rate) -> the accuracy it must beat
    statistic: str  # over the maps: "mean" or "low_percentile" (the sweep's percentile)
    examples: int  # in the split the sweep goes through


CUTOFF_SLACK = 1e-9  # a bound within float rounding of its threshold does not cut


class ErrorSweepAccumulator:
    """Counts correct decisions batch by batch for every (BER, map), on the same input draw
    as the clean evaluation (so BER 0, or a map that flips nothing, gives exactly the clean
    numbers). With a `cutoff`, a pair that can no longer matter stops being scored."""

    def __init__(self, network: nn.Module, bers: Sequence[float], lengths: Sequence[int],
                 maps: int, seed: int, structure: ErrorStructure = INDEPENDENT,
                 percentile: float = DEFAULT_PERCENTILE, cutoff: SweepCutoff | None = None,
                 lengths_by_ber: Mapping[float, Sequence[int]] | None = None):
        self.bers = [float(ber) for ber in bers]
        self.lengths = list(lengths)
        self.percentile = percentile
        self.nested = NestedErrorMaps(network, maps, seed, structure)
        self.error_maps = [[self.nested.at(m, ber) for m in range(maps)] for ber in self.bers]
        self.correct = np.zeros((len(self.bers), maps, len(self.lengths)))
        self.total = 0
        self.cutoff = cutoff
        # (bers, lengths): the pairs asked for; a rate is scored at its own lengths only
        self.asked = np.ones((len(self.bers), len(self.lengths)), dtype=bool)
        for ber, wanted in (lengths_by_ber or {}).items():
            if float(ber) in self.bers:
                self.asked[self.bers.index(float(ber))] = np.isin(self.lengths, list(wanted))
        self.scoring = self.asked.copy()  # the pairs asked and not cut
        self.to_beat = np.full((len(self.bers), len(self.lengths)), -np.inf)
        for (n, ber), needed in (cutoff.thresholds.items() if cutoff else ()):
            if float(ber) in self.bers and int(n) in self.lengths:
                self.to_beat[self.bers.index(float(ber)), self.lengths.index(int(n))] = needed

    def add(self, scores_under, clean_scores: torch.Tensor, labels: torch.Tensor) -> None:
        """`scores_under(error_map, columns)` gives class scores (len(columns), batch,
        classes) at the lengths of indices `columns` (None: every length)."""
        clean = (clean_scores.argmax(-1) == labels).sum(-1).cpu().numpy()
        for b, maps in enumerate(self.error_maps):
            if not self.scoring[b].any():
                continue
            columns = None if self.scoring[b].all() else [
                int(i) for i in np.flatnonzero(self.scoring[b])]
            taken = slice(None) if columns is None else columns
            for m, error_map in enumerate(maps):
                if error_map.flipped == 0:
                    self.correct[b, m, taken] += clean[taken]
                    continue
                scores = scores_under(error_map, columns)
                self.correct[b, m, taken] += (scores.argmax(-1) == labels).sum(-1).cpu().numpy()
        self.total += int(labels.shape[0])
        if self.cutoff is not None:
            self.scoring &= ~self._hopeless(self.cutoff)

    def _hopeless(self, cutoff: SweepCutoff) -> np.ndarray:
        """(bers, lengths) where a pair's best possible statistic is below its threshold:
        the counts so far with every example left correct under every map (the statistics
        are nondecreasing in each map's accuracy, so that bounds them)."""
        left = cutoff.examples - self.total
        if left < 0:
            raise ValueError(f"the sweep saw {self.total} examples of a split of "
                             f"{cutoff.examples}")
        best = (self.correct + left) / cutoff.examples
        statistic = best.mean(axis=1) if cutoff.statistic == "mean" else np.percentile(
            best, self.percentile, axis=1)
        return statistic < self.to_beat - CUTOFF_SLACK

    def result(self) -> ErrorSweep:
        if self.cutoff is not None and self.total != self.cutoff.examples:
            raise ValueError(f"the sweep saw {self.total} examples of a split of "
                             f"{self.cutoff.examples}")
        flipped = np.array([[error_map.flipped for error_map in maps]
                            for maps in self.error_maps])
        weights = self.error_maps[0][0].weights if self.error_maps else 0
        measured = self.scoring
        return ErrorSweep(bers=self.bers, lengths=self.lengths, maps=len(self.nested),
                          correct=np.where(measured[:, None, :], self.correct, 0.0),
                          total=self.total, flipped=flipped, weights=weights,
                          percentile=self.percentile, structure=self.nested.structure,
                          measured=None if measured.all() else measured)
