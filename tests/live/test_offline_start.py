"""A desk STARTS while the PostgreSQL server is unreachable: from the copy of the server's gallery and
check-ins in its data folder it recognises real lfw-dev photos, applies the desk rules, queues, says
"offline since" from the start, and delivers when the server is back; people removed meanwhile are
purged before anything queued is delivered."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.attendance import DeskRules, Observation
from faceapp.capture.sources import Backoff
from faceapp.errors import ServerUnreachableError
from faceapp.records import EventKind, Identification
from faceapp.services import Core
from faceapp.store.backends.postgres import PostgresDatabase
from faceapp.store.local_copy import COPY_NAME
from faceapp.vision.pipeline import FacePipeline
from tests.live.conftest import lfw_photo, recognize_checkins, still_video
from tests.store.pgserver import PgServer, own_server

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ("Tom_Ridge", "Jeremy_Greenstock")
RULES = DeskRules(consensus_frames=1, consensus_window=1, unknown_frames=0, cooldown_seconds=60)


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    """A server of this module's own: it is stopped and started again."""
    with own_server() as started:
        yield started


@pytest.fixture()
def running(server: PgServer) -> Iterator[PgServer]:
    """The server, running again after the test whatever happened."""
    yield server
    if not server.is_running():
        server.resume()


def _enrol(core: Core, lfw_dir: Path) -> dict[str, int]:
    ids = {}
    for name in PEOPLE:
        ids[name] = core.gallery.add_person(name.replace("_", " "), employee_no=f"E-{name[:3]}").id
        for number in (1, 2):
            core.enroller().enrol_photo(ids[name], lfw_photo(lfw_dir, name, number))
    return ids


def _look(core: Core, pipeline: FacePipeline, lfw_dir: Path, name: str) -> tuple[Identification, np.ndarray]:
    image = pipeline.load(lfw_photo(lfw_dir, name, 5))
    faces = pipeline.process(image)
    return core.gallery.identify(faces.embeddings, model=pipeline.info.embedder)[0], image


def _observe(checkins: object, ident: Identification, image: np.ndarray, when: datetime, track: int) -> list:
    return checkins.observe_one(Observation(track, ident, when, checkins.camera, snapshot=image[:40, :40].copy()))


