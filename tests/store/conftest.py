"""Store fixtures: a private data folder, synthetic identities, a gallery on a tiny model."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams
from tests.conftest import unavailable

DIM = 128
MODEL = "synthetic-128"


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32."""
    rows = np.atleast_2d(np.asarray(rows, np.float64))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def photos_of(centre: np.ndarray, n: int, cosine: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors at about ``cosine`` similarity to the unit vector ``centre``."""
    noise = unit(rng.normal(size=(n, centre.size)))
    noise -= np.outer(noise @ centre, centre)  # orthogonal to the centre
    noise = unit(noise)
    return unit(cosine * centre + np.sqrt(1 - cosine**2) * noise)


def random_chip(rng: np.random.Generator) -> np.ndarray:
    """A 112x112 BGR chip of noise: its PNG bytes are unique, so they can be searched for on disk."""
    return rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def database(paths: Paths) -> Iterator[Database]:
    db = Database.open(paths, busy_timeout=0.2)
    yield db
    db.close()


@pytest.fixture(params=[0, 10_000], ids=["graph", "exact"])
def params(request: pytest.FixtureRequest) -> IndexParams:
    """Both search modes: an hnswlib graph at any size, and exact search."""
    return IndexParams(exact_below=request.param, threads=1)


@pytest.fixture()
def gallery(paths: Paths, params: IndexParams) -> Iterator[Gallery]:
    g = Gallery.open(paths, MODEL, DIM, params=params)
    yield g
    g.close()


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


# == Both back ends: the core store suites also run against a real PostgreSQL server ===============
# A test module listed in PG_SUITES runs each test twice, ``[sqlite]`` and ``[postgresql]``; for the
# latter ``$FACEAPP_DATABASE_URL`` names a fresh database (a copy of one migrated template) on a
# server that this session started (tests/store/pgserver.py), so ``Database.open`` and
# ``Gallery.open`` land there. Tests that inspect SQLite's own files run on SQLite only (no
# PostgreSQL variant is generated for them).
PG_SUITES = {"test_people", "test_events", "test_gallery", "test_enrol", "test_decision", "test_bulk"}
SQLITE_ONLY = {
    "test_failed_insert_leaves_no_orphan_snapshot": "holds SQLite's write lock with sqlite3",
    "test_deleting_a_person_removes_every_byte_of_their_biometric_data": "searches the SQLite file's bytes",
    "test_prefetched_import_equals_one_by_one": "its two data folders must be two databases",
}
_PG_NAMES = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_backend" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in PG_SUITES:
        both = metafunc.function.__name__ not in SQLITE_ONLY
        metafunc.parametrize("store_backend", ["sqlite", "postgresql"] if both else ["sqlite"], indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A PostgreSQL server for this test session (skipped, or failed in CI, when none is installed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("faceapp_test_pgserver", Path(__file__).with_name("pgserver.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bindir = module.find_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    server = module.PgServer(bindir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: Any) -> str:
    """The name of a database migrated to the current schema, copied for each test."""
    from faceapp.store.backends.postgres import PostgresDatabase

    PostgresDatabase(pg_server.create_database("faceapp_template")).close()
    return "faceapp_template"


@pytest.fixture()
def pg_url(pg_server: Any, pg_template: str) -> Iterator[str]:
    """The URL of a fresh, migrated database on the session's server (dropped afterwards)."""
    import psycopg

    name = f"t{next(_PG_NAMES)}"
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield str(pg_server.url(name))
    if pg_server.is_running():
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``sqlite`` (the default) or ``postgresql`` for the PG_SUITES (then the URL is in the environment)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        monkeypatch.setenv("FACEAPP_DATABASE_URL", request.getfixturevalue("pg_url"))
    else:
        monkeypatch.delenv("FACEAPP_DATABASE_URL", raising=False)
    return str(backend)
