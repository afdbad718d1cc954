"""The desk's own small SQLite files (outbox, copy of the server's gallery): private and durable."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from faceapp.errors import StorageError
from faceapp.private import make_dirs


def open_durable(path: Path, schema: Iterable[str], what: str) -> sqlite3.Connection:
    """``path`` created private (0600), in WAL mode with full syncing and secure delete, ``schema`` applied.

    The connection is in autocommit mode (``BEGIN`` explicitly) and may be shared between threads
    under the caller's lock.

    Raises:
        StorageError: naming ``what`` (e.g. "this desk's outbox") when the file cannot be opened.
    """
    try:
        make_dirs(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        conn = sqlite3.connect(str(path), timeout=5.0, check_same_thread=False, isolation_level=None)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON"):
                conn.execute(f"PRAGMA {pragma}")
            for statement in schema:
                conn.execute(statement)
        except sqlite3.Error:
            conn.close()
            raise
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open {what} {path}: {exc}. Check the data folder's permissions and "
                           "free space.") from exc
    return conn
