"""Run any test suite against PostgreSQL: ``PYTHONPATH=tests/store pytest -p pg_plugin tests/access``.

Every test gets ``$FACEAPP_DATABASE_URL`` naming a fresh database (a copy of one migrated template) on
one server started for the session (pgserver.py), so everything that opens the store through
``Database.open``/``Gallery.open`` runs on PostgreSQL. Tests that open an SQLite file by path stay
on SQLite. The store suites do this themselves for their core modules (tests/store/conftest.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pgserver import PgServer, find_bindir

_NAMES = itertools.count(1)


@pytest.fixture(scope="session")
def _pg_plugin_server() -> Iterator[tuple[Any, str]]:
    from faceapp.store.backends.postgres import PostgresDatabase

    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed")  # an opt-in plugin, never part of CI
    server = PgServer(bindir).start()
    PostgresDatabase(server.create_database("plugin_template")).close()
    yield server, "plugin_template"
    server.stop()


@pytest.fixture(autouse=True)
def _pg_plugin_database(_pg_plugin_server: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server, template = _pg_plugin_server
    name = f"p{next(_NAMES)}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = str(server.url(name))
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    yield url
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
