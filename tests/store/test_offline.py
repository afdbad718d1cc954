"""A desk while the PostgreSQL server is unreachable: fast failures, the durable outbox, exactly-once delivery.

These tests stop and start a real server of their own (tests/store/pgserver.py), not the session's.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from faceapp.attendance import Decision, Desk, DeskRules
from faceapp.config import Paths
from faceapp.errors import ServerUnreachableError
from faceapp.records import Event, EventKind
from faceapp.store.backends.compat import network_options
from faceapp.store.backends.postgres import WAIT_TIMEOUT_S, PostgresDatabase
from faceapp.store.events import Events
from faceapp.store.outbox import Outbox
from faceapp.store.people import People
from tests.store.pgserver import PgServer, own_server

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 3, 2, tzinfo=timezone.utc)
_NAMES = iter(range(1, 1000))


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    """A server of this module's own: its tests stop it."""
    with own_server() as started:
        yield started


@pytest.fixture()
def url(server: PgServer) -> str:
    if not server.is_running():  # a failed test may have left it stopped
        server.resume()
    made = server.create_database(f"offline{next(_NAMES)}")
    PostgresDatabase(made).close()  # migrated
    return made


@pytest.fixture()
def db(url: str) -> Iterator[PostgresDatabase]:
    opened = PostgresDatabase(url, busy_timeout=2.0)
    yield opened
    opened.close()


def _at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def _event(kind: EventKind, person: int | None, hours: float, camera: str = "door", snapshot: str | None = None
           ) -> Event:
    return Event(None, _at(hours), "UTC", kind, person, None, None, None, 0.9, 0.3, camera, snapshot=snapshot)


def _resolver(desk: Desk) -> Any:
    """What the live desk gives the outbox: its rules, applied to the server's events at delivery."""

    def resolve(event: Event, history: list[tuple[datetime, EventKind, str]]) -> EventKind | None:
        decision = Decision(event.kind, event.time, desk.local_day(event.time), event.camera, 0, event.person_id,
                            None, event.score, event.margin, 1)
        return desk.resolve(decision, history)

    return resolve


def _uid_counts(db: PostgresDatabase) -> dict[str, int]:
    return {r[0]: int(r[1]) for r in db.rows("SELECT uid, COUNT(*) FROM events GROUP BY uid")}


def test_a_stopped_server_fails_fast_and_is_used_again_when_back(server: PgServer, db: PostgresDatabase) -> None:
    people = People(db)
    people.add("Before")
    server.halt()
    try:
        began = time.monotonic()
        with pytest.raises(ServerUnreachableError) as first:
            people.list()
        noticed_s = time.monotonic() - began
        assert noticed_s < WAIT_TIMEOUT_S + 5, noticed_s  # about one connection timeout, not a TCP timeout
        assert db.offline_since is not None and first.value.since == db.offline_since
        began = time.monotonic()
        with pytest.raises(ServerUnreachableError, match="enrolment, removal, settings and reports need the server"):
            people.add("While offline")  # an admin change: refused at once, clearly
        assert time.monotonic() - began < WAIT_TIMEOUT_S / 2  # without waiting for the server again
        with db.probing():
            assert not db.probe()
    finally:
        server.resume()
    deadline = time.monotonic() + 15
    with db.probing():
        while not db.probe():
            assert time.monotonic() < deadline, "the server answered again but the pool did not reconnect"
            time.sleep(0.2)
    assert db.offline_since is None
    people.add("After")
    assert sorted(p.name for p in people.list()) == ["After", "Before"]


def test_without_a_prober_a_request_tries_the_server_again_now_and_then(server: PgServer,
                                                                         db: PostgresDatabase) -> None:
    db.retry_s = 1.0
    server.halt()
    try:
        with pytest.raises(ServerUnreachableError):
            db.scalar("SELECT 1")
    finally:
        server.resume()
    deadline = time.monotonic() + 20
    while True:  # fails fast until the retry interval has passed, then reaches the server again
        try:
            assert db.scalar("SELECT 1") == 1
            break
        except ServerUnreachableError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert db.offline_since is None


