"""Access fixtures: a private database with a gallery on a tiny synthetic model, doors and levels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from faceapp.access.journal import Journal
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams

ZONE = ZoneInfo("Europe/Berlin")
DIM = 16


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def gallery(paths: Paths) -> Iterator[Gallery]:
    g = Gallery.open(paths, "synthetic-16", DIM, params=IndexParams(exact_below=10_000, threads=1))
    yield g
    g.close()


@pytest.fixture()
def store(gallery: Gallery) -> AccessStore:
    return AccessStore(gallery.database, ZONE)


@pytest.fixture()
def journal(store: AccessStore, paths: Paths) -> Journal:
    return Journal(store, paths.data)
