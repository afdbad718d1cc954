"""Backup and restore of the data folder (database, evidence snapshots, user models, index).

A backup is one zip: the database copied with SQLite's online backup API after a WAL checkpoint
(a consistent copy even while the app keeps writing), every other file of the data folder except
logs and the database's ``-wal``/``-shm`` files, and ``faceapp-backup.json`` describing it.

Restoring never replaces the folder of a running app: :func:`stage_restore` validates the zip
(a faceapp backup, no unsafe paths, CRCs intact, a sound database of a schema this version can
open) and unpacks it next to the data folder; :func:`apply_pending_restore`, called at start-up
before the database is opened, swaps it in and keeps the old folder as ``<data>.before-restore-*``.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from faceapp.errors import StorageError
from faceapp.store.db import DB_NAME, SCHEMA_VERSION, Database

log = logging.getLogger(__name__)

MANIFEST = "faceapp-backup.json"
PENDING_SUFFIX = ".restore-pending"
_SKIPPED_DIRS = {"logs"}
_SKIPPED_FILES = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal"}


def backup(database: Database, data_dir: Path, target: Path) -> Path:
    """Write a zip backup of ``data_dir`` (whose database is ``database``) to ``target``.

    Raises:
        StorageError: the zip cannot be written (nothing is left at ``target``).
    """
    target = Path(target)
    database.compact(vacuum=False)
    partial = target.with_name(target.name + ".partial")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / DB_NAME
            with database._lock, sqlite3.connect(copy) as dest:  # serialised with this process's writers
                database.conn.backup(dest)
            dest.close()
            files = _data_files(data_dir, exclude=target)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(copy, DB_NAME)
                for path in files:
                    archive.write(path, path.relative_to(data_dir).as_posix())
                archive.writestr(MANIFEST, json.dumps(_manifest(database, len(files) + 1)))
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"cannot write the backup {target}: {exc}. Check the folder and free space.") from exc
    log.info("backup of %s written to %s", data_dir, target)
    return target


def _manifest(database: Database, files: int) -> dict[str, object]:
    return {"format": 1, "schema_version": database.schema_version, "files": files,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _data_files(data_dir: Path, exclude: Path) -> list[Path]:
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if not path.is_file() or path.resolve() == exclude.resolve():
            continue
        if relative.parts[0] in _SKIPPED_DIRS or (len(relative.parts) == 1 and path.name in _SKIPPED_FILES):
            continue
        if path.name.endswith(".partial") or (path.suffix == ".zip" and len(relative.parts) == 1):
            continue
        found.append(path)
    return found


def validate_backup(source: Path) -> dict[str, object]:
    """Check that ``source`` is a faceapp backup this version can restore; its manifest.

    Raises:
        StorageError: not a zip, damaged, not a faceapp backup, unsafe paths, or an unusable database.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            _check_names(source, names)
            bad = archive.testzip()
            if bad is not None:
                raise StorageError(f"the backup {source} is damaged ({bad} fails its checksum)")
            manifest = json.loads(archive.read(MANIFEST))
            with tempfile.TemporaryDirectory() as tmp:
                archive.extract(DB_NAME, tmp)
                _check_database(source, Path(tmp) / DB_NAME)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise StorageError(f"{source} is not a readable faceapp backup ({exc})") from exc
    return manifest


def _check_names(source: Path, names: list[str]) -> None:
    if MANIFEST not in names or DB_NAME not in names:
        raise StorageError(f"{source} is not a faceapp backup (it has no {MANIFEST} or {DB_NAME})")
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name or ":" in name:
            raise StorageError(f"the backup {source} holds an unsafe path {name!r}; not restoring it")


def _check_database(source: Path, path: Path) -> None:
    try:
        conn = sqlite3.connect(path)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = conn.execute("SELECT version FROM schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"the database in the backup {source} is damaged ({exc})") from exc
    if result != "ok":
        raise StorageError(f"the database in the backup {source} is damaged ({result})")
    if int(version) > SCHEMA_VERSION:
        raise StorageError(f"the backup {source} was made by a newer faceapp (schema {version}); upgrade first")


def pending_dir(data_dir: Path) -> Path:
    """Where a staged restore waits for the next start."""
    return data_dir.with_name(data_dir.name + PENDING_SUFFIX)


def stage_restore(source: Path, data_dir: Path) -> Path:
    """Validate ``source`` and unpack it to be swapped in at the next start; the staging folder.

    Raises:
        StorageError: the backup is unusable or cannot be unpacked (nothing is staged).
    """
    validate_backup(source)
    staged = pending_dir(data_dir)
    shutil.rmtree(staged, ignore_errors=True)
    try:
        with zipfile.ZipFile(source) as archive:
            archive.extractall(staged)
        (staged / MANIFEST).unlink()
    except (OSError, zipfile.BadZipFile) as exc:
        shutil.rmtree(staged, ignore_errors=True)
        raise StorageError(f"cannot unpack the backup {source} next to {data_dir}: {exc}") from exc
    log.info("restore of %s staged in %s; it is applied at the next start", source, staged)
    return staged


def apply_pending_restore(data_dir: Path) -> Path | None:
    """Swap a staged restore in (call before opening the database); the old folder's new name.

    Returns:
        Where the previous data folder was moved, or None when no restore was pending.
    """
    staged = pending_dir(data_dir)
    if not staged.is_dir():
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    kept = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}")
    try:
        if data_dir.exists():
            data_dir.rename(kept)
        staged.rename(data_dir)
        if (kept / "logs").is_dir():
            shutil.copytree(kept / "logs", data_dir / "logs", dirs_exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot apply the restore staged in {staged}: {exc}") from exc
    log.warning("data folder restored from backup; the previous one is kept as %s", kept)
    return kept
