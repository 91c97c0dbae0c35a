"""`TensorBatches`: mini-batches of in-memory tensors, gathered on the tensors' own device.

The datasets fit in memory, on a GPU too (CIFAR-10 is 150 MB of uint8), so a batch is one
gather: no per-sample Python, no collate function, no worker processes and, once the tensors
live on the GPU, no copy from the host in a training step. Shuffling draws one permutation per
epoch from a CPU generator, exactly as `DataLoader(TensorDataset(...), shuffle=True,
generator=g)` does, so the batches are the same on any device (a test holds the two equal).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import Tensor


class TensorBatches:
    """Iterable of tuples of batches, `len()` batches per epoch (the last one may be short)."""

    def __init__(
        self,
        tensors: tuple[Tensor, ...],
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
    ):
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if len({len(t) for t in tensors}) != 1:
            raise ValueError("all tensors must have the same length")
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator if generator is not None else torch.Generator()

    def __len__(self) -> int:
        return math.ceil(len(self.tensors[0]) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        count = len(self.tensors[0])
        if not self.shuffle:
            for start in range(0, count, self.batch_size):
                yield tuple(t[start : start + self.batch_size] for t in self.tensors)
            return
        # The same draws from the generator as a DataLoader's epoch, in its order: its
        # workers' base seed, the sampler's permutation, and the empty remainder permutation
        # the sampler draws once exhausted. Every epoch then matches a DataLoader's.
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        order = torch.randperm(count, generator=self.generator)
        torch.randperm(count, generator=self.generator)
        order = order.to(self.tensors[0].device)
        for start in range(0, count, self.batch_size):
            index = order[start : start + self.batch_size]
            yield tuple(t[index] for t in self.tensors)
