"""Every desk names itself on what it writes; the store filters by site and desk (SQLite and PostgreSQL).

Events reach the store by four ways (the live desk, an access door, an approved missing punch, a punch
import); each row must carry a uid and the site and desk of the process that wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from faceapp.access.decide import Request
from faceapp.access.journal import Journal
from faceapp.access.store import AccessStore
from faceapp.attendance.hrstore import AttendanceStore
from faceapp.attendance.punch_import import import_punches
from faceapp.attendance.reports import ReportQuery, build_report
from faceapp.attendance.timecard import compute_days
from faceapp.config import Paths
from faceapp.records import Event, EventKind, Verdict
from faceapp.store import origin
from faceapp.store.events import distinct_origins, insert_row
from faceapp.store.gallery import Gallery

BOTH = pytest.mark.parametrize("store_backend", ["sqlite", "postgresql"], indirect=True)
ZONE = "Europe/Berlin"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday


@pytest.fixture(autouse=True)
def desk_identity(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No identity from the environment; the process's configured one restored afterwards."""
    monkeypatch.delenv("FACEAPP_SITE", raising=False)
    monkeypatch.delenv("FACEAPP_DESK", raising=False)
    monkeypatch.setattr(origin, "_configured", origin.Origin("", ""))
    yield


@pytest.fixture()
def gallery(paths: Paths) -> Iterator[Gallery]:
    made = Gallery.open(paths, "synthetic-8", 8)
    yield made
    made.close()


def _check_in(gallery: Gallery, person_id: int, when: datetime, kind: EventKind = EventKind.CHECK_IN) -> Event:
    return gallery.events.add(Event(None, when, ZONE, kind, person_id, None, None, None, 0.8, 0.3, "cam"))


@BOTH
def test_two_desks_writing_one_store_are_told_apart_by_list_and_reports(gallery: Gallery) -> None:
    ada, bob = gallery.add_person("Ada", employee_no="E1").id, gallery.add_person("Bob", employee_no="E2").id
    origin.configure("Berlin", "Front door")
    front = [_check_in(gallery, ada, T0), _check_in(gallery, ada, T0 + timedelta(hours=8), EventKind.CHECK_OUT)]
    origin.configure("Berlin", "Side door")
    side = [_check_in(gallery, bob, T0 + timedelta(minutes=5))]
    origin.configure("Paris", "Front door")
    paris = [_check_in(gallery, bob, T0 + timedelta(days=1))]
    ids = lambda events: [e.id for e in events]  # noqa: E731
    assert ids(gallery.events.list(desk="Front door")) == ids(front + paris)
    assert ids(gallery.events.list(site="Berlin")) == ids([front[0], *side, front[1]])  # oldest first
    assert ids(gallery.events.list(site="Berlin", desk="Front door")) == ids(front)
    assert gallery.events.list(site="Berlin", desk="Nowhere") == []
    assert len(gallery.events.list()) == 4
    assert distinct_origins(gallery.database) == (["Berlin", "Paris"], ["Front door", "Side door"])
    origin.configure("", "Kiosk")  # a desk without a site
    kiosk = _check_in(gallery, bob, T0 + timedelta(days=2))
    assert distinct_origins(gallery.database) == (["Berlin", "Paris"], ["Front door", "Kiosk", "Side door"])
    assert ids(gallery.events.list(site="")) == ids([kiosk])
    assert distinct_origins(gallery.database, most=2) == (["Berlin"], ["Front door", "Kiosk"])  # ("", "Kiosk") first
    # the report filter keeps exactly that desk's events, also when handed every event
    report = build_report(gallery.events.list(), ZONE, ReportQuery(site="Berlin", desk="Front door"))
    assert ids(report.events) == ids(front) and [r.name for r in report.days] == ["Ada"]
    assert build_report(gallery.events.list(), ZONE, ReportQuery(desk="Side door")).events == tuple(side)


@BOTH
def test_door_punch_request_and_import_rows_are_stamped(gallery: Gallery, paths: Paths) -> None:
    ada = gallery.add_person("Ada", employee_no="E1").id
    origin.configure("Berlin", "Turnstile 2")
    access = AccessStore(gallery.database, ZoneInfo(ZONE))
    access.add_door("front", direction="in", area="office", records_attendance=True)
    access.add_level("staff", ["front"], "mon-fri 00:00-23:59")
    access.grant(ada, "staff")
    request = Request(access.door("front"), T0, Verdict.ACCEPT, access.subject(ada), 0.7, 0.3)
    _, door_event = Journal(access, paths.data).record(request, camera="cam-1")
    hr = AttendanceStore(gallery.database)
    asked = hr.request_punch(ada, T0 + timedelta(hours=9), "check_out", "forgot", ZONE, actor="ada")
    approved = hr.decide_punch(asked.id, approve=True, actor="boss")
    added = import_punches(gallery.database, "person,time,kind\nE1,2026-03-03T09:00:00,in\n", ZONE, actor="boss")
    assert added.added == 1
    rows = gallery.database.query("SELECT id, uid, site, desk, camera FROM events ORDER BY id")
    assert [r["id"] for r in rows][:2] == [door_event.attendance_event_id, approved.event_id]
    assert [(r["site"], r["desk"]) for r in rows] == [("Berlin", "Turnstile 2")] * 3
    uids = [r["uid"] for r in rows]
    assert all(u and len(u) == 36 for u in uids) and len(set(uids)) == 3
    assert [r["camera"] for r in rows] == ["cam-1", "manual", "import"]


