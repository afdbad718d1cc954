"""A desk's copy of the server's gallery (server_copy.db): a graph-index desk starts offline after other desks
enrolled people, and a copy of another model is refused clearly (real PostgreSQL server, stopped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.errors import StorageError
from faceapp.store.backends.postgres import PostgresDatabase
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams
from tests.store.conftest import DIM, MODEL, photos_of, random_chip, unit
from tests.store.pgserver import PgServer, own_server

GRAPH = IndexParams(exact_below=0, threads=1)


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with own_server() as started:
        yield started


def _offline(url: str, paths: Paths, model: str = MODEL) -> Gallery:
    return Gallery(PostgresDatabase(url, connect_timeout=1.0, offline_ok=True), paths, model, DIM, params=GRAPH,
                   keep_copy=True)


def _enrol(gallery: Gallery, name: str, centre: np.ndarray, rng: np.random.Generator) -> int:
    person = gallery.add_person(name).id
    for vector in photos_of(centre, 2, 0.75, rng):
        gallery.add_template(person, random_chip(rng), vector)
    return person


def test_a_graph_index_desk_starts_offline_with_people_enrolled_elsewhere(server: PgServer, tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    url = server.create_database("graph_copy")
    centres = unit(rng.normal(size=(3, DIM)))
    a = Gallery(PostgresDatabase(url), Paths.resolve(tmp_path / "a").ensure(), MODEL, DIM, params=GRAPH)
    b_paths = Paths.resolve(tmp_path / "b").ensure()
    b = Gallery(PostgresDatabase(url), b_paths, MODEL, DIM, params=GRAPH, keep_copy=True)
    first = _enrol(a, "First", centres[0], rng)
    assert b.refresh_if_changed()
    later = [_enrol(a, f"Later {i}", centres[1 + i], rng) for i in range(2)]
    assert b.refresh_if_changed()  # B follows; its saved graph file is older than what it searches
    b.close()
    a.close()
    server.halt()
    try:
        offline = _offline(url, b_paths)
        probes = photos_of(centres[2], 1, 0.75, rng)
        found = offline.identify(probes, model=MODEL)[0]
        assert offline.started_offline is not None and offline.searchable_people() == 3
        assert (found.person_id, found.name) == (later[1], "Later 1") and first != later[1]
        offline.close()
        with pytest.raises(StorageError, match="copy of the server's gallery is of model"):
            _offline(url, b_paths, model="another-model")
        with pytest.raises(StorageError, match="never been online"):
            _offline(url, Paths.resolve(tmp_path / "never").ensure())
    finally:
        server.resume()
