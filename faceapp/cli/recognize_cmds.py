"""``faceapp recognize``: who is in these photos, this video or this camera; optional check-in."""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from faceapp.attendance import Observation
from faceapp.capture.sources import VideoCaptureSource
from faceapp.cli.common import add_common, emit_json
from faceapp.errors import ConfigError, ImageError
from faceapp.records import Event, Identification
from faceapp.services import CheckIns, Core, image_paths
from faceapp.vision.tracker import EmbedPolicy, TrackingRecognizer


def register(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser("recognize", help="identify faces in photos, a video or a camera")
    rec.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="photos or folders of photos")
    rec.add_argument("--video", help="a video file")
    rec.add_argument("--camera", help="camera number or stream URL")
    rec.add_argument("--checkin", action="store_true", help="record check-ins/outs through the desk rules")
    rec.add_argument("--max-frames", type=int, default=0, help="stop a video or camera after this many frames")
    add_common(rec)
    rec.set_defaults(func=run_recognize)


def run_recognize(args: argparse.Namespace) -> int:
    sources = [bool(args.paths), args.video is not None, args.camera is not None]
    if sum(sources) != 1:
        raise ConfigError("give photos/folders, or --video FILE, or --camera N|URL (exactly one)")
    core = Core.open(args.basedir)
    if args.paths:
        return _photos(core, args)
    return _stream(core, args)


def _photos(core: Core, args: argparse.Namespace) -> int:
    """Each photo is a deliberate capture: one look is enough for the desk (consensus of 1)."""
    checkins = None
    if args.checkin:
        rules = dataclasses.replace(core.desk_rules(), consensus_frames=1, consensus_window=1, unknown_frames=1)
        checkins = core.check_ins(rules=rules)
    failures, track = 0, 0
    for path in image_paths(args.paths):
        try:
            image = core.pipeline.load(path)
        except ImageError as exc:
            failures += 1
            _emit(args, {"path": str(path), "error": str(exc)})
            continue
        faces = core.pipeline.process(image)
        ids = core.gallery.identify(faces.embeddings) if len(faces) else []
        if not ids:
            _emit(args, {"path": str(path), "name": None, "faces": 0})
        for box, ident in zip(faces.boxes, ids, strict=True):
            track += 1
            events = checkins.observe_one(_observation(track, ident, box, image, checkins)) if checkins else []
            _emit(args, _line(str(path), ident, box, events))
    return 1 if failures else 0


def _observation(track: int, ident: Identification, box: np.ndarray, image: np.ndarray,
                 checkins: CheckIns) -> Observation:
    x1, y1, x2, y2 = (int(max(v, 0)) for v in box)
    return Observation(track, ident, datetime.now(timezone.utc), checkins.camera, snapshot=image[y1:y2, x1:x2].copy())


def _stream(core: Core, args: argparse.Namespace) -> int:
    target = args.video if args.video is not None else args.camera
    if args.camera is not None and str(args.camera).isdigit():
        target = int(args.camera)
    source = VideoCaptureSource(target)
    source.open()
    recogniser = TrackingRecognizer(core.pipeline, core.gallery.identify, policy=EmbedPolicy(every=3))
    checkins = core.check_ins() if args.checkin else None
    try:
        for index, (stamp, frame) in enumerate(_frames(source, args)):
            _, sightings = recogniser.process(frame, stamp, index)
            events = checkins.observe(sightings, frame) if checkins else []
            for s in sightings:
                if s.fresh:
                    _emit(args, {**_line(source.name, s.identification, np.asarray(s.box), events),
                                 "frame": index, "track": s.track_id})
    finally:
        source.close()
    return 0


def _frames(source: VideoCaptureSource, args: argparse.Namespace) -> Iterator[tuple[float, np.ndarray]]:
    """Frames with capture times: a file's own clock (so processing speed does not matter), else now."""
    start, fps = time.time(), source.fps if args.video is not None else 0.0
    index = 0
    while not args.max_frames or index < args.max_frames:
        frame = source.read()
        if frame is None:
            return
        yield (start + index / fps if fps > 0 else time.time()), frame
        index += 1


def _line(path: str, ident: Identification, box: np.ndarray, events: list[Event]) -> dict:
    return {
        "path": path,
        "name": ident.name if ident.verdict.value == "accept" else None,
        "person_id": ident.person_id if ident.verdict.value == "accept" else None,
        "verdict": ident.verdict.value,
        "score": round(float(ident.score), 4),
        "margin": round(float(ident.margin), 4),
        "candidate": ident.name,
        "box": [round(float(v), 1) for v in box],
        "events": [e.kind.value for e in events],
    }


def _emit(args: argparse.Namespace, record: dict) -> None:
    if args.json:
        emit_json(record)
    elif "error" in record:
        print(f"{record['path']}: error: {record['error']}")
    elif record.get("faces") == 0:
        print(f"{record['path']}: no face")
    else:
        who = record["name"] or (f"uncertain ({record['candidate']}?)" if record["verdict"] == "uncertain"
                                 else "unknown")
        extra = f"  → {', '.join(record['events'])}" if record["events"] else ""
        print(f"{record['path']}: {who}  score {record['score']:.3f}  margin {record['margin']:.3f}{extra}")
