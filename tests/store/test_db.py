"""The database file: schema and migrations, privacy, WAL, transactions and every kind of failure."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.errors import StorageError
from faceapp.store import db as dbmod
from faceapp.store.audit import AuditLog
from faceapp.store.db import SCHEMA_VERSION, Database
from faceapp.store.people import People

from .conftest import random_chip


def test_new_database_has_current_schema_and_pragmas(database: Database) -> None:
    assert database.schema_version == SCHEMA_VERSION == len(dbmod.MIGRATIONS)
    assert {"people", "templates", "embeddings", "events", "audit", "meta"} <= set(database.db.table_names())
    assert database.scalar("PRAGMA journal_mode") == "wal"
    assert database.scalar("PRAGMA foreign_keys") == 1
    assert database.scalar("PRAGMA secure_delete") == 1
    assert database.check() == []


def test_files_are_private_to_the_user(database: Database, paths: Paths) -> None:
    People(database).add("Ann")  # a write creates the -wal and -shm files
    files = [paths.data / name for name in ("faceapp.db", "faceapp.db-wal", "faceapp.db-shm")]
    assert all(f.exists() for f in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_forward_migration_is_applied_once_on_open(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    Database.open(paths).close()
    calls = []

    def v2(conn: sqlite3.Connection) -> None:
        calls.append(1)
        conn.execute("ALTER TABLE people ADD COLUMN badge TEXT")

    monkeypatch.setattr(dbmod, "MIGRATIONS", [*dbmod.MIGRATIONS, v2])
    monkeypatch.setattr(dbmod, "SCHEMA_VERSION", len(dbmod.MIGRATIONS))
    for _ in range(2):
        with Database.open(paths) as database:
            assert database.schema_version == SCHEMA_VERSION + 1
            assert "badge" in database.db["people"].columns_dict
    assert calls == [1]


def test_database_from_a_newer_version_is_refused(paths: Paths) -> None:
    with Database.open(paths) as database, database.transaction() as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    with pytest.raises(StorageError, match="newer faceapp"):
        Database.open(paths)


def test_transaction_rolls_back_everything_on_error(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction() as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('a', '1')")
        raise RuntimeError("boom")
    assert database.get_meta("a") is None
    database.set_meta("a", "2")
    assert database.get_meta("a") == "2"


def test_locked_database_gives_a_clear_storage_error(database: Database, paths: Paths) -> None:
    other = sqlite3.connect(paths.data / "faceapp.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StorageError, match=r"busy.*another faceapp"):
            People(database).add("Ann")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [p.name for p in People(database).list()] == []
    People(database).add("Ann")  # works again once the lock is gone


def test_corrupted_file_says_restore_from_backup(tmp_path: Path) -> None:
    path = tmp_path / "faceapp.db"
    path.write_bytes(b"this is not a database, it is a text file " * 200)
    with pytest.raises(StorageError, match=r"(?i)restore it from a backup"):
        Database(path)


def test_full_disk_leaves_nothing_half_written(database: Database, rng: np.random.Generator) -> None:
    people = People(database)
    person = people.add("Ann")
    pages = database.scalar("PRAGMA page_count")
    database.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLite's own 'disk full' condition
    with pytest.raises(StorageError, match=r"disk is full.*nothing of the failed change was saved"), \
            database.transaction() as db:
        people.add_template(db, person.id, random_chip(rng), {"m": np.ones(8, np.float32)})
    database.conn.execute("PRAGMA max_page_count = 1073741823")
    assert people.count_templates() == 0
    assert database.scalar("SELECT COUNT(*) FROM embeddings") == 0
    assert [e.action for e in AuditLog(database).entries()] == ["person.add"]


def test_full_disk_in_the_middle_of_a_transaction(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second statement of a change fails as on a full disk: the first is rolled back too."""
    real = database.db.execute
    calls = []

    def failing(sql: str, *args: object) -> sqlite3.Cursor:
        calls.append(sql)
        if sql.startswith("INSERT INTO audit"):
            raise sqlite3.OperationalError("database or disk is full")
        return real(sql, *args)

    monkeypatch.setattr(database.db, "execute", failing)
    with pytest.raises(StorageError, match="disk is full"):
        People(database).add("Ann", employee_no="E1")
    monkeypatch.undo()
    assert any(s.startswith("INSERT INTO people") for s in calls)
    assert People(database).list() == []
