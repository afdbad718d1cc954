"""The liveness GATE stage: a photo or a screen must not check anyone in or open a door.

Per camera a mode (settings ``liveness_mode`` and ``liveness_camera_modes``):

* ``off`` - nothing is scored;
* ``log`` - every track is scored and a suspected spoof is stored as an event, but nothing is held back;
* ``block`` - a track judged SPOOF never checks in and stores one "spoof suspected" event (evidence
  crop + scores); no check-in is completed before the track's verdict is LIVE.

Only faces that claim an identity (ACCEPT or UNCERTAIN in the gallery) produce events: a poster or
a bystander's odd frame is not worth the front desk's attention; the verdict is kept for all.

The verdict of a track comes from :class:`~faceapp.vision.liveness_track.TrackEvidence` (the rule
``faceapp eval liveness`` measures per presentation), optionally AND an active
:class:`~faceapp.vision.liveness_track.Challenge` (blink and/or a head turn to a side drawn at random
per track, within a time limit).

For other stages (doors: issue "access control") the verdict is in the track's extras:
``ctx.extras["live"]`` is ``"live"``, ``"spoof"`` or ``"pending"`` (absent when the camera's mode
is off), ``ctx.extras["liveness"]`` the decision score; or ask :meth:`LivenessStage.verdict`.
While a challenge runs, ``extras["challenge"]`` lists the actions still asked for,
``extras["challenge_turn"]`` the side of the asked head turn (``"left"`` or ``"right"``, the person's
own; ``"centre"`` between two turns, while the head must come back; ``None`` when no turn is asked),
``extras["challenge_turns"]`` the turns still to make and ``extras["challenge_left"]`` the seconds
left (the live page prompts with them); ``extras["challenge_failed"]`` says why a failed challenge
failed (``"wrong_way"``, ``"time_up"``). A person recently suspected of a spoof is asked more turns
(:mod:`faceapp.live.liveness_retries`).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from faceapp.config import Settings
from faceapp.errors import FaceAppError, ModelError, ServerUnreachableError
from faceapp.live.checkins import crop
from faceapp.live.liveness_retries import RecentSpoofs
from faceapp.live.stages import Phase, Stage, StageOutcome, TrackContext
from faceapp.records import Event, EventKind, Verdict
from faceapp.store.events import Events
from faceapp.store.liveness import SPOOF_NOTE, LivenessEvidence, record
from faceapp.vision.eyes import EyeStateModel
from faceapp.vision.landmarks68 import LandmarkModel
from faceapp.vision.liveness import DEFAULT_THRESHOLD, LivenessModel, threshold_for
from faceapp.vision.liveness_track import (
    Challenge,
    ChallengeFailure,
    ChallengeKind,
    ChallengeSpec,
    LiveVerdict,
    TrackEvidence,
    TrackPolicy,
)

log = logging.getLogger(__name__)

MODES = ("off", "log", "block")
Models = tuple[LivenessModel, "EyeStateModel | None", "LandmarkModel | None"]
CHALLENGES = ("off", "blink", "turn", "blink+turn")


@dataclass(frozen=True)
class LivenessConfig:
    """What the stage does, from the settings."""

    default_mode: str = "off"
    camera_modes: Mapping[str, str] = field(default_factory=dict)
    policy: TrackPolicy = field(default_factory=TrackPolicy)
    challenge: ChallengeSpec | None = None
    desk_looks: int = 3  # looks the desk needs for a check-in (its consensus_frames)
    mirrored: frozenset[str] = frozenset()  # cameras whose picture is mirrored: a turn's yaw reads reversed

    def __post_init__(self) -> None:
        for mode in (self.default_mode, *self.camera_modes.values()):
            if mode not in MODES:
                raise ValueError(f"liveness mode must be one of {', '.join(MODES)}, not {mode!r}")

    @classmethod
    def from_settings(cls, settings: Settings) -> LivenessConfig:
        from faceapp.attendance.rules import DeskRules

        threshold = threshold_for(getattr(settings, "liveness_target_bpcer", 0.0)).threshold
        return cls(
            desk_looks=DeskRules.from_dict(settings.desk_rules).consensus_frames,
            default_mode=getattr(settings, "liveness_mode", "off"),
            camera_modes=dict(getattr(settings, "liveness_camera_modes", {}) or {}),
            policy=TrackPolicy(threshold=threshold),
            challenge=ChallengeSpec.parse(getattr(settings, "liveness_challenge", "off"),
                                          getattr(settings, "liveness_challenge_seconds", 6.0)),
            mirrored=frozenset(getattr(settings, "liveness_mirrored_cameras", ()) or ()),
        )

    def with_threshold(self, threshold: float) -> LivenessConfig:
        return replace(self, policy=replace(self.policy, threshold=threshold))

    def mode_for(self, camera: str) -> str:
        return self.camera_modes.get(camera, self.default_mode)


@dataclass(eq=False)
class _TrackState:
    evidence: TrackEvidence
    challenge: Challenge | None
    verdict: LiveVerdict = LiveVerdict.PENDING
    reported: bool = False
    scores: list[float] = field(default_factory=list)
    passed_pending: int = 0  # fresh looks let through to the desk before a verdict
    checked_in: bool = False  # a check-in/out of the track was written (asked for its evidence)
    mirrored: bool = False  # its camera's picture is mirrored (read when the track starts)
    escalated: bool = False  # the claimed person's recent spoof suspicions were looked up


class LivenessStage(Stage):
    """Scores every tracked face, decides each track, holds back and reports spoofs.

    Args:
        model: the passive model.
        config: modes, policy and challenge.
        events: where "spoof suspected" events go (``None``: nothing is stored).
        eyes, landmarks: needed only for a challenge (blink / head turn).
        zone: the desk's IANA zone for stored events.
        rng: draws each track's head-turn side (default: the operating system's generator).
    """

    name = "liveness"
    phase = Phase.GATE

    def __init__(self, model: LivenessModel | None, config: LivenessConfig | None = None, events: Events | None = None,
                 eyes: EyeStateModel | None = None, landmarks: LandmarkModel | None = None, zone: str = "UTC",
                 operator: str | None = None, loader: Callable[[], Models] | None = None,
                 rng: random.Random | None = None) -> None:
        if model is None and loader is None:
            raise ValueError("give the liveness model or a loader for it")
        self.model = model
        self._loader = loader
        self.config = config or LivenessConfig()
        self.events = events
        self.eyes = eyes
        self.landmarks = landmarks
        self.zone = zone
        self.operator = operator
        self.rng = rng
        self.stored: list[Event] = []
        self.retries = RecentSpoofs(events)
        self._tracks: dict[int, _TrackState] = {}
        self._lock = threading.Lock()
        self._service: Any = None
        self._frame_key: tuple[int, int] | None = None
        self._frame_scores: dict[int, float] = {}
        self._broken = False

    # -- the per-track verdict -------------------------------------------------------------------
    def verdict(self, track_id: int) -> LiveVerdict:
        """The track's current verdict (PENDING for a track never scored)."""
        state = self._tracks.get(track_id)
        return state.verdict if state is not None else LiveVerdict.PENDING

    def __call__(self, ctx: TrackContext) -> StageOutcome | None:
        config = self.config
        mode = config.mode_for(ctx.camera)
        if mode == "off":
            return StageOutcome(extras={"live": None, "liveness": None})
        try:
            model = self._models()
        except FaceAppError as exc:  # fail closed: without the model nothing is known to be live
            if not self._broken:
                self._broken = True
                log.error("liveness: the model cannot be used (%s); %s", exc,
                          "faces are held back" if mode == "block" else "faces are not judged")
            veto = "liveness model unavailable" if mode == "block" else None
            return StageOutcome(extras={"live": LiveVerdict.PENDING.value, "liveness": None}, veto=veto)
        with self._lock:
            state = self._tracks.get(ctx.track_id)
            if state is None:
                challenge = Challenge(config.challenge, self.rng) if config.challenge is not None else None
                state = self._tracks[ctx.track_id] = _TrackState(TrackEvidence(config.policy), challenge,
                                                                 mirrored=ctx.camera in config.mirrored)
        passive = state.evidence.verdict
        if passive is LiveVerdict.PENDING or (passive is LiveVerdict.LIVE and ctx.fresh):
            # ~20 ms a face on a 2-core CPU: every frame until decided, then on the looks the desk gets
            score = self._score(model, ctx)
            state.scores = [*state.scores, score][-config.policy.window:]
            passive = state.evidence.add(score)
        extras: dict[str, Any] = {}
        if state.challenge is not None:
            if not state.escalated:
                self._escalate(state, state.challenge, ctx)
            self._challenge(state.challenge, ctx, extras, state.mirrored)
        state.verdict = _combine(passive, state.challenge)
        decision = state.evidence.decision_score
        extras.update({"live": state.verdict.value,
                       "liveness": round(decision if decision is not None else state.scores[-1], 4)})
        if state.verdict is LiveVerdict.SPOOF and not state.reported and _claims_someone(ctx):
            state.reported = True  # one event per track, and only for a face that claims an identity
            self._report(ctx, state, mode)
        if mode == "block" and state.verdict is LiveVerdict.SPOOF:
            return StageOutcome(extras=extras, veto=SPOOF_NOTE)
        if mode == "block" and state.verdict is LiveVerdict.PENDING and ctx.fresh:
            # Looks before the verdict may reach the desk only while they cannot complete a check-in:
            # the verdict (min_frames <= the desk's looks by default) comes in time to stop the last.
            # Withholding them all would settle the track unseen by the desk and delay the check-in.
            if state.passed_pending + 1 >= config.desk_looks:
                self._unsettle(ctx.track_id)
                return StageOutcome(extras=extras, veto="liveness not yet established")
            state.passed_pending += 1
        return StageOutcome(extras=extras)

    def _score(self, model: LivenessModel, ctx: TrackContext) -> float:
        """This face's live score. With a bound service, the first face of a frame scores every
        undecided face of that frame in one batched call (one call per face measured no slower on a
        CPU; a GPU gains from the batch)."""
        key = (ctx.frame_index, id(ctx.image))
        if key != self._frame_key:
            self._frame_key, self._frame_scores = key, {}
            recognizer = getattr(self._service, "recognizer", None)
            todo = [t for t in getattr(recognizer, "last_tracks", ()) if self._undecided(t.id)]
            if len(todo) > 1:
                scores = model.scores(ctx.image, np.array([t.box for t in todo], np.float32))
                self._frame_scores = {t.id: float(v) for t, v in zip(todo, scores, strict=True)}
        cached = self._frame_scores.pop(ctx.track_id, None)
        if cached is not None:
            return cached
        return float(model.scores(ctx.image, np.asarray(ctx.box, np.float32)[None])[0])

    def _undecided(self, track_id: int) -> bool:
        state = self._tracks.get(track_id)
        return state is None or state.evidence.verdict is LiveVerdict.PENDING

    def _challenge(self, challenge: Challenge, ctx: TrackContext, extras: dict[str, Any], mirrored: bool) -> None:
        eyes = yaw = None
        if self.eyes is not None and "blink" in {k.value for k in challenge.remaining}:
            eyes = float(self.eyes.eyes_open(ctx.image, np.asarray(ctx.landmarks)[None])[0])
        if self.landmarks is not None and "turn" in {k.value for k in challenge.remaining}:
            yaw = float(self.landmarks.yaw(ctx.image, np.asarray(ctx.box, np.float32)[None])[0])
            if mirrored:  # the picture turns the way the person does, not the other way
                yaw = -yaw
        challenge.update(ctx.timestamp, eyes, yaw)
        pending = challenge.state is LiveVerdict.PENDING
        extras["challenge"] = [k.value for k in challenge.remaining] if pending else None
        side = challenge.direction if pending and ChallengeKind.TURN in challenge.remaining else None
        extras["challenge_turn"] = None if side is None else "centre" if challenge.returning else side.value
        extras["challenge_turns"] = challenge.turns_left if side is not None else None
        extras["challenge_left"] = round(challenge.seconds_left(ctx.timestamp), 1) if pending else None
        extras["challenge_failed"] = challenge.failure.value if challenge.failure is not None else None

    def _escalate(self, state: _TrackState, challenge: Challenge, ctx: TrackContext) -> None:
        """Once the track's person is known: one more turn for each recent spoof suspicion of theirs."""
        ident = ctx.identification
        if ident is None or ident.verdict is not Verdict.ACCEPT or ident.person_id is None:
            return
        state.escalated = True
        extra = self.retries.extra_turns(ident.person_id, ctx.timestamp)
        if extra and challenge.state is LiveVerdict.PENDING:
            challenge.add_turns(extra)
            log.info("liveness: track %d claims person %d, recently suspected of a spoof: %d more head turn(s)",
                     ctx.track_id, ident.person_id, extra)

    def _report(self, ctx: TrackContext, state: _TrackState, mode: str) -> None:
        challenge = state.challenge
        failed = challenge is not None and challenge.state is LiveVerdict.SPOOF
        decision = state.evidence.decision_score
        threshold = self.config.policy.threshold
        why = _challenge_failure(challenge) if failed and (decision is None or decision >= threshold) else (
            f"live score {decision:.3f} < {threshold:.2f} over {state.evidence.frames} frames")
        note = f"{SPOOF_NOTE}: {why}" + (" (log only)" if mode == "log" else "")
        log.warning("liveness: track %d on %s: %s", ctx.track_id, ctx.camera, note)
        ident = ctx.identification
        claimed = ident.person_id if ident is not None and ident.verdict is Verdict.ACCEPT else None
        if claimed is not None:
            self.retries.note(claimed, ctx.timestamp)
        if self.events is None:
            return
        event = Event(None, datetime.fromtimestamp(ctx.timestamp, timezone.utc), self.zone, EventKind.REJECTED,
                      claimed, ident.name if ident else None, None, None, ident.score if ident else None,
                      ident.margin if ident else None, ctx.camera, self.operator, note=note)
        evidence = self._evidence(state, mode)
        try:
            self.stored.append(record(self.events, event, evidence, crop(ctx.image, ctx.box),
                                      actor=self.operator or "desk"))
        except ServerUnreachableError:  # a shared server's outage: queued on this desk with its evidence
            checkins = getattr(self._service, "checkins", None)
            if checkins is None or checkins.courier is None:
                log.warning("liveness: the spoof event of track %d was not stored: the server is unreachable",
                            ctx.track_id)
                return
            self.stored.append(checkins.queue(event, crop(ctx.image, ctx.box), evidence))
        except Exception:  # storage trouble must not stop recognition; the veto still holds
            log.exception("liveness: could not store the spoof event of track %d", ctx.track_id)

    def evidence_of(self, track_id: int, mode: str) -> LivenessEvidence | None:
        """The track's liveness evidence now (``None`` for a track never scored).

        The desk asks for it when it writes a check-in or check-out of the track: from then on the
        track counts as checked in (a challenge enabled afterwards does not apply to it).
        """
        with self._lock:
            state = self._tracks.get(track_id)
            if state is not None:
                state.checked_in = True
        return self._evidence(state, mode) if state is not None and state.evidence.frames else None

    def _evidence(self, state: _TrackState, mode: str) -> LivenessEvidence:
        decision = state.evidence.decision_score
        challenge = state.challenge
        return LivenessEvidence(state.verdict.value, decision if decision is not None else state.evidence.score,
                                state.evidence.policy.threshold, mode, state.evidence.frames,
                                "" if challenge is None else challenge.state.value, tuple(state.scores))

    def load_model(self) -> LivenessModel:
        """The passive model (opened on first use); raises :class:`ModelError` when it cannot be used."""
        return self._models()

    def _models(self) -> LivenessModel:
        """The passive model, opening all three on first use (a camera in mode off costs nothing)."""
        with self._lock:
            if self.model is None and self._loader is not None:
                self.model, self.eyes, self.landmarks = self._loader()
            if self.model is None:
                raise ModelError("no liveness model is loaded")
            return self.model

    # -- bookkeeping -----------------------------------------------------------------------------
    def bind(self, service: Any) -> None:
        """Follow ``service``'s tracks: the undecided faces of a frame are scored in one batch, and a
        held-back track is kept *unsettled* there (``Core.live_service`` and the GUI bind their stages).

        The live service settles a track's identity after a few looks and then re-identifies it
        only now and then; looks held back while a challenge runs would settle it unseen by the
        desk, which then could not gather its consensus once the challenge is passed.
        Binding also adds a :class:`~faceapp.live.liveness_record.CheckinLiveness` to the service:
        its check-ins carry the track's liveness evidence.
        """
        from faceapp.live.liveness_record import CheckinLiveness

        self._service = service
        stages = getattr(service, "stages", None)
        if stages is not None and not any(getattr(s, "stage", None) is self for s in stages):
            service.add_stage(CheckinLiveness(self))

    def _unsettle(self, track_id: int) -> None:
        recognizer = getattr(self._service, "recognizer", None)
        for track in getattr(getattr(recognizer, "tracker", None), "tracks", ()):
            if track.id == track_id:
                track.settled = False

    def forget(self, track_ids: Collection[int]) -> None:
        with self._lock:
            for track_id in track_ids:
                self._tracks.pop(track_id, None)

    def apply_settings(self, old: Settings | None, new: Settings) -> None:
        """Follow settings edits (a :class:`~faceapp.live.changes.Changes` listener).

        Modes apply from the next frame; the window and a longer challenge duration apply to tracks
        that start afterwards. Tracks in progress keep their evidence: restarting them let a print
        already judged spoofed start over as undecided, pass fresh looks to the desk again and check
        in (and be reported twice). An edit that makes liveness *stricter* applies to them at once
        (:func:`_stricter`); a looser one only to new tracks.
        """
        del old
        config = LivenessConfig.from_settings(new)
        with self._lock:
            self.config = config
            for track_id, state in self._tracks.items():
                before = state.verdict
                _stricter(state, config, self.rng)
                if state.verdict is not before:
                    log.info("liveness: track %d re-judged after a settings edit: %s -> %s", track_id,
                             before.value, state.verdict.value)


