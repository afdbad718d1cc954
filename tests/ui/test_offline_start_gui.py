"""The GUI starts while the PostgreSQL server is stopped: from the desk's copy of the server's gallery it
recognises real lfw-dev photos and queues, says "Offline since" from the start, its People and
Attendance pages do not ask the unreachable server on the GUI thread, and all follows when it is back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from faceapp.records import Event, EventKind
from faceapp.ui.assembly import attach_admin
from faceapp.ui.offline_state import unreachable_note
from faceapp.ui.pages.doors import DoorsPage, attach_doors
from faceapp.vision.pipeline import FacePipeline
from tests.store.pgserver import PgServer
from tests.ui.conftest import offline_desk_window, tom_ridge_enrolled_online

pytestmark = pytest.mark.realdata
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshot for the docs there


class Requests:
    """Counts the requests a database object is asked (a spy around its real methods)."""

    def __init__(self, database: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for name in ("query", "rows", "scalar", "transaction"):
            real = getattr(database, name)
            monkeypatch.setattr(database, name, self._counting(real))

    def _counting(self, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(*args, **kwargs)
        return call


def test_the_gui_starts_offline_recognises_queues_and_follows_the_server_back(
        qtbot, server: PgServer, basedir: Path, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database("gui_start"))
    folder = tmp_path / "show"
    online = tom_ridge_enrolled_online(basedir, pipeline, lfw_dir, folder)
    assert online.core is not None
    (person,) = online.core.gallery.people.list()
    online.close()

    server.halt()  # the desk PC starts while the server is away
    try:
        desk, window = offline_desk_window(qtbot, basedir, pipeline)
        parts = attach_admin(window, desk, QApplication.instance())
        assert attach_doors(window, desk) is None  # door decisions need the server: the page comes with it
        window.resize(1100, 700)
        label = window.live.offline_label
        qtbot.waitUntil(lambda: not label.isHidden(), timeout=5000)  # before any source plays
        assert label.text().startswith("Offline since ")
        assert not window.people.offline_note.isHidden() and window.people.model.rowCount() == 0
        assert parts.attendance.count_label.text() == unreachable_note()
        asked = Requests(desk.core.gallery.database, monkeypatch)
        window.people.refresh()
        parts.attendance.refresh()
        assert asked.count == 0  # the pages looked at the known state: the GUI thread never waits for the server
        window.show_page(window.stack.indexOf(window.people))  # shown again: still offline, still no request
        assert asked.count == 0 and not window.people.offline_note.isHidden()
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / "people_offline.png"))
        window.show_page(window.stack.indexOf(window.live))
        events: list[Event] = []
        window.live.session.events_ready.connect(events.extend)
        window.live.open_source(str(folder))
        qtbot.waitUntil(lambda: any(e.kind is EventKind.CHECK_IN for e in events), timeout=30000)
        qtbot.waitUntil(lambda: "— 1 event queued" in label.text(), timeout=5000)
        assert events[0].id is None and (events[0].person_id, events[0].name) == (person.id, "Tom Ridge")
        assert window.grab().save(str(tmp_path / "live_offline_start.png"))
        if SHOTS:
            window.grab().save(str(Path(SHOTS) / "live_offline_start.png"))
    finally:
        server.resume()
    try:
        qtbot.waitUntil(label.isHidden, timeout=30000)  # connected, delivered: the note goes away
        qtbot.waitUntil(lambda: window.findChild(DoorsPage) is not None, timeout=10000)
    finally:
        window.live.shutdown()
    window.show_page(window.stack.indexOf(window.people))
    window.people.refresh()
    assert window.people.offline_note.isHidden() and window.people.model.rowCount() == 1
    parts.attendance.refresh()
    assert parts.attendance.model.rowCount() == 1 and parts.attendance.count_label.text() != unreachable_note()
    assert desk.core.gallery.events.list(kinds=(EventKind.CHECK_IN,))[0].uid == events[0].uid
    desk.close()
