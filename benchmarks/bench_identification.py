"""Open-set identification on lfw-dev through the product's own gallery: prints JSON.

Enrols two photos of every person with 3 or more (largest face, quality gate on), then identifies
their remaining photos (probes) and the photos of never-enrolled people (strangers). Reports rank-1,
the detect-and-identify rate (correct and accepted) and the false-positive identification rate
(strangers accepted) at the default thresholds, the same at the thresholds where FPIR is 0.4 % and
3.4 % (the operating points of our reference figures), and the curve of both over thresholds — for
plain and flip-augmented embeddings.

    python benchmarks/bench_identification.py [--data ../shared/data/lfw-dev] [--no-flip]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from faceapp.config import Settings
from faceapp.errors import FaceAppError
from faceapp.services import Core

ROOT = Path(__file__).resolve().parents[1]


def split(images: Path) -> tuple[dict[str, list[Path]], list[tuple[str, Path]], list[Path]]:
    enrol, probes, strangers = {}, [], []
    for folder in sorted(images.iterdir()):
        photos = sorted(folder.glob("*.jpg"))
        if len(photos) >= 3:
            enrol[folder.name] = photos[:2]
            probes += [(folder.name, p) for p in photos[2:]]
        else:
            strangers += photos
    return enrol, probes, strangers


def best_face(core: Core, path: Path) -> tuple[int | None, str | None, float]:
    """(person id, name, score) of the best-scoring face in a photo; (None, None, -1) without a face."""
    faces = core.pipeline.process(core.pipeline.load(path))
    if not len(faces):
        return None, None, -1.0
    ids = core.gallery.identify(faces.embeddings)
    top = max(ids, key=lambda i: i.score)
    return top.person_id, top.name, float(top.score)


def run(data: Path, flip: bool) -> dict:
    enrol, probes, strangers = split(data / "images")
    with tempfile.TemporaryDirectory() as tmp:
        core = Core.open(tmp, settings=replace(Settings(provider="cpu"), flip_embedding=flip))
        enroller, enrolled = core.enroller(), {}
        for folder, photos in enrol.items():
            person = core.gallery.add_person(folder.replace("_", " "))
            for photo in photos:
                try:
                    enroller.enrol_photo(person.id, photo, largest=True)
                    enrolled[folder] = person.id
                except FaceAppError:
                    pass
        for folder in set(enrol) - set(enrolled):
            core.gallery.delete_person(core.gallery.people.list(search=folder.replace("_", " "))[0].id)
        kept = [(f, p) for f, p in probes if f in enrolled]
        probe_hits = [best_face(core, p) for _, p in kept]
        stranger_scores = np.array([best_face(core, p)[2] for p in strangers])
        correct = np.array([pid == enrolled[f] for (f, _), (pid, _, _) in zip(kept, probe_hits, strict=True)])
        probe_scores = np.array([s for _, _, s in probe_hits])
        thresholds = core.gallery.thresholds
        core.close()

    def dir_at(t: float) -> float:
        return float((correct & (probe_scores >= t)).mean())

    def fpir_at(t: float) -> float:
        return float((stranger_scores >= t).mean())

    def at_fpir(target: float) -> dict:
        ordered = np.sort(stranger_scores)[::-1]
        allowed = int(np.floor(target * len(ordered)))
        t = float(np.nextafter(ordered[allowed], 1.0)) if allowed < len(ordered) else -1.0
        return {"threshold": round(t, 4), "dir": round(dir_at(t), 4), "fpir": round(fpir_at(t), 4)}

    return {
        "flip": flip, "people_enrolled": len(enrolled), "templates": sum(len(v) for v in enrol.values()),
        "probes": len(kept), "strangers": len(strangers), "rank1": round(float(correct.mean()), 4),
        "default": {"accept": thresholds.accept, "dir": round(dir_at(thresholds.accept), 4),
                    "fpir": round(fpir_at(thresholds.accept), 4)},
        "at_fpir_0.004": at_fpir(0.004), "at_fpir_0.034": at_fpir(0.034),
        "curve": [{"threshold": round(t, 2), "dir": round(dir_at(t), 4), "fpir": round(fpir_at(t), 4)}
                  for t in np.arange(0.20, 0.62, 0.04)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data")) / "lfw-dev"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--no-flip", action="store_true", help="skip the flip-augmented run")
    args = parser.parse_args()
    results = [run(args.data, False)] + ([] if args.no_flip else [run(args.data, True)])
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
