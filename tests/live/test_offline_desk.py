"""Two desks on one PostgreSQL server recognise real lfw-dev photos while the server is stopped, queue, and
deliver every event exactly once when it is back (one desk from a new process)."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from faceapp.errors import ServerUnreachableError
from faceapp.live import Phase, Stage, StageOutcome, TrackContext
from faceapp.live.service import LiveService
from faceapp.records import Event, EventKind
from faceapp.services import Core
from faceapp.store.backends.postgres import WAIT_TIMEOUT_S, PostgresDatabase
from faceapp.vision.pipeline import FacePipeline
from tests.live.conftest import MemoPipeline, lfw_photo, recognize_checkins, still_video
from tests.store.pgserver import PgServer

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ("Tom_Ridge", "Jeremy_Greenstock")


def _play(service: LiveService, image: np.ndarray, start: float, seconds: float, fps: float = 10.0
          ) -> tuple[list[Event], list[str | None], float]:
    """Frames of one photo: the events, the names shown on the last frame, the slowest frame's seconds."""
    events: list[Event] = []
    slowest = 0.0
    names: list[str | None] = []
    for i in range(int(seconds * fps)):
        began = time.monotonic()
        result = service.process(image, start + i / fps, int((start + i / fps) * 100))
        slowest = max(slowest, time.monotonic() - began)
        events += result.events
        names = [f.name for f in result.frame.faces]
    return events, names, slowest


class ReadsTheServer(Stage):
    """A decision stage that reads the shared store on every look (as a door decision does)."""

    name, phase = "reads-the-server", Phase.DECISION

    def __init__(self, core: Core) -> None:
        self.core, self.calls = core, 0

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        self.calls += 1
        self.core.gallery.people.count_templates()
        return None


