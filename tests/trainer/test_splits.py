"""Tests of the seeded, class-balanced index selection in trainer.data.splits."""

from __future__ import annotations

import pytest
import torch

from trainer.data import class_balanced_subset, derive_seed, stratified_split

# Unbalanced classes, in an interleaved order: 100 of class 0, 50 of class 1, 7 of class 2, 1 of 3.
LABELS = torch.tensor([0] * 100 + [1] * 50 + [2] * 7 + [3])[
    torch.randperm(158, generator=torch.Generator().manual_seed(0))
]


def test_subset_counts_and_balance() -> None:
    idx = class_balanced_subset(LABELS, 0.1, seed=0)
    assert idx.dtype == torch.int64
    assert torch.equal(idx, torch.sort(idx).values)
    assert len(set(idx.tolist())) == len(idx)
    # round(0.1 * n), at least one per class: 10, 5, 1 (0.7 rounds up), 1 (never dropped).
    assert LABELS[idx].bincount().tolist() == [10, 5, 1, 1]


def test_subset_rounds_half_up() -> None:
    labels = torch.tensor([0] * 5 + [1] * 15)
    assert class_balanced_subset(labels, 0.5, seed=0).shape == (3 + 8,)  # 2.5 -> 3, 7.5 -> 8


def test_subset_seeded() -> None:
    a = class_balanced_subset(LABELS, 0.3, seed=1)
    assert torch.equal(a, class_balanced_subset(LABELS, 0.3, seed=1))
    assert not torch.equal(a, class_balanced_subset(LABELS, 0.3, seed=2))


def test_subsets_nested() -> None:
    small = set(class_balanced_subset(LABELS, 0.1, seed=5).tolist())
    large = set(class_balanced_subset(LABELS, 0.4, seed=5).tolist())
    assert small <= large


def test_subset_full_and_invalid() -> None:
    assert torch.equal(class_balanced_subset(LABELS, 1.0, seed=0), torch.arange(158))
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            class_balanced_subset(LABELS, bad, seed=0)


def test_stratified_split() -> None:
    train, val = stratified_split(LABELS, 0.2, seed=0)
    assert train.dtype == val.dtype == torch.int64
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(158))
    assert LABELS[val].bincount(minlength=4).tolist() == [20, 10, 1, 0]  # 1.4 -> 1, 0.2 -> 0
    t2, v2 = stratified_split(LABELS, 0.2, seed=0)
    assert torch.equal(train, t2) and torch.equal(val, v2)
    _, v3 = stratified_split(LABELS, 0.2, seed=1)
    assert not torch.equal(val, v3)


def test_split_keeps_a_training_example_per_class() -> None:
    labels = torch.tensor([0, 0, 1])
    train, val = stratified_split(labels, 0.9, seed=0)
    assert sorted(labels[train].tolist()) == [0, 1] and labels[val].tolist() == [0]
    train, val = stratified_split(labels, 0.0, seed=0)
    assert len(val) == 0 and len(train) == 3


def test_derive_seed() -> None:
    assert derive_seed(0, "a") == derive_seed(0, "a")
    assert derive_seed(0, "a") != derive_seed(0, "b") != derive_seed(1, "a")
    assert 0 <= derive_seed(123, "x") < 2**63
