"""Batch-level image augmentation on uint8 tensors, vectorised (no per-image Python loop).

Augmenting after the batch reaches its device keeps the data loader trivial (tensors indexed
in memory, no transforms, no workers) and works the same on CPU and GPU: the random offsets
are drawn on the images' device, so a GPU step never waits for a copy from the host.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def random_crop_flip(
    images: Tensor,
    padding: int = 4,
    flip: bool = True,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Random crop after ``padding`` pixels of zero padding, and random horizontal flip.

    The standard CIFAR-10 augmentation, for a (B, C, H, W) batch of any dtype (uint8 stays
    uint8). Offsets and flips are drawn per image from ``generator``, a generator of the
    images' device: a seeded run repeats itself on the same kind of device.
    """
    if images.dim() != 4:
        raise ValueError(f"images must be (B, C, H, W), got shape {tuple(images.shape)}")
    b, c, h, w = images.shape
    device = images.device
    padded = F.pad(images, (padding, padding, padding, padding)) if padding else images
    dy = torch.randint(0, 2 * padding + 1, (b, 1), generator=generator, device=device)
    dx = torch.randint(0, 2 * padding + 1, (b, 1), generator=generator, device=device)
    rows = dy + torch.arange(h, device=device)  # (B, H)
    cols = torch.arange(w, device=device).expand(b, w)
    if flip:
        flipped = torch.rand(b, 1, generator=generator, device=device) < 0.5
        cols = torch.where(flipped, (w - 1) - cols, cols)
    cols = cols + dx  # (B, W)
    bi = torch.arange(b, device=device)[:, None, None, None]
    ci = torch.arange(c, device=device)[None, :, None, None]
    return padded[bi, ci, rows[:, None, :, None], cols[:, None, None, :]]
