"""Check-ins against the processed frame rate, through the live service: prints JSON.

The first release's live path re-identified a tracked face only every 10th processed frame, so at
10 frames/s at most two fresh looks fell inside the desk's 2 s consensus window (which needs three):
an image-folder slideshow (2 s per photo) named everyone in green and recorded no check-in. This
script plays such a slideshow of lfw-dev people through :class:`faceapp.live.service.LiveService`
on a synthetic clock at several processed frame rates, with today's policy (re-identify until the
identity is settled, then every ``embed_every`` frames) and, as the baseline measured in the same
run, the first release's (every 10th frame from the first look on).

Figures per rate and policy: people checked in out of those shown, median seconds from a photo's
first frame to its check-in, and faces embedded per second of video (the CPU cost). The pipeline's
answers for each photo are computed once (the same photo is shown for many frames)::

    python benchmarks/bench_live_rates.py [--data ../shared/data] [--people 10] [--rates 2 5 10 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.config import Settings
from faceapp.services import Core
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import EmbedPolicy

T0 = 1_800_000_000.0


class FirstRelease(EmbedPolicy):
    """The first release's rule: re-identify every ``every`` frames or on a clearly better view."""

    def wants(self, track, quality, frame, timestamp=None, look=None) -> bool:
        if track.last_embedded is None or frame - track.last_embedded >= self.every:
            return True
        return quality > track.best_quality * self.quality_gain


class MemoPipeline:
    """The real pipeline, answering each image object once."""

    def __init__(self, inner: FacePipeline) -> None:
        self.inner, self._det, self._emb = inner, {}, {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def detect(self, image: np.ndarray):
        if id(image) not in self._det:
            self._det[id(image)] = (image, self.inner.detect(image))
        return self._det[id(image)][1]

    def process_faces(self, image: np.ndarray, faces, embed: bool = True):
        key = (id(image), faces.boxes.tobytes())
        if key not in self._emb:
            self._emb[key] = self.inner.process_faces(image, faces, embed)
        return self._emb[key]


def people(data: Path, count: int) -> list[tuple[str, list[Path]]]:
    """People of lfw-dev with at least 4 photos: 2 to enrol, the third shown."""
    found = []
    for folder in sorted((data / "lfw-dev" / "images").iterdir()):
        photos = sorted(folder.glob("*.jpg"))
        if len(photos) >= 4:
            found.append((folder.name.replace("_", " "), photos))
    return found[:count]


def play(core: Core, memo: MemoPipeline, shown: list[tuple[int, np.ndarray]], fps: float, seconds: float,
         baseline: bool) -> dict[str, float]:
    service = core.live_service(pipeline=memo)
    if baseline:
        service.recognizer.policy = FirstRelease(every=10)
    frames = round(fps * seconds)
    checked: dict[int, float] = {}
    embedded = 0
    for slot, (person, image) in enumerate(shown):
        start = T0 + slot * seconds  # one photo after the other, as an image-folder slideshow plays them
        for i in range(frames):
            result = service.process(image, start + i / fps, slot * frames + i)
            embedded += result.frame.embedded
            for event in result.events:
                if event.person_id == person and person not in checked:
                    checked[person] = event.time.timestamp() - start
    service.close()
    return {"checked_in": len(checked), "shown": len(shown),
            "median_s_to_check_in": round(statistics.median(checked.values()), 3) if checked else None,
            "embedded_per_s": round(embedded / (len(shown) * seconds), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEAPP_TESTDATA", "../shared/data")))
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--rates", type=float, nargs="+", default=[2.0, 5.0, 10.0, 30.0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds each photo is shown")
    args = parser.parse_args()
    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    memo = MemoPipeline(pipeline)
    with tempfile.TemporaryDirectory() as home:
        core = Core.open(home, pipeline=pipeline)
        shown = []
        for name, photos in people(args.data, args.people):
            person = core.gallery.add_person(name)
            for photo in photos[:2]:
                core.enroller().enrol_photo(person.id, photo)
            shown.append((person.id, pipeline.load(photos[2])))
        rows = []
        for fps in args.rates:
            for baseline in (True, False):
                # a fresh database per run: no cooldown carried over from the previous run
                core.gallery.database.conn.execute("DELETE FROM events")
                core.gallery.database.conn.commit()
                figures = play(core, memo, shown, fps, args.seconds, baseline)
                rows.append({"fps": fps, "policy": "every 10th frame (baseline)" if baseline else "until settled",
                             **figures})
        core.close()
    print(json.dumps({"seconds_per_photo": args.seconds, "people": len(shown), "results": rows}, indent=1))


if __name__ == "__main__":
    main()
