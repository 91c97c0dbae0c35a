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
from typing import ClassVar

import torch

from trainer.config import InputConfig, InputMode, MergePoint, TrainingMode
from trainer.sng import (
    RandomSource,
    StochasticNumberGenerator,
    build_sng,
    check_lengths,
    lengths_tensor,
    pixel_values,
)


class InputEncoding:
    """Base: a deterministic, length-independent first-layer input.

    Each `input.mode` is one subclass with its `mode`; declaring it registers it.
    """

    mode: ClassVar[InputMode]
    registry: ClassVar[dict[InputMode, type[InputEncoding]]] = {}
    merges_at_output = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "mode" in cls.__dict__:
            InputEncoding.registry[cls.mode] = cls

    @classmethod
    def from_config(cls, config: InputConfig) -> InputEncoding:
        return cls()

    def layer1_sums(
        self,
        pixels: torch.Tensor,
        lengths: Sequence[int],
        generator: RandomSource = None,
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
    mode = InputMode.FIXED_POINT

    def encode(self, pixels):
        return 2.0 * pixel_values(pixels) - 1.0


class ThresholdEncoding(InputEncoding):
    mode = InputMode.THRESHOLD

    def encode(self, pixels):
        return torch.where(pixel_values(pixels) >= 0.5, 1.0, -1.0)


class StochasticEncoding(InputEncoding):
    mode = InputMode.SC

    def __init__(self, sng: StochasticNumberGenerator, merge_point: MergePoint):
        self.sng = sng
        self.merge_point = MergePoint(merge_point)
        self.merges_at_output = self.merge_point == MergePoint.OUTPUT

    @classmethod
    def from_config(cls, config: InputConfig) -> StochasticEncoding:
        return cls(build_sng(config.sng), config.merge_point)

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
        generator: RandomSource = None,
        start: int = 0,
    ) -> torch.Tensor:
        """The stream as +1/-1 bit-planes from cycle `start`: (length, *pixels.shape)."""
        bits = self.sng.stream(pixels, length, generator, start)
        return bits.to(torch.float32) * 2.0 - 1.0


def deployed_encoding(config: InputConfig) -> InputEncoding:
    """The encoding the network is evaluated (and deployed) with."""
    return InputEncoding.registry[config.mode].from_config(config)


def training_encoding(config: InputConfig) -> InputEncoding:
    """The encoding the network is trained with: fixed point for non-adapted SC."""
    if config.training == TrainingMode.NON_ADAPTED:
        return FixedPointEncoding()
    return deployed_encoding(config)
