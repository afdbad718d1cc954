"""Shifts, rotations, assignments, holidays, leave, punch requests, export schedules; the manager role.

The ``users`` table of schema 2 allows only ``admin`` and ``operator`` in a CHECK constraint, and
SQLite cannot alter a CHECK: the table is rebuilt from its own stored definition (so columns other
migrations added survive) with ``manager`` allowed, every row copied with its id. Foreign-key checks
are deferred to the commit, when the rebuilt table holds the same ids again.
"""

from __future__ import annotations

import re
import sqlite3

_ROLE_CHECK = re.compile(r"CHECK\s*\(\s*role\s+IN\s*\([^)]*\)\s*\)", re.IGNORECASE)
_NEW_CHECK = "CHECK (role IN ('admin', 'operator', 'manager'))"

_TABLES = (
    """CREATE TABLE shifts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        definition TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL)""",
    """CREATE TABLE rotations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        cycle TEXT NOT NULL,
        anchor TEXT NOT NULL,
        created TEXT NOT NULL)""",
    """CREATE TABLE shift_assignments (
        id INTEGER PRIMARY KEY,
        person_id INTEGER REFERENCES people(id) ON DELETE CASCADE,
        department TEXT,
        shift_id INTEGER REFERENCES shifts(id) ON DELETE CASCADE,
        rotation_id INTEGER REFERENCES rotations(id) ON DELETE CASCADE,
        start TEXT NOT NULL,
        until TEXT,
        created TEXT NOT NULL,
        CHECK ((person_id IS NULL) != (department IS NULL)),
        CHECK ((shift_id IS NULL) != (rotation_id IS NULL)))""",
    "CREATE INDEX shift_assignments_person ON shift_assignments(person_id)",
    """CREATE TABLE holidays (
        day TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created TEXT NOT NULL)""",
    """CREATE TABLE leave (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('annual', 'sick', 'other')),
        half INTEGER NOT NULL DEFAULT 0 CHECK (half IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        reason TEXT NOT NULL DEFAULT '',
        requested_by TEXT NOT NULL,
        decided_by TEXT,
        created TEXT NOT NULL,
        UNIQUE (person_id, day))""",
    """CREATE TABLE punch_requests (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        time TEXT NOT NULL,
        tz TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('check_in', 'check_out')),
        reason TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        requested_by TEXT NOT NULL,
        decided_by TEXT,
        event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,
        created TEXT NOT NULL,
        decided TEXT)""",
    "CREATE INDEX punch_requests_status ON punch_requests(status)",
    """CREATE TABLE export_schedules (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL CHECK (period IN ('daily', 'monthly')),
        folder TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'en',
        last_done TEXT,
        created TEXT NOT NULL,
        UNIQUE (period, folder))""",
)


def migrate(conn: sqlite3.Connection) -> None:
    """Create the attendance-rule tables and allow the ``manager`` role."""
    for statement in _TABLES:
        conn.execute(statement)
    _allow_manager(conn)


def _allow_manager(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone()
    if row is None or "manager" in row[0]:
        return
    definition = _ROLE_CHECK.sub(_NEW_CHECK, row[0], count=1)
    definition = re.sub(r"^CREATE TABLE\s+\"?users\"?", "CREATE TABLE users_v7", definition, count=1)
    indexes = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL")]
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute(definition)
    conn.execute("INSERT INTO users_v7 SELECT * FROM users")
    conn.execute("DROP TABLE users")
    conn.execute("ALTER TABLE users_v7 RENAME TO users")
    for sql in indexes:
        conn.execute(sql)
