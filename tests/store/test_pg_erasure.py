"""Deletion on the PostgreSQL server: after a removal and a checkpoint, the person's bytes leave the table files.

The server's write-ahead log (``pg_wal/``) keeps them until its segments are recycled; that log and the
server's backups are the site's to manage (README). The test measures, and reports, what remains there.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import psycopg
import pytest

from faceapp.config import Paths
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams

from .pgserver import own_server
from .test_erasure import _enrol_ann

log = logging.getLogger(__name__)


def _files_containing(folder: Path, needles: list[bytes]) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and any(n in p.read_bytes() for n in needles)]


def test_a_removal_erases_the_vectors_and_chips_from_the_server_table_files(
        tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    with own_server() as server:
        url = server.create_database("erasure")
        monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
        gallery = Gallery.open(Paths.resolve(tmp_path / "desk").ensure(), "synthetic-128", 128,
                               params=IndexParams(exact_below=10_000, threads=1))
        try:
            person, needles = _enrol_ann(gallery, rng)
            vectors, chips = [*needles[:2], b"Annabel Quixotic"], needles[2:]
            with psycopg.connect(server.url(), autocommit=True) as conn:
                conn.execute("CHECKPOINT")
            tables = server.data / "base"
            assert _files_containing(tables, vectors), "the vectors were not written where the test looks"
            chips = [c for c in chips if _files_containing(tables, [c])]  # a piece may straddle two TOAST chunks
            assert chips, "no piece of the chips was found in the table files before the removal"

            assert gallery.delete_person(person, actor="admin") is True
            with psycopg.connect(server.url(), autocommit=True) as conn:
                conn.execute("CHECKPOINT")
            assert _files_containing(tables, vectors + chips) == []
            in_wal = len(_files_containing(server.data / "pg_wal", vectors + chips))
            log.info("after removal + CHECKPOINT: %d WAL segment(s) still hold the bytes", in_wal)
        finally:
            gallery.close()


def test_a_desk_role_without_checkpoint_rights_still_erases(
        tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A site's desk account is no superuser: the removal still rewrites its tables and reports success."""
    with own_server() as server:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute("CREATE ROLE desk LOGIN")
            conn.execute('CREATE DATABASE "erasure" OWNER desk')
        monkeypatch.setenv("FACEAPP_DATABASE_URL", f"postgresql://desk@127.0.0.1:{server.port}/erasure")
        gallery = Gallery.open(Paths.resolve(tmp_path / "desk").ensure(), "synthetic-128", 128,
                               params=IndexParams(exact_below=10_000, threads=1))
        try:
            person, needles = _enrol_ann(gallery, rng)
            assert gallery.delete_person(person, actor="admin") is True
            with psycopg.connect(server.url(), autocommit=True) as conn:
                conn.execute("CHECKPOINT")
            assert _files_containing(server.data / "base", [*needles[:2], b"Annabel Quixotic"]) == []
        finally:
            gallery.close()