def _deliver_in_a_new_process(home: Path, url: str) -> str:
    script = textwrap.dedent("""
        import os, sys
        os.environ["FACEAPP_DATABASE_URL"] = sys.argv[2]
        from faceapp.attendance import Desk
        from faceapp.live.checkins import CheckIns
        from faceapp.services import Core
        gallery = Core.open_gallery(sys.argv[1])
        checkins = CheckIns(gallery, Desk(), "door-a", "UTC")  # finds the queue and delivers it
        checkins.courier.wait_idle(30)
        print(checkins.courier.delivered, checkins.courier.queued, checkins.courier.deliver_now().stored)
        gallery.close()
    """)
    done = subprocess.run([sys.executable, "-c", script, str(home), url], cwd=ROOT, text=True, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_two_desks_keep_recognising_offline_and_deliver_exactly_once(
        server: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    url = server.create_database("desks")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    memo = MemoPipeline(pipeline)
    a = Core.open(tmp_path / "a", pipeline=pipeline)
    ids = {}
    for name in PEOPLE:
        ids[name] = a.gallery.add_person(name.replace("_", " ")).id
        for number in (1, 2):
            a.enroller().enrol_photo(ids[name], lfw_photo(lfw_dir, name, number))
    b = Core.open(tmp_path / "b", pipeline=pipeline)
    desk_a, desk_b = a.live_service("door-a", pipeline=memo), b.live_service("door-b", pipeline=memo)
    reader = ReadsTheServer(a)
    desk_a.add_stage(reader)
    tom, jeremy = (pipeline.load(lfw_photo(lfw_dir, name, 5)) for name in PEOPLE)
    t0 = time.time()
    online, _, _ = _play(desk_a, tom, t0, 2.0)
    assert [(e.kind, e.person_id) for e in online] == [(EventKind.CHECK_IN, ids["Tom_Ridge"])] and online[0].id

    server.halt()
    caplog.set_level("WARNING", logger="faceapp.live.service")
    calls = reader.calls
    try:
        queued_a, names_a, noticed_a = _play(desk_a, jeremy, t0 + 10, 2.0)
        queued_b, names_b, noticed_b = _play(desk_b, jeremy, t0 + 15, 2.0)  # the same person at the other door
        desk_a.reset()  # a new track: Jeremy still at door A, within the cooldown
        again, _, slowest = _play(desk_a, jeremy, t0 + 20, 2.0)
        began = time.monotonic()
        with pytest.raises(ServerUnreachableError, match="need the server"):
            a.gallery.add_person("Nobody")  # admin changes need the server, and say so at once
        refused_s = time.monotonic() - began
        status_a, status_b = desk_a.offline(), desk_b.offline()
        desk_a.checkins.courier.close()  # desk A is switched off with its queue
        a.close()
    finally:
        server.resume()
    assert "Jeremy Greenstock" in names_a and "Jeremy Greenstock" in names_b  # the local copy, names included
    # behaviour, not speed: noticing waits about one connection timeout (not the 10 s and more of a dead
    # connection), later frames and admin refusals do not wait for the server again
    assert max(noticed_a, noticed_b) < WAIT_TIMEOUT_S + 5 and slowest < WAIT_TIMEOUT_S and refused_s < WAIT_TIMEOUT_S
    for queued in (queued_a, queued_b):
        check_ins = [e for e in queued if e.kind is EventKind.CHECK_IN]
        assert [e.person_id for e in check_ins] == [ids["Jeremy_Greenstock"]] and check_ins[0].id is None
    assert not [e for e in again if e.kind is EventKind.CHECK_IN]  # not queued twice at one desk
    skipped = [r for r in caplog.records if "skipped while the database server is unreachable" in r.getMessage()]
    assert reader.calls - calls >= 20 and len(skipped) == 1  # a stage that needs the server: said once
    assert status_a.offline_since is not None and status_a.queued == len(queued_a)
    assert status_b.offline_since is not None and status_b.queued == len(queued_b)

    deadline = time.monotonic() + 30
    while desk_b.offline().queued or desk_b.offline_since is not None:  # desk B delivers by itself
        assert time.monotonic() < deadline, desk_b.offline()
        time.sleep(0.1)
    assert desk_b.offline().delivered == len(queued_b)
    assert _deliver_in_a_new_process(tmp_path / "a", url).split() == [str(len(queued_a)), "0", "0"]
    assert desk_b.checkins.courier.deliver_now().stored == 0  # delivering again adds nothing
    for home in ("a", "b"):  # delivered: no name is left in the outbox files
        outbox = next((tmp_path / home).rglob("outbox.db"))
        assert all(b"Jeremy" not in p.read_bytes() for p in outbox.parent.glob("outbox.db*"))

    with PostgresDatabase(url) as db:
        counts = dict(db.rows("SELECT uid, COUNT(*) FROM events GROUP BY uid"))
        assert counts == {e.uid: 1 for e in online + queued_a + queued_b}
        jeremy_rows = db.rows("SELECT kind, desk, note FROM events WHERE person_id = ? ORDER BY time",
                              (ids["Jeremy_Greenstock"],))
    # desk A saw him first but delivered last: its check-in is kept as a refused event, with the reason
    assert [r[0] for r in jeremy_rows] == ["rejected", "check_in"]
    assert "another desk recorded this person within the cooldown" in jeremy_rows[0][2]
    b.close()


def test_recognize_says_once_that_the_server_is_gone_and_how_many_events_it_delivered(
        server: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.create_database("cli")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    home = tmp_path / "desk"
    core = Core.open(home, pipeline=pipeline)
    ids = {}
    for name in PEOPLE:
        ids[name] = core.gallery.add_person(name.replace("_", " ")).id
        for number in (1, 2):
            core.enroller().enrol_photo(ids[name], lfw_photo(lfw_dir, name, number))
    core.close()
    video = still_video(tmp_path / "door.avi", [(lfw_photo(lfw_dir, PEOPLE[0], 5), 40),
                                                (lfw_photo(lfw_dir, PEOPLE[1], 5), 40)])
    try:
        with recognize_checkins(video, home) as (run, err):
            assert run.stdout is not None
            for line in run.stdout:
                if "Tom Ridge" in line and "check_in" in line:
                    run.send_signal(signal.SIGSTOP)  # hold the desk while the server goes away
                    server.halt()
                    run.send_signal(signal.SIGCONT)
                elif "Jeremy Greenstock" in line and "check_in" in line:
                    server.resume()  # queued meanwhile; delivered before the run ends
            assert run.wait(120) == 0
    finally:
        if not server.is_running():
            server.resume()
    said = [line for line in err if line.startswith("faceapp:")]
    assert sum("database server is unreachable" in line for line in said) == 1, said
    assert not [line for line in said if "WARNING" in line], said  # no retry noise from the connection pool
    delivered = [line for line in said if "queued events delivered" in line]
    assert len(delivered) == 1 and "stay queued" not in "".join(said), said
    with PostgresDatabase(url) as db:
        rows = db.rows("SELECT person_id, kind FROM events WHERE kind = 'check_in' ORDER BY time")
        total, distinct = db.rows("SELECT COUNT(*), COUNT(DISTINCT uid) FROM events")[0]
    assert rows == [(ids["Tom_Ridge"], "check_in"), (ids["Jeremy_Greenstock"], "check_in")]
    assert total == distinct and int(delivered[0].split(": ")[-1].split()[0]) >= 1


def test_spoof_suspicions_and_liveness_evidence_are_queued_with_the_events(
        server: PgServer, pipeline: FacePipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Log mode, server stopped: the printed photo's check-in and its "spoof suspected" event are both
    queued with their liveness evidence, and both arrive with it."""
    from faceapp.capture.sources import VideoCaptureSource
    from faceapp.config import Settings
    from faceapp.live.liveness_stage import build_liveness_stage
    from faceapp.live.runner import run_source
    from faceapp.store.liveness import evidence_for
    from tests.conftest import DATA, need
    from tests.live.test_liveness_e2e import frames, make_video

    nuaa = need(DATA / "nuaa-dev")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", server.create_database("liveness"))
    core = Core.open(tmp_path / "desk", pipeline=pipeline,
                     settings=dataclasses.replace(Settings(provider="cpu"), liveness_mode="log"))
    person = core.gallery.add_person("Subject 0001").id
    live = frames(nuaa, "live", "01")
    for path in (live[0], live[len(live) // 2]):
        core.enroller().enrol_photo(person, path)
    video = make_video(frames(nuaa, "spoof", "01")[:10], tmp_path / "spoof.avi")
    stage = build_liveness_stage(core)
    service = core.live_service(stages=[stage])
    events: list[Event] = []
    server.halt()
    try:
        report = run_source(service, VideoCaptureSource(str(video)), lambda r, f: events.extend(r.events))
        offline = service.offline()
    finally:
        server.resume()
    assert report.ok and offline.offline_since is not None
    queued = [*events, *stage.stored]
    assert sorted(e.kind.value for e in queued) == ["check_in", "rejected"] and all(e.id is None for e in queued)
    assert offline.queued == 2
    deadline = time.monotonic() + 30
    while service.offline().queued or service.offline_since is not None:
        assert time.monotonic() < deadline, service.offline()
        time.sleep(0.1)
    stored = {e.uid: e for e in core.gallery.events.list()}
    assert set(stored) == {e.uid for e in queued}
    evidence = evidence_for(core.gallery.events, [e.id for e in stored.values() if e.id is not None])
    by_kind = {stored[uid].kind: evidence.get(stored[uid].id) for uid in stored}  # type: ignore[arg-type]
    assert by_kind[EventKind.REJECTED] is not None and by_kind[EventKind.REJECTED].verdict == "spoof"
    assert by_kind[EventKind.CHECK_IN] is not None and by_kind[EventKind.CHECK_IN].mode == "log"
    service.close()
    core.close()
