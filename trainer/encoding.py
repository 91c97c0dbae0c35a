"""Input encodings: what the first binary layer sees for an image of 8-bit pixels.

* `FixedPointEncoding`: the conventional BNN; layer 1 sees 2x - 1 (x = p / 255), the mean of
  the bipolar stochastic stream, so the two encodings are directly comparable. It is fed
  (2p - 255) / 256 and its sums divided by 255 / 256 after the layer: fed multiples of 2^-8,
  as a fixed-point datapath adds 8-bit pixels, its sums are exact whatever order a product
  adds in (and stay small enough for float16).
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
    PIXEL_MAX,
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
    # the first layer is fed multiples of `input_step` (a power of two: its sums are then
    # exact in float32 in any order of addition), and its sums over N cycles are divided by
    # N x `sum_scale` after it; both 1 but for fixed point
    input_step: ClassVar[float] = 1.0
    sum_scale: ClassVar[float] = 1.0

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

        The first layer sees this sum divided by N x `sum_scale` (`divisors`). The
        division comes after the (linear, bias-free) first layer, as in hardware where
        popcounts accumulate: with sums of multiples of `input_step` every partial result is
        exact, whatever order a matrix product adds in.
        """
        single = self.fed(pixels)
        n = lengths_tensor(tuple(lengths), single.device)
        return single.unsqueeze(0) * n.view(-1, *([1] * single.dim()))

    def divisors(self, lengths: Sequence[int], device: torch.device) -> torch.Tensor:
        """What each length's first-layer sums are divided by after the layer."""
        n = lengths_tensor(tuple(lengths), device)
        return n if self.sum_scale == 1.0 else n * self.sum_scale

    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        """The value the first layer sees for each pixel."""
        raise NotImplementedError

    def fed(self, pixels: torch.Tensor) -> torch.Tensor:
        """What the first layer is fed for each pixel: `encode` / `sum_scale`, a multiple of
        `input_step`."""
        return self.encode(pixels)

    # What evaluating at `lengths` costs, known before anything is built (`trainer.resources`).

    def input_bytes(self, positions: int, lengths: Sequence[int]) -> int:
        """Memory of one image's first-layer input: float32 sums at every length."""
        return 4 * len(lengths) * positions

    def table_bytes(self, positions: int, lengths: Sequence[int], keyed: bool = False) -> int:
        """Memory of the tables the encoding builds once (none); `keyed`: drawing from
        `trainer.sng.KeyedGenerators`, as evaluation does."""
        return 0

    def network_passes(self, lengths: Sequence[int]) -> int:
        """Times the network after the first layer runs per image: once per length."""
        return len(lengths)


class FixedPointEncoding(InputEncoding):
    mode = InputMode.FIXED_POINT
    input_step = 2.0**-8
    sum_scale = PIXEL_MAX * 2.0**-8

    def encode(self, pixels):
        return 2.0 * pixel_values(pixels) - 1.0

    def fed(self, pixels):
        return (2.0 * pixels.to(torch.float32) - PIXEL_MAX) * self.input_step


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

    def input_bytes(self, positions, lengths):
        if not self.merges_at_output:
            return super().input_bytes(positions, lengths)
        return 5 * max(lengths) * positions  # the longest stream's bits, then float32 planes

    def table_bytes(self, positions, lengths, keyed=False):
        return self.sng.table_bytes(positions, lengths, keyed)

    def network_passes(self, lengths):
        return max(lengths) if self.merges_at_output else len(lengths)

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
