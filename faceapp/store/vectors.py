"""Exact float32 template vectors by id, with cheap appends and removals (the index's ground truth).

Rows are appended; a removed row is overwritten with zeros (a deleted person's embedding does not
linger in memory) and left as a hole until :meth:`VectorStore.compact`. Lookups by id go through a
sorted copy of the live ids, so adding or removing one template costs O(N) integers, never a copy
of the (N, D) matrix.
"""

from __future__ import annotations

import numpy as np


class VectorStore:
    """Unit vectors (float32) keyed by int64 template id.

    Args:
        dim: vector size D.
    """

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._mat = np.zeros((0, dim), np.float32)
        self._used = 0  # rows in use, holes included
        self._row_id = np.zeros(0, np.int64)  # row -> id, -1 for a hole
        self._ids = np.zeros(0, np.int64)  # live ids, sorted
        self._rows = np.zeros(0, np.int64)  # their rows

    def __len__(self) -> int:
        return int(self._ids.size)

    @property
    def ids(self) -> np.ndarray:
        """Live ids, sorted (read-only view)."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    @property
    def holes(self) -> int:
        """Rows freed by removals and not yet compacted."""
        return self._used - len(self)

    def matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``(row ids, rows)`` of every used row: (R,) int64 with -1 for holes, (R, D) float32 view."""
        return self._row_id[: self._used], self._mat[: self._used]

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ids, -1 where an id is not live. Shape of ``ids``."""
        ids = np.asarray(ids, np.int64)
        pos = np.searchsorted(self._ids, ids)
        pos = np.minimum(pos, max(len(self) - 1, 0))
        found = (self._ids[pos] == ids) if len(self) else np.zeros(ids.shape, bool)
        return np.where(found, self._rows[pos] if len(self) else -1, -1)

    def get(self, ids: np.ndarray) -> np.ndarray:
        """Vectors of live ids, (N, D) float32 (a copy). Raises KeyError for an unknown id."""
        rows = self.rows_of(np.asarray(ids, np.int64).ravel())
        if (rows < 0).any():
            raise KeyError(f"template ids not in the index: {np.asarray(ids).ravel()[rows < 0][:5].tolist()}")
        return self._mat[rows]

    def put(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add templates; an id already present gets its new vector (in place)."""
        ids = np.asarray(ids, np.int64).ravel()
        if not ids.size:
            return
        ids, last = np.unique(ids[::-1], return_index=True)  # the last vector of a repeated id wins
        vectors = np.asarray(vectors, np.float32).reshape(-1, self.dim)[::-1][last]
        rows = self.rows_of(ids)
        known = rows >= 0
        self._mat[rows[known]] = vectors[known]
        new_ids, new_vectors = ids[~known], vectors[~known]
        if not new_ids.size:
            return
        need = self._used + new_ids.size
        if need > len(self._mat):
            capacity = max(need, int(len(self._mat) * 1.5), 1024)
            grown = np.zeros((capacity, self.dim), np.float32)
            grown[: self._used] = self._mat[: self._used]
            row_id = np.full(capacity, -1, np.int64)
            row_id[: self._used] = self._row_id[: self._used]
            self._mat, self._row_id = grown, row_id
        new_rows = np.arange(self._used, need, dtype=np.int64)
        self._mat[new_rows] = new_vectors
        self._row_id[new_rows] = new_ids
        self._used = need
        ids_all = np.concatenate([self._ids, new_ids])
        order = np.argsort(ids_all, kind="stable")
        self._ids, self._rows = ids_all[order], np.concatenate([self._rows, new_rows])[order]

    def drop(self, ids: np.ndarray) -> np.ndarray:
        """Remove live ids (unknown ones are ignored): rows zeroed. Returns the ids removed, sorted."""
        ids = np.intersect1d(np.asarray(ids, np.int64), self._ids)
        if not ids.size:
            return ids
        rows = self.rows_of(ids)
        self._mat[rows] = 0.0
        self._row_id[rows] = -1
        keep = ~np.isin(self._ids, ids)
        self._ids, self._rows = self._ids[keep], self._rows[keep]
        return ids

    def compact(self) -> None:
        """Close the holes (rows move; ids keep their vectors)."""
        if not self.holes:
            return
        mat = np.ascontiguousarray(self._mat[self._rows])
        self._mat, self._row_id = mat, self._ids.copy()
        self._rows = np.arange(len(self._ids), dtype=np.int64)
        self._used = len(self._ids)