def _wait(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_desk_starts_offline_from_its_copy_keeps_the_desk_rules_and_delivers_on_return(
        running: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = running.create_database("start_offline")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    home = tmp_path / "desk"
    core = Core.open(home, pipeline=pipeline, offline_ok=True)
    ids = _enrol(core, lfw_dir)
    tom, tom_image = _look(core, pipeline, lfw_dir, "Tom_Ridge")
    checkins = core.check_ins("door", rules=RULES)
    t0 = datetime.now(timezone.utc) - timedelta(minutes=5)
    online = _observe(checkins, tom, tom_image, t0, 1)
    assert [(e.kind, e.id is not None) for e in online] == [(EventKind.CHECK_IN, True)]
    checkins.tend()  # the courier refreshes the copy of the server's check-ins after this desk recorded one
    _wait(lambda: not checkins.courier.refresh_due and checkins.courier.wait_idle(0))
    thresholds = core.gallery.thresholds
    checkins.courier.close()
    core.close()
    copy = next(home.rglob(COPY_NAME))
    assert oct(copy.stat().st_mode & 0o777) == "0o600"

    running.halt()  # power cut during an outage: the desk starts again while the server is away
    core = Core.open(home, pipeline=pipeline, offline_ok=True)
    assert core.gallery.started_offline is not None and core.gallery.searchable_people() == 2
    with pytest.raises(ServerUnreachableError, match="need the server"):
        core.gallery.add_person("Nobody")  # admin changes stay refused, saying why
    checkins = core.check_ins("door", rules=RULES)
    status = checkins.offline_status()
    assert status.offline_since is not None and status.offline_since <= datetime.now(timezone.utc)
    tom, tom_image = _look(core, pipeline, lfw_dir, "Tom_Ridge")
    jeremy, jeremy_image = _look(core, pipeline, lfw_dir, "Jeremy_Greenstock")
    assert (tom.name, tom.person_id, jeremy.name) == ("Tom Ridge", ids["Tom_Ridge"], "Jeremy Greenstock")
    assert core.gallery.thresholds == thresholds  # from the copy's model and counts of people and templates
    within = _observe(checkins, tom, tom_image, t0 + timedelta(seconds=20), 2)  # cooldown from the copy
    later = _observe(checkins, tom, tom_image, t0 + timedelta(minutes=3), 3)  # alternation from the copy
    first = _observe(checkins, jeremy, jeremy_image, t0 + timedelta(minutes=3), 4)
    assert within == []
    assert [e.kind for e in later] == [EventKind.CHECK_OUT] and [e.kind for e in first] == [EventKind.CHECK_IN]
    assert checkins.offline_status().queued == 2 and all(e.id is None for e in later + first)

    checkins.courier.backoff = Backoff(initial=0.2, factor=1.0, maximum=0.2)
    running.resume()
    _wait(lambda: checkins.offline_status().queued == 0 and checkins.offline_status().offline_since is None)
    with PostgresDatabase(url) as db:
        rows = db.rows("SELECT person_id, kind, uid FROM events ORDER BY time")
    assert [(p, k) for p, k, _ in rows] == [(ids["Tom_Ridge"], "check_in"), (ids["Tom_Ridge"], "check_out"),
                                            (ids["Jeremy_Greenstock"], "check_in")]
    assert [u for _, _, u in rows[1:]] == [e.uid for e in later + first]
    assert core.gallery.add_person("Somebody").id  # connected again: admin changes work
    checkins.courier.close()
    core.close()


def test_a_person_removed_elsewhere_during_the_outage_is_purged_before_the_queue_is_delivered(
        running: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = running.create_database("removed_meanwhile")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    a = Core.open(tmp_path / "a", pipeline=pipeline)
    ids = _enrol(a, lfw_dir)
    Core.open(tmp_path / "b", pipeline=pipeline, offline_ok=True).close()  # desk B was online once: it has its copy
    running.halt()
    b = Core.open(tmp_path / "b", pipeline=pipeline, offline_ok=True)
    checkins = b.check_ins("door-b", rules=RULES)
    checkins.courier.backoff = Backoff(initial=600.0, factor=1.0, maximum=600.0)  # B probes when told
    tom, tom_image = _look(b, pipeline, lfw_dir, "Tom_Ridge")
    database, tried = b.gallery.database, b.gallery.database._retry_at
    queued = _observe(checkins, tom, tom_image, datetime.now(timezone.utc), 1)
    assert tom.name == "Tom Ridge" and [e.kind for e in queued] == [EventKind.CHECK_IN]  # B cannot know
    snapshot = next((tmp_path / "b").rglob(queued[0].snapshot))
    _wait(lambda: database._retry_at != tried)  # B's courier probed once, in vain, and waits
    running.resume()
    a.gallery.delete_person(ids["Tom_Ridge"])  # removed at desk A while B is still cut off
    order: list[tuple[str, int, bool]] = []

    def state(step: str) -> None:
        order.append((step, b.gallery.searchable_people(), "Tom Ridge" in b.gallery._known_names.values()))

    follow, deliver = checkins.courier.before_delivery, checkins.courier.outbox.deliver
    assert follow is not None
    monkeypatch.setattr(checkins.courier, "before_delivery", lambda: (follow(), state("followed")))
    monkeypatch.setattr(checkins.courier.outbox, "deliver", lambda *a, **k: (state("delivering"), deliver(*a, **k))[1])
    checkins.courier.tend()  # B's courier probes now: the server answers
    _wait(lambda: checkins.offline_status().queued == 0)
    assert order[:2] == [("followed", 1, False), ("delivering", 1, False)]  # purged before the queue went out
    with PostgresDatabase(url) as db:
        stored = db.rows("SELECT person_id, snapshot, note FROM events WHERE uid = ?", (queued[0].uid,))
    assert stored[0][:2] == (None, None) and "person removed" in stored[0][2]
    assert not snapshot.exists()
    copy = next((tmp_path / "b").rglob(COPY_NAME))
    assert all(b"Tom Ridge" not in p.read_bytes() for p in copy.parent.glob(COPY_NAME + "*"))
    assert b.gallery.searchable_people() == 1
    assert _look(b, pipeline, lfw_dir, "Tom_Ridge")[0].person_id != ids["Tom_Ridge"]
    checkins.courier.close()
    b.close()
    a.close()


def test_removing_a_person_online_erases_their_name_and_vectors_from_the_desk_copy(
        running: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACEAPP_DATABASE_URL", running.create_database("erase_copy"))
    Core.open_gallery(tmp_path / "admin").close()  # an admin command or report keeps no copy on its machine
    assert not list((tmp_path / "admin").rglob(COPY_NAME))
    core = Core.open(tmp_path / "desk", pipeline=pipeline, offline_ok=True)
    ids = _enrol(core, lfw_dir)
    copy = next((tmp_path / "desk").rglob(COPY_NAME))
    vector = core.gallery.index.vectors(np.array(sorted(core.gallery.index.ids)[:1], np.int64))[0]

    def on_disk(needle: bytes) -> bool:
        return any(needle in p.read_bytes() for p in copy.parent.glob(COPY_NAME + "*"))

    assert on_disk(b"Tom Ridge") and on_disk(b"E-Tom") and on_disk(vector.tobytes())
    core.close()
    admin = Core.open_gallery(tmp_path / "desk")  # e.g. `faceapp gallery remove` on the desk's machine
    admin.delete_person(ids["Tom_Ridge"])
    admin.close()
    assert not on_disk(b"Tom Ridge") and not on_disk(b"E-Tom") and not on_disk(vector.tobytes())
    assert on_disk(b"Jeremy Greenstock")


def test_recognize_starts_while_the_server_is_stopped_and_a_desk_never_online_says_so(
        running: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path) -> None:
    url = running.create_database("cli_start")
    env = {**os.environ, "FACEAPP_DATABASE_URL": url}
    os.environ["FACEAPP_DATABASE_URL"] = url
    try:
        core = Core.open(tmp_path / "desk", pipeline=pipeline, offline_ok=True)
        ids = _enrol(core, lfw_dir)
        core.close()
    finally:
        del os.environ["FACEAPP_DATABASE_URL"]
    running.halt()
    photo = str(lfw_photo(lfw_dir, "Jeremy_Greenstock", 5))

    def recognize(home: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "faceapp", "recognize", photo, "--checkin", "--json",
                               "--basedir", str(home)], cwd=ROOT, env=env, text=True, capture_output=True,
                              timeout=120)

    done = recognize(tmp_path / "desk")
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"Jeremy Greenstock"' in done.stdout and "check_in" in done.stdout
    said = [line for line in done.stderr.splitlines() if line.startswith("faceapp:")]
    assert sum("database server is unreachable (since" in line for line in said) == 1, said
    assert "starts from its copy of the server's gallery" in done.stderr
    waiting = int(next(line for line in said if "events stay queued" in line).split()[1])
    never = recognize(tmp_path / "new-desk")
    assert never.returncode != 0 and "never been online" in never.stderr and "Traceback" not in never.stderr
    running.resume()
    os.environ["FACEAPP_DATABASE_URL"] = url
    try:
        core = Core.open(tmp_path / "desk", pipeline=pipeline)
        checkins = core.check_ins(rules=dataclasses.replace(RULES))  # the queue goes out at the next start
        _wait(lambda: checkins.offline_status().queued == 0)
        events = core.gallery.events.list()
        checkins.courier.close()
        core.close()
    finally:
        del os.environ["FACEAPP_DATABASE_URL"]
    assert len(events) == waiting and [(e.person_id, e.kind) for e in events if e.person_id is not None] == [
        (ids["Jeremy_Greenstock"], EventKind.CHECK_IN)]


def test_a_recognize_run_started_offline_delivers_when_the_server_comes_back(
        running: PgServer, pipeline: FacePipeline, lfw_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    url = running.create_database("cli_back")
    monkeypatch.setenv("FACEAPP_DATABASE_URL", url)
    core = Core.open(tmp_path / "desk", pipeline=pipeline, offline_ok=True)
    ids = _enrol(core, lfw_dir)
    core.close()
    video = still_video(tmp_path / "door.avi", [(lfw_photo(lfw_dir, PEOPLE[0], 5), 40),
                                                (lfw_photo(lfw_dir, PEOPLE[1], 5), 60)])
    running.halt()
    with recognize_checkins(video, tmp_path / "desk") as (run, err):
        assert run.stdout is not None
        for line in run.stdout:
            if "Tom Ridge" in line and "check_in" in line:  # recognised and queued from the desk's copy
                run.send_signal(signal.SIGSTOP)
                running.resume()  # the server comes back while the run goes on
                run.send_signal(signal.SIGCONT)
        assert run.wait(120) == 0
    said = [line for line in err if line.startswith("faceapp:")]
    assert sum("database server is unreachable (since" in line for line in said) == 1, said
    assert any("queued events delivered" in line for line in said) and not any("stay queued" in s for s in said)
    with PostgresDatabase(url) as db:
        rows = db.rows("SELECT person_id, kind FROM events WHERE kind = 'check_in' ORDER BY time")
    assert rows == [(ids["Tom_Ridge"], "check_in"), (ids["Jeremy_Greenstock"], "check_in")]
