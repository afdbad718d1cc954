"""The template index: exact and graph search, persistence, rebuild when missing/stale/corrupt."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from faceapp.store.index import IndexParams, TemplateIndex, index_files, open_index

from .conftest import photos_of, unit

DIM = 32


def _data(n_people: int = 60, per: int = 3, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(n_people, DIM)))
    vectors = np.concatenate([photos_of(c, per, 0.8, rng) for c in centres])
    ids = np.arange(1, len(vectors) + 1, dtype=np.int64) * 3  # labels need not be contiguous
    queries = np.concatenate([photos_of(c, 1, 0.8, rng) for c in centres])
    return ids, vectors, queries


def _exact_top(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(queries @ vectors.T), axis=1)[:, :k]]


@pytest.mark.parametrize("exact_below", [0, 10_000])
def test_search_returns_the_true_nearest_templates(exact_below: int) -> None:
    ids, vectors, queries = _data()
    index = TemplateIndex("m", DIM, IndexParams(exact_below=exact_below, threads=1))
    index.build(ids, vectors)
    assert index.exact is (exact_below > 0) and len(index) == len(ids)
    found, scores = index.search(queries, 5)
    assert found.shape == scores.shape == (len(queries), 5)
    np.testing.assert_array_equal(found, _exact_top(ids, vectors, queries, 5))
    lookup = dict(zip(ids.tolist(), vectors, strict=True))
    np.testing.assert_allclose(scores[:, 0], [q @ lookup[int(t)] for q, t in zip(queries, found[:, 0],
                                                                                  strict=True)], atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first


@pytest.mark.parametrize("exact_below", [0, 10_000])
def test_incremental_add_and_remove(exact_below: int) -> None:
    ids, vectors, queries = _data()
    index = TemplateIndex("m", DIM, IndexParams(exact_below=exact_below, threads=1))
    index.build(ids[:30], vectors[:30])
    index.add(ids[30:], vectors[30:])  # grows past the initial capacity
    np.testing.assert_array_equal(index.search(queries, 1)[0], _exact_top(ids, vectors, queries, 1))
    gone = ids[::2]
    index.remove(gone)
    index.remove(np.array([999_999]))  # unknown ids are ignored
    assert len(index) == len(ids) - len(gone)
    found, _ = index.search(queries, 10)
    assert not np.isin(found, gone).any()
    keep = ~np.isin(ids, gone)
    np.testing.assert_array_equal(found[:, 0], _exact_top(ids[keep], vectors[keep], queries, 1)[:, 0])
    index.add(gone[:1], vectors[:1])  # a removed label can come back
    assert gone[0] in index.ids


def test_empty_index_and_k_larger_than_the_gallery() -> None:
    index = TemplateIndex("m", DIM, IndexParams(exact_below=0))
    index.build(np.zeros(0, np.int64), np.zeros((0, DIM), np.float32))
    found, scores = index.search(np.ones((2, DIM), np.float32), 5)
    assert found.shape == scores.shape == (2, 0)
    index.add(np.array([4]), unit(np.ones(DIM)))
    assert index.search(unit(np.ones(DIM)), 5)[0].tolist() == [[4]]


def _open(folder: Path, ids: np.ndarray, vectors: np.ndarray, calls: list[int]) -> TemplateIndex:
    def load() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return ids, vectors

    return open_index(folder, "model/α", DIM, ids, load, 1, IndexParams(exact_below=0, threads=1))


def test_saved_index_is_reused_and_rebuilt_when_missing_stale_or_corrupt(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ids, vectors, queries = _data()
    calls: list[int] = []
    expected = _exact_top(ids, vectors, queries, 1)
    bin_path, meta_path = index_files(tmp_path, "model/α")

    _open(tmp_path, ids, vectors, calls)  # missing: built and saved
    assert calls == [1] and bin_path.exists() and meta_path.exists()
    meta = json.loads(meta_path.read_text())
    assert (meta["count"], meta["max_id"], meta["dim"], meta["schema_version"]) == (len(ids), ids.max(), DIM, 1)

    index = _open(tmp_path, ids, vectors, calls)  # fresh: loaded, not rebuilt
    assert calls == [1]
    np.testing.assert_array_equal(index.search(queries, 1)[0], expected)

    _open(tmp_path, ids[:-1], vectors[:-1], calls)  # stale: SQLite has other templates
    assert calls == [1, 1]
    _open(tmp_path, ids, vectors, calls)
    assert calls == [1, 1, 1]

    bin_path.write_bytes(b"\x00garbage" * 5000)  # corrupt
    with caplog.at_level(logging.WARNING):
        index = _open(tmp_path, ids, vectors, calls)
    assert calls == [1, 1, 1, 1] and "corrupt" in caplog.text
    np.testing.assert_array_equal(index.search(queries, 1)[0], expected)

    meta_path.write_text("{not json")  # unreadable meta
    _open(tmp_path, ids, vectors, calls)
    assert len(calls) == 5

    bin_path.unlink()  # missing graph file
    _open(tmp_path, ids, vectors, calls)
    assert len(calls) == 6


def test_removed_vectors_do_not_survive_in_the_saved_file(tmp_path: Path) -> None:
    ids, vectors, _ = _data()
    index = TemplateIndex("m", DIM, IndexParams(exact_below=0, threads=1))
    index.build(ids, vectors)
    index.save(tmp_path, 1)
    bin_path, _ = index_files(tmp_path, "m")
    secret = vectors[5].tobytes()
    assert secret in bin_path.read_bytes()
    index.remove(ids[5:6])
    index.save(tmp_path, 1)
    assert secret not in bin_path.read_bytes()


def test_a_mostly_deleted_graph_is_compacted_and_still_right() -> None:
    rng = np.random.default_rng(5)
    vectors = unit(rng.normal(size=(2500, DIM)))
    ids = np.arange(1, 2501, dtype=np.int64)
    index = TemplateIndex("m", DIM, IndexParams(exact_below=0, threads=1))
    index.build(ids, vectors)
    index.remove(ids[:2000])
    assert len(index) == 500 and not index.exact
    found, _ = index.search(vectors[2000:2100], 1)
    np.testing.assert_array_equal(found[:, 0], ids[2000:2100])
    np.testing.assert_allclose(index.vectors(ids[2400:2402]), vectors[2400:2402], atol=1e-6)
