"""What the site/desk filters cost on a large SQLite store, printed as JSON.

* ``choices_ms``: :func:`faceapp.store.events.distinct_origins` (the Attendance page refills its Site
  and Desk choices at every refresh) walking the ``(site, desk, time)`` index, against
  ``select_distinct_ms``: two ``SELECT DISTINCT`` over every event (the baseline, same run);
* ``list_one_desk_ms`` vs ``list_all_ms``: one day of events of one desk (``Events.list(desk=...)``)
  against the same day for every desk.

Events are spread over ``--sites`` sites x ``--desks`` desks and 100 days. Medians of 5 runs.
Run: ``python benchmarks/bench_site_filters.py [--events 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from faceapp.config import Paths
from faceapp.store.db import Database
from faceapp.store.events import Events, distinct_origins

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _median_ms(work: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--desks", type=int, default=4, help="desks per site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        paths = Paths.resolve(Path(folder) / "home").ensure()
        database = Database.open(paths)
        step = timedelta(days=100) / args.events
        rows = (((T0 + i * step).isoformat(timespec="milliseconds"), "UTC", "check_in", "cam", str(uuid.uuid4()),
                 f"Site {i % args.sites}", f"Desk {i % (args.sites * args.desks)}") for i in range(args.events))
        with database.transaction() as db:
            db.conn.executemany("INSERT INTO events (time, tz, kind, camera, uid, site, desk) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

        def select_distinct() -> None:
            database.rows("SELECT DISTINCT site FROM events WHERE site <> '' ORDER BY site")
            database.rows("SELECT DISTINCT desk FROM events WHERE desk <> '' ORDER BY desk")

        events = Events(database, paths)
        day = (T0 + timedelta(days=50), T0 + timedelta(days=51))
        result = {
            "events": args.events, "sites": args.sites, "desks": args.sites * args.desks,
            "choices_ms": _median_ms(lambda: distinct_origins(database)),
            "select_distinct_ms": _median_ms(select_distinct),
            "list_one_desk_ms": _median_ms(lambda: events.list(*day, desk="Desk 1")),
            "list_all_ms": _median_ms(lambda: events.list(*day)),
            "one_desk_events": len(events.list(*day, desk="Desk 1")),
            "all_events": len(events.list(*day)),
        }
        database.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
