"""Backup zips of the data folder, their validation, and the restore applied at start-up."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from faceapp.config import Paths
from faceapp.errors import StorageError
from faceapp.store.backup import MANIFEST, apply_pending_restore, backup, pending_dir, stage_restore, validate_backup
from faceapp.store.db import DB_NAME, SCHEMA_VERSION, Database


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


def _people(database: Database) -> list[str]:
    return [r["name"] for r in database.query("SELECT name FROM people ORDER BY name")]


def _add(database: Database, name: str) -> None:
    with database.transaction() as db:
        db.execute("INSERT INTO people (name, created, updated) VALUES (?, '', '')", (name,))


def test_backup_holds_a_consistent_database_and_the_files_but_not_logs(paths: Paths, tmp_path: Path) -> None:
    database = Database.open(paths)
    _add(database, "Ada")
    (paths.data / "snapshots").mkdir()
    (paths.data / "snapshots" / "a.jpg").write_bytes(b"jpeg")
    (paths.logs / "faceapp.log").write_text("log line")
    target = backup(database, paths.data, tmp_path / "b.zip")
    _add(database, "Bob")  # after the backup: not in it
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert {DB_NAME, MANIFEST, "snapshots/a.jpg"} <= names
    assert not any(n.startswith("logs/") or n.endswith(("-wal", "-shm")) for n in names)
    assert validate_backup(target)["schema_version"] == SCHEMA_VERSION
    database.close()


def test_restore_is_staged_then_applied_at_start_keeping_the_old_folder(paths: Paths, tmp_path: Path) -> None:
    database = Database.open(paths)
    _add(database, "Ada")
    target = backup(database, paths.data, tmp_path / "b.zip")
    _add(database, "Bob")
    database.close()
    (paths.logs / "faceapp.log").write_text("keep me")
    stage_restore(target, paths.data)
    assert pending_dir(paths.data).is_dir()
    kept = apply_pending_restore(paths.data)
    assert kept is not None and (kept / DB_NAME).is_file()
    assert (paths.data / "logs" / "faceapp.log").read_text() == "keep me"
    restored = Database.open(paths)
    assert _people(restored) == ["Ada"]
    restored.close()


def test_backup_from_a_newer_schema_is_refused(paths: Paths, tmp_path: Path) -> None:
    database = Database.open(paths)
    target = backup(database, paths.data, tmp_path / "b.zip")
    database.close()
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(newer, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == DB_NAME:
                copy = tmp_path / "copy.db"
                copy.write_bytes(data)
                conn = sqlite3.connect(copy)
                with conn:
                    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
                conn.close()  # checkpoints the copy's WAL into the file
                data = copy.read_bytes()
            archive.writestr(name, data)
    with pytest.raises(StorageError, match="newer faceapp"):
        stage_restore(newer, paths.data)
    assert not pending_dir(paths.data).exists()


def test_nothing_pending_means_nothing_changes(paths: Paths) -> None:
    assert apply_pending_restore(paths.data) is None
    assert paths.data.is_dir()
