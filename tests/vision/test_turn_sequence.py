"""Several directed head turns in one challenge (asked of a person recently suspected of a spoof)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from faceapp.vision.liveness_track import Challenge, ChallengeFailure, ChallengeKind, ChallengeSpec, LiveVerdict
from faceapp.vision.liveness_track import TurnDirection as Side
from tests.vision.test_turn_direction import TURN, yaw_frames

L, R = Side.LEFT, Side.RIGHT


def drawing_sides(sides: Sequence[Side]) -> random.Random:
    """A seeded generator whose first draws ask for ``sides``, in order."""
    def draws(seed: int) -> list[Side]:
        rng = random.Random(seed)
        return [rng.choice((L, R)) for _ in sides]
    return random.Random(next(n for n in range(10_000) if draws(n) == list(sides)))


def person(*moves: Side | None, hold: int = 2) -> list[tuple[float, float | None, float | None]]:
    """Yaw frames of a head starting frontal, then for each move turned 20 degrees that way (or back to the front)."""
    yaws = [0.0] * hold
    for move in moves:
        yaws += [0.0 if move is None else 20.0 * move.yaw_sign] * hold
    return yaw_frames(yaws)


def run(challenge: Challenge, frames) -> Challenge:
    for frame in frames:
        challenge.update(*frame)
    return challenge


def two_turns(sides: Sequence[Side]) -> Challenge:
    challenge = Challenge(TURN, direction=sides[0])
    challenge.add_turns(len(sides) - 1, sides=sides[1:])
    return challenge


@pytest.mark.parametrize("sides", [(L, R), (R, L), (L, L), (R, R)])
def test_turns_in_the_asked_order_with_a_return_between_pass(sides: tuple[Side, Side]) -> None:
    challenge = two_turns(sides)
    assert challenge.turns_left == 2 and challenge.spec.seconds == 2 * TURN.seconds  # time for each turn
    run(challenge, person(sides[0]))
    assert challenge.state is LiveVerdict.PENDING and challenge.turns_left == 1 and challenge.returning
    assert challenge.direction is sides[1]
    run(challenge, person(None, sides[1], hold=2)[2:])
    assert challenge.state is LiveVerdict.LIVE and not challenge.returning


def test_the_second_turn_counts_only_after_coming_back() -> None:
    """Held turned, or swung straight to the other side without passing the front: not a second turn."""
    held = run(two_turns((L, L)), person(L, hold=12))  # 4.8 s: past the 4 s of two turns
    assert held.state is LiveVerdict.SPOOF and held.failure is ChallengeFailure.TIME_UP
    swung = run(two_turns((L, R)), person(L, R, hold=8))
    assert swung.state is LiveVerdict.SPOOF and swung.failure is ChallengeFailure.TIME_UP


def test_a_wrong_second_turn_fails_at_once() -> None:
    challenge = run(two_turns((L, R)), person(L, None, L))
    assert challenge.state is LiveVerdict.SPOOF and challenge.failure is ChallengeFailure.WRONG_WAY
    assert challenge.direction is R  # the side that was asked when it failed


def test_a_recorded_single_turn_passes_no_sequence_of_two() -> None:
    """The replayed video of test_turn_direction (one natural turn to the left and back) against 200 draws."""
    s = L.yaw_sign
    recorded = yaw_frames([s * y for y in (1.0, 3.0, 7.0, 14.0, 22.0, 18.0, 9.0, 2.0, -3.0)])
    rng = random.Random(20260101)
    outcomes = []
    for _ in range(200):
        challenge = Challenge(TURN, rng)
        challenge.add_turns(1)
        outcomes.append((tuple(challenge.sides), run(challenge, recorded).state))
    assert {sides for sides, _ in outcomes} == {(L, L), (L, R), (R, L), (R, R)}
    assert not [o for o in outcomes if o[1] is LiveVerdict.LIVE]


def test_a_recorded_left_then_right_passes_only_that_sequence() -> None:
    recorded = person(L, None, R, None)
    rng = random.Random(7)
    passed = set()
    for _ in range(200):
        challenge = Challenge(TURN, rng)
        challenge.add_turns(1)
        if run(challenge, recorded).state is LiveVerdict.LIVE:
            passed.add(tuple(challenge.sides))
    assert passed == {(L, R)}


def test_adding_turns() -> None:
    """To a blink-only challenge (a turn is then asked too), after its turns were done, never once decided."""
    blink = Challenge(ChallengeSpec(kinds=(ChallengeKind.BLINK,), seconds=2.0), drawing_sides((R,)))
    blink.add_turns(1)
    assert blink.remaining == (ChallengeKind.BLINK, ChallengeKind.TURN) and blink.sides == [R]
    assert blink.spec.seconds == 4.0
    done_turn = Challenge(ChallengeSpec(kinds=(ChallengeKind.BLINK, ChallengeKind.TURN), seconds=2.0), direction=L)
    run(done_turn, person(L))
    assert ChallengeKind.TURN in done_turn.done and done_turn.state is LiveVerdict.PENDING  # the blink is missing
    done_turn.add_turns(1, sides=[R])
    assert ChallengeKind.TURN in done_turn.remaining and done_turn.returning  # back to the front first
    passed = run(Challenge(TURN, direction=L), person(L))
    assert passed.state is LiveVerdict.LIVE
    passed.add_turns(2)
    assert passed.sides == [L] and passed.state is LiveVerdict.LIVE  # a decided challenge stays as it was


def test_a_shorter_time_limit_keeps_the_time_of_added_turns() -> None:
    challenge = Challenge(TURN, direction=L)
    challenge.add_turns(1, sides=[R])
    assert challenge.spec.seconds == 4.0
    challenge.shorten(2.0)  # the same limit (any settings edit re-applies it): nothing changes
    challenge.shorten(3.0)  # a longer one: new tracks only
    assert challenge.spec.seconds == 4.0
    challenge.shorten(1.5)
    assert challenge.spec.seconds == 3.0  # 1.5 s for each of the two turns
