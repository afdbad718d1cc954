"""Which site and desk wrote each event and audit entry; idempotent event ids for delivery.

Several desks share one PostgreSQL store: every event and audit row says where it was written
(``site``, ``desk``; empty for rows written before this step), and reports filter on them. An
event's ``uid`` (a UUID, unique when set) lets a desk that queued events while the server was
unreachable deliver them again without ever storing one twice.
"""

from __future__ import annotations

import sqlite3

_STATEMENTS = (
    "ALTER TABLE events ADD COLUMN uid TEXT",
    "ALTER TABLE events ADD COLUMN site TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE events ADD COLUMN desk TEXT NOT NULL DEFAULT ''",
    "CREATE UNIQUE INDEX events_uid ON events(uid)",
    "CREATE INDEX events_site_desk ON events(site, desk, time)",
    "ALTER TABLE audit ADD COLUMN site TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE audit ADD COLUMN desk TEXT NOT NULL DEFAULT ''",
)


def migrate(conn: sqlite3.Connection) -> None:
    """Add ``events.uid``, ``events.site``, ``events.desk``, ``audit.site`` and ``audit.desk``."""
    for statement in _STATEMENTS:
        conn.execute(statement)
