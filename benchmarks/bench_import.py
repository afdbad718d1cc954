"""Bulk enrolment speed: ``faceapp gallery import`` against the one-by-one path, in the same run.

Builds ``DIR/<person>/*.jpg`` from the first ``--photos`` lfw-dev photos (symbolic links in a
temporary folder), then, alternating, imports it into fresh data folders:

* ``serial``: the enrolment path before the bulk importer (``Enroller.enrol_photo`` per photo, the
  index saved after each photo, one transaction per template);
* ``bulk``: the same loop as ``faceapp gallery import`` (decode and models ahead in batches, one
  transaction per batch) with the models already loaded, like ``serial``;
* ``cli``: ``faceapp gallery import DIR --json`` in-process, opening the database and models included.

Prints photos/s of each round and their medians, and checks both stored the same templates::

    python benchmarks/bench_import.py --photos 300 --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.cli import main as cli  # noqa: E402
from faceapp.config import Paths, Settings  # noqa: E402
from faceapp.errors import FaceAppError  # noqa: E402
from faceapp.store.bulk import Prefetch  # noqa: E402
from faceapp.store.enrol import Enroller  # noqa: E402
from faceapp.store.gallery import Gallery  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402


def build_tree(lfw: Path, out: Path, photos: int) -> int:
    """Symlink the first ``photos`` lfw-dev photos into ``out/<person>/``; returns how many."""
    count = 0
    for folder in sorted((lfw / "images").iterdir()):
        for photo in sorted(folder.glob("*.jpg")):
            if count == photos:
                return count
            (out / folder.name).mkdir(parents=True, exist_ok=True)
            (out / folder.name / photo.name).symlink_to(photo)
            count += 1
    return count


def serial(tree: Path, base: Path, pipeline: FacePipeline) -> tuple[float, int]:
    """The one-by-one path; returns (seconds, templates)."""
    paths = Paths.resolve(base).ensure()
    gallery = Gallery.open(paths, pipeline.info.embedder, pipeline.info.embedding_size)
    enroller = Enroller(gallery, pipeline)
    start = time.perf_counter()
    for folder in sorted(tree.iterdir()):
        person = gallery.add_person(folder.name.replace("_", " "))
        for photo in sorted(folder.iterdir()):
            with contextlib.suppress(FaceAppError):
                enroller.enrol_photo(person.id, photo, source="import", matches="flag")  # as the CLI
    seconds = time.perf_counter() - start
    count = gallery.people.count_templates()
    gallery.close()
    return seconds, count


def bulk(tree: Path, base: Path, pipeline: FacePipeline, batch: int, workers: int) -> tuple[float, int]:
    """The bulk path as ``faceapp gallery import`` runs it, models already loaded; returns (seconds, templates)."""
    paths = Paths.resolve(base).ensure()
    gallery = Gallery.open(paths, pipeline.info.embedder, pipeline.info.embedding_size)
    jobs = [(folder, photo) for folder in sorted(tree.iterdir()) for photo in sorted(folder.iterdir())]
    start = time.perf_counter()
    prefetch = Prefetch.for_gallery(pipeline, gallery, [p for _, p in jobs], batch=batch, workers=workers)
    enroller = prefetch.enroller(Enroller(gallery, pipeline))
    person = None
    with prefetch, gallery.bulk():
        for folder, photo in prefetch.ready(jobs, gallery.database):
            if person is None or person[0] != folder:
                person = (folder, gallery.add_person(folder.name.replace("_", " ")).id)
            with contextlib.suppress(FaceAppError):
                enroller.enrol_photo(person[1], photo, source="import", matches="flag")  # as the CLI
    seconds = time.perf_counter() - start
    count = gallery.people.count_templates()
    gallery.close()
    return seconds, count


def cli_import(tree: Path, base: Path) -> tuple[float, int]:
    """``faceapp gallery import`` in-process, start-up (opening the models) included."""
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        cli(["gallery", "import", str(tree), "--json", "--basedir", str(base)])
    seconds = time.perf_counter() - start
    return seconds, int(json.loads(out.getvalue().strip().splitlines()[-1])["enrolled"])


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="pipeline threads of the bulk path")
    data = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--lfw", type=Path, default=data / "lfw-dev")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    names = ["serial", *(f"bulk_{w}_workers" for w in args.workers), "cli"]
    rates: dict[str, list[float]] = {name: [] for name in names}
    stored: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "people"
        n = build_tree(args.lfw, tree, args.photos)
        for r in range(args.rounds):
            for name in (names if r % 2 == 0 else names[::-1]):
                base = Path(tmp) / f"{name}{r}"
                if name == "serial":
                    seconds, stored[name] = serial(tree, base, pipeline)
                elif name == "cli":
                    seconds, stored[name] = cli_import(tree, base)
                else:
                    seconds, stored[name] = bulk(tree, base, pipeline, args.batch, int(name.split("_")[1]))
                rates[name].append(round(n / seconds, 1))
    out = {"photos": n, "rounds": args.rounds, "photos_per_s": rates, "templates": stored,
           "median_photos_per_s": {k: float(np.median(v)) for k, v in rates.items()},
           "speedup_vs_serial": {k: round(float(np.median(v) / np.median(rates["serial"])), 2)
                                 for k, v in rates.items()}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
