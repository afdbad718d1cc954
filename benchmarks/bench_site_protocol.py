"""A site's import and recognition through the command line, on lfw-dev and celeba-dev: prints JSON.

The issue's site protocol on the data here, run as a site would run it (``faceapp gallery import``
then ``faceapp recognize --json``, default settings, a fresh data folder), not on cached
embeddings:

* HR folder: every lfw-dev person with 3 or more photos, their first 2 photos (their other photos
  are the **probes**); every lfw-dev person with exactly 2 photos and every other celeba-dev person
  (first 2 photos) as enrolled **distractors** (never probed);
* **strangers** (never enrolled): the lfw-dev people with a single photo, and, counted apart, all
  photos of the remaining celeba-dev people (in-the-wild photos, more look-alike-prone).

A probe counts as identified when a face of the photo is accepted as its person; a stranger's
photo as falsely accepted when any face of it is accepted as anyone. Besides the verdicts at the
defaults (the threshold derived for this gallery's size), the best scores give DIR and FPIR at
the threshold the same calibration derives for 810 people with 2 templates each (the size of the
issue's held-out site). ``--side 150`` first shrinks the lfw-dev photos to 150 x 150 pixels (the
held-out photos' size); celeba-dev photos are kept as they are::

    python benchmarks/bench_site_protocol.py [--side 150] [--plain] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2

from faceapp.config import Paths, Settings
from faceapp.store.decision import OperatingPoint
from faceapp.vision.models import ModelRegistry

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT_PEOPLE = 810
STRANGERS = ("strangers", "celeba-strangers")


def build_site(data: Path, out: Path, side: int) -> dict[str, str]:
    """The HR, probe and stranger folders under ``out``; the person of each probe file."""
    lfw, celeba = data / "lfw-dev" / "images", data / "celeba-dev" / "images"
    truth: dict[str, str] = {}

    def put(source: Path, target: Path, shrink: bool) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not shrink:
            target.symlink_to(source)
            return
        image = cv2.imread(str(source))
        if image is None:
            raise SystemExit(f"cannot read {source}")
        cv2.imwrite(str(target), cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA))

    for person in sorted(p for p in lfw.iterdir() if p.is_dir()):
        photos = sorted(person.glob("*.jpg"))
        if len(photos) == 1:
            put(photos[0], out / "strangers" / photos[0].name, bool(side))
            continue
        for photo in photos[:2]:
            put(photo, out / "hr" / person.name / photo.name, bool(side))
        for photo in photos[2:]:
            put(photo, out / "probes" / photo.name, bool(side))
            truth[photo.name] = person.name.replace("_", " ")
    for i, person in enumerate(sorted(p for p in celeba.iterdir() if p.is_dir())):
        if i % 2:
            for photo in sorted(person.glob("*.jpg")):
                put(photo, out / "celeba-strangers" / photo.name, False)
        else:
            for photo in sorted(person.glob("*.jpg"))[:2]:
                put(photo, out / "hr" / f"celeba {person.name}" / photo.name, False)
    return truth


def faceapp(home: Path, *args: str) -> tuple[str, float]:
    """Run the command line in the data folder ``home``; its stdout and wall time."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "faceapp", *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "FACEAPP_HOME": str(home)})
    return done.stdout, time.perf_counter() - start


def score(lines: str, truth: dict[str, str], thresholds: dict[str, float | None]) -> dict:
    """DIR and FPIR per photo, from the verdicts (``None``) or from the best scores at a threshold."""
    faces: dict[str, list[dict]] = defaultdict(list)
    for line in lines.splitlines():
        row = json.loads(line)
        faces[row["path"]].append(row)
    probes = [p for p in faces if Path(p).parent.name == "probes"]
    strangers = {group: [p for p in faces if Path(p).parent.name == group] for group in STRANGERS}

    def accepted(row: dict, t: float | None, name: str | None) -> bool:
        if t is None:
            return row["verdict"] == "accept" and (name is None or row["name"] == name)
        return row.get("score") is not None and row["score"] >= t and (name is None or row["candidate"] == name)

    out: dict = {"probe_photos": len(probes), **{f"{g}_photos": len(ps) for g, ps in strangers.items()}}
    for label, t in thresholds.items():
        hits = sum(any(accepted(r, t, truth[Path(p).name]) for r in faces[p]) for p in probes)
        out[label] = {"threshold": t, "dir": round(hits / max(len(probes), 1), 4)}
        for group, photos in strangers.items():
            false = sum(any(accepted(r, t, None) for r in faces[p]) for p in photos)
            out[label][f"fpir_{group}"] = round(false / max(len(photos), 1), 4)
            out[label][f"false_accepts_{group}"] = false
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--side", type=int, default=0, help="shrink lfw-dev photos to this square size (0: keep)")
    parser.add_argument("--plain", action="store_true", help="without flip test-time augmentation (the default has it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="faceapp-site-") as tmp:
        site, home = Path(tmp) / "site", Path(tmp) / "home"
        truth = build_site(args.data, site, args.side)
        if args.plain:
            Settings(flip_embedding=False).save(Paths.resolve(home).settings_file)
        imported, import_s = faceapp(home, "gallery", "import", str(site / "hr"), "--json")
        summary = json.loads(imported)
        photos = sum(1 for _ in (site / "hr").rglob("*.jpg"))
        people = sum(1 for p in (site / "hr").iterdir() if p.is_dir())
        listed = [json.loads(line) for line in faceapp(home, "gallery", "list", "--json")[0].splitlines()]
        enrolled_people = sum(1 for person in listed if person["templates"] > 0)
        recognised, recognise_s = faceapp(home, "recognize", str(site / "probes"),
                                          *(str(site / group) for group in STRANGERS), "--json")
    settings = Settings()
    calibration = ModelRegistry().spec(settings.embedder).calibration_for(not args.plain)
    assert calibration is not None, "the bundled embedder carries its calibration"
    point = OperatingPoint(settings.false_accept_target, calibration)
    at_810 = point.thresholds(HELD_OUT_PEOPLE, 2 * HELD_OUT_PEOPLE).accept
    result = {
        "side": args.side or "original", "flip": not args.plain,
        "hr_photos": photos, "hr_people": people,
        "photos_enrolled": summary["enrolled"], "people_enrolled": enrolled_people,
        "import_refused": len(summary["failed"]), "face_chosen_in_multi_face_photos": len(summary["face_chosen"]),
        "default_target": settings.false_accept_target,
        "threshold_at_defaults": point.thresholds(enrolled_people, summary["enrolled"]).accept,
        "recognition": score(recognised, truth, {"defaults": None, f"threshold_for_{HELD_OUT_PEOPLE}_people": at_810}),
        "seconds": {"import": round(import_s, 1), "recognize": round(recognise_s, 1)},
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
