"""Which site and desk decided each door event (access journal), as events and audit rows say already.

Several desks share one PostgreSQL store: a door decision, a manual open, a door fault or a state
change says where it was written (``site``, ``desk``; empty for rows written before this step), so
the Doors page and ``faceapp access journal`` can show and filter them.
"""

from __future__ import annotations

import sqlite3

_STATEMENTS = (
    "ALTER TABLE access_events ADD COLUMN site TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE access_events ADD COLUMN desk TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX access_events_site_desk ON access_events(site, desk, time)",
)


def migrate(conn: sqlite3.Connection) -> None:
    """Add ``access_events.site`` and ``access_events.desk``."""
    for statement in _STATEMENTS:
        conn.execute(statement)