def _stricter(state: _TrackState, config: LivenessConfig, rng: random.Random | None = None) -> None:
    """Apply a stricter edit to a track in progress.

    A higher threshold re-decides the track from its kept evidence (the lowest aggregated score
    it had: a track judged live below the new threshold becomes spoofed, and is held back and
    reported as any spoof). A challenge switched on applies to a track not yet checked in and not
    spoofed: it is undecided until the challenge is passed, and no fresh look reaches the desk
    meanwhile (looks it let through before could otherwise complete a check-in). A challenge that
    now asks for an action the running one does not (blink -> blink+turn) starts over with the new
    actions and time limit; a shorter time limit applies to the running challenge (counted from its
    start, so it may be up at once).
    """
    if config.policy.threshold > state.evidence.policy.threshold:
        state.evidence.policy = replace(state.evidence.policy, threshold=config.policy.threshold)
    running = state.challenge
    asks_more = (config.challenge is not None and running is not None and running.state is LiveVerdict.PENDING
                 and not set(config.challenge.kinds) <= set(running.spec.kinds))
    if (config.challenge is not None and (running is None or asks_more) and not state.checked_in
            and state.evidence.verdict is not LiveVerdict.SPOOF):
        state.challenge = Challenge(config.challenge, rng)
        state.passed_pending = config.desk_looks
        state.escalated = False  # the person's recent spoof suspicions apply to the new challenge too
    elif config.challenge is not None and running is not None:
        running.shorten(config.challenge.seconds)
    state.verdict = _combine(state.evidence.verdict, state.challenge)


