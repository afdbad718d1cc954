"""Approximate nearest-neighbour graphs behind :class:`~faceapp.store.index.TemplateIndex`.

Two interchangeable HNSW implementations, inner-product space, labels = template ids:

* ``hnswlib`` (float32 vectors): the reference implementation; version 0.8.0 ships no wheels, so
  installing it compiles C++ (Windows needs the Microsoft C++ Build Tools).
* ``usearch`` (float16 or int8 vectors): wheels for every platform, real removals.

The graph only proposes candidates; the index rescores them exactly from float32 vectors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np


class Graph(Protocol):
    """What the index needs from a graph library."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert (N,) int64 ids with (N, d) float32 vectors."""

    #: True when :meth:`remove` erases the vectors' bytes; else the index rebuilds the graph instead.
    erases: bool

    def remove(self, ids: np.ndarray) -> None:
        """Forget ids (with :attr:`erases`: their stored vectors do not survive in memory or a saved file)."""

    def search(self, queries: np.ndarray, k: int, ef: int) -> np.ndarray:
        """(N, k) candidate ids (best first), -1 where fewer were found."""

    def save(self, path: Path) -> None:
        """Write the graph to one file."""

    @property
    def slots(self) -> int:
        """Elements stored, removed ones still holding a slot included."""


def _threads(threads: int) -> int:
    return threads or (os.cpu_count() or 1)


class HnswlibGraph:
    """hnswlib, float32."""

    erases = True

    def __init__(self, dim: int, m: int, ef_construction: int, threads: int, capacity: int = 1,
                 path: Path | None = None) -> None:
        import hnswlib

        self.dim = dim
        self._graph = hnswlib.Index(space="ip", dim=dim)
        if path is None:
            self._graph.init_index(max_elements=max(capacity, 1), ef_construction=ef_construction, M=m)
        else:
            self._graph.load_index(str(path))
        self._graph.set_num_threads(_threads(threads))

    @property
    def slots(self) -> int:
        return int(self._graph.element_count)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        needed = self._graph.element_count + len(ids)
        if needed > self._graph.get_max_elements():
            self._graph.resize_index(max(needed, int(self._graph.get_max_elements() * 1.5)))
        self._graph.add_items(vectors, ids)

    def remove(self, ids: np.ndarray) -> None:
        # Overwrite first: mark_deleted alone keeps the vector in memory and in the saved file.
        self._graph.add_items(np.zeros((len(ids), self.dim), np.float32), ids)
        for label in ids.tolist():
            self._graph.mark_deleted(int(label))

    def search(self, queries: np.ndarray, k: int, ef: int) -> np.ndarray:
        self._graph.set_ef(max(ef, k))
        try:
            labels, _ = self._graph.knn_query(queries, k=k)
        except RuntimeError:  # too few live neighbours reached among deleted ones: widen the search
            self._graph.set_ef(max(4 * ef, min(self.slots, 4096)))
            try:
                labels, _ = self._graph.knn_query(queries, k=k)
            except RuntimeError:
                return self._search_fewer(queries, k)
        return labels.astype(np.int64)

    def _search_fewer(self, queries: np.ndarray, k: int) -> np.ndarray:
        out = np.full((len(queries), k), -1, np.int64)
        for kk in range(k - 1, 0, -1):
            try:
                labels, _ = self._graph.knn_query(queries, k=kk)
            except RuntimeError:
                continue
            out[:, :kk] = labels
            break
        return out

    def save(self, path: Path) -> None:
        self._graph.save_index(str(path))


class UsearchGraph:
    """usearch with float16 or int8 vectors (``dtype``).

    Its removal frees a slot without wiping it (a removed float16 vector was still in the saved
    file), so the index rebuilds the graph after removals instead (:attr:`erases` is False).
    """

    erases = False

    def __init__(self, dim: int, m: int, ef_construction: int, threads: int, dtype: str = "f16",
                 path: Path | None = None) -> None:
        from usearch.index import Index

        self.dim = dim
        self._threads = _threads(threads)
        self._index = Index(ndim=dim, metric="ip", dtype=dtype, connectivity=m, expansion_add=ef_construction)
        if path is not None:
            self._index.load(str(path))

    @property
    def slots(self) -> int:
        return int(self._index.size)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        keys = ids.astype(np.uint64)
        present = keys[np.asarray(self._index.contains(keys), bool).reshape(-1)] if self._index.size else keys[:0]
        if present.size:
            self._index.remove(present, compact=True)
        self._index.add(keys, np.ascontiguousarray(vectors, np.float32), threads=self._threads)

    def remove(self, ids: np.ndarray) -> None:
        self._index.remove(ids.astype(np.uint64), compact=True)

    def search(self, queries: np.ndarray, k: int, ef: int) -> np.ndarray:
        self._index.expansion_search = max(ef, k)  # type: ignore[misc]  # the stub lacks the setter
        matches = self._index.search(np.ascontiguousarray(queries, np.float32), k, threads=self._threads)
        out = np.full((len(queries), k), -1, np.int64)
        if len(queries) == 1:  # a single query comes back as Matches, not BatchMatches
            found = np.asarray(matches.keys, np.int64).reshape(-1)
            out[0, : len(found)] = found
            return out
        keys = np.asarray(matches.keys, np.int64).reshape(len(queries), -1)
        for i, n in enumerate(np.asarray(matches.counts).reshape(-1).tolist()):  # type: ignore[union-attr]
            out[i, :n] = keys[i, :n]
        return out

    def save(self, path: Path) -> None:
        self._index.save(str(path))


def make_graph(backend: str, dim: int, m: int, ef_construction: int, threads: int, capacity: int = 1,
               path: Path | None = None) -> Graph:
    """A new (or, with ``path``, a loaded) graph of the named backend (``hnswlib``, ``usearch-f16``, ``usearch-i8``)."""
    if backend == "hnswlib":
        return HnswlibGraph(dim, m, ef_construction, threads, capacity, path)
    if backend in ("usearch-f16", "usearch-i8"):
        return UsearchGraph(dim, m, ef_construction, threads, backend.split("-")[1], path)
    raise ValueError(f"unknown index backend {backend!r} (hnswlib, usearch-f16, usearch-i8)")
