"""A desk that starts while its PostgreSQL server is unreachable, from its local copy; prints JSON.

Starts a throw-away PostgreSQL server (tests/store/pgserver.py), enrols ``--people`` synthetic people
with two 512-d templates each through one desk's gallery, and measures:

* ``open_online_s``: opening the gallery with the server up (templates read from the server, the
  index built, the local copy brought up to date) — the baseline, measured in the same run;
* ``open_offline_s``: opening it with the server stopped, from ``server_copy.db`` (after the connect
  attempt, which is ``unreachable_wait_s``: the pool's 3 s when the connection is refused);
* ``copy_mb``: the size of the copy;
* ``enrol_ms`` / ``enrol_without_copy_ms``: one template added online, with the copy written through,
  and the same without a copy (median of ``--repeat``);
* ``remove_ms`` / ``remove_without_copy_ms``: one person deleted (server ``VACUUM FULL`` included),
  with and without erasing them from the copy (rows deleted, file vacuumed, WAL truncated).

    python benchmarks/bench_offline_start.py [--people 1000] [--repeat 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from pg_bench_server import start_server

from faceapp.config import Paths
from faceapp.store.backends.postgres import OFFLINE_CONNECT_TIMEOUT_S, PostgresDatabase
from faceapp.store.gallery import Gallery
from faceapp.store.local_copy import COPY_NAME

MODEL, DIM = "bench-512", 512


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _timed(call: object) -> float:
    began = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    server = start_server()
    rng = np.random.default_rng(3)
    paths = Paths.resolve(Path(tempfile.mkdtemp(prefix="faceapp-bench-start-")) / "desk").ensure()
    chip = rng.integers(0, 256, (112, 112, 3), dtype=np.uint8)
    figures: dict[str, object] = {"people": args.people, "templates": 2 * args.people}
    try:
        url = server.create_database("bench")
        gallery = Gallery(PostgresDatabase(url), paths, MODEL, DIM, keep_copy=True)
        with gallery.bulk():
            for i in range(args.people):
                person = gallery.add_person(f"Person {i:05d}").id
                centre = _unit(rng.normal(size=(1, DIM)))
                for vector in _unit(centre + 0.5 * _unit(rng.normal(size=(2, DIM)))):
                    gallery.add_template(person, chip, vector, source="import")
        gallery.close()

        figures["open_online_s"] = round(_timed(
            lambda: Gallery(PostgresDatabase(url), paths, MODEL, DIM, keep_copy=True).close()), 3)
        figures["copy_mb"] = round(sum(p.stat().st_size for p in paths.data.glob(COPY_NAME + "*")) / 2**20, 2)
        gallery = Gallery(PostgresDatabase(url), paths, MODEL, DIM, keep_copy=True)
        extra = gallery.add_person("Extra").id
        probe = _unit(rng.normal(size=(2 * args.repeat, DIM)))
        local = gallery.local
        enrol, plain = [], []
        for n in range(args.repeat):  # interleaved: with the copy written through, and without
            enrol.append(_timed(lambda n=n: gallery.add_template(extra, chip, probe[2 * n], source="import")))
            gallery.local = None
            plain.append(_timed(lambda n=n: gallery.add_template(extra, chip, probe[2 * n + 1], source="import")))
            gallery.local = local
        figures["enrol_ms"] = round(statistics.median(enrol) * 1000, 1)
        figures["enrol_without_copy_ms"] = round(statistics.median(plain) * 1000, 1)
        ids = [p.id for p in gallery.people.list()][: 2 * args.repeat]
        remove, remove_plain = [], []
        for n in range(args.repeat):
            remove.append(_timed(lambda n=n: gallery.delete_person(ids[2 * n])))
            gallery.local = None
            remove_plain.append(_timed(lambda n=n: gallery.delete_person(ids[2 * n + 1])))
            gallery.local = local
        figures["remove_ms"] = round(statistics.median(remove) * 1000, 1)
        figures["remove_without_copy_ms"] = round(statistics.median(remove_plain) * 1000, 1)
        gallery._keep_copy()  # what was changed without the copy reaches it too
        searchable = gallery.searchable_people()
        gallery.close()

        server.halt()
        began = time.perf_counter()
        database = PostgresDatabase(url, connect_timeout=OFFLINE_CONNECT_TIMEOUT_S, offline_ok=True)
        figures["unreachable_wait_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        offline = Gallery(database, paths, MODEL, DIM, keep_copy=True)
        figures["open_offline_s"] = round(time.perf_counter() - began, 3)
        assert offline.started_offline is not None and offline.searchable_people() == searchable
        offline.close()
        server.resume()
    finally:
        server.stop()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
