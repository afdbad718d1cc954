"""Model history and fine-tuning reports (trainer)."""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> None:
    """Apply this step (nothing yet)."""
    del conn