@BOTH
def test_time_cards_count_only_the_chosen_desks_punches(gallery: Gallery, tmp_path: Path) -> None:
    ada = gallery.add_person("Ada", employee_no="E1")
    origin.configure("Berlin", "Front door")
    _check_in(gallery, ada.id, T0)
    origin.configure("Berlin", "Back door")
    _check_in(gallery, ada.id, T0 + timedelta(hours=8), EventKind.CHECK_OUT)
    store = AttendanceStore(gallery.database)
    day = T0.date()
    both = compute_days(store, [ada], day, day, ZONE)[0].result
    front = compute_days(store, [ada], day, day, ZONE, desk="Front door")[0].result
    elsewhere = compute_days(store, [ada], day, day, ZONE, site="Paris")[0].result
    assert both.worked_minutes == 480
    assert front.worked_minutes == 0 and front.first_in is not None and front.last_out is None
    assert elsewhere.first_in is None
    # the time card says whose punches it counted
    from pypdf import PdfReader

    from faceapp.attendance.hr_reports import ReportSpec, write

    days = compute_days(store, [ada], day, day, ZONE, desk="Front door")
    for language, words in (("en", "Desk: Front door"), ("zh_CN", "考勤台: Front door")):
        card = write(days, ReportSpec("timecard", day, day, ZONE, language, desk="Front door"),
                     tmp_path / f"card-{language}.pdf")
        assert words in PdfReader(card).pages[0].extract_text()
    from openpyxl import load_workbook

    sheet = load_workbook(write(days, ReportSpec("timecard", day, day, ZONE, site="Berlin"), tmp_path / "c.xlsx"))["E1"]
    assert sheet["D1"].value == "Site: Berlin"
    plain = write(days, ReportSpec("timecard", day, day, ZONE), tmp_path / "card.pdf")
    assert "Desk" not in PdfReader(plain).pages[0].extract_text()
    # the raw punches say where each was recorded
    every = compute_days(store, [ada], day, day, ZONE)
    punched = [(p["kind"], p["desk"]) for p in every[0].to_json()["punches"]]
    assert punched == [("in", "Front door"), ("out", "Back door")]
    import csv

    listed = write(every, ReportSpec("punches", day, day, ZONE), tmp_path / "punches.csv")
    with listed.open(encoding="utf-8-sig", newline="") as handle:
        assert [(r["kind"], r["site"], r["desk"]) for r in csv.DictReader(handle)] == [
            ("in", "Berlin", "Front door"), ("out", "Berlin", "Back door")]


def test_insert_row_refuses_unknown_columns_and_keeps_given_stamps(gallery: Gallery) -> None:
    origin.configure("Berlin", "Front door")
    with gallery.database.transaction() as db, pytest.raises(ValueError, match="not columns"):
        insert_row(db, {"time": T0.isoformat(), "tz": ZONE, "kind": "unknown", "evil); DROP TABLE events; --": 1})
    with gallery.database.transaction() as db:
        insert_row(db, {"time": T0.isoformat(), "tz": ZONE, "kind": "unknown", "camera": "cam", "uid": "u-1",
                        "desk": "Kiosk"})
    (stored,) = gallery.events.list()
    assert (stored.uid, stored.site, stored.desk, stored.kind) == ("u-1", "Berlin", "Kiosk", EventKind.UNKNOWN)


def test_the_cli_names_its_desk_from_the_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from faceapp.cli import main
    from faceapp.config import Settings

    home = tmp_path / "home"
    paths = Paths.resolve(home).ensure()
    Settings(site_name="Berlin office", desk_name="Kiosk 3").save(paths.settings_file)
    punches = tmp_path / "punches.csv"
    punches.write_text("person,time,kind\nE1,2026-03-02T09:00:00,in\n", encoding="utf-8")
    gallery = Gallery.open(paths, "synthetic-8", 8)
    try:
        gallery.add_person("Ada", employee_no="E1")
        assert main(["events", "import", str(punches), "--zone", ZONE, "--basedir", str(home)]) == 0
        (event,) = gallery.events.list()
        assert (event.site, event.desk) == ("Berlin office", "Kiosk 3")
        audit = gallery.audit.entries(entity="event")[0]
        assert (audit.action, audit.site, audit.desk) == ("events.import", "Berlin office", "Kiosk 3")
    finally:
        gallery.close()
    assert "1 punches added" in capsys.readouterr().out


def test_site_and_desk_names_in_the_settings_are_one_short_line() -> None:
    from faceapp.config import Settings
    from faceapp.errors import ConfigError

    assert Settings(site_name="Berlin office", desk_name="x" * 64).desk_name == "x" * 64
    for bad in ({"site_name": "x" * 65}, {"desk_name": "Front\ndoor"}, {"site_name": 7}):
        with pytest.raises(ConfigError, match="one line of at most 64"):
            Settings.from_dict(bad)
