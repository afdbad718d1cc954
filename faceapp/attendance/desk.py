"""The attendance desk: turns per-frame identifications into attendance decisions.

Pure logic, no clock of its own and no storage: time comes from the observations (or an injected
clock for :meth:`Desk.expire`), and :meth:`Desk.decide` returns :class:`Decision` objects that the
caller records (``Decision.to_event`` builds the stored :class:`~faceapp.records.Event`).

Rules (see :class:`~faceapp.attendance.rules.DeskRules`):

* consensus - a person is recognised on a track only when enough recent frames of that track
  (``consensus_frames`` of the last ``consensus_window``, all within ``consensus_seconds``) are
  ACCEPT for the same person, and no rival person has more than ``max_rival_votes`` of them;
  UNCERTAIN and UNKNOWN frames count for nobody. A track decides each person at most once, so a
  person standing in front of the camera is not checked out when the cooldown ends.
* cooldown - a person is not recorded again within ``cooldown_seconds``, whatever the track
  (in camera mode per direction, so leaving by the exit camera right after entering still counts).
* in/out - alternate, first-in-last-out or fixed per camera, per person per *local* day of the
  desk's IANA zone (DST-safe: the local date comes from ``zoneinfo``).
* unknown faces - a track with ``unknown_frames`` UNKNOWN frames since its last ACCEPT makes one
  UNKNOWN decision (at most one per track, one per camera per ``flag_interval_seconds``), carrying
  the snapshot; the same for UNCERTAIN when ``uncertain_frames`` > 0.
* bookkeeping - tracks unseen for ``track_ttl_seconds`` are forgotten, at most ``max_tracks`` kept.

The desk's cooldown and in/out memory is a per-process cache. Where several desks (processes)
share one database, :meth:`Desk.resolve` re-applies the cooldown and in/out rules to the stored
events inside the transaction that writes the new one, and :meth:`Desk.note_recorded` brings the
cache in line with what was actually stored.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.attendance.rules import DeskRules, InOutMode, zone_info
from faceapp.records import Event, EventKind, Identification, Person, Verdict

log = logging.getLogger(__name__)

_RECORDED = (EventKind.CHECK_IN, EventKind.CHECK_OUT)
_HOUSEKEEP_EVERY = timedelta(seconds=1)


@dataclass(frozen=True)
class Observation:
    """One identified face in one frame.

    Attributes:
        track_id: the tracker's id, unique per camera (the desk keys tracks by camera and id).
        identification: the gallery's answer for this face.
        time: when the frame was taken; timezone-aware (stored as UTC).
        camera: camera id.
        snapshot: opaque evidence (JPEG bytes, an image array, a path); passed through untouched.
    """

    track_id: int
    identification: Identification
    time: datetime
    camera: str = "default"
    snapshot: Any = None

    def __post_init__(self) -> None:
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise ValueError(f"Observation.time must be timezone-aware, got {self.time!r}")
        object.__setattr__(self, "time", self.time.astimezone(timezone.utc))


@dataclass(frozen=True)
class Decision:
    """Something the desk decided should be recorded.

    ``time`` is UTC (the frame that completed the decision); ``local_day`` is its date in the
    desk's zone. For recognitions ``score``/``margin``/``snapshot`` come from the best agreeing
    frame; for UNKNOWN/UNCERTAIN from the triggering frame (``person_id`` is the best candidate for
    UNCERTAIN and None for UNKNOWN). ``frames`` is how many frames supported the decision.
    """

    kind: EventKind
    time: datetime
    local_day: date
    camera: str
    track_id: int
    person_id: int | None
    name: str | None
    score: float | None
    margin: float | None
    frames: int
    snapshot: Any = None
    #: the desk's cooldown and day state before this decision (see :meth:`Desk.retract`)
    before: tuple[datetime | None, _PersonDay | None] | None = field(default=None, repr=False, compare=False)

    def to_event(
        self,
        tz: str,
        person: Person | None = None,
        snapshot_path: str | None = None,
        operator: str | None = None,
        note: str = "",
    ) -> Event:
        """The event to store; ``person`` fills name, employee number and department."""
        return Event(
            id=None,
            time=self.time,
            tz=tz,
            kind=self.kind,
            person_id=self.person_id,
            name=person.name if person is not None else self.name,
            employee_no=person.employee_no if person is not None else None,
            department=person.department if person is not None else None,
            score=self.score,
            margin=self.margin,
            camera=self.camera,
            operator=operator,
            snapshot=snapshot_path,
            note=note,
        )


@dataclass(frozen=True)
class _Frame:
    time: datetime
    identification: Identification
    snapshot: Any


@dataclass(eq=False)
class _Track:
    frames: deque[_Frame]
    last_seen: datetime
    decided: set[int] = field(default_factory=set)  # persons this track recognised (or suppressed)
    flag_counts: Counter[EventKind] = field(default_factory=Counter)
    flagged: set[EventKind] = field(default_factory=set)
    snapshot: Any = None  # latest non-None snapshot
    confirmed: int | None = None  # the person whose consensus this track reached last


@dataclass(frozen=True)
class _PersonDay:
    day: date
    events: int
    last: EventKind


class Desk:
    """Multi-frame consensus, cooldown, in/out and unknown-face rules over observation streams.

    Not thread-safe: one recognition worker owns the desk and feeds it in frame order.

    Args:
        rules: the rules; defaults when None.
        zone: IANA zone whose local days the in/out rules use, e.g. ``"Asia/Shanghai"``.
        clock: returns the current aware time; used only by :meth:`expire` without an argument.
    """

    def __init__(
        self,
        rules: DeskRules | None = None,
        zone: str | ZoneInfo = "UTC",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._rules = rules or DeskRules()
        self._zone = zone_info(zone)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._tracks: OrderedDict[tuple[str, int], _Track] = OrderedDict()
        self._recorded: dict[tuple[int, EventKind | None], datetime] = {}
        self._days: dict[int, _PersonDay] = {}
        self._flags: dict[tuple[str, EventKind], datetime] = {}
        self._warned_cameras: set[str] = set()
        self._last_housekeeping: datetime | None = None

    @property
    def rules(self) -> DeskRules:
        return self._rules

    def set_rules(self, rules: DeskRules) -> None:
        """Use new rules from now on; tracks restart, cooldowns and today's in/out state are kept."""
        self._rules = rules
        self._tracks.clear()
        self._warned_cameras.clear()

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def track_count(self) -> int:
        """Tracks currently remembered."""
        return len(self._tracks)

    def confirmed(self, camera: str, track_id: int) -> int | None:
        """The person the consensus of this track confirmed (also when the cooldown held it back)."""
        track = self._tracks.get((camera, track_id))
        return None if track is None else track.confirmed

    def settled(self, camera: str, track_id: int) -> bool:
        """Whether the desk has decided about this track (recognised, or flagged unknown/uncertain)."""
        track = self._tracks.get((camera, track_id))
        return track is not None and bool(track.decided or track.flagged)

    def resolve(self, decision: Decision, history: Iterable[tuple[datetime, EventKind, str]]) -> EventKind | None:
        """Re-apply cooldown and in/out to the events already stored for the decision's person.

        Called inside the database transaction that writes the event, with the person's stored
        CHECK_IN/CHECK_OUT events ``(time, kind, camera)`` of the last two days, so that desks in
        other processes count too.

        Returns:
            The kind to store (the direction may differ from the decision's, when another desk
            recorded an event meanwhile), or ``None`` when the cooldown forbids recording it.
        """
        rules = self._rules
        cooldown = timedelta(seconds=rules.cooldown_seconds)
        stored = sorted((t.astimezone(timezone.utc), EventKind(k), c) for t, k, c in history if k in _RECORDED)
        per_direction = rules.in_out is InOutMode.CAMERA
        for time, kind, _camera in stored:
            if abs(decision.time - time) < cooldown and (not per_direction or kind is decision.kind):
                return None
        if per_direction and decision.camera in rules.camera_directions:
            return decision.kind
        today = [kind for time, kind, _ in stored
                 if time <= decision.time and self.local_day(time) == decision.local_day]
        if not today:
            return EventKind.CHECK_IN
        if rules.in_out is InOutMode.FIRST_IN_LAST_OUT:
            return EventKind.CHECK_OUT
        return EventKind.CHECK_OUT if today[-1] is EventKind.CHECK_IN else EventKind.CHECK_IN

    def note_recorded(self, person: int, kind: EventKind | None, time: datetime, decided: EventKind) -> None:
        """Bring the cache in line with what the transaction stored (``kind``; ``None``: nothing).

        ``decided`` is the kind the desk had noted for the decision.
        """
        if kind is decided:
            return
        if kind is None:
            return  # another desk recorded this person moments ago: the cooldown noted here holds
        state = self._days.get(person)
        self._days[person] = _PersonDay(day=self.local_day(time), events=state.events if state else 1, last=kind)
        self._recorded[self._cooldown_key(person, kind)] = time

    def retract(self, decision: Decision) -> None:
        """Undo a recognition that could not be stored, so that the next look decides it again.

        The person's cooldown and day state go back to what they were before the decision, and the
        track forgets that it decided (and confirmed) this person: a check-in the store refused is
        retried on the next agreeing look instead of being lost in the cooldown.
        """
        if decision.person_id is None or decision.before is None:
            return
        recorded, day = decision.before
        key = self._cooldown_key(decision.person_id, decision.kind)
        if recorded is None:
            self._recorded.pop(key, None)
        else:
            self._recorded[key] = recorded
        if day is None:
            self._days.pop(decision.person_id, None)
        else:
            self._days[decision.person_id] = day
        track = self._tracks.get((decision.camera, decision.track_id))
        if track is not None:
            track.decided.discard(decision.person_id)
            if track.confirmed == decision.person_id:
                track.confirmed = None

    def local_day(self, time: datetime) -> date:
        """The date of the aware ``time`` in the desk's zone."""
        return time.astimezone(self._zone).date()

    def decide_frame(self, observations: Iterable[Observation]) -> list[Decision]:
        """:meth:`decide` for every face of one frame, decisions in order."""
        return [d for obs in observations for d in self.decide(obs)]

    def decide(self, obs: Observation) -> list[Decision]:
        """Take one observation; return what should be recorded now (usually nothing)."""
        self._housekeep(obs.time)
        track = self._touch(obs)
        if track is None:
            return []
        decisions = [d for d in (self._recognise(track, obs), self._flag(track, obs)) if d is not None]
        for d in decisions:
            log.info("desk: %s person=%s camera=%s track=%s", d.kind.value, d.person_id, d.camera, d.track_id)
        return decisions

    def expire(self, now: datetime | None = None) -> int:
        """Forget tracks unseen for ``track_ttl_seconds`` and stale state; return tracks dropped."""
        now = (now or self._clock()).astimezone(timezone.utc)
        before = len(self._tracks)
        self._housekeep(now, force=True)
        return before - len(self._tracks)

    def restore(self, events: Iterable[Event]) -> None:
        """Replay stored CHECK_IN/CHECK_OUT events (e.g. today's, after a restart) into the state."""
        recorded = sorted(
            ((e.time.astimezone(timezone.utc), e.person_id, e.kind) for e in events if e.kind in _RECORDED),
            key=lambda item: item[0],
        )
        for time, person, kind in recorded:
            if person is not None:
                self._note(person, kind, time)
        log.info("desk: restored %d events", len(recorded))

    def reset(self) -> None:
        """Forget everything (tracks, cooldowns, day states, unknown throttles)."""
        for table in (self._tracks, self._recorded, self._days, self._flags):
            table.clear()
        self._last_housekeeping = None

    # --- tracks -------------------------------------------------------------------------------

    def _touch(self, obs: Observation) -> _Track | None:
        key = (obs.camera, obs.track_id)
        track = self._tracks.get(key)
        if track is None:
            while len(self._tracks) >= self._rules.max_tracks:
                self._tracks.popitem(last=False)  # least recently seen
            track = _Track(frames=deque(maxlen=self._rules.consensus_window), last_seen=obs.time)
            self._tracks[key] = track
        elif obs.time < track.last_seen:
            log.debug("desk: dropped out-of-order frame of track %s", key)
            return None
        self._tracks.move_to_end(key)
        track.last_seen = obs.time
        track.frames.append(_Frame(obs.time, obs.identification, obs.snapshot))
        if obs.snapshot is not None:
            track.snapshot = obs.snapshot
        return track

    def _housekeep(self, now: datetime, force: bool = False) -> None:
        last = self._last_housekeeping
        if not force and last is not None and now - last < _HOUSEKEEP_EVERY:
            return
        self._last_housekeeping = now if last is None else max(now, last)
        rules = self._rules
        ttl = timedelta(seconds=rules.track_ttl_seconds)
        for key in [k for k, t in self._tracks.items() if now - t.last_seen > ttl]:
            del self._tracks[key]
        cooldown = timedelta(seconds=rules.cooldown_seconds)
        self._recorded = {k: t for k, t in self._recorded.items() if now - t < cooldown}
        interval = timedelta(seconds=rules.flag_interval_seconds)
        self._flags = {k: t for k, t in self._flags.items() if now - t < interval}
        oldest = self.local_day(now) - timedelta(days=1)  # keep yesterday for late frames
        self._days = {p: s for p, s in self._days.items() if s.day >= oldest}

    # --- recognition --------------------------------------------------------------------------

    def _recognise(self, track: _Track, obs: Observation) -> Decision | None:
        if obs.identification.verdict is not Verdict.ACCEPT:
            return None
        agreeing = self._consensus(track, obs.time)
        if not agreeing:
            return None
        person = agreeing[0].identification.person_id
        if person is None:
            return None
        track.confirmed = person
        if person in track.decided:
            return None
        track.decided.add(person)
        track.flag_counts.clear()
        kind = self._direction(person, obs)
        if self._cooling(person, kind, obs.time):
            log.debug("desk: person %s seen again within the cooldown; not recorded", person)
            return None
        before = (self._recorded.get(self._cooldown_key(person, kind)), self._days.get(person))
        self._note(person, kind, obs.time)
        best = max(agreeing, key=lambda f: f.identification.score)
        snapshot = best.snapshot if best.snapshot is not None else track.snapshot
        return Decision(
            kind=kind,
            time=obs.time,
            local_day=self.local_day(obs.time),
            camera=obs.camera,
            track_id=obs.track_id,
            person_id=person,
            name=best.identification.name,
            score=best.identification.score,
            margin=best.identification.margin,
            frames=len(agreeing),
            snapshot=snapshot,
            before=before,
        )

    def _consensus(self, track: _Track, now: datetime) -> list[_Frame]:
        """The ACCEPT frames of the winning person, or [] when the window does not agree."""
        window = timedelta(seconds=self._rules.consensus_seconds)
        votes: dict[int, list[_Frame]] = {}
        for frame in track.frames:
            ident = frame.identification
            if now - frame.time <= window and ident.verdict is Verdict.ACCEPT and ident.person_id is not None:
                votes.setdefault(ident.person_id, []).append(frame)
        if not votes:
            return []
        ranked = sorted(votes.values(), key=len, reverse=True)
        best = ranked[0]
        rival = len(ranked[1]) if len(ranked) > 1 else 0
        if len(best) < self._rules.consensus_frames or rival >= len(best) or rival > self._rules.max_rival_votes:
            return []
        return best

    def _direction(self, person: int, obs: Observation) -> EventKind:
        rules = self._rules
        if rules.in_out is InOutMode.CAMERA:
            fixed = rules.camera_directions.get(obs.camera)
            if fixed is not None:
                return EventKind(fixed)  # already normalised by DeskRules
            if obs.camera not in self._warned_cameras:
                self._warned_cameras.add(obs.camera)
                log.warning("desk: camera %r has no in/out direction; alternating instead", obs.camera)
        state = self._days.get(person)
        if state is None or state.day != self.local_day(obs.time):
            return EventKind.CHECK_IN
        if rules.in_out is InOutMode.FIRST_IN_LAST_OUT:
            return EventKind.CHECK_OUT
        return EventKind.CHECK_OUT if state.last is EventKind.CHECK_IN else EventKind.CHECK_IN

    def _cooldown_key(self, person: int, kind: EventKind) -> tuple[int, EventKind | None]:
        return (person, kind if self._rules.in_out is InOutMode.CAMERA else None)

    def _cooling(self, person: int, kind: EventKind, now: datetime) -> bool:
        last = self._recorded.get(self._cooldown_key(person, kind))
        return last is not None and now - last < timedelta(seconds=self._rules.cooldown_seconds)

    def _note(self, person: int, kind: EventKind, time: datetime) -> None:
        key = self._cooldown_key(person, kind)
        self._recorded[key] = max(time, self._recorded.get(key, time))
        day = self.local_day(time)
        state = self._days.get(person)
        count = state.events + 1 if state is not None and state.day == day else 1
        self._days[person] = _PersonDay(day=day, events=count, last=kind)

    # --- unknown / uncertain faces --------------------------------------------------------------

    def _flag(self, track: _Track, obs: Observation) -> Decision | None:
        verdict = obs.identification.verdict
        if verdict is Verdict.ACCEPT:
            track.flag_counts.clear()
            return None
        kind = EventKind.UNKNOWN if verdict is Verdict.UNKNOWN else EventKind.UNCERTAIN
        need = self._rules.unknown_frames if kind is EventKind.UNKNOWN else self._rules.uncertain_frames
        if need == 0 or track.decided or kind in track.flagged:
            return None
        track.flag_counts[kind] += 1
        if track.flag_counts[kind] < need:
            return None
        last = self._flags.get((obs.camera, kind))
        if last is not None and obs.time - last < timedelta(seconds=self._rules.flag_interval_seconds):
            return None  # throttled; this track may still report once the camera's interval ends
        track.flagged.add(kind)
        self._flags[(obs.camera, kind)] = obs.time
        ident = obs.identification
        known = kind is EventKind.UNCERTAIN
        return Decision(
            kind=kind,
            time=obs.time,
            local_day=self.local_day(obs.time),
            camera=obs.camera,
            track_id=obs.track_id,
            person_id=ident.person_id if known else None,
            name=ident.name if known else None,
            score=ident.score,
            margin=ident.margin,
            frames=track.flag_counts[kind],
            snapshot=obs.snapshot if obs.snapshot is not None else track.snapshot,
        )
