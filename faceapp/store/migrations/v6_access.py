"""Doors, access levels, schedules, visitors and access events (access control).

Names of people are never copied into access rows: events keep only the person id (set to NULL
when the person is deleted), so deleting a visitor leaves no name behind.
"""

from __future__ import annotations

import sqlite3

_TABLES = (
    """CREATE TABLE access_areas (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        antipassback TEXT NOT NULL DEFAULT 'off' CHECK (antipassback IN ('off', 'soft', 'hard')))""",
    """CREATE TABLE access_doors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        cameras TEXT NOT NULL DEFAULT '[]',
        direction TEXT NOT NULL DEFAULT 'both' CHECK (direction IN ('in', 'out', 'both')),
        output TEXT NOT NULL DEFAULT 'none',
        output_options TEXT NOT NULL DEFAULT '{}',
        pulse_ms INTEGER NOT NULL DEFAULT 1000,
        area TEXT NOT NULL DEFAULT '',
        records_attendance INTEGER NOT NULL DEFAULT 0 CHECK (records_attendance IN (0, 1)),
        liveness TEXT NOT NULL DEFAULT 'off',
        state TEXT NOT NULL DEFAULT 'normal' CHECK (state IN ('normal', 'lockdown', 'unlocked')),
        created TEXT NOT NULL,
        updated TEXT NOT NULL)""",
    """CREATE TABLE access_levels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        schedule TEXT NOT NULL,
        allow_holidays INTEGER NOT NULL DEFAULT 0 CHECK (allow_holidays IN (0, 1)),
        created TEXT NOT NULL)""",
    """CREATE TABLE access_level_doors (
        level_id INTEGER NOT NULL REFERENCES access_levels(id) ON DELETE CASCADE,
        door_id INTEGER NOT NULL REFERENCES access_doors(id) ON DELETE CASCADE,
        PRIMARY KEY (level_id, door_id))""",
    """CREATE TABLE access_grants (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        level_id INTEGER NOT NULL REFERENCES access_levels(id) ON DELETE CASCADE,
        valid_from TEXT,
        valid_until TEXT,
        PRIMARY KEY (person_id, level_id))""",
    """CREATE TABLE access_validity (
        person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
        valid_from TEXT,
        valid_until TEXT)""",
    """CREATE TABLE access_visitors (
        person_id INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
        host TEXT NOT NULL DEFAULT '',
        purpose TEXT NOT NULL DEFAULT '',
        expires TEXT NOT NULL,
        registered TEXT NOT NULL)""",
    "CREATE INDEX access_visitors_expires ON access_visitors(expires)",
    """CREATE TABLE access_holidays (
        day TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE access_presence (
        person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
        area TEXT NOT NULL COLLATE NOCASE,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        time TEXT NOT NULL,
        PRIMARY KEY (person_id, area))""",
    """CREATE TABLE access_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        tz TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('decision', 'manual', 'fault', 'state')),
        door_id INTEGER REFERENCES access_doors(id) ON DELETE SET NULL,
        door TEXT NOT NULL,
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        decision TEXT CHECK (decision IN ('grant', 'deny')),
        reason TEXT NOT NULL,
        score REAL,
        margin REAL,
        liveness REAL,
        camera TEXT NOT NULL DEFAULT '',
        snapshot TEXT,
        attendance_event_id INTEGER REFERENCES events(id) ON DELETE SET NULL,
        operator TEXT,
        note TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX access_events_time ON access_events(time)",
    "CREATE INDEX access_events_door ON access_events(door_id, time)",
    "CREATE INDEX access_events_person ON access_events(person_id, time)",
)


def migrate(conn: sqlite3.Connection) -> None:
    """Create the access-control tables."""
    for statement in _TABLES:
        conn.execute(statement)
