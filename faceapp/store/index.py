"""Nearest-template search for one embedding model: exact below a size, a graph plus exact rescoring above.

The index is derived data: SQLite holds the truth and the index is rebuilt from it whenever the
saved copy is missing, stale or corrupt. It is saved beside the database as
``Paths.data/"index"/<model>.bin`` (the graph) plus ``<model>.json`` (model, dim, count, max
template id, a sha256 fingerprint of the live template ids, the database schema version, the
backend, the projection and the sha256 of the ``.bin`` file). Labels are template ids; vectors are
unit length and the space is inner product, so a score is a cosine similarity.

How a query is answered (figures: ``benchmarks/bench_gallery.py``, README "Measured"):

* Every live template's float32 vector is kept in memory (:class:`~faceapp.store.vectors.VectorStore`,
  loaded from SQLite on opening). Below :data:`EXACT_BELOW` templates one matrix product over them is
  exact and as fast as any graph, so no graph is built.
* Above it, an HNSW graph (:mod:`faceapp.store.graphs`) proposes ``rerank`` candidates and they are
  rescored exactly from the float32 vectors, so returned scores are exact and the top-1 is the exact
  top-1 whenever it is among the candidates.
* The graph holds the vectors projected onto their principal subspace (fitted at build time on the
  gallery itself, keeping 99.5 % of the energy, only when that saves a quarter of the dimensions).
  Real face embeddings live in a low-dimensional subspace: the bundled 512-d model's embeddings of
  lfw-dev + celeba-dev keep 97.6 % of their energy in 128 dimensions and 99.99 % in 160, so the
  graph is built and searched in 144 dimensions instead of 512. Structureless (uniform) vectors
  keep all 512 dimensions.
* A query whose best exact score stays below ``retry_below`` (0.6) is far from every template,
  where graph search is least reliable; it is searched again with ``retry_factor`` (8) times the
  ``ef`` and candidates. About one query in six of enrolled people pays this (and every stranger).

Measured (``benchmarks/bench_gallery.py``, embeddings fitted to real ones, 3 templates per person,
2 cores that seven other jobs were using at the same time: latencies and builds are pessimistic):

* 100k templates, M=16, ef_construction=100: build 49 s in 144 dimensions, against 133 s for the
  same graph in 512 dimensions (``hnswlib-full``, recall 0.976, p50 0.83 ms), 55 s for usearch int8
  (0.978, 0.51 ms) and 88 s for usearch float16 (0.976, 0.62 ms), all in the same run; person
  recall@1 0.98 at p50 0.47 ms without the retry, 0.998 at 0.48 ms with it (ef=64). Exact float32
  search took 39 ms per query on the same busy cores, blocked float16 399 ms.
* 300k templates (template recall@1 against exact, one query per call): ef=64 without retry 0.922
  (0.33 ms); with the retry below 0.5: 0.972; below 0.6: 0.980 (0.35 ms); ef=128 and retry below
  0.6: 0.994 (p50 0.53 ms, p90 2.0 ms); retrying with 8x instead of 4x: 0.998 (p50 0.63 ms, p90
  5.6 ms) (ef=192 with 96 candidates and 4x: also 0.998, but p50 0.83 ms). All with M=16. Build
  152-162 s (library) / 206-226 s through the gallery (SQLite read included), 790 MB of index
  (float32 vectors 590 MB + graph). ``Gallery.identify``: see README "Measured".
* M=24, ef=96 (the defaults): 300k template recall@1 1.000 in the library sweep (build 176 s) and
  0.998 through the gallery (build 120 s, p50 0.84 ms); 1M through the gallery: build 621 s, p50
  0.93 ms, template recall@1 0.996, 2.70 GB (M=16: 495 s, 0.95 ms, 0.978, 2.64 GB).
* 100k on quieter cores (load ~3): build 22 s, p50 0.59 ms, recall 1.000; usearch int8 in the same
  run: build 12 s, p50 0.76 ms, recall 1.000; exact float32 8.3 ms per query.
* hnswlib stays the graph: usearch (wheels, no compiler needed) has the same recall and builds
  faster on quiet cores, but answers 30 % slower; it remains selectable (``backend="usearch-i8"``).

Deleting a template zeroes its vector in the store and overwrites it in the graph before marking
it deleted, so a deleted person's embedding does not survive in memory or in the saved index file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceapp.store.graphs import Graph, make_graph
from faceapp.store.vectors import VectorStore

log = logging.getLogger(__name__)

EXACT_BELOW = 10_000
#: Fewest vectors to fit a projection on: fewer than a few per dimension cannot show the subspace.
PROJECT_MIN_SAMPLES_PER_DIM = 4


@dataclass(frozen=True)
class IndexParams:
    """Search settings; see the module docstring and README for how they were chosen."""

    exact_below: int = EXACT_BELOW
    backend: str = "hnswlib"  # or "usearch-f16", "usearch-i8"
    m: int = 24
    ef_construction: int = 100
    ef: int = 96
    rerank: int = 64  # graph candidates rescored exactly per query
    energy: float = 0.995  # share of the vectors' energy the graph's projection keeps (1 = no projection)
    retry_below: float = 0.6  # a query whose best score is below this is searched again, wider
    retry_factor: int = 8  # ... with this many times the ef and candidates
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


def fit_projection(vectors: np.ndarray, energy: float, max_samples: int = 50_000) -> np.ndarray | None:
    """(D, d) orthonormal basis of the subspace keeping ``energy`` of the vectors' squared length.

    None when that needs more than three quarters of the dimensions, or when there are too few
    vectors to tell (fewer than :data:`PROJECT_MIN_SAMPLES_PER_DIM` per dimension).
    """
    n, dim = vectors.shape
    if energy >= 1.0 or n < PROJECT_MIN_SAMPLES_PER_DIM * dim:
        return None
    sample = vectors[np.random.default_rng(0).choice(n, max_samples, replace=False)] if n > max_samples else vectors
    values, basis = np.linalg.eigh(sample.T.astype(np.float64) @ sample)
    values, basis = np.clip(values[::-1], 0, None), basis[:, ::-1]
    share = np.cumsum(values) / max(values.sum(), 1e-12)
    d = min(dim, -(-int(np.searchsorted(share, energy) + 1) // 16) * 16)
    return None if d > 0.75 * dim else np.ascontiguousarray(basis[:, :d], np.float32)


class TemplateIndex:
    """Top-k templates by cosine similarity for one model.

    Args:
        model: the embedding model's id.
        dim: embedding size D.
        params: exact/approximate switch and graph settings.
    """

    def __init__(self, model: str, dim: int, params: IndexParams | None = None) -> None:
        self.model = model
        self.dim = dim
        self.params = params or IndexParams()
        self._store = VectorStore(dim)
        self._graph: Graph | None = None
        self._projection: np.ndarray | None = None  # (D, d) when the graph is searched in a subspace

    def __len__(self) -> int:
        return len(self._store)

    @property
    def exact(self) -> bool:
        """True while searching by matrix product (no graph)."""
        return self._graph is None

    @property
    def graph_dim(self) -> int:
        """Dimensions the graph works in (D without projection; 0 in exact mode)."""
        if self._graph is None:
            return 0
        return self.dim if self._projection is None else int(self._projection.shape[1])

    @property
    def ids(self) -> np.ndarray:
        """Live template ids, sorted (a copy)."""
        return self._store.ids.copy()

    def memory_bytes(self) -> int:
        """Rough bytes held: float32 vectors plus the graph's vectors and links."""
        vectors = len(self._store) * self.dim * 4
        if self._graph is None:
            return vectors
        per = self.graph_dim * (2 if self.params.backend == "usearch-f16" else
                                1 if self.params.backend == "usearch-i8" else 4)
        return vectors + self._graph.slots * (per + 8 * self.params.m + 16)

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents with these templates (ids (N,), unit vectors (N, D))."""
        ids, vectors = self._check(ids, vectors)
        self._store = VectorStore(self.dim)
        self._store.put(ids, vectors)
        self._graph, self._projection = None, None
        if len(ids) < self.params.exact_below:
            return
        self._projection = fit_projection(vectors, self.params.energy)
        self._graph = self._new_graph(len(ids))
        ids, rows = self._store.matrix()
        if len(ids):
            self._graph.add(ids, self._project(rows))
        log.info("index %s: built %s graph of %d templates in %d dimensions", self.model, self.params.backend,
                 len(ids), self.graph_dim)

    def _new_graph(self, capacity: int, path: Path | None = None) -> Graph:
        dim = self.dim if self._projection is None else int(self._projection.shape[1])
        return make_graph(self.params.backend, dim, self.params.m, self.params.ef_construction, self.params.threads,
                          capacity, path)

    def _project(self, vectors: np.ndarray) -> np.ndarray:
        if self._projection is None:
            return np.ascontiguousarray(vectors, np.float32)
        if len(vectors) > 256:  # bulk (build): one matrix product
            return np.ascontiguousarray(vectors @ self._projection, np.float32)
        # Queries: one small product per row. A multi-threaded BLAS product of a few rows costs
        # ~0.1 ms on idle cores but 10-90 ms when the cores are busy (threads wait for each other).
        out = np.empty((len(vectors), self._projection.shape[1]), np.float32)
        for i, row in enumerate(vectors):
            np.dot(row, self._projection, out=out[i])
        return out

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) templates incrementally."""
        ids, vectors = self._check(ids, vectors)
        if not ids.size:
            return
        if self._graph is None:
            self._store.put(ids, vectors)
            if len(self._store) >= self.params.exact_below:
                self.build(*self._live())
            return
        self._store.put(ids, vectors)
        ids, first = np.unique(ids[::-1], return_index=True)
        self._graph.add(ids, self._project(vectors[::-1][first]))

    def remove(self, ids: np.ndarray) -> None:
        """Forget templates; their vectors are overwritten with zeros first (privacy)."""
        ids = self._store.drop(np.asarray(ids, np.int64).ravel())
        if not ids.size:
            return
        if self._graph is None:
            self._store.compact()
            return
        if not self._graph.erases:
            self.build(*self._live())  # the library keeps removed vectors' bytes: start afresh
            return
        self._graph.remove(ids)
        if self._graph.slots - len(self) > max(1000, len(self)):
            self.build(*self._live())  # mostly deleted: compact the graph

    def _live(self) -> tuple[np.ndarray, np.ndarray]:
        ids = self._store.ids.copy()
        return ids, self._store.get(ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k best templates per query.

        Args:
            queries: (N, D) unit vectors.
            k: how many templates per query.

        Returns:
            ids (N, k') int64 and scores (N, k') float32, best first, with k' = min(k, len(self)).
            Scores are exact float32 cosines in both modes.
        """
        queries = np.ascontiguousarray(queries, np.float32).reshape(-1, self.dim)
        k = min(k, len(self))
        if k == 0 or not len(queries):
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        if self._graph is None:
            row_ids, matrix = self._store.matrix()
            return _top_k(queries @ matrix.T, row_ids, k)
        projected = self._project(queries)
        ids, scores = self._rescored(queries, projected, k, self.params.rerank, self.params.ef)
        hard = np.flatnonzero(scores[:, 0] < self.params.retry_below)
        if hard.size:  # far from every template: graph search is least reliable there, look wider
            factor = self.params.retry_factor
            ids[hard], scores[hard] = self._rescored(queries[hard], projected[hard], k, self.params.rerank * factor,
                                                     self.params.ef * factor)
        return ids, scores

    def _rescored(self, queries: np.ndarray, projected: np.ndarray, k: int, rerank: int,
                  ef: int) -> tuple[np.ndarray, np.ndarray]:
        """Graph candidates rescored exactly from the float32 vectors: top k ids and scores."""
        assert self._graph is not None
        wanted = min(max(k, rerank), len(self))
        candidates = self._graph.search(projected, wanted, max(ef, wanted))
        rows = self._store.rows_of(candidates)
        _, matrix = self._store.matrix()
        scores = np.matmul(matrix[np.maximum(rows, 0)], queries[:, :, None])[:, :, 0]
        scores[rows < 0] = -np.inf
        return _top_k(scores, None, k, candidates)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored (unit) vectors of live template ids, (N, D) float32."""
        ids = np.asarray(ids, np.int64).ravel()
        if not ids.size:
            return np.zeros((0, self.dim), np.float32)
        return self._store.get(ids)

    def _check(self, ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.asarray(ids, np.int64).ravel()
        vectors = np.ascontiguousarray(vectors, np.float32).reshape(-1, self.dim) if ids.size else np.zeros(
            (0, self.dim), np.float32)
        if len(vectors) != ids.size:
            raise ValueError(f"{ids.size} ids for {len(vectors)} vectors")
        return ids, vectors

    # -- persistence ---------------------------------------------------------------------------
    def save(self, folder: Path, schema_version: int) -> None:
        """Write ``<model>.bin`` and ``<model>.vec`` (graph mode only) and ``<model>.json`` atomically."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        bin_path, meta_path = _paths(folder, self.model)
        vec_path = bin_path.with_suffix(".vec")
        ids = self._store.ids
        meta: dict[str, object] = {
            "model": self.model, "dim": self.dim, "count": len(self), "schema_version": schema_version,
            "max_id": int(ids.max()) if len(self) else 0, "fingerprint": fingerprint(ids), "exact": self.exact,
            "backend": self.params.backend, "m": self.params.m, "bin_sha256": None, "projection": None}
        if self._graph is not None:
            tmp = _own_tmp(bin_path)
            self._graph.save(tmp)
            os.chmod(tmp, 0o600)
            meta["bin_sha256"] = _file_sha256(tmp)
            meta["vec_sha256"] = self._save_vectors(vec_path)
            if self._projection is not None:
                meta["projection"] = {"shape": list(self._projection.shape),
                                      "float32_base64": base64.b64encode(self._projection.tobytes()).decode("ascii")}
            os.replace(tmp, bin_path)
            os.replace(_own_tmp(vec_path), vec_path)
        else:
            bin_path.unlink(missing_ok=True)
            vec_path.unlink(missing_ok=True)
        tmp_meta = _own_tmp(meta_path)
        tmp_meta.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.chmod(tmp_meta, 0o600)
        os.replace(tmp_meta, meta_path)

    def _save_vectors(self, path: Path) -> str:
        """Write the live vectors in id order to ``path`` + ``.tmp`` in blocks; returns their sha256."""
        digest, ids = hashlib.sha256(), self._store.ids
        tmp = _own_tmp(path)
        with tmp.open("wb") as handle:
            for start in range(0, len(ids), 65_536):
                block = self._store.get(ids[start : start + 65_536]).tobytes()
                digest.update(block)
                handle.write(block)
        os.chmod(tmp, 0o600)
        return digest.hexdigest()

    def load(self, folder: Path, ids: np.ndarray, schema_version: int) -> bool:
        """Load the saved graph and vectors if they match these live template ids.

        Returns False when they are missing, stale or corrupt (the caller rebuilds from SQLite).
        """
        bin_path, meta_path = _paths(folder, self.model)
        vec_path = bin_path.with_suffix(".vec")
        if not meta_path.exists():
            log.info("index %s not saved yet; building it", self.model)
            return False
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            expected = {"model": self.model, "dim": self.dim, "count": int(np.asarray(ids).size),
                        "schema_version": schema_version, "fingerprint": fingerprint(ids),
                        "backend": self.params.backend, "m": self.params.m}
            stale = [key for key, value in expected.items() if meta.get(key) != value]
            if stale or meta.get("exact") or not bin_path.exists() or not vec_path.exists():
                log.info("index %s is stale (%s); rebuilding", self.model, ", ".join(stale) or "no graph")
                return False
            for path, key in ((bin_path, "bin_sha256"), (vec_path, "vec_sha256")):
                if _file_sha256(path) != meta.get(key):
                    log.warning("index file %s is corrupt (checksum); rebuilding", path)
                    return False
            vectors = np.fromfile(vec_path, np.float32).reshape(-1, self.dim)
            if len(vectors) != np.asarray(ids).size:
                raise ValueError("vector file does not match the template count")
            saved = meta.get("projection")
            projection = None if saved is None else np.frombuffer(
                base64.b64decode(saved["float32_base64"], validate=True), np.float32).reshape(saved["shape"]).copy()
            if projection is not None and projection.shape[0] != self.dim:
                raise ValueError("projection does not fit the model")
            self._projection = projection
            graph = self._new_graph(len(ids), bin_path)
        except (OSError, ValueError, RuntimeError, KeyError, TypeError, binascii.Error) as exc:
            log.warning("index %s unreadable (%s); rebuilding", self.model, exc)
            self._projection = None
            return False
        self._store = VectorStore(self.dim)
        self._store.put(np.sort(np.asarray(ids, np.int64)), vectors)
        self._graph = graph
        return True


def _top_k(scores: np.ndarray, row_ids: np.ndarray | None, k: int,
           candidates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best k columns per row of ``scores`` (N, C), best first, as ids and float32 scores.

    A column's id is ``row_ids[column]`` (exact search) or ``candidates[n, column]`` (rescoring).
    """
    if row_ids is not None:
        scores = np.where(row_ids[None, :] < 0, -np.inf, scores)
    if k < scores.shape[1]:
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        top = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    part = np.take_along_axis(scores, top, 1)
    order = np.argsort(-part, axis=1, kind="stable")
    top, part = np.take_along_axis(top, order, 1), np.take_along_axis(part, order, 1)
    ids = row_ids[top] if row_ids is not None else np.take_along_axis(candidates, top, 1)
    return ids.astype(np.int64), part.astype(np.float32)


def index_files(folder: Path, model: str) -> tuple[Path, Path]:
    """The ``.bin`` and ``.json`` paths of a model's saved index."""
    return _paths(folder, model)


def _paths(folder: Path, model: str) -> tuple[Path, Path]:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model)
    return folder / f"{safe}.bin", folder / f"{safe}.json"


def _own_tmp(path: Path) -> Path:
    """A temporary name for ``path`` private to this process and thread.

    Several processes (two desks, an import) may save the same index at once; with one shared
    temporary name one would rename away the other's half-written file.
    """
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


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
