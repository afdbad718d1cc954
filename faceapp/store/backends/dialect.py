"""SQLite SQL to PostgreSQL SQL: one migration history and one set of queries for both back ends.

The store modules speak SQLite (``?`` and ``:name`` parameters, ``INSERT OR IGNORE``, ``INTEGER PRIMARY
KEY``, ``BLOB``); :func:`translate` rewrites a statement for psycopg. Only text outside string
literals and quoted identifiers is touched:

- parameters: ``?`` becomes ``%s``, ``:name`` becomes ``%(name)s``, a literal ``%`` becomes ``%%``;
- ``INSERT OR IGNORE INTO`` becomes ``INSERT INTO ... ON CONFLICT DO NOTHING``;
- in ``CREATE``/``ALTER`` statements: a column ``INTEGER PRIMARY KEY [AUTOINCREMENT]`` becomes a
  ``BIGINT`` identity (ids are never reused: PostgreSQL sequences never go back), ``INTEGER`` becomes
  ``BIGINT`` (SQLite integers are 64-bit), ``REAL`` becomes ``DOUBLE PRECISION``, ``BLOB`` becomes
  ``BYTEA``. ``COLLATE NOCASE`` stays: the PostgreSQL back end creates a case-insensitive ICU
  collation named ``nocase``.

SQLite functions without a PostgreSQL twin (``TOTAL``, ``IFNULL``, ``GROUP_CONCAT``) are created as
SQL functions on the server (:data:`COMPAT_FUNCTIONS`) rather than rewritten here.
"""

from __future__ import annotations

