"""Batch samplers whose batches depend only on (seed, epoch), so a resumed run sees the same data.

Both shard batches across DDP ranks (rank r takes every ``world``-th batch; every rank gets the
same number, the few left over are dropped) and can start part-way
through an epoch (``start_batch``) when training resumes from a checkpoint.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

import numpy as np
from torch.utils.data import Sampler


class _EpochBatches(Sampler[list[int]], ABC):
    def __init__(self, seed: int, rank: int, world: int) -> None:
        self.seed, self.rank, self.world = seed, rank, world
        self.epoch = 0
        self.start_batch = 0

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        """Select the epoch and the first batch (of this rank) to yield."""
        self.epoch, self.start_batch = epoch, start_batch

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng((self.seed, self.epoch))

    @abstractmethod
    def all_batches(self) -> list[list[int]]:
        """Every batch of the epoch, for all ranks."""

    def _mine(self) -> list[list[int]]:
        batches = self.all_batches()
        # Every rank gets the same number of batches, so DDP steps stay in step.
        batches = batches[: len(batches) // self.world * self.world]
        return batches[self.rank :: self.world]

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._mine()[self.start_batch :]

    def __len__(self) -> int:
        return len(self._mine())


class ShuffledBatchSampler(_EpochBatches):
    """Random batches of ``batch_size`` (the last partial batch is dropped)."""

    def __init__(self, size: int, batch_size: int, seed: int = 0, rank: int = 0, world: int = 1) -> None:
        super().__init__(seed, rank, world)
        if size < batch_size:
            raise ValueError(f"{size} samples cannot fill a batch of {batch_size}")
        self.size, self.batch_size = size, batch_size

    def all_batches(self) -> list[list[int]]:
        order = self._rng().permutation(self.size)
        n = self.size // self.batch_size
        return [order[i * self.batch_size : (i + 1) * self.batch_size].tolist() for i in range(n)]

    def __len__(self) -> int:
        return self.size // self.batch_size // self.world


class PKBatchSampler(_EpochBatches):
    """P identities × K images per batch, for batch-hard triplet and other metric losses.

    Identities with fewer than K images are sampled with replacement; an epoch has about
    ``len(labels) / (P·K)`` batches. Identities with a single image cannot form positives and
    are left out.
    """

    def __init__(
        self, labels: Sequence[int] | np.ndarray, p: int, k: int, seed: int = 0, rank: int = 0, world: int = 1,
    ) -> None:
        super().__init__(seed, rank, world)
        labels = np.asarray(labels)
        self.p, self.k = p, k
        self.by_class = {int(c): np.flatnonzero(labels == c) for c in np.unique(labels)}
        self.by_class = {c: idx for c, idx in self.by_class.items() if len(idx) >= 2}
        if len(self.by_class) < p:
            raise ValueError(f"a P×K batch needs {p} identities with 2+ images; the data has {len(self.by_class)}")
        self.batches_per_epoch = max(1, sum(len(v) for v in self.by_class.values()) // (p * k))

    def all_batches(self) -> list[list[int]]:
        rng = self._rng()
        classes = np.array(sorted(self.by_class))
        batches = []
        for _ in range(self.batches_per_epoch):
            batch: list[int] = []
            for c in rng.choice(classes, self.p, replace=False):
                members = self.by_class[int(c)]
                batch += rng.choice(members, self.k, replace=len(members) < self.k).tolist()
            batches.append(batch)
        return batches
