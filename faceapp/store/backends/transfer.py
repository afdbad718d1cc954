"""Copy a whole faceapp database between back ends (SQLite to PostgreSQL and back), verified.

Every table of the schema is copied with its ids, parents before children, in one transaction of
the destination: ``INSERT OR IGNORE`` (``ON CONFLICT DO NOTHING`` on PostgreSQL) makes a second run
add nothing. Afterwards every source row must be found, by primary key, with the same SHA-256 of
its values (normalised so that SQLite's and PostgreSQL's types compare equal) in the destination;
row counts and a per-table checksum are reported. A destination that already held *different*
rows under the same keys fails the check, and says which tables. The destination's id counters
are moved past every id the source ever gave (deleted people's included), so ids are never reused.
Evidence snapshot files stay in the desk's data folder (the rows keep their relative paths).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from faceapp.errors import StorageError
from faceapp.store.db import Database

log = logging.getLogger(__name__)

BATCH = 500
#: Bookkeeping of one database, never copied.
_SKIPPED = {"schema_version", "faceapp_data_version", "sqlite_sequence", "sqlite_stat1"}
_META_LOCAL = ("pending_purge",)  # meta keys that describe one database's own files


@dataclass(frozen=True)
class TableCopy:
    """What happened to one table."""

    table: str
    source_rows: int
    added: int
    checksum: str
    verified: bool


def tables(database: Database) -> list[str]:
    """The schema's tables, parents before the tables that refer to them."""
    if database.backend == "postgresql":
        names = [r[0] for r in database.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'")]
        refs = database.rows(
            "SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
            "AND ccu.table_schema = tc.table_schema WHERE tc.constraint_type = 'FOREIGN KEY' "
            "AND tc.table_schema = current_schema()")
    else:
        names = [r[0] for r in database.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
        refs = [(t, r[2]) for t in names for r in database.rows(f'PRAGMA foreign_key_list("{t}")')]
    names = sorted(n for n in names if n not in _SKIPPED and not n.startswith("_"))
    parents: dict[str, set[str]] = {n: set() for n in names}
    for child, parent in refs:
        if child in parents and parent in parents and parent != child:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(n for n, p in parents.items() if not p - set(ordered))
        if not ready:
            raise StorageError(f"cannot order the tables {sorted(parents)}: their references form a cycle")
        ordered += ready
        for name in ready:
            del parents[name]
    return ordered


def primary_key(database: Database, table: str) -> list[str]:
    """The primary-key columns of ``table`` (all columns when it has none)."""
    if database.backend == "postgresql":
        keys = [r[0] for r in database.rows(
            "SELECT k.column_name FROM information_schema.table_constraints tc JOIN "
            "information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name "
            "AND k.table_schema = tc.table_schema WHERE tc.constraint_type = 'PRIMARY KEY' "
            "AND tc.table_schema = current_schema() AND tc.table_name = ? ORDER BY k.ordinal_position", (table,))]
        return keys or columns(database, table)
    info = database.rows(f'PRAGMA table_info("{table}")')
    keys = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    return keys or [r[1] for r in info]


def columns(database: Database, table: str) -> list[str]:
    """The columns of ``table`` in their defined order."""
    if database.backend == "postgresql":
        return [r[0] for r in database.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (table,))]
    return [r[1] for r in database.rows(f'PRAGMA table_info("{table}")')]


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return value


def _pages(database: Database, table: str, names: list[str], key: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    select = f"SELECT {', '.join(names)} FROM {table} ORDER BY {', '.join(key)} LIMIT ? OFFSET ?"
    offset = 0
    while True:
        rows = database.rows(select, (BATCH, offset))
        if not rows:
            return
        yield [tuple(_normal(v) for v in row) for row in rows]
        offset += len(rows)


def row_hashes(database: Database, table: str, names: list[str], key: list[str]) -> dict[tuple[Any, ...], bytes]:
    """Each row's SHA-256 (of its ``names`` columns, values normalised) by its primary key."""
    at = [names.index(k) for k in key]
    return {tuple(row[i] for i in at): hashlib.sha256(repr(row).encode()).digest()
            for page in _pages(database, table, names, key) for row in page}


def checksum(hashes: dict[tuple[Any, ...], bytes]) -> str:
    """One checksum of a table: the sum of its rows' SHA-256 modulo 2**256 (independent of row order,
    which differs between SQLite's and the server's text collations)."""
    total = sum(int.from_bytes(h, "big") for h in hashes.values()) % (1 << 256)
    return f"{total:064x}"


def copy_database(source: Database, destination: Database) -> list[TableCopy]:
    """Copy every row of ``source`` into ``destination`` (same schema version), then verify.

    Verified when every row of the source is in the destination with the same values (the
    destination may hold more: rows its own desks wrote since an earlier copy).

    Raises:
        StorageError: the schema versions differ, or after the copy some source rows differ in the
            destination (it already held other data under the same ids); the message names the tables.
    """
    if source.schema_version != destination.schema_version:
        raise StorageError(f"the source is at schema {source.schema_version} and the destination at "
                           f"{destination.schema_version}; open both with this faceapp first (faceapp db migrate)")
    names = tables(source)
    missing = [t for t in names if t not in set(tables(destination))]
    if missing:
        raise StorageError(f"the destination lacks the tables {', '.join(missing)}")
    before = {t: int(destination.scalar(f"SELECT COUNT(*) FROM {t}")) for t in names}
    layout = {t: (columns(source, t), primary_key(source, t)) for t in names}
    with destination.transaction() as db:
        for table in names:
            cols, key = layout[table]
            verb = "INSERT OR REPLACE" if table == "meta" else "INSERT OR IGNORE"
            insert = f"{verb} INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for page in _pages(source, table, cols, key):
                if table == "meta":
                    page = [r for r in page if r[cols.index("key")] not in _META_LOCAL]
                db.conn.executemany(insert, page)
    _advance_sequences(source, destination, names)
    report, bad = [], []
    for table in names:
        cols, key = layout[table]
        if table == "meta":  # the destination may have keys of its own (its active model, ...)
            cols, key = ["key", "value"], ["key"]
        theirs = row_hashes(source, table, cols, key)
        ours = row_hashes(destination, table, cols, key)
        same = sum(ours.get(k) == h for k, h in theirs.items()) if table != "meta" else sum(
            ours.get(k) == h for k, h in theirs.items() if k[0] not in _META_LOCAL) + sum(
            k[0] in _META_LOCAL for k in theirs)
        ok = same == len(theirs)
        if not ok:
            bad.append(table)
        report.append(TableCopy(table, len(theirs), len(ours) - before[table], checksum(theirs), ok))
    if bad:
        raise StorageError(f"the copy does not match in {', '.join(bad)}: the destination already held other rows "
                           "under the same ids. Copy into an empty database (faceapp db migrate on a new one)")
    log.info("copied %d tables, %d rows", len(report), sum(r.source_rows for r in report))
    return report


def high_water(database: Database, table: str) -> int:
    """The largest id ``table`` ever gave (deleted rows included): its sequence, else ``MAX(id)``."""
    if "id" not in columns(database, table):
        return 0
    highest = int(database.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))
    if database.backend == "postgresql":
        sequence = database.scalar("SELECT pg_get_serial_sequence(?, 'id')", (table,))
        used = database.scalar(f"SELECT last_value FROM {sequence} WHERE is_called") if sequence else None
    else:
        used = database.scalar("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
    return max(highest, int(used or 0))


def _advance_sequences(source: Database, destination: Database, names: list[str]) -> None:
    """Move each id counter of the destination past every id the source or the destination gave."""
    with destination.transaction() as db:
        for table in names:
            highest = max(high_water(source, table), high_water(destination, table))
            if highest <= 0:
                continue
            if destination.backend == "postgresql":
                if destination.scalar("SELECT pg_get_serial_sequence(?, 'id')", (table,)):
                    db.execute("SELECT setval(pg_get_serial_sequence(?, 'id'), ?)", (table, highest))
            elif db.execute("SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)).fetchone():
                db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (highest, table))