import re
from functools import lru_cache

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_OR_REPLACE = re.compile(r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+\"?(\w+)\"?\s*\(([^)]*)\)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_DDL = re.compile(r"^\s*(CREATE|ALTER)\s+TABLE\b", re.IGNORECASE)
_IDENTITY = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY(\s+AUTOINCREMENT)?\b", re.IGNORECASE)
_TYPES = ((re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
          (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
          (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"))
_INSERT_TABLE = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\"?(\w+)\"?", re.IGNORECASE)
_SQLITE_ONLY = re.compile(r"\bsqlite_(master|schema|sequence|temp_master)\b", re.IGNORECASE)
_FROM_SUBQUERY = re.compile(r"\b(FROM|JOIN)\s*\(\s*SELECT\b", re.IGNORECASE)
_NOT_ALIAS = {"where", "group", "order", "limit", "offset", "union", "join", "left", "inner", "cross", "on",
              "having", "window", "except", "intersect", "returning", ""}

#: Functions SQLite has built in and PostgreSQL lacks, created on the server at migration time.
COMPAT_FUNCTIONS = (
    "CREATE OR REPLACE FUNCTION _faceapp_total_step(double precision, double precision) "
    "RETURNS double precision LANGUAGE sql IMMUTABLE AS 'SELECT $1 + COALESCE($2, 0)'",
    "CREATE OR REPLACE AGGREGATE total(double precision) "
    "(SFUNC = _faceapp_total_step, STYPE = double precision, INITCOND = '0')",
    "CREATE OR REPLACE FUNCTION ifnull(anycompatible, anycompatible) RETURNS anycompatible "
    "LANGUAGE sql IMMUTABLE AS 'SELECT COALESCE($1, $2)'",
    "CREATE OR REPLACE FUNCTION _faceapp_concat_step(text, anyelement, text) RETURNS text "
    "LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2::text "
    "ELSE $1 || $3 || $2::text END'",
    "CREATE OR REPLACE AGGREGATE group_concat(anyelement, text) (SFUNC = _faceapp_concat_step, STYPE = text)",
    "CREATE OR REPLACE FUNCTION _faceapp_concat1_step(text, anyelement) RETURNS text "
    "LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN $2 IS NULL THEN $1 WHEN $1 IS NULL THEN $2::text "
    "ELSE $1 || '','' || $2::text END'",
    "CREATE OR REPLACE AGGREGATE group_concat(anyelement) (SFUNC = _faceapp_concat1_step, STYPE = text)",
)


def _split(sql: str) -> list[tuple[bool, str]]:
    """``(is_code, text)`` pieces: code, or a quoted literal/identifier/comment kept verbatim."""
    pieces: list[tuple[bool, str]] = []
    start = i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:  # doubled quote inside
                        end += 2
                        continue
                    break
                end += 1
            pieces.append((True, sql[start:i]))
            pieces.append((False, sql[i:end + 1]))
            start = i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            pieces.append((True, sql[start:i]))
            pieces.append((False, sql[i:end]))
            start = i = end
        else:
            i += 1
    pieces.append((True, sql[start:]))
    return [p for p in pieces if p[1]]


_REWRITES = (
    (re.compile(r"\bIS\s+NOT\s+\?", re.IGNORECASE), "IS DISTINCT FROM ?"),  # SQLite's IS compares values
    (re.compile(r"\bIS\s+\?", re.IGNORECASE), "IS NOT DISTINCT FROM ?"),
    (re.compile(r"\bLIKE\b", re.IGNORECASE), "ILIKE"),  # SQLite's LIKE ignores ASCII case
    (re.compile(r"\bchar\s*\(", re.IGNORECASE), "chr("),
)


def _code(text: str, ddl: bool) -> str:
    if not ddl:
        for pattern, replacement in _REWRITES:
            text = pattern.sub(replacement, text)
    text = text.replace("%", "%%").replace("?", "%s")
    text = _NAMED.sub(r"%(\1)s", text)
    if ddl:
        text = _IDENTITY.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
        for pattern, replacement in _TYPES:
            text = pattern.sub(replacement, text)
    return text


def replace_target(sql: str) -> tuple[str, tuple[str, ...]] | None:
    """``(table, columns)`` of an ``INSERT OR REPLACE INTO table (columns)``, else None."""
    match = _OR_REPLACE.match(sql)
    if not match:
        return None
    return match.group(1).lower(), tuple(c.strip().strip('"').lower() for c in match.group(2).split(","))


@lru_cache(maxsize=2048)
def translate(sql: str, key: tuple[str, ...] = ()) -> str:
    """The PostgreSQL form of one SQLite statement (see the module docstring).

    ``key``: the primary key of the table an ``INSERT OR REPLACE`` writes, which becomes
    ``INSERT ... ON CONFLICT (key) DO UPDATE`` of the other columns.
    """
    target = replace_target(sql)
    if target is not None:
        if not key:
            raise ValueError(f"INSERT OR REPLACE into {target[0]} needs the table's primary key")
        body = re.sub(r"^\s*INSERT\s+OR\s+REPLACE\s+INTO", "INSERT INTO", sql, count=1, flags=re.IGNORECASE)
        others = [c for c in target[1] if c not in key]
        action = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in others)) if others else "DO NOTHING"
        return _with_clause(translate(body), f"ON CONFLICT ({', '.join(key)}) {action}")
    ignore = bool(_OR_IGNORE.match(sql))
    if ignore:
        sql = _OR_IGNORE.sub("INSERT INTO", sql, count=1)
    ddl = bool(_DDL.match(sql))
    out = "".join(_code(text, ddl) if is_code else text for is_code, text in _split(sql))
    if ignore:
        out = _with_clause(out, "ON CONFLICT DO NOTHING")
    return _alias_subqueries(out) if _FROM_SUBQUERY.search(out) else out


def _alias_subqueries(sql: str) -> str:
    """Name every ``FROM (SELECT ...)`` that has no alias (SQLite allows that, PostgreSQL 15 does not)."""
    out, at, n = [], 0, 0
    for match in _FROM_SUBQUERY.finditer(sql):
        if match.start() < at:
            continue
        opening = sql.index("(", match.start())
        depth, end = 0, opening
        for end in range(opening, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        following = re.match(r"\s*(\w*)", sql[end + 1:])
        word = following.group(1).lower() if following else ""
        out.append(sql[at:end + 1])
        if word in _NOT_ALIAS:
            n += 1
            out.append(f" AS _sub{n}")
        at = end + 1
    out.append(sql[at:])
    return "".join(out)


def _with_clause(sql: str, clause: str) -> str:
    """``clause`` added at the end of an INSERT, before any ``RETURNING``."""
    body = sql.rstrip().rstrip(";")
    match = _RETURNING.search(body)
    if match:
        return f"{body[:match.start()]}{clause} {body[match.start():]}"
    return f"{body} {clause}"


def returning_id(sql: str) -> str:
    """``sql`` (already translated) asking for the new row's ``id`` (the SQLite ``lastrowid``)."""
    return sql if _RETURNING.search(sql) else f"{sql.rstrip().rstrip(';')} RETURNING id"


def insert_table(sql: str) -> str | None:
    """The table an ``INSERT`` writes to (lower case), else None."""
    match = _INSERT_TABLE.match(sql)
    return match.group(1).lower() if match else None


def sqlite_only(sql: str) -> bool:
    """Whether the statement reads SQLite's own catalogue (``sqlite_master``, ``sqlite_sequence``)."""
    return bool(_SQLITE_ONLY.search(sql))
