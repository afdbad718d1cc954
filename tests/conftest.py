"""Shared fixtures: the real test photographs and one pipeline per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from faceapp.config import Settings
from faceapp.vision.pipeline import FacePipeline

if TYPE_CHECKING:
    from tests.store.pgserver import PgServer

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))


REQUIRE_DATA = os.environ.get("FACEAPP_REQUIRE_DATA") == "1"


def unavailable(message: str) -> NoReturn:
    """Skip a test whose data or tool is missing; fail instead where everything is required (CI)."""
    if REQUIRE_DATA:
        pytest.fail(message)
    pytest.skip(message)


def need(path: Path) -> Path:
    """``path`` if present; else :func:`unavailable`."""
    if not path.exists():
        unavailable(f"real test data not found at {path} (set FACEAPP_TESTDATA)")
    return path


@pytest.fixture(scope="session")
def lfw_dir() -> Path:
    """``lfw-dev``: unaligned LFW photos plus ``pairs.txt``."""
    return need(DATA / "lfw-dev")


@pytest.fixture(scope="session")
def celeba_dir() -> Path:
    """``celeba-dev``: in-the-wild CelebA photos, 100 identities, some with several faces."""
    return need(DATA / "celeba-dev")


@pytest.fixture(scope="session")
def wider_dir() -> Path:
    """``wider-dev``: 40 WIDER FACE validation images with ground truth."""
    return need(DATA / "wider-dev")


@pytest.fixture(scope="session")
def pipeline() -> FacePipeline:
    """The default pipeline on the bundled models (CPU in tests)."""
    return FacePipeline.from_settings(Settings(provider="cpu"))


@pytest.fixture()
def basedir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder; ``FACEAPP_HOME`` points there so nothing touches real data."""
    monkeypatch.setenv("FACEAPP_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def server() -> Iterator[PgServer]:
    """A PostgreSQL server of this test's own, for tests that stop it (a module may override it with its own)."""
    from tests.store.pgserver import own_server

    with own_server() as started:
        yield started
