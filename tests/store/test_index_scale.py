"""The scalable index: vector store, projected graph with exact rescoring, usearch backend, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from faceapp.store.index import IndexParams, TemplateIndex, fit_projection, index_files, open_index
from faceapp.store.vectors import VectorStore

from .conftest import photos_of, unit

DIM = 32


def _low_rank(n_people: int = 150, per: int = 3, rank: int = 8, seed: int = 4) -> tuple[np.ndarray, ...]:
    """Identities in an 8-d subspace of 32-d (as real embeddings occupy a subspace), plus tiny noise."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(DIM, rank)))[0].T  # (rank, DIM) orthonormal rows
    centres = unit(rng.normal(size=(n_people, rank)) @ basis)

    def photo(c: np.ndarray) -> np.ndarray:
        inner = photos_of(c @ basis.T, 1, 0.8, rng) @ basis  # stays in the subspace
        return unit(inner + 0.01 * rng.normal(size=(1, DIM)))

    vectors = np.concatenate([photo(c) for c in centres for _ in range(per)])
    queries = np.concatenate([photo(c) for c in centres])
    ids = np.arange(1, len(vectors) + 1, dtype=np.int64) * 7
    return ids, vectors, queries


def _exact(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(queries @ vectors.T), axis=1)[:, :k]]


def test_vector_store_adds_replaces_removes_and_compacts() -> None:
    store = VectorStore(4)
    eye = np.eye(4, dtype=np.float32)
    store.put(np.array([9, 3]), eye[:2])
    store.put(np.array([5, 3]), eye[2:])  # 3 is replaced in place
    assert store.ids.tolist() == [3, 5, 9] and store.holes == 0
    np.testing.assert_array_equal(store.get(np.array([3, 9])), eye[[3, 0]])
    assert store.drop(np.array([9, 77])).tolist() == [9]
    assert store.holes == 1 and store.rows_of(np.array([9, 5])).tolist()[0] == -1
    row_ids, matrix = store.matrix()
    assert not matrix[row_ids < 0].any()  # the removed vector is zeroed, not just unlisted
    with pytest.raises(KeyError):
        store.get(np.array([9]))
    store.compact()
    assert store.holes == 0 and len(store) == 2
    np.testing.assert_array_equal(store.get(np.array([5, 3])), eye[[2, 3]])


def test_projection_is_fitted_only_when_the_data_has_a_subspace() -> None:
    _, vectors, _ = _low_rank()
    basis = fit_projection(vectors, 0.995)
    assert basis is not None and basis.shape == (DIM, 16)  # 8 dimensions, rounded up to 16
    np.testing.assert_allclose(basis.T @ basis, np.eye(16), atol=1e-5)
    rng = np.random.default_rng(0)
    assert fit_projection(unit(rng.normal(size=(400, DIM))), 0.995) is None  # structureless: no gain
    assert fit_projection(vectors[:50], 0.995) is None  # too few samples to tell


@pytest.mark.parametrize("backend", ["hnswlib", "usearch-f16", "usearch-i8"])
def test_graph_in_a_subspace_with_exact_rescoring_finds_the_exact_neighbours(backend: str) -> None:
    if backend.startswith("usearch"):
        pytest.importorskip("usearch")
    ids, vectors, queries = _low_rank()
    index = TemplateIndex("m", DIM, IndexParams(exact_below=0, backend=backend, threads=1))
    index.build(ids, vectors)
    assert not index.exact and index.graph_dim == 16
    found, scores = index.search(queries, 5)
    np.testing.assert_array_equal(found, _exact(ids, vectors, queries, 5))
    lookup = dict(zip(ids.tolist(), vectors, strict=True))
    expected = np.array([[q @ lookup[int(t)] for t in row] for q, row in zip(queries, found, strict=True)])
    np.testing.assert_allclose(scores, expected, atol=1e-5)  # exact float32 scores, not graph distances
    gone = ids[::3]
    index.remove(gone)
    index.add(np.array([10_001]), queries[:1])
    keep = ~np.isin(ids, gone)
    live_ids, live = np.append(ids[keep], 10_001), np.concatenate([vectors[keep], queries[:1]])
    found, _ = index.search(queries[1:], 3)
    np.testing.assert_array_equal(found, _exact(live_ids, live, queries[1:], 3))
    assert index.search(queries[:1], 1)[0].tolist() == [[10_001]]


def test_projected_index_is_saved_and_reloaded_without_rebuilding(tmp_path: Path) -> None:
    ids, vectors, queries = _low_rank()
    calls: list[int] = []

    def load() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return ids, vectors

    params = IndexParams(exact_below=0, threads=1)
    first = open_index(tmp_path, "m", DIM, ids, load, 1, params)
    second = open_index(tmp_path, "m", DIM, ids, load, 1, params)
    assert calls == [1] and second.graph_dim == first.graph_dim == 16
    np.testing.assert_array_equal(second.search(queries, 3)[0], first.search(queries, 3)[0])
    np.testing.assert_array_equal(second.vectors(ids[:4]), vectors[:4])
    _, meta_path = index_files(tmp_path, "m")
    meta = json.loads(meta_path.read_text())
    meta["projection"]["float32_base64"] = "!!not base64!!"
    meta_path.write_text(json.dumps(meta))
    third = open_index(tmp_path, "m", DIM, ids, load, 1, params)  # damaged projection: rebuilt
    assert calls == [1, 1]
    np.testing.assert_array_equal(third.search(queries, 3)[0], first.search(queries, 3)[0])
    open_index(tmp_path, "m", DIM, ids, load, 1, IndexParams(exact_below=0, threads=1, m=params.m + 8))
    assert calls == [1, 1, 1]  # other graph settings: rebuilt


@pytest.mark.parametrize("backend", ["hnswlib", "usearch-f16", "usearch-i8"])
def test_removed_vectors_leave_neither_the_graph_nor_the_vector_file(tmp_path: Path, backend: str) -> None:
    if backend.startswith("usearch"):
        pytest.importorskip("usearch")
    ids, vectors, _ = _low_rank()
    index = TemplateIndex("m", DIM, IndexParams(exact_below=0, backend=backend, threads=1))
    index.build(ids, vectors)
    index.save(tmp_path, 1)
    projected = (vectors[5] @ index._projection).astype(np.float32)
    secrets = [vectors[5].tobytes(), projected.tobytes(), projected.astype(np.float16).tobytes()]
    files = [p for p in tmp_path.iterdir() if p.suffix in (".bin", ".vec")]
    expected = 1 if backend == "usearch-i8" else 2  # the int8 graph stores other bytes; the vector file
    assert sum(any(s in p.read_bytes() for s in secrets) for p in files) == expected
    index.remove(ids[5:6])
    index.save(tmp_path, 1)
    assert not any(s in p.read_bytes() for s in secrets for p in tmp_path.iterdir())
    assert ids[5] not in index.search(vectors[5:6], 5)[0]
