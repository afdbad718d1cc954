"""Template flags and identification calibration (open-set identification).

``template_flags`` marks a template whose face, when it was enrolled, already matched a different
person at or above the accept threshold (look-alikes and twins exist: the import goes on, the flag
shows whom it resembled and how closely). A flag goes with its template, and with the other person
when they are deleted (the resemblance no longer concerns anyone enrolled).
"""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> None:
    """Create the ``template_flags`` table."""
    conn.execute("""CREATE TABLE IF NOT EXISTS template_flags (
        template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        other_person_id INTEGER REFERENCES people(id) ON DELETE CASCADE,
        score REAL,
        threshold REAL,
        created TEXT NOT NULL,
        PRIMARY KEY (template_id, kind)
    )""")
    conn.execute("CREATE INDEX IF NOT EXISTS template_flags_other ON template_flags(other_person_id)")
