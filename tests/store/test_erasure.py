"""Deletion really deletes: bytes gone despite readers, ids never reused, no names left behind, private files."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.records import Event, EventKind
from faceapp.store import db as db_module
from faceapp.store.auth import LoginFailedError, Users
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams
from faceapp.store.people import encode_chip

from .conftest import DIM, MODEL, photos_of, random_chip, unit


def _files_containing(folder: Path, needles: list[bytes]) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def _enrol_ann(gallery: Gallery, rng: np.random.Generator) -> tuple[int, list[bytes]]:
    """A person with two faces; returns their id and byte strings (vectors, chip pieces) to look for."""
    other = gallery.add_person("Keeper", employee_no="K1")
    gallery.add_template(other.id, random_chip(rng), unit(rng.normal(size=DIM))[0])
    ann = gallery.add_person("Annabel Quixotic", employee_no="AQ-77")
    vectors = photos_of(unit(rng.normal(size=DIM))[0], 2, 0.8, rng)
    chips = [random_chip(rng) for _ in vectors]
    for chip, vector in zip(chips, vectors, strict=True):
        gallery.add_template(ann.id, chip, vector, source="photo")
    pngs = [encode_chip(c) for c in chips]
    needles = [v.tobytes() for v in vectors] + [p[n: n + 48] for p in pngs for n in (300, len(p) // 2)]
    return ann.id, needles


@pytest.fixture()
def reader(paths: Paths) -> Iterator[sqlite3.Connection]:
    """Another connection (as another program would have) to the same database."""
    conn = sqlite3.connect(str(paths.data / db_module.DB_NAME), isolation_level=None, check_same_thread=False)
    yield conn
    conn.close()


def _hold_read(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN")
    conn.execute("SELECT COUNT(*) FROM templates").fetchone()


def test_removal_waits_for_a_reader_and_then_erases_the_bytes(
        paths: Paths, reader: sqlite3.Connection, rng: np.random.Generator, caplog: pytest.LogCaptureFixture) -> None:
    gallery = Gallery.open(paths, MODEL, DIM, params=IndexParams(exact_below=0, threads=1))
    person, needles = _enrol_ann(gallery, rng)
    assert _files_containing(paths.data, needles)
    _hold_read(reader)
    release = threading.Timer(1.0, lambda: reader.execute("COMMIT"))
    release.start()
    with caplog.at_level(logging.WARNING, logger="faceapp.store.db"):
        erased = gallery.delete_person(person, actor="admin")
    release.join()
    assert erased is True
    assert any("waiting" in r.getMessage() for r in caplog.records)
    assert _files_containing(paths.data, needles) == []
    wal = paths.data / (db_module.DB_NAME + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not gallery.database.purge_pending
    gallery.close()


def test_a_removal_blocked_past_the_wait_is_finished_by_the_next_opening(
        paths: Paths, reader: sqlite3.Connection, rng: np.random.Generator,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "PURGE_WAIT_S", 0.3)
    gallery = Gallery.open(paths, MODEL, DIM, params=IndexParams(exact_below=10_000, threads=1))
    person, needles = _enrol_ann(gallery, rng)
    _hold_read(reader)
    assert gallery.delete_person(person, actor="admin") is False
    assert gallery.database.purge_pending
    assert _files_containing(paths.data, needles)  # the reader's snapshot keeps them for now
    reader.execute("COMMIT")
    # The first program is still open (so no checkpoint on close): the next opening erases them.
    second = Database.open(paths)
    assert _files_containing(paths.data, needles) == []
    assert not second.purge_pending and not gallery.database.purge_pending
    second.close()
    gallery.close()


def test_ids_are_never_reused_after_deletion(gallery: Gallery, rng: np.random.Generator) -> None:
    first = gallery.add_person("First")
    template = gallery.add_template(first.id, random_chip(rng), unit(rng.normal(size=DIM))[0])
    gallery.delete_person(first.id)
    second = gallery.add_person("Second")
    assert second.id > first.id
    assert gallery.add_template(second.id, random_chip(rng), unit(rng.normal(size=DIM))[0]) > template
    assert sorted(e.action for e in gallery.audit.entries(person_id=second.id)) == ["person.add", "template.add"]


def test_the_audit_keeps_a_pseudonymous_record_of_a_deletion_and_no_name(gallery: Gallery, paths: Paths,
                                                                         rng: np.random.Generator) -> None:
    person, _ = _enrol_ann(gallery, rng)
    now = datetime.now(timezone.utc)
    gallery.events.add(Event(None, now, "UTC", EventKind.CHECK_IN, person, "Annabel Quixotic", None, None, 0.8, 0.3,
                             "cam1"), snapshot=random_chip(rng))
    gallery.delete_person(person, actor="admin")
    entry = gallery.audit.entries(person_id=person)[0]
    assert (entry.action, entry.actor, entry.entity_id) == ("person.delete", "admin", person)
    assert entry.details["ref"] == f"person#{person}" and entry.details["templates"] == 2
    text = repr(gallery.database.query("SELECT * FROM audit"))
    assert "Annabel" not in text and "AQ-77" not in text
    assert _files_containing(paths.data, [b"Annabel Quixotic", b"AQ-77"]) == []


def test_a_failed_login_with_an_unknown_name_does_not_store_what_was_typed(database: Database) -> None:
    users = Users(database)
    users.add("boss", "correct horse", role="admin")
    with pytest.raises(LoginFailedError):
        users.authenticate("Tr0ub4dor&3-typed-in-the-name-field", "x")
    text = repr(database.query("SELECT * FROM audit"))
    assert "Tr0ub4dor" not in text
    assert "unknown user" in text


# -- a v2 database from the first release ------------------------------------------------------
def _v2_database(path: Path) -> None:
    """A schema-2 database with people 1-3 where person 3 was deleted (only the audit remembers 3)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN")
    for migration in db_module.MIGRATIONS[:2]:
        migration(conn)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (2)")
    t = "2026-01-01T00:00:00+00:00"
    for pid in (1, 2):
        conn.execute("INSERT INTO people (id, name, employee_no, created, updated) VALUES (?, ?, ?, ?, ?)",
                     (pid, f"p{pid}", f"E{pid}", t, t))
        conn.execute("INSERT INTO templates (id, person_id, chip, source, created) VALUES (?, ?, ?, 'photo', ?)",
                     (pid * 10, pid, b"chip", t))
        conn.execute("INSERT INTO embeddings VALUES (?, 'm', 4, ?, ?)", (pid * 10, b"v" * 16, t))
        conn.execute("INSERT INTO events (time, tz, kind, person_id, camera) VALUES (?, 'UTC', 'check_in', ?, 'c')",
                     (t, pid))
    for pid in (1, 2, 3):
        conn.execute("INSERT INTO audit (time, actor, action, entity, entity_id, person_id) "
                     "VALUES (?, 'cli', 'person.add', 'person', ?, ?)", (t, pid, pid))
    conn.execute("INSERT INTO users (name, role, password, created, updated) VALUES ('a', 'admin', 'x', ?, ?)", (t, t))
    conn.execute("COMMIT")
    conn.close()


