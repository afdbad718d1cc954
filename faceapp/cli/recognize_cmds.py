"""``faceapp recognize``: who is in these photos, this video or this camera; optional check-in.

Videos and cameras run the same live service as the GUI (:mod:`faceapp.live`): the same tracker,
re-embedding policy, evidence crops, reconnection and per-track stages. Results go to stdout
(``--json``: one object per line); errors and how the source ended go to stderr.

On a shared PostgreSQL server, a run with ``--checkin`` goes on when the server becomes unreachable:
it says so once on stderr, queues its events in the desk's outbox, and says how many it delivered
when the server is back (or how many stay queued for the next run). It also *starts* while the
server is unreachable, from the copy of the server's gallery and check-ins that the desk keeps in
its data folder (a desk that was never online says so and stops).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from faceapp.attendance import Observation
from faceapp.capture.sources import Frame, FrameSource, VideoCaptureSource
from faceapp.cli.common import add_common, emit_json
from faceapp.cli.inputs import collect_images
from faceapp.errors import ConfigError, ImageError
from faceapp.live.checkins import CheckIns, crop
from faceapp.live.offline import OfflineStatus
from faceapp.live.runner import RunReport, run_source
from faceapp.live.service import LiveOptions, LiveResult
from faceapp.live.stages import TrackStage
from faceapp.records import Event, Identification
from faceapp.services import Core


def register(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser("recognize", help="identify faces in photos, a video or a camera")
    rec.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="photos or folders of photos")
    rec.add_argument("--video", help="a video file")
    rec.add_argument("--camera", help="camera number or stream URL")
    rec.add_argument("--checkin", action="store_true", help="record check-ins/outs through the desk rules")
    rec.add_argument("--max-frames", type=int, default=0, help="stop a video or camera after this many frames")
    rec.add_argument("--door", help="decide access at this door and drive its output (see `faceapp access`)")
    add_common(rec)
    rec.set_defaults(func=run_recognize)


def build_stages(core: Core, args: argparse.Namespace) -> list[TrackStage]:
    """The per-track stages (liveness, access control...) that the options ask for, in order.

    Options of such stages (e.g. ``--door``) are added in :func:`register`; each stage module
    builds its stage here from ``core`` and ``args`` (see :mod:`faceapp.live.stages`).
    """
    from faceapp.live.liveness_stage import liveness_stages

    stages: list[TrackStage] = [*liveness_stages(core)]  # gates first: a spoof opens no door
    if getattr(args, "door", None):
        from faceapp.live.access_stage import access_stage

        stages.append(access_stage(core, args.door, use_desk=args.checkin))
    return stages


def run_recognize(args: argparse.Namespace) -> int:
    sources = [bool(args.paths), args.video is not None, args.camera is not None]
    if sum(sources) != 1:
        raise ConfigError("give photos/folders, or --video FILE, or --camera N|URL (exactly one)")
    if getattr(args, "door", None) and args.paths:
        raise ConfigError("--door decides from a video or camera (--video or --camera), not from photos")
    core = Core.open(args.basedir, offline_ok=True)  # a desk starts from its local copy while the server is away
    try:
        if args.paths:
            return _photos(core, args)
        return _stream(core, args)
    finally:
        core.close()


def _photos(core: Core, args: argparse.Namespace) -> int:
    """Each photo is a deliberate capture: one look is enough for the desk (consensus of 1)."""
    inputs = collect_images(args.paths)
    inputs.report()  # what was left out of the folders, and why (stderr)
    photos = inputs.images
    if not photos:
        _error(f"no photos found in {', '.join(map(str, args.paths))} (jpg, png, bmp, webp, tif)")
        return 1
    checkins = None
    if args.checkin:
        rules = dataclasses.replace(core.desk_rules(), consensus_frames=1, consensus_window=1, unknown_frames=1)
        checkins = core.check_ins(rules=rules)
    failures, track = 0, 0
    model = core.pipeline.info.embedder
    notes = ServerNotes(checkins.offline_status if checkins else lambda: OfflineStatus(
        getattr(core.gallery.database, "offline_since", None), 0, 0))
    for path in photos:
        try:
            image = core.pipeline.load(path)
        except ImageError as exc:
            failures += 1
            _emit(args, {"path": str(path), "error": str(exc)})
            continue
        faces = core.pipeline.process(image)
        ids = core.gallery.identify(faces.embeddings, model=model) if len(faces) else []  # type: ignore[arg-type]
        if not ids:
            _emit(args, {"path": str(path), "name": None, "faces": 0})
        for box, ident in zip(faces.boxes, ids, strict=True):
            track += 1
            events = checkins.observe_one(_observation(track, ident, box, image, checkins)) if checkins else []
            _emit(args, _line(str(path), ident, box, events))
        notes.check()
        if checkins is not None:
            checkins.tend()  # the courier delivers, probes, or refreshes the desk's local copy
    if checkins is not None and checkins.courier is not None:
        notes.finish(checkins.courier.wait_idle, str(checkins.courier.outbox.path))
    if failures:
        _error(f"{failures} of {len(photos)} photos could not be read")
    return 1 if failures else 0


def _observation(track: int, ident: Identification, box: np.ndarray, image: np.ndarray,
                 checkins: CheckIns) -> Observation:
    box_ = (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    return Observation(track, ident, datetime.now(timezone.utc), checkins.camera, snapshot=crop(image, box_))


def _source(args: argparse.Namespace) -> FrameSource:
    if args.video is not None:
        return VideoCaptureSource(str(args.video))
    camera = str(args.camera)
    return VideoCaptureSource(int(camera) if camera.isdigit() else camera)


def _stream(core: Core, args: argparse.Namespace) -> int:
    source = _source(args)
    service = core.live_service(checkin=args.checkin, stages=build_stages(core, args))
    notes = ServerNotes(service.offline)

    def on_result(result: LiveResult, frame: Frame) -> None:
        notes.check()
        faces = {f.track_id: f for f in result.frame.faces}
        per_track = service.checkins.track_events if service.checkins is not None else {}
        for s in result.sightings:
            if s.fresh:
                extras = dict(faces[s.track_id].extras) if s.track_id in faces else {}
                _emit(args, {**_line(source.name, s.identification, np.asarray(s.box), per_track.get(s.track_id, [])),
                             "frame": frame.index, "track": s.track_id, "extras": extras,
                             **({k: extras.get(k) for k in ("decision", "reason")} if args.door else {})})

    try:
        report = run_source(service, source, on_result, max_frames=args.max_frames,
                            backoff=LiveOptions().reconnect)  # the GUI's reconnection delays
        courier = service.checkins.courier if service.checkins is not None else None
        if courier is not None:
            notes.finish(lambda timeout: service.flush(timeout).queued == 0, str(courier.outbox.path))
    finally:
        service.close()
        for stage in service.stages:  # e.g. the door stage delivers its queued pulses
            getattr(stage, "close", lambda: None)()
    return _ending(source, report)


def _ending(source: FrameSource, report: RunReport) -> int:
    """Say on stderr how the source ended; non-zero when nothing could be read or it failed."""
    if report.frames == 0:
        _error(f"{source.name}: no frame could be read ({report.message})")
        return 1
    if not report.ok:
        _error(f"{source.name}: failed after {report.frames} frames ({report.message})")
        return 1
    if report.truncated:
        _error(f"{source.name}: the video ended after {report.frames} of the {report.expected} frames it "
               "announces; the file is truncated or damaged")
    return 0


class ServerNotes:
    """Says once on stderr that the database server is unreachable, and how many queued events went out."""

    FLUSH_S = 5.0  # at the end, how long to wait for the queue to go out while the server answers

    def __init__(self, status: Callable[[], OfflineStatus]) -> None:
        self.status = status
        self.offline = False
        self.delivered = 0

    def check(self) -> None:
        """Say what changed since the last call (cheap: no database access)."""
        now = self.status()
        if now.offline_since is not None and not self.offline:
            self.offline = True
            _error(f"the database server is unreachable (since {now.offline_since.astimezone():%H:%M:%S}); "
                   "recognition goes on and events are queued on this desk until it is back")
        elif self.offline and now.offline_since is None and not now.queued:
            self.offline = False
            self._delivered(now)

    def finish(self, flush: Callable[[float], bool], outbox: str) -> None:
        """Give the queue a few seconds to go out, then say what was delivered and what stays queued."""
        if self.status().queued:
            flush(self.FLUSH_S)
        now = self.status()
        if now.delivered > self.delivered:
            self._delivered(now)
        if now.queued:
            _error(f"{now.queued} events stay queued on this desk ({outbox}); they are delivered when faceapp "
                   "runs here again and the server answers")

    def _delivered(self, now: OfflineStatus) -> None:
        _error(f"the database server is reachable again: {now.delivered - self.delivered} queued events delivered")
        self.delivered = now.delivered


def _error(message: str) -> None:
    print(f"faceapp: {message}", file=sys.stderr)


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
    if "error" in record:
        print(f"faceapp: {record['path']}: error: {record['error']}", file=sys.stderr)
        if not args.json:
            return
    if args.json:
        emit_json(record)
    elif record.get("faces") == 0:
        print(f"{record['path']}: no face")
    else:
        who = record["name"] or (f"uncertain ({record['candidate']}?)" if record["verdict"] == "uncertain"
                                 else "unknown")
        extra = f"  → {', '.join(record['events'])}" if record["events"] else ""
        print(f"{record['path']}: {who}  score {record['score']:.3f}  margin {record['margin']:.3f}{extra}")