def _challenge_failure(challenge: Challenge | None) -> str:
    """Why a failed challenge failed, for the event's note."""
    if challenge is not None and challenge.failure is ChallengeFailure.WRONG_WAY and challenge.direction:
        return (f"challenge failed: head turned to the {challenge.direction.other.value}, "
                f"not to the {challenge.direction.value} as asked")
    return "challenge not completed in time"


def _claims_someone(ctx: TrackContext) -> bool:
    ident = ctx.identification
    return ident is not None and ident.verdict in (Verdict.ACCEPT, Verdict.UNCERTAIN)


def _combine(passive: LiveVerdict, challenge: Challenge | None) -> LiveVerdict:
    if passive is LiveVerdict.SPOOF or (challenge is not None and challenge.state is LiveVerdict.SPOOF):
        return LiveVerdict.SPOOF
    if passive is LiveVerdict.LIVE and (challenge is None or challenge.state is LiveVerdict.LIVE):
        return LiveVerdict.LIVE
    return LiveVerdict.PENDING


def build_liveness_stage(core: Any, settings: Settings | None = None,
                         rng: random.Random | None = None) -> LivenessStage:
    """The stage for a :class:`~faceapp.services.Core`: its models, events and settings, following changes.

    ``rng`` draws the head-turn sides (default: the operating system's generator; tests seed one).
    """
    from faceapp.vision.models import ModelRegistry

    settings = settings or core.settings
    provider = core.pipeline.provider

    def load() -> Models:
        registry = ModelRegistry(user_dir=core.paths.user_models)
        return (LivenessModel.open(registry, provider, settings.threads), EyeStateModel.open(registry, provider),
                LandmarkModel.open(registry, provider))

    stage = LivenessStage(None, LivenessConfig.from_settings(settings), core.gallery.events,
                          zone=getattr(core, "zone", None) or settings.timezone or "UTC", loader=load, rng=rng)
    changes = getattr(core, "changes", None)
    if changes is not None:
        changes.subscribe(stage.apply_settings)
    return stage


def liveness_stages(core: Any, always: bool = False) -> list[LivenessStage]:
    """``[the stage]`` for a core whose settings use liveness on some camera (or ``always``), else ``[]``.

    The GUI passes ``always`` (liveness may be switched on while it runs; models load on first use).
    """
    return [build_liveness_stage(core)] if always or uses_liveness(core.settings) else []


def uses_liveness(settings: Settings) -> bool:
    """Some camera's liveness mode is not off."""
    return getattr(settings, "liveness_mode", "off") != "off" or any(
        m != "off" for m in dict(getattr(settings, "liveness_camera_modes", {})).values())


__all__ = ["CHALLENGES", "DEFAULT_THRESHOLD", "MODES", "LivenessConfig", "LivenessStage", "build_liveness_stage",
           "liveness_stages", "uses_liveness"]
