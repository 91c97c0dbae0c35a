"""Class scores of a network under an input encoding, at one or many bitstream lengths.

Many lengths cost one stream of the largest: with the first-layer merge the counts at every
prefix come from one draw (`counts`), with the output merge the per-plane scores of the
longest stream are summed cumulatively and read at each prefix. The draw (`encoded_input`)
and the network (`scores_of_encoded`) are separate steps, so one draw can be scored by one
network under several weight-error maps (`trainer.bit_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from trainer.encoding import InputEncoding, StochasticEncoding
from trainer.models import SCBNN
from trainer.sng import RandomSource, check_lengths, lengths_tensor

PLANE_CHUNK = 16  # bit-planes per forward pass with the output merge (bounds memory)


def class_scores(
    network: SCBNN,
    encoding: InputEncoding,
    pixels: torch.Tensor,
    lengths: Sequence[int],
    generator: RandomSource = None,
    plane_chunk: int = PLANE_CHUNK,
    start_cycle: int = 0,
) -> torch.Tensor:
    """Class scores (len(lengths), batch, classes) at each bitstream length.

    `start_cycle` (output merge only) starts the stream later: training uses it so that a
    deterministic generator's every cycle is seen, not only the first few.
    """
    lengths = check_lengths(lengths)
    encoded = encoded_input(encoding, pixels, lengths, generator, start_cycle)
    return scores_of_encoded(network, encoding, encoded, lengths, plane_chunk)


def encoded_input(
    encoding: InputEncoding,
    pixels: torch.Tensor,
    lengths: Sequence[int],
    generator: RandomSource = None,
    start_cycle: int = 0,
) -> torch.Tensor:
    """What the first layer is fed, drawn once: layer-1 input sums at every length
    (len(lengths), *pixels.shape), or with the output merge the +1/-1 bit-planes of the
    longest stream (lengths[-1], *pixels.shape). Several networks (or one network under
    several error maps) can then be scored on the same draw."""
    lengths = check_lengths(lengths)
    if isinstance(encoding, StochasticEncoding) and encoding.merges_at_output:
        return encoding.bipolar_planes(pixels, lengths[-1], generator, start_cycle)
    return encoding.layer1_sums(pixels, lengths, generator)


def encoded_at(encoding: InputEncoding, encoded: torch.Tensor, lengths: Sequence[int],
               columns: Sequence[int] | None) -> tuple[torch.Tensor, list[int]]:
    """`encoded_input`'s draw at `lengths` cut down to the lengths of indices `columns`
    (None: all), with those lengths: the layer-1 sums of those lengths, or with the output
    merge the planes up to the longest of them. Scoring the cut draw gives what scoring the
    whole draw gives at those lengths."""
    lengths = list(lengths)
    if columns is None:
        return encoded, lengths
    at = [lengths[i] for i in columns]
    if isinstance(encoding, StochasticEncoding) and encoding.merges_at_output:
        return encoded[:max(at)], at
    return encoded[list(columns)], at


def scores_of_encoded(
    network: SCBNN,
    encoding: InputEncoding,
    encoded: torch.Tensor,
    lengths: Sequence[int],
    plane_chunk: int = PLANE_CHUNK,
) -> torch.Tensor:
    """Class scores (len(lengths), batch, classes) of `encoded_input`'s draw."""
    lengths = check_lengths(lengths)
    batch = encoded.shape[1]
    if not (isinstance(encoding, StochasticEncoding) and encoding.merges_at_output):
        preactivation = network.first(encoded.flatten(0, 1)).unflatten(0, (len(lengths), batch))
        n = encoding.divisors(lengths, preactivation.device)
        mean = preactivation / n.view(-1, *([1] * (preactivation.dim() - 1)))
        scores = network.readout(network.body(mean.flatten(0, 1)))
        return scores.view(len(lengths), batch, -1)

    planes = encoded
    if torch.is_grad_enabled() or plane_chunk >= lengths[-1]:
        per_plane = network.body(network.first(planes.flatten(0, 1)))
        running = per_plane.view(lengths[-1], batch, -1).cumsum(0)
        sums = torch.stack([running[n - 1] for n in lengths])  # no index tensor from the host
    else:
        sums = _chunked_prefix_sums(network, planes, lengths, plane_chunk)
    n = lengths_tensor(tuple(lengths), sums.device).view(-1, 1, 1)
    mean_popcounts = (sums / n).flatten(0, 1)
    return network.readout(mean_popcounts).view(len(lengths), batch, -1)


def _chunked_prefix_sums(
    network: SCBNN, planes: torch.Tensor, lengths: list[int], plane_chunk: int
) -> torch.Tensor:
    """Running sum of per-plane output popcounts, read at each length, a chunk at a time."""
    batch = planes.shape[1]
    wanted = {n - 1: i for i, n in enumerate(lengths)}
    out: list[torch.Tensor | None] = [None] * len(lengths)
    running = None
    for start in range(0, lengths[-1], plane_chunk):
        chunk = planes[start : start + plane_chunk]
        popcounts = network.body(network.first(chunk.flatten(0, 1)))
        scores = popcounts.view(chunk.shape[0], batch, -1).cumsum(0)
        if running is not None:
            scores = scores + running
        for offset in range(chunk.shape[0]):
            if start + offset in wanted:
                out[wanted[start + offset]] = scores[offset]
        running = scores[-1]
    return torch.stack(out)  # type: ignore[arg-type]
