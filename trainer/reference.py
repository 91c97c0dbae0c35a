"""The naive reference: the hardware's behaviour simulated one clock cycle at a time.

Nothing here is used by training or search. Tests compare the fast paths (`sng.counts`,
`inference.class_scores`) against these loops: exactly for deterministic generators, in
distribution for the ideal source. The bit-planes come from each generator's own
`reference_planes` (the LFSR's runs on plain Python integers, `trainer.lfsr.ScalarLFSR`, so the
vectorised register is checked too).
"""

from __future__ import annotations

import torch

from trainer.encoding import StochasticEncoding
from trainer.models import SCBNN
from trainer.sng import StochasticNumberGenerator


def reference_planes(
    sng: StochasticNumberGenerator,
    pixels: torch.Tensor,
    length: int,
    generator: torch.Generator | None = None,
) -> list[torch.Tensor]:
    """The bit-planes, generated cycle by cycle: `length` bool tensors shaped like `pixels`."""
    return sng.reference_planes(pixels, length, generator)


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
