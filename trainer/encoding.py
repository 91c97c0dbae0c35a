"""Input encodings: what the first binary layer sees for an image of 8-bit pixels.

* `FixedPointEncoding`: the conventional BNN; layer 1 sees 2x - 1 (x = p / 255), the mean of
  the bipolar stochastic stream, so the two encodings are directly comparable.
* `ThresholdEncoding`: one bit per pixel, +1 where x >= 0.5 (the no-SC baseline).
* `StochasticEncoding`: bitstreams of length N from an SNG, merged either at the first layer
  (layer 1 sees the accumulated bipolar sum divided by N: (2K - N) / N) or at the output
  (every bipolar bit-plane goes through the whole network).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from trainer.config import InputConfig, MergePoint, SNGConfig
from trainer.sng import (
    LFSRSNG,
    IdealSNG,
    SobolSNG,
    StochasticNumberGenerator,
    check_lengths,
    lengths_tensor,
    pixel_values,
)


class InputEncoding:
    """Base: a deterministic, length-independent first-layer input."""

    merges_at_output = False

    def layer1_sums(
        self,
        pixels: torch.Tensor,
        lengths: Sequence[int],
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """First-layer input summed over each length's cycles: (len(lengths), *pixels.shape).

        The first layer sees this sum divided by N. The division comes after the (linear,
        bias-free) first layer, as in hardware where popcounts accumulate: with integer sums
        every partial result is exact, whatever order a matrix product adds in.
        """
        single = self.encode(pixels)
        n = lengths_tensor(tuple(lengths), single.device)
        return single.unsqueeze(0) * n.view(-1, *([1] * single.dim()))

    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class FixedPointEncoding(InputEncoding):
    def encode(self, pixels):
        return 2.0 * pixel_values(pixels) - 1.0


class ThresholdEncoding(InputEncoding):
    def encode(self, pixels):
        return torch.where(pixel_values(pixels) >= 0.5, 1.0, -1.0)


class StochasticEncoding(InputEncoding):
    def __init__(self, sng: StochasticNumberGenerator, merge: MergePoint):
        self.sng = sng
        self.merge = merge
        self.merges_at_output = merge == "output"

    def layer1_sums(self, pixels, lengths, generator=None):
        if self.merges_at_output:
            raise ValueError("with the output merge the network runs per bit-plane")
        lengths = check_lengths(lengths)
        counts = self.sng.counts(pixels, lengths, generator, dtype=torch.float32)
        n = lengths_tensor(tuple(lengths), pixels.device)
        return 2.0 * counts - n.view(-1, *([1] * pixels.dim()))  # sum of +1/-1 bits

    def bipolar_planes(
        self,
        pixels: torch.Tensor,
        length: int,
        generator: torch.Generator | None = None,
        start: int = 0,
    ) -> torch.Tensor:
        """The stream as +1/-1 bit-planes from cycle `start`: (length, *pixels.shape)."""
        bits = self.sng.stream(pixels, length, generator, start)
        return bits.to(torch.float32) * 2.0 - 1.0


def build_sng(config: SNGConfig) -> StochasticNumberGenerator:
    if config.kind == "ideal":
        return IdealSNG()
    if config.kind == "lfsr":
        return LFSRSNG(
            width=config.width,
            taps=config.taps,
            seed=config.seed,
            sharing=config.sharing,
            bits=config.bits,
        )
    return SobolSNG(seed=config.seed, sharing=config.sharing, bits=config.bits)


def deployed_encoding(config: InputConfig) -> InputEncoding:
    """The encoding the network is evaluated (and deployed) with."""
    if config.mode == "fixed_point":
        return FixedPointEncoding()
    if config.mode == "threshold":
        return ThresholdEncoding()
    return StochasticEncoding(build_sng(config.sng), config.merge)


def training_encoding(config: InputConfig) -> InputEncoding:
    """The encoding the network is trained with: fixed point for non-adapted SC."""
    if config.mode == "sc" and config.training == "non_adapted":
        return FixedPointEncoding()
    return deployed_encoding(config)
