"""The Live page's status bar says since when the PostgreSQL server is unreachable and how many events wait."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from faceapp.records import Event, EventKind
from faceapp.ui.assembly import attach_admin
from faceapp.ui.main_window import MainWindow
from faceapp.ui.services import Services
from faceapp.vision.pipeline import FacePipeline
from tests.store.pgserver import PgServer
from tests.ui.conftest import FAST_LIVE

pytestmark = pytest.mark.realdata
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshot for the docs there


@pytest.fixture()
def desk(server: PgServer, basedir: Path, pipeline: FacePipeline, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[Services]:
    monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database("gui"))
    made = Services.create(basedir, pipeline=pipeline)
    made.live = FAST_LIVE
    yield made
    made.close()


def test_the_status_bar_shows_offline_since_and_the_queue_then_clears(qtbot, server: PgServer, desk: Services,
                                                                     lfw_dir: Path, tmp_path: Path) -> None:
    assert desk.core is not None
    person = desk.core.gallery.add_person("Tom Ridge")
    for number in (1, 2):
        desk.enroller().enrol_photo(person.id, lfw_dir / "images" / "Tom_Ridge" / f"Tom_Ridge_{number:04d}.jpg")
    folder = tmp_path / "show"
    folder.mkdir()
    for number in (3, 4):
        name = f"Tom_Ridge_{number:04d}.jpg"
        (folder / name).symlink_to(lfw_dir / "images" / "Tom_Ridge" / name)
    window = MainWindow(desk)
    qtbot.addWidget(window)
    attach_admin(window, desk, QApplication.instance())  # the attendance page follows new events too
    window.resize(1100, 700)
    label = window.live.offline_label
    events: list[Event] = []
    window.live.session.events_ready.connect(events.extend)
    server.halt()
    try:
        window.live.open_source(str(folder))
        qtbot.waitUntil(lambda: any(e.kind is EventKind.CHECK_IN for e in events) and not label.isHidden(),
                        timeout=30000)
        qtbot.waitUntil(lambda: "— 1 event queued" in label.text(), timeout=5000)
        assert label.text().startswith("Offline since ")
        assert events[0].id is None and events[0].person_id == person.id  # queued, not yet stored
        assert events[0].name == "Tom Ridge"  # enrolled here and never seen online: the name is still known
        assert window.grab().save(str(tmp_path / "live_offline.png"))
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / "live_offline.png"))
    finally:
        server.resume()
    try:
        qtbot.waitUntil(label.isHidden, timeout=30000)  # delivered: the note goes away
    finally:
        window.live.shutdown()
    assert desk.core.gallery.events.list(kinds=(EventKind.CHECK_IN,))[0].uid == events[0].uid
