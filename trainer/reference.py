"""The naive reference: the hardware's behaviour simulated one clock cycle at a time.

Nothing here is used by training or search. Tests compare the fast paths (`sng.counts`,
`inference.class_scores`) against these loops: exactly for deterministic generators, in
distribution for the ideal source. The LFSR is re-implemented on plain Python integers so
that the vectorised register in `trainer.lfsr` is checked too.
"""

from __future__ import annotations

import torch

from trainer.encoding import StochasticEncoding
from trainer.models import SCBNN
from trainer.sng import (
    LFSRSNG,
    PIXEL_MAX,
    IdealSNG,
    SobolSNG,
    StochasticNumberGenerator,
    pixel_values,
)


class ScalarLFSR:
    """One Fibonacci LFSR on a Python int: shift left, XOR of the tapped bits enters at bit 0."""

    def __init__(self, width: int, taps: tuple[int, ...], state: int):
        self.width, self.taps, self.state = width, taps, state

    def step(self) -> int:
        """Return the current state and advance one cycle."""
        current = self.state
        feedback = 0
        for tap in self.taps:
            feedback ^= (current >> (tap - 1)) & 1
        self.state = ((current << 1) | feedback) & ((1 << self.width) - 1)
        return current


def _wired_word(source_word: int, wiring_row) -> int:
    word = 0
    for bit_index in wiring_row:
        word = (word << 1) | ((source_word >> int(bit_index)) & 1)
    return word


def reference_planes(
    sng: StochasticNumberGenerator,
    pixels: torch.Tensor,
    length: int,
    generator: torch.Generator | None = None,
) -> list[torch.Tensor]:
    """The bit-planes, generated cycle by cycle: `length` bool tensors shaped like `pixels`."""
    batch, positions = pixels.shape[0], pixels[0].numel()
    flat = pixels.reshape(batch, positions).to(torch.int64)
    if isinstance(sng, IdealSNG):
        x = pixel_values(pixels)
        return [torch.rand(pixels.shape, generator=generator) < x for _ in range(length)]

    if isinstance(sng, LFSRSNG):
        seeds = sng.group_seeds(sng.num_groups(positions))
        registers = [ScalarLFSR(sng.width, sng.taps, int(s)) for s in seeds]

        def next_sources() -> list[int]:
            return [register.step() for register in registers]

    elif isinstance(sng, SobolSNG):
        engine = torch.quasirandom.SobolEngine(
            sng.num_groups(positions), scramble=sng.scramble, seed=sng.seed
        )

        def next_sources() -> list[int]:
            point = engine.draw(1, dtype=torch.float64)[0]
            return [int(v) for v in torch.floor(point * (1 << sng.bits))]

    else:
        raise TypeError(f"no reference for {type(sng).__name__}")

    planes = []
    for _ in range(length):
        sources = next_sources()
        words = torch.tensor(
            [
                _wired_word(sources[i // sng.sharing], sng.wiring[i % sng.sharing])
                for i in range(positions)
            ]
        )
        plane = words[None, :] * PIXEL_MAX < flat * (1 << sng.bits)
        planes.append(plane.reshape(pixels.shape))
    return planes


@torch.no_grad()
def reference_scores(
    network: SCBNN,
    encoding: StochasticEncoding,
    pixels: torch.Tensor,
    length: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Class scores (batch, classes) of one SC inference, cycle by cycle.

    first_layer merge: layer-1 popcounts accumulate over the N cycles, then the rest of the
    network runs once on the accumulated value / N. output merge: the network runs on each
    bit-plane, its output popcounts accumulate, and the readout scales their mean.
    """
    accumulated = None
    for plane in reference_planes(encoding.sng, pixels, length, generator):
        bipolar = plane.to(torch.float32) * 2.0 - 1.0
        step = network.first(bipolar)
        if encoding.merges_at_output:
            step = network.body(step)
        accumulated = step if accumulated is None else accumulated + step
    if encoding.merges_at_output:
        return network.readout(accumulated / length)
    return network.readout(network.body(accumulated / length))
