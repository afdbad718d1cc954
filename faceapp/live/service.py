"""The live service: one frame in, faces with identities, stage extras and stored events out.

See :mod:`faceapp.live` for the flow and the stage (hook) API. Not tied to a thread: the GUI's
recognition worker and ``faceapp recognize`` call :meth:`LiveService.process` frame after frame;
:meth:`LiveService.set_pipeline` and :meth:`LiveService.apply_settings` may be called from any
thread and take effect between two frames.

On a shared PostgreSQL server the service keeps recognising while the server is unreachable (the
gallery searches its local index with the names it last read), queues its events in the desk's
outbox and delivers them from the courier's thread when the server is back: :meth:`LiveService.offline`
says since when it is unreachable and how many events wait (``offline_since``, ``queued``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from faceapp.attendance import DeskRules
from faceapp.capture.sources import Backoff
from faceapp.config import Settings
from faceapp.errors import ModelMismatchError, ServerUnreachableError
from faceapp.live.checkins import CheckIns
from faceapp.live.offline import OfflineStatus
from faceapp.live.stages import Phase, StageOutcome, TrackContext, TrackStage
from faceapp.records import Event, Identification, Verdict
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.tracker import (
    EmbedPolicy,
    FrameResult,
    IoUTracker,
    Sighting,
    Track,
    TrackingRecognizer,
    face_result,
)

log = logging.getLogger(__name__)

#: ``identify(embeddings, model)``: one identification per row; ``model`` names who embedded them.
Identify = Callable[[np.ndarray, str], Sequence[Identification]]
#: A desk given as a plain callable: the frame's sightings (fresh or not) and image -> stored events.
DeskHook = Callable[[Sequence[Sighting], np.ndarray], Sequence[Event]]


@dataclass(frozen=True)
class LiveOptions:
    """How live video is read, tracked and shown.

    Attributes:
        seconds_per_image: how long a slideshow shows each photo.
        slideshow_fps: frames per second a slideshow produces.
        embed_every: re-identify a *settled* tracked face at least every this many frames
            (unsettled faces are identified on every frame, see :class:`EmbedPolicy`).
        track_iou: least box overlap to continue a track.
        track_max_misses: frames a face may be missed before its track is dropped.
        smoothing: weight of the previous box when smoothing (0 = none).
        reconnect: delays between attempts to reconnect a live camera.
        overlay_max_age: do not draw face boxes older than this many seconds.
    """

    seconds_per_image: float = 2.0
    slideshow_fps: float = 10.0
    embed_every: int = 10
    track_iou: float = 0.3
    track_max_misses: int = 5
    smoothing: float = 0.5
    reconnect: Backoff = field(default_factory=Backoff)
    overlay_max_age: float = 1.0


@dataclass(frozen=True)
class LiveResult:
    """What one processed frame gave: faces for display, events stored, sightings."""

    frame: FrameResult
    events: tuple[Event, ...] = ()
    sightings: tuple[Sighting, ...] = ()


def policy_for(rules: DeskRules | None, every: int) -> EmbedPolicy:
    """The embedding policy that gives the desk the looks its rules need, in time not frames."""
    if rules is None:
        return EmbedPolicy(every=every)
    looks = max(rules.consensus_frames, rules.unknown_frames, rules.uncertain_frames, 1)
    return EmbedPolicy(every=every, settle_looks=looks, settle_seconds=max(rules.consensus_seconds, 2.0))


class LiveService:
    """Tracks, identifies, runs the stages and the desk, for one camera.

    Args:
        pipeline: detector + embedder; its embedder's model is given to every identify.
        identify: ``identify(embeddings, model)``, e.g. a gallery's; ``None``: faces stay unidentified.
        checkins: the desk and event store; ``None``: nothing is recorded (unless ``desk_hook``).
        camera: the camera name given to the stages (the desk uses ``checkins.camera``).
        options: tracker and embedding settings.
        stages: per-track stages, run in order (see :mod:`faceapp.live.stages`).
        first_track_id: continue the track ids of a previous service (a new source).
        desk_hook: a plain callable instead of ``checkins`` (tests, custom desks).
    """

    def __init__(self, pipeline: FacePipeline, identify: Identify | None = None, checkins: CheckIns | None = None,
                 *, camera: str = "desk", options: LiveOptions | None = None, stages: Iterable[TrackStage] = (),
                 first_track_id: int = 1, desk_hook: DeskHook | None = None) -> None:
        self.options = options or LiveOptions()
        self.checkins = checkins
        self.camera = checkins.camera if checkins is not None else camera
        self.desk_hook = desk_hook
        self.stages: list[TrackStage] = list(stages)
        self._identify = identify
        self._lock = threading.RLock()
        self.unsubscribe: Callable[[], None] = lambda: None  # set by whoever subscribed it to changes
        self._reported: set[tuple[int, str]] = set()
        self._warned = ""
        self._offline_stages: set[tuple[str, object]] = set()  # (stage, outage) already said
        opts = self.options
        tracker = IoUTracker(opts.track_iou, opts.track_max_misses, opts.smoothing, first_track_id)
        rules = checkins.desk.rules if checkins is not None else None
        self.recognizer = TrackingRecognizer(pipeline, None, tracker, policy_for(rules, opts.embed_every))
        self._bind(pipeline)

    # -- configuration ---------------------------------------------------------------------------
    @property
    def pipeline(self) -> FacePipeline:
        return self.recognizer.pipeline

    @property
    def model(self) -> str:
        """The embedding model of the running pipeline."""
        return str(self.recognizer.pipeline.info.embedder)

    @property
    def next_track_id(self) -> int:
        return self.recognizer.tracker.next_id

    # -- the shared server -------------------------------------------------------------------------
    def offline(self) -> OfflineStatus:
        """Since when the database server is unreachable (None: it answers), events queued and delivered.

        Known to a service that records events (with ``checkins``); one that only identifies says None.
        """
        if self.checkins is not None:
            return self.checkins.offline_status()
        return OfflineStatus(None, 0, 0)

    @property
    def offline_since(self) -> datetime | None:
        """When the database server became unreachable (aware UTC), None while it answers."""
        return self.offline().offline_since

    @property
    def queued(self) -> int:
        """Events waiting in this desk's outbox for the server."""
        return self.offline().queued

    def flush(self, timeout: float) -> OfflineStatus:
        """Give the courier up to ``timeout`` seconds to deliver what is queued (when the server answers)."""
        courier = self.checkins.courier if self.checkins is not None else None
        if courier is not None and courier.queued:
            courier.tend()
            courier.wait_idle(timeout)
        return self.offline()

    def add_stage(self, stage: TrackStage) -> None:
        """Append a per-track stage (runs from the next frame on)."""
        with self._lock:
            self.stages.append(stage)

    def set_pipeline(self, pipeline: FacePipeline) -> None:
        """Switch detector/embedder atomically between two frames; every track is identified afresh."""
        with self._lock:
            self._bind(pipeline)
            for track in self.recognizer.tracker.tracks:
                track.last_embedded, track.settled, track.identity = None, False, None
                track.looks.clear()
                track.best_quality = 0.0
        log.info("live: now embedding with %s", self.model)

    def apply_settings(self, old: Settings | None, new: Settings) -> None:
        """Apply desk rules and the camera name of edited settings (a :class:`Changes` listener).

        The camera name follows the settings only when it was the settings' (a service started
        for another camera keeps its name).
        """
        with self._lock:
            rules = DeskRules.from_dict(new.desk_rules)
            camera = new.camera_name if old is None or self.camera == old.camera_name else self.camera
            if self.checkins is not None and (rules != self.checkins.desk.rules or camera != self.camera):
                self.checkins.set_rules(rules)  # the desk restarts its tracks: they need fresh looks
                self.checkins.camera = camera
                for track in self.recognizer.tracker.tracks:
                    track.settled = False
                    track.looks.clear()
            self.camera = camera
            self.recognizer.policy = policy_for(rules if self.checkins else None, self.options.embed_every)

    def _bind(self, pipeline: FacePipeline) -> None:
        model = str(pipeline.info.embedder)
        identify = self._identify

        def recognise(embeddings: np.ndarray) -> Sequence[Identification | None]:
            assert identify is not None
            try:
                return identify(embeddings, model)
            except ModelMismatchError as exc:  # the gallery switched first: wait for set_pipeline
                if str(exc) != self._warned:
                    self._warned = str(exc)
                    log.warning("live: %s", exc)
                return [None] * len(embeddings)

        self.recognizer.pipeline = pipeline
        self.recognizer.recogniser = recognise if identify is not None else None  # type: ignore[assignment]

    # -- frames ------------------------------------------------------------------------------------
    def process(self, image: np.ndarray, timestamp: float, index: int = 0) -> LiveResult:
        """Track, identify, run the stages and the desk on one frame."""
        with self._lock:
            frame, sightings = self.recognizer.process(image, timestamp, index)
            tracks = self.recognizer.last_tracks
            self._forget(self.recognizer.tracker.ended)
            seen = {s.track_id: s for s in sightings}
            contexts = [self._context(t, seen.get(t.id), image, timestamp, index) for t in tracks]
            reports = self._run_stages(Phase.GATE, contexts, seen, image)
            events = self._desk([seen[c.track_id] for c in contexts if c.track_id in seen and c.vetoed is None], image)
            if self.checkins is not None:
                self.checkins.tend()  # queued events go out (on the courier's thread) once the server answers
            per_track = self.checkins.track_events if self.checkins is not None else {}
            for ctx, track in zip(contexts, tracks, strict=True):
                if self.checkins is not None:
                    ctx.confirmed = self.checkins.confirmed(track.id)
                    self._settle(track, ctx.confirmed)
                ctx.events = tuple(per_track.get(track.id, ()))
            self._run_stages(Phase.DECISION, contexts, seen, image)
            if self.stages:
                frame = replace(frame, faces=tuple(face_result(t) for t in tracks))
            return LiveResult(frame, tuple(reports + events), tuple(sightings))

    def _settle(self, track: Track, confirmed: int | None) -> None:
        """With a desk, a recognised face is settled only once the desk confirmed that very person.

        Agreeing looks alone are not enough: the desk may still be outvoting the previous
        person of the track (a slideshow's next photo) and needs fresh looks to do so.
        """
        ident = track.identity
        if ident is not None and ident.verdict is Verdict.ACCEPT:
            track.settled = confirmed is not None and confirmed == ident.person_id

    def _context(self, track: Track, sighting: Sighting | None, image: np.ndarray, timestamp: float,
                 index: int) -> TrackContext:
        box = tuple(float(v) for v in track.box)
        return TrackContext(self.camera, track.id, timestamp, index, image, box,  # type: ignore[arg-type]
                            track.landmarks, sighting.quality if sighting else 0.0, track.identity,
                            bool(sighting and sighting.fresh), self.model, track.extras)

    def _desk(self, sightings: list[Sighting], image: np.ndarray) -> list[Event]:
        if self.checkins is not None and sightings:
            return self.checkins.observe(sightings, image)
        if self.checkins is not None:
            self.checkins.track_events = {}
        if self.desk_hook is not None and sightings:
            return list(self.desk_hook(sightings, image))
        return []

    def _run_stages(self, phase: Phase, contexts: list[TrackContext], seen: dict[int, Sighting],
                    image: np.ndarray) -> list[Event]:
        reports: list[Event] = []
        for stage in [s for s in self.stages if s.phase is phase]:
            for ctx in contexts:
                outcome = self._call(stage, ctx)
                if outcome is None:
                    continue
                _merge(ctx.extras, outcome.extras)
                if phase is Phase.GATE and outcome.veto:
                    ctx.vetoed = ctx.vetoed or outcome.veto
                    report = self._report(stage.name, outcome, ctx, seen.get(ctx.track_id), image)
                    if report is not None:
                        reports.append(report)
        return reports

    def _call(self, stage: TrackStage, ctx: TrackContext) -> StageOutcome | None:
        try:
            return stage(ctx)
        except ServerUnreachableError as exc:  # e.g. a door decision: it needs the server; said once per outage
            name = str(getattr(stage, "name", stage))
            if (name, exc.since) not in self._offline_stages:
                self._offline_stages.add((name, exc.since))
                log.warning("live stage %s skipped while the database server is unreachable: %s", name, exc)
            return None
        except Exception:  # a stage's bug must not stop recognition
            log.exception("live stage %s failed on track %d", getattr(stage, "name", stage), ctx.track_id)
            return None

    def _report(self, name: str, outcome: StageOutcome, ctx: TrackContext, sighting: Sighting | None,
                image: np.ndarray) -> Event | None:
        key = (ctx.track_id, name)
        if outcome.report is None or self.checkins is None or key in self._reported:
            return None
        self._reported.add(key)
        look = sighting or Sighting(ctx.track_id, ctx.identification, ctx.fresh, ctx.quality,  # type: ignore[arg-type]
                                    ctx.timestamp, ctx.box)
        return self.checkins.report(outcome.report, look, image, f"{name}: {outcome.veto}")

    def _forget(self, ended: list[int]) -> None:
        if not ended:
            return
        gone = set(ended)
        self._reported = {k for k in self._reported if k[0] not in gone}
        for stage in self.stages:
            forget = getattr(stage, "forget", None)
            if forget is not None:
                try:
                    forget(gone)
                except Exception:
                    log.exception("live stage %s failed to forget tracks", getattr(stage, "name", stage))

    def close(self) -> None:
        """Stop following settings changes."""
        self.unsubscribe()

    def reset(self) -> None:
        """Forget every track (a new source)."""
        with self._lock:
            self.recognizer.reset()
            self._forget(self.recognizer.tracker.ended)


def _merge(extras: dict[str, Any], new: Any) -> None:
    for key, value in dict(new).items():
        if value is None:
            extras.pop(key, None)
        else:
            extras[key] = value
