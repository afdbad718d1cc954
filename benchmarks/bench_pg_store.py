"""The PostgreSQL back end against SQLite (the baseline, measured in the same run); prints JSON.

Starts a throw-away PostgreSQL server (tests/store/pgserver.py, Debian's postgresql), then measures:
server start (initdb + pg_ctl), first open (all migrations), a check-in through the cross-desk rule
transaction (``Events.add_resolved``), the change check a desk makes before each search
(``Gallery.refresh_if_changed``), and how long after an enrolment at desk A desk B recognises the
person (two galleries, two data folders, one database).

    python benchmarks/bench_pg_store.py [--events 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from pg_bench_server import start_server

from faceapp.config import Paths
from faceapp.records import Event, EventKind
from faceapp.store.backends.postgres import PostgresDatabase
from faceapp.store.db import Database
from faceapp.store.events import Events
from faceapp.store.gallery import Gallery
from faceapp.store.people import People

DIM, MODEL = 128, "bench-128"


def _checkins(database: Database, home: Path, n: int) -> float:
    """Median milliseconds of one check-in through the cooldown transaction."""
    events = Events(database, Paths.resolve(home).ensure())
    people = [People(database).add(f"p{i}").id for i in range(20)]
    t0 = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    times = []
    for i in range(n):
        event = Event(None, t0 + timedelta(seconds=i), "UTC", EventKind.CHECK_IN, people[i % 20], None, None,
                      None, 0.8, 0.2, "door")
        started = time.perf_counter()
        assert events.add_resolved(event, lambda history: EventKind.CHECK_IN) is not None  # always written
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _refresh_ms(gallery: Gallery, n: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(n):
        gallery.refresh_if_changed()
    return (time.perf_counter() - started) / n * 1000


def _follow_ms(home_a: Path, home_b: Path, rng: np.random.Generator) -> float:
    """Milliseconds from desk A's committed enrolment to desk B's first recognition."""
    a = Gallery.open(Paths.resolve(home_a).ensure(), MODEL, DIM)
    b = Gallery.open(Paths.resolve(home_b).ensure(), MODEL, DIM)
    try:
        vector = rng.normal(size=DIM).astype(np.float32)
        vector /= np.linalg.norm(vector)
        person = a.add_person("newcomer").id
        a.add_template(person, rng.integers(0, 256, (112, 112, 3), dtype=np.uint8), vector)
        started = time.perf_counter()
        while b.identify(vector[None], model=MODEL)[0].person_id != person:
            pass
        return (time.perf_counter() - started) * 1000
    finally:
        a.close()
        b.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        server = start_server()
        try:
            url = server.create_database("bench")
            started = time.perf_counter()
            PostgresDatabase(url).close()
            migrate_s = time.perf_counter() - started
            started = time.perf_counter()
            Database(home / "sqlite" / "faceapp.db").close()
            migrate_sqlite_s = time.perf_counter() - started
            result: dict[str, object] = {"server_start_s": round(server.start_s, 2),
                                         "first_open_s": {"postgresql": round(migrate_s, 3),
                                                          "sqlite": round(migrate_sqlite_s, 3)}}
            with PostgresDatabase(url) as pg, Database(home / "sqlite" / "faceapp.db") as lite:
                result["checkin_ms_median"] = {"postgresql": round(_checkins(pg, home / "pe", args.events), 2),
                                               "sqlite": round(_checkins(lite, home / "se", args.events), 2)}
            os.environ["FACEAPP_DATABASE_URL"] = url
            gallery = Gallery.open(Paths.resolve(home / "g").ensure(), MODEL, DIM)
            refresh_pg = _refresh_ms(gallery)
            gallery.close()
            follow_pg = _follow_ms(home / "fa", home / "fb", rng)  # two data folders, one server
            del os.environ["FACEAPP_DATABASE_URL"]
            gallery = Gallery.open(Paths.resolve(home / "g2").ensure(), MODEL, DIM)
            refresh_lite = _refresh_ms(gallery)
            gallery.close()
            follow_lite = _follow_ms(home / "s", home / "s", rng)  # SQLite: two desks on one data folder
            result["change_check_ms"] = {"postgresql": round(refresh_pg, 3), "sqlite": round(refresh_lite, 3)}
            result["enrol_at_a_seen_at_b_ms"] = {"postgresql": round(follow_pg, 1), "sqlite": round(follow_lite, 1)}
        finally:
            server.stop()
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
