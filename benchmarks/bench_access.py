"""Access-control costs on the recognition thread, printed as JSON.

* ``decide_us``: one pure decision (levels, schedule, holidays) per call;
* ``record_ms``: one decision recorded in the journal (``BEGIN IMMEDIATE``, anti-passback, event row);
* ``submit_ms`` vs ``fire_ms``: queueing a pulse for a slow relay (the worker) against driving the same
  relay inline (the baseline, measured in the same run): what recognition would wait without the worker.

Run: ``python benchmarks/bench_access.py [--slow-ms 300]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from faceapp.access.decide import Request, decide
from faceapp.access.journal import Journal
from faceapp.access.outputs import Pulse, parse_output
from faceapp.access.outputs.worker import OutputWorker
from faceapp.access.store import AccessStore
from faceapp.config import Paths
from faceapp.records import Verdict
from faceapp.store.db import Database
from faceapp.store.people import People


def _slow_server(delay: float) -> ThreadingHTTPServer:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow-ms", type=float, default=300.0, help="the relay's answer time")
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Database.open(Paths.resolve(Path(tmp)).ensure()) as db:
        store = AccessStore(db, "Europe/Berlin")
        journal = Journal(store, Path(tmp))
        door = store.add_door("front", direction="in", area="office")
        store.set_area("office", "hard")
        store.add_level("staff", ["front"], "mon-fri 07:00-19:00; sat 09:00-12:00")
        people = [People(db).add(f"P{i}").id for i in range(200)]
        for person in people:
            store.grant(person, "staff")
        site = store.site()
        subjects = [store.subject(p) for p in people]
        at = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
        started = time.perf_counter()
        for i in range(args.n):
            decide(Request(door, at, Verdict.ACCEPT, subjects[i % len(subjects)]), site, None)
        decide_us = (time.perf_counter() - started) / args.n * 1e6
        started = time.perf_counter()
        for i in range(len(subjects)):
            journal.record(Request(door, at + timedelta(seconds=i), Verdict.ACCEPT, subjects[i]))
        record_ms = (time.perf_counter() - started) / len(subjects) * 1e3
    server = _slow_server(args.slow_ms / 1000)
    url = f"http://127.0.0.1:{server.server_address[1]}/open"
    pulse = Pulse("front")
    started = time.perf_counter()
    parse_output(url).fire(pulse)
    fire_ms = (time.perf_counter() - started) * 1e3
    worker = OutputWorker().start()
    door = door.__class__(door.id, door.name, output=url)
    started = time.perf_counter()
    worker.submit(door, pulse)
    submit_ms = (time.perf_counter() - started) * 1e3
    worker.stop()
    server.shutdown()
    print(json.dumps({"decide_us": round(decide_us, 1), "record_ms": round(record_ms, 2),
                      "fire_ms_baseline": round(fire_ms, 1), "submit_ms": round(submit_ms, 3),
                      "slow_relay_ms": args.slow_ms, "people": len(people)}))


if __name__ == "__main__":
    main()
