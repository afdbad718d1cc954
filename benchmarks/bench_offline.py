"""A desk while its PostgreSQL server is unreachable: how fast it notices, queues and delivers; prints JSON.

Starts a throw-away PostgreSQL server (tests/store/pgserver.py), stops and starts it, and measures:

* ``notice_s``: the first request after the server stopped, until it fails (the pool's wait);
* ``fail_fast_ms``: later requests while it is known unreachable (the live thread never waits);
* ``queue_ms``: queueing one check-in in the desk's outbox (SQLite, WAL, synchronous=FULL);
* ``back_to_delivered_s``: from the server accepting connections again to the queue delivered by the
  courier thread (its probes back off 0.5, 1, 2, 4, 5 s), for outages of a few seconds;
* ``deliver_per_s``: queued events stored per second (one write transaction each, the rules
  applied again), against the baseline measured in the same run: check-ins stored online through
  the same cross-desk rule transaction (``Events.add_resolved``).

    python benchmarks/bench_offline.py [--events 300] [--outages 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pg_bench_server import start_server

from faceapp.attendance import Decision, Desk, DeskRules
from faceapp.config import Paths
from faceapp.errors import ServerUnreachableError
from faceapp.live.offline import Courier
from faceapp.records import Event, EventKind
from faceapp.store.backends.postgres import PostgresDatabase
from faceapp.store.events import Events
from faceapp.store.outbox import Outbox, Resolver
from faceapp.store.people import People

T0 = datetime(2026, 3, 2, 6, tzinfo=timezone.utc)


def _resolver(desk: Desk) -> Resolver:
    def resolve(event: Event, history: list) -> EventKind | None:
        decision = Decision(event.kind, event.time, desk.local_day(event.time), event.camera, 0, event.person_id,
                            None, event.score, event.margin, 1)
        return desk.resolve(decision, history)

    return resolve


def _event(person: int, i: int) -> Event:
    kind = EventKind.CHECK_IN if i % 2 == 0 else EventKind.CHECK_OUT
    return Event(None, T0 + timedelta(minutes=10 * i), "UTC", kind, person, None, None, None, 0.8, 0.2, "door")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--outages", type=int, default=3)
    args = parser.parse_args()
    server = start_server()
    home = Path(tempfile.mkdtemp(prefix="faceapp-bench-offline-"))
    figures: dict[str, object] = {"events": args.events}
    try:
        db = PostgresDatabase(server.create_database("bench"))
        paths = Paths.resolve(home / "desk").ensure()
        events = Events(db, paths)
        people = [People(db).add(f"p{i}").id for i in range(args.events // 10 + 1)]
        desk = Desk(DeskRules(cooldown_seconds=60), "UTC")
        resolve = _resolver(desk)

        # baseline: the same check-ins stored online, one rule transaction each
        started = time.perf_counter()
        for i in range(args.events):
            event = _event(people[i % len(people)], i // len(people))
            assert events.add_resolved(event, lambda history, e=event: resolve(e, history)) is not None
        figures["online_per_s"] = round(args.events / (time.perf_counter() - started), 1)
        db.scalar("DELETE FROM events")

        outbox = Outbox.open(paths.data)
        courier = Courier(outbox, events, resolve)
        notices, fast, queue, back = [], [], [], []
        for outage in range(args.outages):
            server.halt()
            began = time.perf_counter()
            try:
                db.scalar("SELECT 1")
            except ServerUnreachableError:
                notices.append(time.perf_counter() - began)
            for _ in range(20):
                began = time.perf_counter()
                try:
                    db.scalar("SELECT 1")
                except ServerUnreachableError:
                    fast.append(time.perf_counter() - began)
            for i in range(10):
                began = time.perf_counter()
                outbox.put(_event(people[i], 1000 + outage * 10 + i), resolve=True)
                queue.append(time.perf_counter() - began)
                courier.queued_one()
            time.sleep(2.0)  # an outage of a few seconds: the courier's probes back off meanwhile
            server.resume()
            began = time.perf_counter()
            while courier.queued or db.offline_since is not None:
                time.sleep(0.01)
            back.append(time.perf_counter() - began)
        figures["notice_s"] = round(statistics.median(notices), 2)
        figures["fail_fast_ms"] = round(statistics.median(fast) * 1000, 3)
        figures["queue_ms"] = round(statistics.median(queue) * 1000, 2)
        figures["back_to_delivered_s"] = [round(b, 2) for b in back]

        db.scalar("DELETE FROM events")
        for i in range(args.events):
            outbox.put(_event(people[i % len(people)], i // len(people)), resolve=True)
        started = time.perf_counter()
        report = outbox.deliver(events, resolve)
        figures["deliver_per_s"] = round(report.stored / (time.perf_counter() - started), 1)
        figures["stored"] = report.stored
        outbox.close()
        db.close()
    finally:
        server.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
