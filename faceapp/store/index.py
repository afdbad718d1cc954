"""Nearest-template search for one embedding model: exact below a size, hnswlib above it.

The index is derived data: SQLite holds the truth and the index is rebuilt from it whenever the
saved copy is missing, stale or corrupt. It is saved beside the database as
``Paths.data/"index"/<model>.bin`` plus ``<model>.json`` (model, dim, count, max template id, a
sha256 fingerprint of the live template ids, the database schema version and the sha256 of the
``.bin`` file). Labels are template ids; vectors are unit length and the space is inner product,
so a score is a cosine similarity.

Choices, measured with ``benchmarks/bench_gallery.py`` on realistic synthetic 512-d embeddings
(identity centres, 3 photos per person at cosine 0.6-0.8 to the centre, queries are new photos, so
a query meets its own templates at only ~0.35-0.65: a hard case for graph search), on 2 cores that
other jobs were using at the same time (latencies are pessimistic):

* Below :data:`EXACT_BELOW` templates one matrix product is exact and about as fast as the graph
  (0.6-1.3 ms per query at 10k x 512, far less per query in batches), and needs no build, so no
  graph is built or saved.
* Above it, ``M=32, ef_construction=100, ef=128``. At 30k templates, one query, top-20:

  ====  ====  =====================  ===========================  ===========
  M     ef    template recall@1      true best person in top-20   latency
  ====  ====  =====================  ===========================  ===========
  16    64    0.876                  0.926                        1.0 ms
  16    128   0.958                  0.990                        1.8 ms
  16    256   0.986                  0.998                        2.4 ms
  32    64    0.988                  0.994                        1.0 ms
  32    128   0.998                  1.000                        1.6 ms
  32    256   1.000                  1.000                        3.1 ms
  ====  ====  =====================  ===========================  ===========

  M=32 costs twice the build time of M=16 (74 s instead of 38 s for 30k on the loaded cores)
  and buys the recall; ``ef`` never drops below ``k``.
* Larger galleries are harder on this data (ef=128, full ``Gallery.identify`` incl. rescoring):
  100k templates: template recall@1 0.93, person recall@1 0.974, p50 2.7 ms, build 381 s;
  300k: 0.69 and 0.837, p50 3.0 ms, build 680 s, peak RSS 2.7 GB (ef=256: template recall 0.83,
  4.9 ms). An index of person centroids instead of templates reached person recall 0.88 at 300k
  (ef=128, 2.4 ms): not enough either. Isotropic synthetic 512-d vectors are a worst case for
  graph search (real embeddings have far lower intrinsic dimension); if real galleries of this
  size show the same, raise ``ef``/``M`` or search exactly in batches (one matrix product).

Deleting a template overwrites its vector in the graph with zeros before marking it deleted, so a
deleted person's embedding does not survive in the saved index file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hnswlib
import numpy as np

from faceapp.private import make_dirs, write_private

log = logging.getLogger(__name__)

EXACT_BELOW = 10_000


@dataclass(frozen=True)
class IndexParams:
    """Search settings; see the module docstring for how they were chosen."""

    exact_below: int = EXACT_BELOW
    m: int = 32
    ef_construction: int = 100
    ef: int = 128
    threads: int = 0  # 0 = all cores


def fingerprint(ids: np.ndarray) -> str:
    """sha256 of the sorted template ids (int64): changes whenever the set of templates does."""
    return hashlib.sha256(np.sort(np.asarray(ids, np.int64)).tobytes()).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TemplateIndex:
    """Top-k templates by cosine similarity for one model.

    Args:
        model: the embedding model's id.
        dim: embedding size D.
        params: exact/approximate switch and hnswlib settings.
    """

    def __init__(self, model: str, dim: int, params: IndexParams | None = None) -> None:
        self.model = model
        self.dim = dim
        self.params = params or IndexParams()
        self._ids = np.zeros(0, np.int64)  # live template ids, sorted
        self._vectors: np.ndarray | None = np.zeros((0, dim), np.float32)  # exact mode only
        self._graph: hnswlib.Index | None = None

    def __len__(self) -> int:
        return int(self._ids.size)

    @property
    def exact(self) -> bool:
        """True while searching by matrix product (no graph)."""
        return self._graph is None

    @property
    def ids(self) -> np.ndarray:
        """Live template ids, sorted (a copy)."""
        return self._ids.copy()

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents with these templates (ids (N,), unit vectors (N, D))."""
        ids, vectors = self._check(ids, vectors)
        order = np.argsort(ids)
        self._ids, vectors = ids[order], vectors[order]
        if len(ids) < self.params.exact_below:
            self._vectors, self._graph = vectors.copy(), None
            return
        graph = hnswlib.Index(space="ip", dim=self.dim)
        graph.init_index(max_elements=max(len(ids), 1), ef_construction=self.params.ef_construction,
                         M=self.params.m)
        graph.set_num_threads(self.params.threads or (os.cpu_count() or 1))
        if len(ids):
            graph.add_items(vectors, self._ids)
        graph.set_ef(self.params.ef)
        self._graph, self._vectors = graph, None
        log.info("index %s: built graph of %d templates", self.model, len(ids))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) templates incrementally."""
        ids, vectors = self._check(ids, vectors)
        if not ids.size:
            return
        if self._graph is None:
            keep = ~np.isin(self._ids, ids)
            assert self._vectors is not None
            self.build(np.concatenate([self._ids[keep], ids]), np.concatenate([self._vectors[keep], vectors]))
            return
        graph = self._graph
        needed = graph.element_count + ids.size
        if needed > graph.get_max_elements():
            graph.resize_index(max(needed, int(graph.get_max_elements() * 1.5)))
        graph.add_items(vectors, ids)
        self._ids = np.union1d(self._ids, ids)

    def remove(self, ids: np.ndarray) -> None:
        """Forget templates; their vectors are overwritten with zeros first (privacy)."""
        ids = np.intersect1d(np.asarray(ids, np.int64), self._ids)
        if not ids.size:
            return
        keep = ~np.isin(self._ids, ids)
        if self._graph is None:
            assert self._vectors is not None
            self._vectors = self._vectors[keep]
        else:
            self._graph.add_items(np.zeros((ids.size, self.dim), np.float32), ids)
            for label in ids:
                self._graph.mark_deleted(int(label))
        self._ids = self._ids[keep]
        if self._graph is not None and self._graph.element_count - len(self) > max(1000, len(self)):
            self.build(self._ids, self.vectors(self._ids))  # mostly deleted: compact the graph

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best templates per query.

        Args:
            queries: (N, D) unit vectors.
            k: how many templates per query.

        Returns:
            ids (N, k') int64 and scores (N, k') float32, best first, with k' = min(k, len(self)).
        """
        queries = np.ascontiguousarray(queries, np.float32).reshape(-1, self.dim)
        k = min(k, len(self))
        if k == 0 or not len(queries):
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        if self._graph is None:
            assert self._vectors is not None
            scores = queries @ self._vectors.T
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < len(self) else np.tile(
                np.arange(len(self)), (len(queries), 1))
            part = np.take_along_axis(scores, top, 1)
            order = np.argsort(-part, axis=1)
            return self._ids[np.take_along_axis(top, order, 1)], np.take_along_axis(part, order, 1)
        self._graph.set_ef(max(self.params.ef, k))
        try:
            labels, distances = self._graph.knn_query(queries, k=k)
        except RuntimeError:  # too few live neighbours reached among deleted ones: widen the search
            self._graph.set_ef(max(4 * self.params.ef, min(len(self), 4096)))
            labels, distances = self._graph.knn_query(queries, k=k)
        return labels.astype(np.int64), (1.0 - distances).astype(np.float32)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored (unit) vectors of live template ids, (N, D) float32."""
        ids = np.asarray(ids, np.int64).ravel()
        if not ids.size:
            return np.zeros((0, self.dim), np.float32)
        if self._graph is None:
            assert self._vectors is not None
            return self._vectors[np.searchsorted(self._ids, ids)]
        return np.asarray(self._graph.get_items(ids), np.float32).reshape(-1, self.dim)

    def _check(self, ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, np.int64).ravel()
        vectors = np.ascontiguousarray(vectors, np.float32).reshape(-1, self.dim) if ids.size else np.zeros(
            (0, self.dim), np.float32)
        if len(vectors) != ids.size:
            raise ValueError(f"{ids.size} ids for {len(vectors)} vectors")
        return ids, vectors

    # -- persistence ---------------------------------------------------------------------------
    def save(self, folder: Path, schema_version: int) -> None:
        """Write ``<model>.bin`` (graph mode only) and ``<model>.json`` atomically."""
        make_dirs(folder)
        bin_path, meta_path = _paths(folder, self.model)
        meta = {"model": self.model, "dim": self.dim, "count": len(self), "schema_version": schema_version,
                "max_id": int(self._ids.max()) if len(self) else 0, "fingerprint": fingerprint(self._ids),
                "exact": self.exact, "bin_sha256": None}
        if self._graph is not None:
            tmp = bin_path.with_suffix(".tmp")
            self._graph.save_index(str(tmp))
            os.chmod(tmp, 0o600)
            meta["bin_sha256"] = _file_sha256(tmp)
            os.replace(tmp, bin_path)
        elif bin_path.exists():
            bin_path.unlink()
        tmp_meta = meta_path.with_suffix(".json.tmp")
        write_private(tmp_meta, json.dumps(meta, indent=1).encode("utf-8"))
        os.replace(tmp_meta, meta_path)

    def load(self, folder: Path, ids: np.ndarray, schema_version: int) -> bool:
        """Load the saved graph if it matches these live template ids; False when missing/stale/corrupt."""
        bin_path, meta_path = _paths(folder, self.model)
        if not meta_path.exists():
            log.info("index %s not saved yet; building it", self.model)
            return False
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            expected = {"model": self.model, "dim": self.dim, "count": int(np.asarray(ids).size),
                        "schema_version": schema_version, "fingerprint": fingerprint(ids)}
            stale = [key for key, value in expected.items() if meta.get(key) != value]
            if stale or meta.get("exact") or not bin_path.exists():
                log.info("index %s is stale (%s); rebuilding", self.model, ", ".join(stale) or "no graph")
                return False
            if _file_sha256(bin_path) != meta.get("bin_sha256"):
                log.warning("index file %s is corrupt (checksum); rebuilding", bin_path)
                return False
            graph = hnswlib.Index(space="ip", dim=self.dim)
            graph.load_index(str(bin_path))
        except (OSError, ValueError, RuntimeError) as exc:
            log.warning("index %s unreadable (%s); rebuilding", self.model, exc)
            return False
        graph.set_num_threads(self.params.threads or (os.cpu_count() or 1))
        graph.set_ef(self.params.ef)
        self._graph, self._vectors, self._ids = graph, None, np.sort(np.asarray(ids, np.int64))
        return True


def index_files(folder: Path, model: str) -> tuple[Path, Path]:
    """The ``.bin`` and ``.json`` paths of a model's saved index."""
    return _paths(folder, model)


def _paths(folder: Path, model: str) -> tuple[Path, Path]:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    return folder / f"{safe}.bin", folder / f"{safe}.json"


def open_index(folder: Path, model: str, dim: int, ids: np.ndarray,
               load_vectors: Callable[[], tuple[np.ndarray, np.ndarray]],
               schema_version: int, params: IndexParams | None = None) -> TemplateIndex:
    """The index for ``model``: loaded when the saved one matches ``ids``, else built and saved.

    Args:
        folder: where index files live (``Paths.data / "index"``).
        ids: the live template ids in SQLite (the truth to check against).
        load_vectors: a callable returning ``(ids, vectors)`` from SQLite, called only when needed.
        schema_version: the database schema version, recorded in the meta file.
    """
    index = TemplateIndex(model, dim, params)
    if len(ids) >= index.params.exact_below and index.load(folder, ids, schema_version):
        log.info("index %s: loaded %d templates", model, len(ids))
        return index
    all_ids, vectors = load_vectors()
    index.build(all_ids, vectors)
    index.save(folder, schema_version)
    return index
