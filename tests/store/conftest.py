"""Store fixtures: a private data folder, synthetic identities, a gallery on a tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Paths
from faceapp.store.db import Database
from faceapp.store.gallery import Gallery
from faceapp.store.index import IndexParams

DIM = 128
MODEL = "synthetic-128"


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, float32."""
    rows = np.atleast_2d(np.asarray(rows, np.float64))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def photos_of(centre: np.ndarray, n: int, cosine: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors at about ``cosine`` similarity to the unit vector ``centre``."""
    noise = unit(rng.normal(size=(n, centre.size)))
    noise -= np.outer(noise @ centre, centre)  # orthogonal to the centre
    noise = unit(noise)
    return unit(cosine * centre + np.sqrt(1 - cosine**2) * noise)


def random_chip(rng: np.random.Generator) -> np.ndarray:
    """A 112x112 BGR chip of noise: its PNG bytes are unique, so they can be searched for on disk."""
    return rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    return Paths.resolve(tmp_path / "home").ensure()


@pytest.fixture()
def database(paths: Paths) -> Iterator[Database]:
    db = Database.open(paths, busy_timeout=0.2)
    yield db
    db.close()


@pytest.fixture(params=[0, 10_000], ids=["graph", "exact"])
def params(request: pytest.FixtureRequest) -> IndexParams:
    """Both search modes: an hnswlib graph at any size, and exact search."""
    return IndexParams(exact_below=request.param, threads=1)


@pytest.fixture()
def gallery(paths: Paths, params: IndexParams) -> Iterator[Gallery]:
    g = Gallery.open(paths, MODEL, DIM, params=params)
    yield g
    g.close()


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(7)
