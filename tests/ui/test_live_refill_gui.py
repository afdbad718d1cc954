"""The Live page of a desk started while the PostgreSQL server is stopped: its "Latest check-ins" list
starts empty, and when the server answers again and the queue is delivered it is refilled from the
store: the day's earlier check-ins appear, and a check-in shown while offline is listed once, as stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from faceapp.records import Event, EventKind
from faceapp.vision.pipeline import FacePipeline
from tests.store.pgserver import PgServer
from tests.ui.conftest import offline_desk_window, tom_ridge_enrolled_online

pytestmark = pytest.mark.realdata


def test_the_live_list_is_refilled_from_the_store_when_the_server_is_back(
        qtbot, server: PgServer, basedir: Path, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database("live_refill"))
    folder = tmp_path / "show"
    online = tom_ridge_enrolled_online(basedir, pipeline, lfw_dir, folder)
    assert online.core is not None
    early = online.core.gallery.add_person("Ann Early")
    earlier = online.core.gallery.events.add(Event(
        id=None, time=datetime.now(timezone.utc) - timedelta(hours=1), tz="UTC", kind=EventKind.CHECK_IN,
        person_id=early.id, name="Ann Early", employee_no=None, department=None, score=0.9, margin=0.3,
        camera=online.camera_name))
    online.close()

    server.halt()
    try:
        desk, window = offline_desk_window(qtbot, basedir, pipeline)
        live = window.live
        assert live.checkins.rowCount() == 0  # the store's events cannot be read yet
        label = live.offline_label
        qtbot.waitUntil(lambda: not label.isHidden(), timeout=5000)
        events: list[Event] = []
        live.session.events_ready.connect(events.extend)
        live.open_source(str(folder))
        qtbot.waitUntil(lambda: any(e.kind is EventKind.CHECK_IN for e in events), timeout=30000)
        qtbot.waitUntil(lambda: "— 1 event queued" in label.text(), timeout=5000)
        shown = live.checkins.events()
        assert [(e.name, e.id) for e in shown] == [("Tom Ridge", None)]  # queued: no database id yet
        assert events[0].uid == shown[0].uid
    finally:
        server.resume()
    try:
        qtbot.waitUntil(label.isHidden, timeout=30000)  # connected, delivered
        qtbot.waitUntil(lambda: live.checkins.rowCount() == 2, timeout=5000)
    finally:
        live.shutdown()
    listed = live.checkins.events()  # newest first, each once, as the store has them
    assert [e.name for e in listed] == ["Tom Ridge", "Ann Early"]
    assert listed[1].uid == earlier.uid and listed[1].id == earlier.id
    assert listed[0].uid == events[0].uid and listed[0].id is not None
    assert live.checkins.data(live.checkins.index(1)) is not None
    desk.close()


def _event(minutes: int, name: str | None, uid: str | None, event_id: int | None = None,
           kind: EventKind = EventKind.CHECK_IN) -> Event:
    return Event(id=event_id, time=datetime(2026, 3, 2, 8, tzinfo=timezone.utc) + timedelta(minutes=minutes),
                 tz="UTC", kind=kind, person_id=None, name=name, employee_no=None, department=None, score=None,
                 margin=None, camera="desk", uid=uid)


def test_a_refill_lists_each_event_once_newest_first_within_the_limit(qtbot) -> None:
    from faceapp.ui.widgets.checkins import LiveCheckIns

    model = LiveCheckIns(limit=3)
    shown = [_event(30, "Queued", "q1"), _event(31, None, None, kind=EventKind.UNKNOWN)]
    model.add(shown)
    stored = [_event(0, "Too old", "a0", 1), _event(10, "Earlier", "a1", 2), _event(30, "Queued", "q1", 3)]
    model.refill(stored)
    listed = model.events()
    assert [(e.name, e.id) for e in listed] == [(None, None), ("Queued", 3), ("Earlier", 2)]
    assert model.rowCount() == 3 and model.data(model.index(1)) is not None