def test_network_timeouts_are_set_unless_the_url_says_otherwise() -> None:
    options = network_options("postgresql://desk@db.example:5432/faceapp?sslmode=require")
    assert options["connect_timeout"] == 3 and options["keepalives"] == 1 and options["tcp_user_timeout"] > 0
    assert "connect_timeout" not in network_options("postgresql://desk@db.example/faceapp?connect_timeout=30")


def test_the_outbox_is_private_and_survives_the_process_that_queued(tmp_path: Path, db: PostgresDatabase) -> None:
    paths = Paths.resolve(tmp_path / "desk").ensure()
    person = People(db).add("Ann").id
    script = textwrap.dedent("""
        import os, sys
        from datetime import datetime, timezone
        from pathlib import Path
        from faceapp.records import Event, EventKind
        from faceapp.store.outbox import Outbox
        outbox = Outbox.open(Path(sys.argv[1]))
        for hour, kind in ((8, EventKind.CHECK_IN), (17, EventKind.CHECK_OUT)):
            event = Event(None, datetime(2026, 3, 2, hour, tzinfo=timezone.utc), "UTC", kind, int(sys.argv[2]),
                          None, None, None, 0.9, 0.3, "door", snapshot="snapshots/2026/03/02/x.jpg")
            print(outbox.put(event, resolve=True).uid, flush=True)
        os._exit(0)  # no close, no checkpoint: like a desk switched off
    """)
    done = subprocess.run([sys.executable, "-c", script, str(paths.data), str(person)], cwd=ROOT, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    uids = done.stdout.split()
    path = paths.data / "outbox.db"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    outbox = Outbox.open(paths.data)
    try:
        assert [q.event.uid for q in outbox.pending()] == uids
        assert outbox._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        report = outbox.deliver(Events(db, paths), _resolver(Desk(DeskRules())))
    finally:
        outbox.close()
    assert (report.stored, report.left) == (2, 0)
    assert _uid_counts(db) == dict.fromkeys(uids, 1)
    rows = db.rows("SELECT kind, snapshot, desk FROM events ORDER BY time")
    assert [r[0] for r in rows] == ["check_in", "check_out"]
    assert rows[0][1] == "snapshots/2026/03/02/x.jpg"  # the snapshot stays on the desk; its path is stored
    assert rows[0][2]  # the desk that queued it


def test_delivery_is_exactly_once_across_a_crash_between_commit_and_removal(tmp_path: Path,
                                                                             db: PostgresDatabase) -> None:
    paths = Paths.resolve(tmp_path / "desk").ensure()
    events = Events(db, paths)
    person = People(db).add("Bo").id
    outbox = Outbox.open(paths.data)
    queued = [outbox.put(_event(EventKind.CHECK_IN, person, 8), resolve=True),
              outbox.put(_event(EventKind.UNKNOWN, None, 9), resolve=False),
              outbox.put(_event(EventKind.CHECK_OUT, person, 17), resolve=True)]
    resolve = _resolver(Desk(DeskRules()))

    def crash(q: Any) -> None:
        if q.event.uid == queued[1].uid:
            raise KeyboardInterrupt  # the desk dies after the server committed, before the outbox forgot it

    with pytest.raises(KeyboardInterrupt):
        outbox.deliver(events, resolve, after_commit=crash)
    assert len(outbox) == 2 and len(_uid_counts(db)) == 2
    again = outbox.deliver(events, resolve)
    assert (again.already, again.stored, again.left) == (1, 1, 0)
    assert outbox.deliver(events, resolve).stored == 0
    assert _uid_counts(db) == {q.uid: 1 for q in queued}
    # two couriers delivering one outbox at once still store each event once
    more = [outbox.put(_event(EventKind.UNKNOWN, None, 10 + i / 60), resolve=False).uid for i in range(20)]
    twins = [PostgresDatabase(db.url) for _ in range(2)]
    try:
        workers = [threading.Thread(target=Outbox.open(paths.data).deliver, args=(Events(t, paths), resolve))
                   for t in twins]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
    finally:
        for twin in twins:
            twin.close()
    counts = _uid_counts(db)
    assert len(outbox) == 0 and all(counts[u] == 1 for u in more) and len(counts) == 23
    outbox.close()


def test_two_desks_offline_at_once_deliver_by_the_rules(tmp_path: Path, db: PostgresDatabase) -> None:
    """A duplicate within the cooldown becomes a refused event with a note; a stale direction is corrected."""
    people = People(db)
    ann, bo, gone = people.add("Ann").id, people.add("Bo").id, people.add("Cy").id
    desks = {name: Paths.resolve(tmp_path / name).ensure() for name in ("a", "b")}
    snapshot = desks["b"].data / "snapshots" / "cy.jpg"
    snapshot.parent.mkdir(parents=True)
    snapshot.write_bytes(b"jpeg")
    a, b = Outbox.open(desks["a"].data), Outbox.open(desks["b"].data)
    first = [a.put(_event(EventKind.CHECK_IN, ann, 9, "door-a"), resolve=True),
             a.put(_event(EventKind.CHECK_IN, bo, 8, "door-a"), resolve=True)]
    second = [b.put(_event(EventKind.CHECK_IN, ann, 9 + 1 / 60, "door-b"), resolve=True),  # a minute later
              b.put(_event(EventKind.CHECK_IN, bo, 12, "door-b"), resolve=True),  # B never saw Bo come in
              b.put(_event(EventKind.CHECK_IN, gone, 12, "door-b", "snapshots/cy.jpg"), resolve=True)]
    with db.transaction() as session:  # removed at a third desk before B could deliver
        people.delete_rows(session, gone, "admin")
    resolve = _resolver(Desk(DeskRules(cooldown_seconds=300)))
    assert a.deliver(Events(db, desks["a"]), resolve).stored == 2
    report = b.deliver(Events(db, desks["b"]), resolve)
    assert (report.stored, report.refused, report.corrected, report.orphaned) == (3, 1, 1, 1)
    rows = {r["uid"]: r for r in db.query("SELECT uid, kind, person_id, note, snapshot FROM events")}
    assert len(rows) == 5 and _uid_counts(db) == {q.uid: 1 for q in first + second}
    refused, corrected, orphan = (rows[q.uid] for q in second)
    assert (refused["kind"], refused["person_id"]) == ("rejected", ann)
    assert "queued offline as check_in; another desk recorded this person within the cooldown" in refused["note"]
    assert (corrected["kind"], corrected["person_id"]) == ("check_out", bo)
    assert "direction corrected" in corrected["note"]
    assert (orphan["person_id"], orphan["snapshot"]) == (None, None) and not snapshot.exists()
    attendance = db.rows("SELECT person_id, kind FROM events WHERE kind IN ('check_in', 'check_out') "
                         "AND person_id IS NOT NULL ORDER BY time")
    assert attendance == [(bo, "check_in"), (ann, "check_in"), (bo, "check_out")]  # one check-in each, no twin
    a.close()
    b.close()


def test_code_outside_the_back_end_also_gets_a_server_error_not_a_folder_permission_hint() -> None:
    from faceapp.store.backends.compat import ServerGone
    from faceapp.store.db import storage_error

    error = storage_error(ServerGone("unable to open the database server: connection refused"), Path("pg://desk"))
    assert isinstance(error, ServerUnreachableError) and "permissions" not in str(error)
    assert "connection refused" in str(error)


def test_events_queued_while_the_courier_delivers_all_arrive(tmp_path: Path, db: PostgresDatabase) -> None:
    """The live thread queues while the courier's thread delivers: none may be left behind uncounted."""
    from faceapp.live.offline import Courier

    paths = Paths.resolve(tmp_path / "desk").ensure()
    outbox = Outbox.open(paths.data)
    courier = Courier(outbox, Events(db, paths), _resolver(Desk(DeskRules())))
    uids = []
    for i in range(150):
        uids.append(outbox.put(_event(EventKind.UNKNOWN, None, i / 60), resolve=False).uid)
        courier.queued_one()
    deadline = time.monotonic() + 30
    while len(outbox) or courier.queued:
        courier.tend()  # as the live service does on every frame
        assert time.monotonic() < deadline, (len(outbox), courier.queued)
        time.sleep(0.05)
    assert courier.wait_idle(5) and courier.delivered == 150
    assert _uid_counts(db) == dict.fromkeys(uids, 1)
    courier.close()
    outbox.close()


def test_db_status_says_how_many_events_wait_on_this_desk(tmp_path: Path, db: PostgresDatabase,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from faceapp.cli import main

    home = tmp_path / "home"
    outbox = Outbox.open(Paths.resolve(home).ensure().data)
    for hours in (8, 9):
        outbox.put(_event(EventKind.UNKNOWN, None, hours), resolve=False)
    outbox.close()
    assert main(["db", "status", "--url", db.url, "--basedir", str(home), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["queued_on_this_desk"] == 2
    assert main(["db", "status", "--url", db.url, "--basedir", str(tmp_path / "other")]) == 0
    assert "queued" not in capsys.readouterr().out


class CuttingProxy:
    """A loopback TCP relay to the server that can lose the answer to the next COMMIT (the server commits).

    Like a network that fails at the worst moment: the desk cannot know whether its write arrived.
    """

    def __init__(self, port: int) -> None:
        import socket

        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql://faceapp@127.0.0.1:{self.port}/{database}"

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            held = threading.Event()
            threading.Thread(target=self._pump, args=(client, server, held, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, held, False), daemon=True).start()

    def _pump(self, source: Any, sink: Any, held: threading.Event, upstream: bool) -> None:
        try:
            while data := source.recv(65536):
                if upstream and self.armed.is_set() and b"COMMIT" in data:
                    self.armed.clear()
                    held.set()  # the server's answer will not reach the desk
                    sink.sendall(data)
                    time.sleep(0.3)  # the server commits meanwhile
                    self.cut.set()
                    break
                if not held.is_set():
                    sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.listener.close()


def test_a_check_in_whose_commit_answer_was_lost_is_stored_once(server: PgServer, url: str, tmp_path: Path) -> None:
    """The server committed but the desk never heard: it queues the event under the same uid, and the
    delivery finds it stored already."""
    from faceapp.attendance import Observation
    from faceapp.live.checkins import CheckIns
    from faceapp.records import Identification, Verdict
    from faceapp.store.gallery import Gallery

    proxy = CuttingProxy(server.port)
    paths = Paths.resolve(tmp_path / "desk").ensure()
    database = PostgresDatabase(proxy.url(url.rsplit("/", 1)[1]), busy_timeout=2.0)
    try:
        gallery = Gallery(database, paths, "m", 8)
        person = gallery.add_person("Ann").id
        rules = DeskRules(consensus_frames=1, consensus_window=1, unknown_frames=1)
        checkins = CheckIns(gallery, Desk(rules), "door", "UTC")
        assert checkins.courier is not None
        proxy.armed.set()
        look = Observation(1, Identification(person, "Ann", 0.9, 0.4, Verdict.ACCEPT), datetime.now(timezone.utc),
                           "door")
        (event,) = checkins.observe_one(look)
        assert proxy.cut.is_set() and event.id is None and event.uid  # the desk did not know: it queued
        deadline = time.monotonic() + 30
        while checkins.courier.queued or database.offline_since is not None:
            checkins.tend()
            assert time.monotonic() < deadline, checkins.offline_status()
            time.sleep(0.1)
        assert checkins.courier.last is not None and checkins.courier.last.already == 1
        with PostgresDatabase(url) as direct:
            assert direct.rows("SELECT uid, kind FROM events") == [(event.uid, "check_in")]
    finally:
        database.close()
        proxy.close()
