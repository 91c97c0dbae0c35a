"""Seeded, class-balanced index selection: validation splits and low-fidelity subsets.

Both work class by class with one ``torch.Generator`` seeded once, drawing a permutation of
each class (in ascending class order) and taking a prefix of it. Consequences that callers rely
on:

- the same labels and seed give the same indices on any machine (CPU generator);
- class proportions are kept (up to rounding), so a 5% subset is still balanced;
- for a fixed seed, subsets are nested: the 10% subset contains the 5% one, so a
  multi-fidelity search compares runs on consistent data.

Rounding is half-up (``floor(x + 0.5)``), not Python's banker's rounding, so counts are the
obvious ones.
"""

from __future__ import annotations

import hashlib
import math

import torch
from torch import Tensor


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def derive_seed(seed: int, purpose: str) -> int:
    """An independent 63-bit seed for ``purpose`` from a user seed.

    Using the user seed directly for two draws (split, then subset) would make them correlated;
    hashing keeps one user-facing seed without that.
    """
    digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _class_permutations(labels: Tensor, seed: int) -> list[Tensor]:
    """For each class present (ascending), its indices in a seeded random order."""
    labels = torch.as_tensor(labels)
    if labels.dim() != 1:
        raise ValueError(f"labels must be 1-D, got shape {tuple(labels.shape)}")
    generator = torch.Generator().manual_seed(seed)
    labels = labels.cpu()
    perms = []
    for c in torch.unique(labels, sorted=True).tolist():
        members = torch.nonzero(labels == c, as_tuple=True)[0]
        perms.append(members[torch.randperm(len(members), generator=generator)])
    return perms


def class_balanced_subset(labels: Tensor, fraction: float, seed: int) -> Tensor:
    """Sorted int64 indices of a seeded subset keeping ``fraction`` of every class.

    Each class keeps ``round(fraction * count)`` items, at least 1 (so no class disappears from
    a tiny low-fidelity run). ``fraction`` is in (0, 1]; 1 returns every index.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if fraction == 1.0:
        return torch.arange(len(labels), dtype=torch.int64)
    chosen = [
        perm[: max(1, _round_half_up(fraction * len(perm)))]
        for perm in _class_permutations(labels, seed)
    ]
    if not chosen:
        return torch.empty(0, dtype=torch.int64)
    return torch.sort(torch.cat(chosen)).values.to(torch.int64)


def stratified_split(labels: Tensor, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Seeded, class-balanced (train indices, validation indices), both sorted int64.

    Each class gives ``round(val_fraction * count)`` items to validation, never all of them (a
    class keeps at least one training example). ``val_fraction`` is in [0, 1); 0 gives an empty
    validation set.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    train_parts: list[Tensor] = []
    val_parts: list[Tensor] = []
    for perm in _class_permutations(labels, seed):
        n_val = min(_round_half_up(val_fraction * len(perm)), len(perm) - 1)
        val_parts.append(perm[:n_val])
        train_parts.append(perm[n_val:])
    empty = torch.empty(0, dtype=torch.int64)
    train = torch.sort(torch.cat(train_parts)).values if train_parts else empty
    val = torch.sort(torch.cat(val_parts)).values if val_parts else empty
    return train.to(torch.int64), val.to(torch.int64)


def validation_split_problem(labels: Tensor, val_fraction: float) -> str | None:
    """Why a positive `val_fraction` leaves no validation image (each class gives
    round(val_fraction x its count)), or None: checked before a run, not met in its first
    validation."""
    if val_fraction <= 0:
        return None
    counts = torch.bincount(torch.as_tensor(labels).cpu()) if len(labels) else torch.zeros(1)
    largest = int(counts.max())
    if largest and min(_round_half_up(val_fraction * largest), largest - 1) > 0:
        return None
    least = 0.5 / largest if largest else 1.0
    return (f"val_fraction {val_fraction:g} leaves no validation image (the largest class has "
            f"{largest} training images: give at least {least:.2g})")
