"""Ids never reused, pending purges, cross-process desk state (live core and reliability)."""

from __future__ import annotations

import re
import sqlite3

# == Ids never reused (deletion must really delete) ==============================================
# A deleted person's id given to the next person mixed the two in the audit log. ``AUTOINCREMENT``
# makes SQLite remember the largest id ever used (``sqlite_sequence``). SQLite cannot add it to an
# existing table, so each table is rebuilt from its own stored definition (any columns added
# before stay), its rows copied with their ids, its indexes and triggers recreated. The database
# opens migrations with foreign keys off and checks them before committing (faceapp.store.db).
# The pending purge of a removal that could not erase its bytes at once lives in ``meta``
# (key ``pending_purge``), so it needs no table.

AUTOINCREMENT_TABLES = ("people", "templates", "events", "audit", "users")
_ID_COLUMN = re.compile(r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)", re.IGNORECASE)


def _add_autoincrement(conn: sqlite3.Connection, table: str, floor: int) -> None:
    """Rebuild ``table`` with ``id INTEGER PRIMARY KEY AUTOINCREMENT``; the next id is above ``floor``."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    if row is None or not _ID_COLUMN.search(row[0]):
        return
    extras = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        (table,))]
    temporary = f"_{table}_v3"
    create = _ID_COLUMN.sub("id INTEGER PRIMARY KEY AUTOINCREMENT", row[0], count=1)
    create = re.sub(rf'^CREATE TABLE\s+"?{table}"?', f"CREATE TABLE {temporary}", create, count=1,
                    flags=re.IGNORECASE)
    conn.execute(create)
    conn.execute(f"INSERT INTO {temporary} SELECT * FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {temporary} RENAME TO {table}")
    for statement in extras:
        conn.execute(statement)
    highest = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
    conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, max(int(highest), floor)))


def _highest_person_id(conn: sqlite3.Connection) -> int:
    """The largest person id the database ever mentions (deleted people live on in the audit log)."""
    row = conn.execute(
        "SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM people UNION ALL SELECT MAX(person_id) FROM audit "
        "UNION ALL SELECT MAX(entity_id) FROM audit WHERE entity = 'person' "
        "UNION ALL SELECT MAX(person_id) FROM events)").fetchone()
    return int(row[0] or 0)


def _highest_template_id(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM templates UNION ALL "
                       "SELECT MAX(entity_id) FROM audit WHERE entity = 'template')").fetchone()
    return int(row[0] or 0)


def ids_never_reused(conn: sqlite3.Connection) -> None:
    """Rebuild the v2 tables whose ids are referred to elsewhere with AUTOINCREMENT."""
    floors = {"people": _highest_person_id(conn), "templates": _highest_template_id(conn)}
    for table in AUTOINCREMENT_TABLES:
        _add_autoincrement(conn, table, floors.get(table, 0))
# == end of ids never reused =====================================================================


def migrate(conn: sqlite3.Connection) -> None:
    """Apply this step."""
    ids_never_reused(conn)
