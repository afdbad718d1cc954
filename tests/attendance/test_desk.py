"""The attendance desk: consensus, cooldown, in/out modes, unknown faces, local days, expiry."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

import pytest

from faceapp.attendance import Decision, Desk, DeskRules, InOutMode, Observation
from faceapp.errors import ConfigError
from faceapp.records import Event, EventKind, Identification, Person, Verdict

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)
A, U, X = Verdict.ACCEPT, Verdict.UNCERTAIN, Verdict.UNKNOWN
IN, OUT = EventKind.CHECK_IN, EventKind.CHECK_OUT


def ident(person: int | None = 1, verdict: Verdict = A, score: float = 0.7) -> Identification:
    name = None if person is None else f"person{person}"
    return Identification(person_id=person, name=name, score=score, margin=0.2, verdict=verdict)


def obs(
    seconds: float, track: int = 1, person: int | None = 1, verdict: Verdict = A, camera: str = "cam", **kw: object
) -> Observation:
    return Observation(track, ident(person, verdict, **kw), T0 + timedelta(seconds=seconds), camera)  # type: ignore[arg-type]


def feed(desk: Desk, observations: Sequence[Observation]) -> list[Decision]:
    return [d for o in observations for d in desk.decide(o)]


def walk_up(desk: Desk, start: datetime, person: int = 1, track: int = 1, camera: str = "cam") -> list[Decision]:
    """Five ACCEPT frames of one person 0.2 s apart starting at ``start``."""
    frames = [Observation(track, ident(person), start + timedelta(seconds=0.2 * i), camera) for i in range(5)]
    return feed(desk, frames)


# --- consensus ------------------------------------------------------------------------------------


def test_three_of_five_within_two_seconds_checks_in_exactly_once() -> None:
    desk = Desk()
    verdicts = [A, U, A, X, A]
    decisions = feed(desk, [obs(0.3 * i, verdict=v) for i, v in enumerate(verdicts)])
    assert [d.kind for d in decisions] == [EventKind.CHECK_IN]
    d = decisions[0]
    assert (d.person_id, d.frames, d.track_id, d.camera) == (1, 3, 1, "cam")
    assert d.time == T0 + timedelta(seconds=1.2)  # the third agreeing frame completes it
    # The person keeps standing there: more agreeing frames decide nothing more.
    assert feed(desk, [obs(1.5 + 0.3 * i) for i in range(20)]) == []


def test_two_of_five_is_not_enough() -> None:
    desk = Desk()
    assert feed(desk, [obs(0.3 * i, verdict=v) for i, v in enumerate([A, U, A, U, X])]) == []


def test_frames_spread_beyond_the_time_window_do_not_agree() -> None:
    desk = Desk()
    assert feed(desk, [obs(1.5 * i) for i in range(6)]) == []  # every pair is 1.5 s, every triple 3 s


def test_only_the_last_frames_of_the_window_vote() -> None:
    desk = Desk()  # frames 2..6 hold only two ACCEPTs, the first one fell out of the window
    assert feed(desk, [obs(0.1 * i, verdict=v) for i, v in enumerate([A, A, U, U, U, A])]) == []


def test_uncertain_frames_do_not_vote_even_with_the_right_person() -> None:
    desk = Desk()
    frames = [obs(0.1 * i, verdict=v) for i, v in enumerate([U, U, U, A, A])]
    assert feed(desk, frames) == []
    assert [d.kind for d in desk.decide(obs(0.6))] == [EventKind.CHECK_IN]


def test_best_agreeing_frame_gives_score_and_snapshot() -> None:
    desk = Desk()
    scores = [0.61, 0.83, 0.70]
    frames = [
        Observation(1, ident(1, A, s), T0 + timedelta(seconds=0.1 * i), "cam", snapshot=f"jpg{i}")
        for i, s in enumerate(scores)
    ]
    (d,) = feed(desk, frames)
    assert d.score == pytest.approx(0.83)
    assert d.snapshot == "jpg1"


@pytest.mark.parametrize(
    ("persons", "expected"),
    [
        ([1, 1, 2, 2, 1], None),  # rival has two votes: ambiguous track, no decision
        ([1, 2, 1, 1], 1),  # one stray vote for someone else does not block
        ([2, 1, 2, 1, 1], None),  # 3 vs 2 inside the window
        ([2, 2, 1, 1, 1, 1, 1], 1),  # the rival's votes fell out of the last five frames
    ],
)
def test_a_rival_person_in_the_window(persons: list[int], expected: int | None) -> None:
    desk = Desk()
    decisions = feed(desk, [obs(0.1 * i, person=p) for i, p in enumerate(persons)])
    assert [d.person_id for d in decisions] == ([] if expected is None else [expected])


def test_strict_rival_rule() -> None:
    frames = [obs(0.1 * i, person=p) for i, p in enumerate([1, 1, 2, 1])]
    assert feed(Desk(DeskRules(max_rival_votes=0)), frames) == []
    assert [d.person_id for d in feed(Desk(), frames)] == [1]


def test_a_track_can_switch_to_another_person() -> None:
    desk = Desk()  # e.g. the tracker handed a box over to someone else
    frames = [obs(0.1 * i, person=p) for i, p in enumerate([1, 1, 1, 2, 2, 2, 2])]
    assert [d.person_id for d in feed(desk, frames)] == [1, 2]


def test_tracks_on_different_cameras_with_the_same_id_are_separate() -> None:
    desk = Desk()
    frames = [obs(0.1 * i, camera="a" if i % 2 else "b") for i in range(4)]
    assert feed(desk, frames) == []  # two frames per camera only


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Observation(1, ident(), datetime(2026, 3, 10, 8, 0))


def test_out_of_order_frames_are_ignored() -> None:
    desk = Desk()
    feed(desk, [obs(1.0), obs(1.1)])
    assert desk.decide(obs(0.5)) == []  # older than the track's newest frame: dropped, not counted
    assert [d.kind for d in desk.decide(obs(1.2))] == [EventKind.CHECK_IN]


# --- cooldown -------------------------------------------------------------------------------------


def test_cooldown_holds_across_tracks_then_releases() -> None:
    desk = Desk(DeskRules(cooldown_seconds=300))
    assert [d.kind for d in walk_up(desk, T0, track=1)] == [EventKind.CHECK_IN]
    assert walk_up(desk, T0 + timedelta(seconds=60), track=2) == []
    assert walk_up(desk, T0 + timedelta(seconds=299), track=3) == []
    later = walk_up(desk, T0 + timedelta(seconds=301), track=4)
    assert [(d.kind, d.person_id) for d in later] == [(EventKind.CHECK_OUT, 1)]


def test_cooldown_is_per_person() -> None:
    desk = Desk()
    assert [d.person_id for d in walk_up(desk, T0, person=1, track=1)] == [1]
    assert [d.person_id for d in walk_up(desk, T0 + timedelta(seconds=5), person=2, track=2)] == [2]


# --- in / out -------------------------------------------------------------------------------------


def kinds_at(desk: Desk, hours: Sequence[float], camera: str = "cam") -> list[EventKind]:
    out: list[EventKind] = []
    for i, hour in enumerate(hours):
        decisions = walk_up(desk, T0 + timedelta(hours=hour), track=i + 1, camera=camera)
        out.extend(d.kind for d in decisions)
    return out


def test_alternate_mode_flips_and_starts_each_day_with_in() -> None:
    desk = Desk(DeskRules(in_out=InOutMode.ALTERNATE))
    kinds = kinds_at(desk, [0, 4, 5, 9, 24, 25])
    assert kinds == [IN, OUT, IN, OUT, IN, OUT]
    desk2 = Desk(DeskRules(in_out=InOutMode.ALTERNATE))
    assert kinds_at(desk2, [0, 4, 5, 24]) == [IN, OUT, IN, IN]  # the open day does not flip tomorrow


def test_first_in_last_out_mode() -> None:
    desk = Desk(DeskRules(in_out="first_in_last_out"))  # type: ignore[arg-type]
    assert kinds_at(desk, [0, 4, 5, 9, 24, 30]) == [IN, OUT, OUT, OUT, IN, OUT]


def test_camera_mode_fixed_directions_and_cooldown_per_direction() -> None:
    rules = DeskRules(in_out=InOutMode.CAMERA, camera_directions={"door-in": "in", "door-out": "out"})
    desk = Desk(rules)
    assert [d.kind for d in walk_up(desk, T0, track=1, camera="door-in")] == [IN]
    assert [d.kind for d in walk_up(desk, T0 + timedelta(seconds=30), track=2, camera="door-in")] == []
    # Leaving right after entering still counts: the cooldown is per direction here.
    assert [d.kind for d in walk_up(desk, T0 + timedelta(seconds=60), track=3, camera="door-out")] == [OUT]
    assert [d.kind for d in walk_up(desk, T0 + timedelta(seconds=600), track=4, camera="door-in")] == [IN]
    assert [d.kind for d in walk_up(desk, T0 + timedelta(seconds=900), track=5, camera="door-in")] == [IN]


def test_camera_mode_unmapped_camera_alternates_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    desk = Desk(DeskRules(in_out=InOutMode.CAMERA, camera_directions={"door-in": EventKind.CHECK_IN}))
    with caplog.at_level(logging.WARNING, logger="faceapp.attendance.desk"):
        kinds = kinds_at(desk, [0, 1], camera="lobby")
    assert kinds == [EventKind.CHECK_IN, EventKind.CHECK_OUT]
    assert sum("lobby" in r.getMessage() for r in caplog.records) == 1


# --- unknown and uncertain faces ------------------------------------------------------------------


def unknowns(seconds: float, track: int, n: int, camera: str = "cam") -> list[Observation]:
    return [
        Observation(track, ident(None, X, 0.1), T0 + timedelta(seconds=seconds + 0.1 * i), camera, f"snap{track}.{i}")
        for i in range(n)
    ]


def test_unknown_track_makes_one_event_with_its_snapshot() -> None:
    desk = Desk(DeskRules(unknown_frames=5))
    assert feed(desk, unknowns(0, track=1, n=4)) == []
    decisions = feed(desk, unknowns(0.4, track=1, n=20))
    assert len(decisions) == 1
    d = decisions[0]
    assert (d.kind, d.person_id, d.track_id, d.frames, d.snapshot) == (EventKind.UNKNOWN, None, 1, 5, "snap1.0")


def test_unknown_events_are_throttled_per_camera() -> None:
    desk = Desk(DeskRules(unknown_frames=3, flag_interval_seconds=30))
    assert len(feed(desk, unknowns(0, track=1, n=3))) == 1
    assert feed(desk, unknowns(5, track=2, n=10)) == []  # same camera, 5 s later: throttled
    assert len(feed(desk, unknowns(5, track=3, n=3, camera="other"))) == 1  # other camera: own budget
    # Track 2 stays in view: it reports once the camera's interval has passed, and only once.
    late = feed(desk, unknowns(5, track=2, n=400))
    assert [(d.kind, d.track_id) for d in late] == [(EventKind.UNKNOWN, 2)]
    assert late[0].time - T0 >= timedelta(seconds=30.2)


def test_recognised_track_never_reports_unknown() -> None:
    desk = Desk(DeskRules(unknown_frames=2))
    assert [d.kind for d in walk_up(desk, T0)] == [EventKind.CHECK_IN]
    assert feed(desk, unknowns(2, track=1, n=10)) == []


def test_accept_frames_reset_the_unknown_count() -> None:
    desk = Desk(DeskRules(unknown_frames=3))
    frames = [obs(0.5 * i, person=7 if v is A else None, verdict=v) for i, v in enumerate([X, X, A, X, X])]
    assert feed(desk, frames) == []
    assert [d.kind for d in desk.decide(obs(2.6, person=None, verdict=X))] == [EventKind.UNKNOWN]


def test_unknown_events_can_be_turned_off() -> None:
    desk = Desk(DeskRules(unknown_frames=0))
    assert feed(desk, unknowns(0, track=1, n=50)) == []


def test_uncertain_events_are_optional_and_carry_the_candidate() -> None:
    frames = [obs(0.1 * i, person=4, verdict=U, score=0.4) for i in range(6)]
    assert feed(Desk(), frames) == []  # off by default
    decisions = feed(Desk(DeskRules(uncertain_frames=4)), frames)
    assert [(d.kind, d.person_id, d.frames) for d in decisions] == [(EventKind.UNCERTAIN, 4, 4)]


# --- local days and time zones --------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("zone", "first", "second", "second_kind", "second_day"),
    [
        # 23:00 and 00:30 in Shanghai (UTC+8): a new local day, so in again (UTC would say out).
        ("Asia/Shanghai", utc(2026, 3, 10, 15, 0), utc(2026, 3, 10, 16, 30), EventKind.CHECK_IN, date(2026, 3, 11)),
        ("UTC", utc(2026, 3, 10, 15, 0), utc(2026, 3, 10, 16, 30), EventKind.CHECK_OUT, date(2026, 3, 10)),
        # Berlin on 29 March 2026 has 23 hours: 00:30 CET and 00:30 CEST the next day are 23 h apart.
        ("Europe/Berlin", utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 22, 30), EventKind.CHECK_IN, date(2026, 3, 30)),
        ("Europe/Berlin", utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 21, 30), EventKind.CHECK_OUT, date(2026, 3, 29)),
        # 25 October 2026 has 25 hours: 00:10 CEST and 23:50 CET the same day are 24 h 40 min apart.
        (
            "Europe/Berlin",
            utc(2026, 10, 24, 22, 10),
            utc(2026, 10, 25, 22, 50),
            EventKind.CHECK_OUT,
            date(2026, 10, 25),
        ),
    ],
)
def test_local_day_boundaries(
    zone: str, first: datetime, second: datetime, second_kind: EventKind, second_day: date
) -> None:
    desk = Desk(DeskRules(in_out=InOutMode.ALTERNATE), zone=zone)
    assert [d.kind for d in walk_up(desk, first, track=1)] == [EventKind.CHECK_IN]
    (d,) = walk_up(desk, second, track=2)
    assert (d.kind, d.local_day) == (second_kind, second_day)


def test_unknown_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="time zone"):
        Desk(zone="Mars/Olympus")


# --- bookkeeping, restore, conversion ---------------------------------------------------------------


def test_track_memory_is_bounded_and_expires() -> None:
    desk = Desk(DeskRules(max_tracks=50, track_ttl_seconds=10), clock=lambda: T0 + timedelta(seconds=100))
    for track in range(500):
        desk.decide(obs(0.01 * track, track=track, person=None, verdict=X))
    assert desk.track_count == 50
    assert desk.expire(T0 + timedelta(seconds=5)) == 0
    assert desk.expire() == 50  # the injected clock says 100 s later
    assert desk.track_count == 0


def test_old_tracks_are_dropped_while_frames_flow() -> None:
    desk = Desk(DeskRules(track_ttl_seconds=10))
    feed(desk, [obs(0.0, track=1), obs(0.1, track=1)])
    feed(desk, [obs(20.0 + 0.1 * i, track=2, person=2) for i in range(3)])
    assert desk.track_count == 1
    # Track 1 was forgotten, so two new frames are not enough for consensus.
    assert feed(desk, [obs(21.0, track=1), obs(21.1, track=1)]) == []


def test_restore_continues_the_day_and_the_cooldown() -> None:
    stored = [
        Event(None, T0 - timedelta(hours=2), "UTC", EventKind.CHECK_IN, 1, "p", None, None, 0.8, 0.3, "cam"),
        Event(None, T0 - timedelta(seconds=100), "UTC", EventKind.CHECK_OUT, 2, "q", None, None, 0.8, 0.3, "cam"),
        Event(None, T0 - timedelta(seconds=50), "UTC", EventKind.UNKNOWN, None, None, None, None, 0.1, 1.0, "cam"),
    ]
    desk = Desk()
    desk.restore(stored)
    assert [d.kind for d in walk_up(desk, T0, person=1, track=1)] == [EventKind.CHECK_OUT]
    assert walk_up(desk, T0, person=2, track=2) == []  # still in person 2's cooldown


def test_new_rules_keep_cooldowns_and_day_state() -> None:
    desk = Desk()
    assert [d.kind for d in walk_up(desk, T0)] == [IN]
    desk.set_rules(DeskRules(consensus_frames=1, consensus_window=1, cooldown_seconds=60))
    assert desk.track_count == 0 and desk.rules.consensus_frames == 1
    assert desk.decide(obs(30, track=2)) == []  # still inside the (new, shorter) cooldown
    assert [d.kind for d in desk.decide(obs(61, track=3))] == [OUT]  # one frame is enough now


def test_decision_to_event_fills_person_details() -> None:
    (d,) = walk_up(Desk(zone="Asia/Shanghai"), T0)
    person = Person(id=1, name="张伟", employee_no="E001", department="R&D")
    event = d.to_event("Asia/Shanghai", person, snapshot_path="snapshots/1.jpg", operator="desk")
    assert (event.kind, event.person_id, event.name, event.employee_no, event.department) == (
        EventKind.CHECK_IN,
        1,
        "张伟",
        "E001",
        "R&D",
    )
    assert (event.time, event.tz, event.snapshot, event.camera) == (d.time, "Asia/Shanghai", "snapshots/1.jpg", "cam")
    assert event.time.tzinfo is timezone.utc


# --- rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"consensus_frames": 6, "consensus_window": 5},
        {"consensus_frames": 0},
        {"consensus_seconds": 0},
        {"cooldown_seconds": -1},
        {"in_out": "sometimes"},
        {"in_out": "camera"},
        {"in_out": "camera", "camera_directions": {"a": "sideways"}},
        {"max_tracks": 0},
    ],
)
def test_invalid_rules_are_config_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        DeskRules.from_dict(bad)


def test_rules_round_trip_through_a_dict() -> None:
    rules = DeskRules(in_out=InOutMode.CAMERA, camera_directions={"a": "in", "b": "check_out"}, cooldown_seconds=60)
    data = rules.to_dict()
    assert data["camera_directions"] == {"a": "in", "b": "out"}
    assert data["in_out"] == "camera"
    again = DeskRules.from_dict(data | {"obsolete": 1})
    assert again == rules
    assert hash(again) == hash(rules)
    assert again.camera_directions["b"] is EventKind.CHECK_OUT


# --- rules across desks: resolve against the stored events --------------------------------------


def _decided(desk: Desk, seconds: float, camera: str = "cam") -> Decision:
    (decision,) = walk_up(desk, T0 + timedelta(seconds=seconds), camera=camera)
    return decision


@pytest.mark.parametrize(
    ("mode", "stored", "expected"),
    [
        (InOutMode.ALTERNATE, [], IN),
        (InOutMode.ALTERNATE, [(-3600, IN)], OUT),  # another desk checked in an hour ago
        (InOutMode.ALTERNATE, [(-7200, IN), (-3600, OUT)], IN),
        (InOutMode.ALTERNATE, [(-100, IN)], None),  # within the cooldown at another desk
        (InOutMode.ALTERNATE, [(+100, IN)], None),  # ... also when its frame was a little later
        (InOutMode.ALTERNATE, [(-86_400, IN)], IN),  # yesterday's does not count for today's direction
        (InOutMode.FIRST_IN_LAST_OUT, [(-3600, OUT), (-7200, IN)], OUT),
    ],
)
def test_resolve_applies_cooldown_and_in_out_to_stored_events(mode: InOutMode, stored: list, expected) -> None:
    desk = Desk(DeskRules(in_out=mode), "UTC")
    decision = _decided(desk, 0)
    history = [(decision.time + timedelta(seconds=s), kind, "other-desk") for s, kind in stored]
    assert desk.resolve(decision, history) is expected


def test_resolve_in_camera_mode_keeps_the_cameras_direction_and_cools_down_per_direction() -> None:
    desk = Desk(DeskRules(in_out=InOutMode.CAMERA, camera_directions={"door-in": "in", "door-out": "out"}), "UTC")
    decision = _decided(desk, 0, camera="door-out")
    assert decision.kind is OUT
    assert desk.resolve(decision, [(decision.time - timedelta(seconds=30), IN, "door-in")]) is OUT
    assert desk.resolve(decision, [(decision.time - timedelta(seconds=30), OUT, "door-out")]) is None


def test_note_recorded_corrects_the_cache_after_another_desk_wrote() -> None:
    desk = Desk(DeskRules(cooldown_seconds=60), "UTC")
    first = _decided(desk, 0)
    assert first.kind is IN
    desk.note_recorded(1, OUT, first.time, first.kind)  # the database said: out (another desk had checked in)
    (later,) = walk_up(desk, T0 + timedelta(seconds=120), track=2)
    assert later.kind is IN  # alternates from what was really stored


# --- a decision the store refused -------------------------------------------------------------------


def test_a_retracted_check_in_is_decided_again_on_the_next_look() -> None:
    desk = Desk()
    (first,) = walk_up(desk, T0)
    assert first.kind is IN
    desk.retract(first)  # its write failed
    assert desk.confirmed("cam", 1) is None
    (again,) = desk.decide(obs(1.2))  # the same track, one more agreeing look
    assert (again.kind, again.person_id) == (IN, 1)  # not held back by the cooldown, still a check-in
    assert desk.decide(obs(1.4)) == []  # once stored, decided once as before


def test_a_retracted_check_out_restores_the_day_before_it() -> None:
    desk = Desk(DeskRules(cooldown_seconds=60))
    walk_up(desk, T0)
    (checkout,) = walk_up(desk, T0 + timedelta(minutes=5), track=2)
    assert checkout.kind is OUT
    desk.retract(checkout)
    (retry,) = desk.decide(Observation(2, ident(1), T0 + timedelta(minutes=5, seconds=1), "cam"))
    assert retry.kind is OUT  # the day still ends with the check-in, so the retry is a check-out again
    assert desk.decide(Observation(2, ident(1), T0 + timedelta(minutes=5, seconds=2), "cam")) == []