def test_a_v2_database_keeps_its_data_and_never_reuses_ids_after_migration(paths: Paths) -> None:
    path = paths.data / db_module.DB_NAME
    _v2_database(path)
    database = Database(path)
    try:
        assert database.schema_version == db_module.SCHEMA_VERSION
        people = database.rows("SELECT id, name, employee_no FROM people ORDER BY id")
        assert people == [(1, "p1", "E1"), (2, "p2", "E2")]
        assert database.rows("SELECT id, person_id FROM templates ORDER BY id") == [(10, 1), (20, 2)]
        assert database.rows("SELECT template_id FROM embeddings ORDER BY 1") == [(10,), (20,)]
        assert database.scalar("SELECT COUNT(*) FROM events") == 2
        assert database.scalar("SELECT COUNT(*) FROM audit") == 3
        for table in ("people", "templates", "events", "audit", "users"):
            sql = database.scalar("SELECT sql FROM sqlite_master WHERE name = ?", (table,))
            assert "AUTOINCREMENT" in sql, table
        assert {"templates_person", "events_time", "audit_person"} <= {
            r[0] for r in database.rows("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert database.check() == []
        assert database.rows("PRAGMA foreign_key_check") == []
        with database.transaction() as db:  # person 3 was deleted before: the next one is 4
            new_id = db.execute("INSERT INTO people (name, created, updated) VALUES ('n', 't', 't')").lastrowid
            db.execute("DELETE FROM people WHERE id = 1")  # foreign keys still cascade
        assert new_id == 4
        assert database.rows("SELECT id FROM templates") == [(20,)]
        assert database.rows("SELECT template_id FROM embeddings") == [(20,)]
    finally:
        database.close()


# -- private files -------------------------------------------------------------------------------
@pytest.fixture()
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


def _modes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [folder, *folder.rglob("*")]}


def test_every_file_and_folder_of_the_store_is_private_under_umask_000(tmp_path: Path, open_umask: None,
                                                                       rng: np.random.Generator) -> None:
    paths = Paths.resolve(tmp_path / "home").ensure()
    gallery = Gallery.open(paths, MODEL, DIM, params=IndexParams(exact_below=0, threads=1))
    person = gallery.add_person("P")
    gallery.add_template(person.id, random_chip(rng), unit(rng.normal(size=DIM))[0])
    gallery.events.add(Event(None, datetime.now(timezone.utc), "UTC", EventKind.CHECK_IN, person.id, "P", None,
                             None, 0.8, 0.3, "cam1"), snapshot=random_chip(rng))
    modes = _modes(paths.data)
    gallery.close()
    assert any(name.endswith(".json") for name in modes) and any("snapshots" in name for name in modes)
    wrong = {name: mode for name, mode in modes.items()
             if mode != (oct(0o700) if (paths.data / name).is_dir() else oct(0o600))}
    assert wrong == {}


def test_a_pending_purge_never_stops_the_database_from_opening(paths: Paths, reader: sqlite3.Connection,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "PURGE_WAIT_S", 0.2)
    first = Database.open(paths, busy_timeout=0.2)
    first.set_meta(db_module.PURGE_KEY, "2026-01-01T00:00:00+00:00")
    reader.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        second = Database.open(paths, busy_timeout=0.2)
        assert second.purge_pending
    finally:
        reader.execute("ROLLBACK")
    second.close()
    third = Database.open(paths, busy_timeout=0.2)  # the writer is gone: this opening finishes it
    assert not third.purge_pending
    third.close()
    first.close()
