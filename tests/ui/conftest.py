"""GUI test setup: offscreen Qt, Qt warnings fail tests, services on a temporary base dir."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path
from typing import Any

import pytest

from faceapp.capture.sources import Backoff
from faceapp.config import Paths
from faceapp.store import Gallery
from faceapp.ui.services import LiveOptions, Services
from faceapp.vision.pipeline import FacePipeline

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is a ``gui`` test (Qt warnings fail tests: see pyproject's qt_log_level_fail)."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.gui)


FAST_LIVE = LiveOptions(
    seconds_per_image=0.3, slideshow_fps=20.0, embed_every=5, reconnect=Backoff(0.01, 2.0, 0.05)
)


@pytest.fixture()
def gallery(tmp_path: Path) -> Iterator[Gallery]:
    """An empty gallery of a synthetic 8-dimensional model in a private data folder (tests may override it)."""
    made = Gallery.open(Paths.resolve(tmp_path / "home").ensure(), "synthetic-8", 8)
    yield made
    made.close()


@pytest.fixture()
def services(basedir: Path, pipeline: FacePipeline) -> Iterator[Services]:
    """Services on a private base dir with the session's pipeline, a gallery and quick live timings.

    The gallery is closed after the test (pytest-qt has closed the windows, so the threads are stopped).
    """
    made = Services.create(basedir, pipeline=pipeline)
    made.live = FAST_LIVE
    yield made
    made.close()


@pytest.fixture()
def bare_services(basedir: Path, pipeline: FacePipeline) -> Services:
    """Services without a gallery or desk (faces are shown unidentified)."""
    made = Services.create(basedir, pipeline=pipeline, connect=False)
    made.live = FAST_LIVE
    return made


@pytest.fixture(autouse=True)
def _application(qapp: object) -> object:
    """Every GUI test runs with the QApplication up (pixmaps and fonts need it, whatever the order)."""
    return qapp


def tom_ridge_enrolled_online(basedir: Path, pipeline: FacePipeline, lfw_dir: Path, show: Path) -> Services:
    """Tom Ridge enrolled from two lfw-dev photos at a desk on the configured server (the caller closes it);
    two other photos of him linked into ``show``, a folder to play as the live source."""
    online = Services.create(basedir, pipeline=pipeline)
    assert online.core is not None
    person = online.core.gallery.add_person("Tom Ridge")
    for number in (1, 2):
        online.enroller().enrol_photo(person.id, lfw_dir / "images" / "Tom_Ridge" / f"Tom_Ridge_{number:04d}.jpg")
    show.mkdir()
    for number in (3, 4):
        name = f"Tom_Ridge_{number:04d}.jpg"
        (show / name).symlink_to(lfw_dir / "images" / "Tom_Ridge" / name)
    return online


def offline_desk_window(qtbot: Any, basedir: Path, pipeline: FacePipeline) -> tuple[Services, Any]:
    """The desktop app of a desk started while its server is stopped, from its copy of the server's gallery
    (the caller closes the services)."""
    from faceapp.ui.main_window import MainWindow

    desk = Services.create(basedir, pipeline=pipeline)
    desk.live = FAST_LIVE
    assert desk.core is not None and desk.core.gallery.started_offline is not None
    window = MainWindow(desk)
    qtbot.addWidget(window)
    return desk, window
