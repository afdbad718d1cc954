"""Storage back ends: SQLite (embedded, the default) and PostgreSQL (shared by several desks).

The back end follows one URL: ``$FACEAPP_DATABASE_URL`` if set, else the ``database_url`` setting,
else none (SQLite in the data folder). ``sqlite:///path/to/faceapp.db`` names an SQLite file;
``postgresql://user[:password]@host[:port]/dbname`` a server (``?sslmode=...`` and the other libpq
options pass through to the driver).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from faceapp.config import Paths
from faceapp.errors import ConfigError

ENV_URL = "FACEAPP_DATABASE_URL"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def configured_url(paths: Paths) -> str:
    """The database URL in force for ``paths`` ("" for the local SQLite file)."""
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    try:
        data = json.loads(paths.settings_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("database_url") or "").strip() if isinstance(data, dict) else ""


def is_postgres(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL server."""
    return url.strip().lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///...`` URL (a bare path is accepted too)."""
    text = url.strip()
    if text.lower().startswith("sqlite://"):
        text = text[len("sqlite://"):]
    if not text or text.lower().startswith(("postgres", "http")):
        raise ConfigError(f"{url!r} is not an SQLite database address like sqlite:///path/to/faceapp.db")
    return Path(text).expanduser()


def check_url(url: str) -> str:
    """``url`` when it is empty, ``sqlite:///...`` or ``postgresql://...``; otherwise a ConfigError."""
    text = url.strip()
    if text and not (is_postgres(text) or text.lower().startswith("sqlite://")):
        raise ConfigError(f"database_url must be empty (local), sqlite:///path or postgresql://user@host/db, "
                          f"not {text!r}")
    return text


def redact(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
