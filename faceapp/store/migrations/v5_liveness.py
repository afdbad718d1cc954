"""Liveness evidence on events (anti-spoofing).

``liveness`` holds, for an event the liveness stage wrote or judged (a "spoof suspected" event,
or a check-in in log-only mode), the scores behind the verdict: the track's aggregated live score,
the threshold and mode in force, the number of frames, the challenge's outcome and the last frame
scores (JSON). One row per event; it goes when the event goes.
"""

from __future__ import annotations

import sqlite3


def migrate(conn: sqlite3.Connection) -> None:
    """Create the ``liveness`` table."""
    conn.execute(
        """CREATE TABLE liveness (
            event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('live', 'spoof', 'pending')),
            score REAL,
            threshold REAL NOT NULL,
            mode TEXT NOT NULL CHECK (mode IN ('off', 'log', 'block')),
            frames INTEGER NOT NULL DEFAULT 0,
            challenge TEXT NOT NULL DEFAULT '',
            frame_scores TEXT NOT NULL DEFAULT '[]')"""
    )
    conn.execute("CREATE INDEX liveness_verdict ON liveness(verdict)")
