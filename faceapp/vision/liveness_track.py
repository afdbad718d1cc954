"""Liveness over time: evidence from the frames of one track, and the optional active challenge.

One rule decides a track in live use and a presentation in ``faceapp eval liveness``
(:func:`decide_presentation` feeds :class:`TrackEvidence` exactly as the live stage does, up to the
track's first verdict, when the live path acts), so the published figures are the figures of the product.

Passive evidence: the mean of the per-frame live logits over the last ``window`` frames, each
clipped to ±``clip`` so that no single bad frame (motion blur, a half-visible face) outweighs the
rest, turned back into a 0..1 score; from ``min_frames`` frames on, the lowest such score so far
is compared with the threshold (a spoofed track stays spoofed). Active challenge: a blink (eyes
open → closed → open) and/or a head turn to a side drawn at random per track, within a time limit.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

from faceapp.vision.liveness import DEFAULT_THRESHOLD, from_logit, to_logit


class LiveVerdict(str, Enum):
    """What is known about a track's liveness."""

    PENDING = "pending"  # not enough evidence yet (or a challenge still running)
    LIVE = "live"
    SPOOF = "spoof"


@dataclass(frozen=True)
class TrackPolicy:
    """How frame scores become a track decision.

    Attributes:
        threshold: least aggregated live score (0..1) for LIVE.
        min_frames: frames scored before any decision.
        window: the most recent frames that count.
        clip: each frame's logit is clipped to ±clip (±6 = probabilities 0.0025..0.9975).
    """

    threshold: float = DEFAULT_THRESHOLD
    min_frames: int = 3
    window: int = 15
    clip: float = 6.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("liveness threshold must be between 0 and 1 (exclusive)")
        if not 1 <= self.min_frames <= self.window:
            raise ValueError("min_frames must be between 1 and window")
        if self.clip <= 0:
            raise ValueError("clip must be positive")


@dataclass(eq=False)
class TrackEvidence:
    """Passive live scores of one track, oldest first.

    The track's decision score is the *lowest* aggregated score it has had since ``min_frames``
    frames were seen: once the evidence says "spoof" the track stays spoofed (a photo held still
    for a few good frames cannot undo it), and the decision at any threshold is one comparison.
    """

    policy: TrackPolicy = field(default_factory=TrackPolicy)
    logits: deque[float] = field(default_factory=deque)
    frames: int = 0  # all frames ever added
    worst: float | None = None  # lowest aggregated score since min_frames

    def add(self, score: float) -> LiveVerdict:
        """Add one frame's live score (0..1); the verdict after it."""
        clipped = float(np.clip(to_logit(score), -self.policy.clip, self.policy.clip))
        self.logits.append(clipped)
        while len(self.logits) > self.policy.window:
            self.logits.popleft()
        self.frames += 1
        current = self.score
        if self.frames >= self.policy.min_frames and current is not None:
            self.worst = current if self.worst is None else min(self.worst, current)
        return self.verdict

    @property
    def score(self) -> float | None:
        """Aggregated live score (0..1) of the window, or ``None`` before the first frame."""
        if not self.logits:
            return None
        return float(from_logit(float(np.mean(self.logits))))

    @property
    def decision_score(self) -> float | None:
        """The score the verdict compares with the threshold (``None`` while PENDING)."""
        return self.worst

    @property
    def verdict(self) -> LiveVerdict:
        if self.worst is None:
            return LiveVerdict.PENDING
        return LiveVerdict.LIVE if self.worst >= self.policy.threshold else LiveVerdict.SPOOF


def decide_presentation(scores: Iterable[float], policy: TrackPolicy) -> tuple[LiveVerdict, float | None]:
    """Decide a whole presentation (one video, one walk past the camera) as the live path decides a track.

    Frames are fed in order to a :class:`TrackEvidence` until its first verdict: that is when the
    live path acts (the desk checks the person in, a door opens), and a track's decision score only
    ever falls afterwards, so a presentation the live path ever lets through is exactly one that is
    LIVE at its first verdict. Later frames cannot undo a check-in and are not counted. The result is
    that verdict and its decision score (so the verdict at any threshold ``t`` is ``score >= t``). A
    presentation shorter than ``min_frames`` - which a live track would leave PENDING, never let
    through - is decided on the mean of the frames it has.
    """
    evidence = TrackEvidence(policy)
    for s in scores:
        if evidence.add(s) is not LiveVerdict.PENDING:
            break
    score = evidence.decision_score if evidence.decision_score is not None else evidence.score
    if score is None:
        return LiveVerdict.PENDING, None
    return (LiveVerdict.LIVE if score >= policy.threshold else LiveVerdict.SPOOF), score


class ChallengeKind(str, Enum):
    BLINK = "blink"
    TURN = "turn"  # a turn to the side the challenge names (drawn at random per track)


class TurnDirection(str, Enum):
    """The side to turn the head to, from the person's own point of view."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def yaw_sign(self) -> int:
        """+1 when this turn makes the yaw of :mod:`faceapp.vision.landmarks68` grow, else -1.

        That yaw grows as the nose tip moves towards the image's right, which on an unmirrored
        camera (frames as OpenCV delivers them, as the live path uses them) is the person's own
        left. Measured on turned lfw-dev photos and their mirror images
        (``tests/vision/test_turn_direction.py``).
        """
        return 1 if self is TurnDirection.LEFT else -1

    @property
    def other(self) -> TurnDirection:
        return TurnDirection.RIGHT if self is TurnDirection.LEFT else TurnDirection.LEFT


class ChallengeFailure(str, Enum):
    """Why a challenge failed."""

    TIME_UP = "time_up"  # not every action was seen within the time limit
    WRONG_WAY = "wrong_way"  # the head turned the other way first


@dataclass(frozen=True)
class ChallengeSpec:
    """An active challenge: every listed action must be seen within ``seconds``.

    Attributes:
        kinds: the actions asked for.
        seconds: time limit from the first frame of the track.
        open_above / closed_below: P(eyes open) that counts as open / closed.
        turn_degrees: least yaw change from the first frame, in the asked direction, for a head turn
            (the same change the other way fails the challenge).
    """

    kinds: tuple[ChallengeKind, ...] = (ChallengeKind.BLINK,)
    seconds: float = 6.0
    open_above: float = 0.7
    closed_below: float = 0.3
    turn_degrees: float = 12.0

    def __post_init__(self) -> None:
        if not self.kinds or self.seconds <= 0:
            raise ValueError("a challenge needs at least one action and a positive time limit")
        if not 0.0 <= self.closed_below < self.open_above <= 1.0:
            raise ValueError("need 0 <= closed_below < open_above <= 1")
        if self.turn_degrees <= 0:
            raise ValueError("turn_degrees must be positive")

    @classmethod
    def parse(cls, text: str, seconds: float = 6.0) -> ChallengeSpec | None:
        """``"off"``, ``"blink"``, ``"turn"`` or ``"blink+turn"``; ``None`` for off."""
        if text in ("", "off"):
            return None
        try:
            kinds = tuple(ChallengeKind(part) for part in text.split("+"))
        except ValueError:
            raise ValueError(f"unknown challenge {text!r}: use off, blink, turn or blink+turn") from None
        return cls(kinds=kinds, seconds=seconds)


#: Draws turn directions where no generator is given: from the operating system, not predictable.
_SYSTEM_RANDOM = random.SystemRandom()


class Challenge:
    """Follows one track through a challenge: PENDING until every action is seen, a wrong turn, or time up.

    The head turn is *directed*: the side (the person's own left or right) is drawn at random when
    the challenge starts, and only a yaw change of ``turn_degrees`` that way passes; a change of
    ``turn_degrees`` the other way, seen first, fails at once. A replayed video cannot know the
    side in advance: one natural turn in it passes for half the draws at most, and a replay that
    turns the wrong way fails instead of waiting for the time limit. So each presentation gives a
    replay at most a 50 % chance per turn asked (a blink adds nothing against a video that blinks).
    A live person who turns the wrong way first is refused for that track, as any failed challenge.

    Several turns (:meth:`add_turns`, used after failed attempts) are asked one after the other,
    each side drawn on its own: after each turn the head must come back to within half of
    ``turn_degrees`` of where it started (no wrong way is judged meanwhile) before the next one
    counts, so a video with one turn in it passes none of the sequences of two.

    Args:
        spec: what is asked.
        rng: draws the sides (default: the operating system's generator); inject a seeded
            :class:`random.Random` in tests.
        direction: the side (or the sides, in order), instead of drawing it.
    """

    def __init__(self, spec: ChallengeSpec, rng: random.Random | None = None,
                 direction: TurnDirection | Sequence[TurnDirection] | None = None) -> None:
        self.spec = spec
        self.started: float | None = None
        self.done: set[ChallengeKind] = set()
        self.failure: ChallengeFailure | None = None
        self._rng = rng or _SYSTEM_RANDOM
        self._base_seconds = spec.seconds  # the time limit asked; each added turn adds it again
        self._added = 0  # turns added by add_turns
        self.sides: list[TurnDirection] = []  # the turns asked, in order
        if ChallengeKind.TURN in spec.kinds:
            given = [direction] if isinstance(direction, TurnDirection) else list(direction or ())
            self.sides = given or [self._draw()]
        self._step = 0  # turns done so far
        self._returning = False  # a turn was done: waiting for the head to come back before the next
        self._blink_stage = 0  # 0: waiting for open eyes, 1: seen open, 2: seen closed after open
        self._yaw0: float | None = None
        self._state = LiveVerdict.PENDING

    def shorten(self, seconds: float) -> None:
        """Apply a shorter time limit (per turn added, too) to a challenge still running; a longer one is ignored."""
        if self._state is LiveVerdict.PENDING and seconds < self._base_seconds:
            self._base_seconds = seconds
            self.spec = replace(self.spec, seconds=seconds * (1 + self._added))

    def _draw(self) -> TurnDirection:
        return self._rng.choice((TurnDirection.LEFT, TurnDirection.RIGHT))

    @property
    def direction(self) -> TurnDirection | None:
        """The side of the turn asked now, or of the last one once all are done (``None``: no turn asked)."""
        return self.sides[min(self._step, len(self.sides) - 1)] if self.sides else None

    @property
    def returning(self) -> bool:
        """A turn was done and the head must come back to the front before the next one."""
        return self._returning and ChallengeKind.TURN not in self.done

    @property
    def turns_left(self) -> int:
        """Turns still to be made (the one asked now included)."""
        return len(self.sides) - self._step

    def add_turns(self, count: int, sides: Sequence[TurnDirection] | None = None) -> None:
        """Ask ``count`` more turns of a challenge still running (sides drawn, or ``sides``); each
        adds the challenge's original time limit to the time left."""
        if self._state is not LiveVerdict.PENDING or count <= 0:
            return
        self._added += count
        self.spec = replace(self.spec, seconds=self._base_seconds * (1 + self._added))
        if ChallengeKind.TURN not in self.spec.kinds:
            self.spec = replace(self.spec, kinds=(*self.spec.kinds, ChallengeKind.TURN))
        elif ChallengeKind.TURN in self.done:  # the turns asked so far are done: back to the front first
            self.done.discard(ChallengeKind.TURN)
            self._returning = True
        self.sides += list(sides) if sides is not None else [self._draw() for _ in range(count)]

    @property
    def state(self) -> LiveVerdict:
        """LIVE = passed, SPOOF = failed (time up or a wrong turn), PENDING = still running."""
        return self._state

    @property
    def remaining(self) -> tuple[ChallengeKind, ...]:
        """Actions still to be seen, in the order asked (for the on-screen prompt)."""
        return tuple(k for k in self.spec.kinds if k not in self.done)

    def seconds_left(self, now: float) -> float:
        return self.spec.seconds if self.started is None else max(0.0, self.spec.seconds - (now - self.started))

    def update(self, now: float, eyes_open: float | None = None, yaw: float | None = None) -> LiveVerdict:
        """Take one frame: time in seconds, P(eyes open) and yaw in degrees when measured."""
        if self._state is not LiveVerdict.PENDING:
            return self._state
        if self.started is None:
            self.started = now
        if eyes_open is not None and ChallengeKind.BLINK in self.spec.kinds:
            self._blink(eyes_open)
        if yaw is not None and self.direction is not None and ChallengeKind.TURN not in self.done:
            self._turn(yaw)
        if self.failure is not None:
            self._state = LiveVerdict.SPOOF
        elif not self.remaining:
            self._state = LiveVerdict.LIVE
        elif now - self.started > self.spec.seconds:
            self.failure = ChallengeFailure.TIME_UP
            self._state = LiveVerdict.SPOOF
        return self._state

    def _turn(self, yaw: float) -> None:
        self._yaw0 = yaw if self._yaw0 is None else self._yaw0
        if self._returning:
            self._returning = abs(yaw - self._yaw0) > self.spec.turn_degrees / 2
            return
        side = self.sides[self._step]
        moved = (yaw - self._yaw0) * side.yaw_sign  # positive: towards the asked side
        if moved >= self.spec.turn_degrees:
            self._step += 1
            if self._step == len(self.sides):
                self.done.add(ChallengeKind.TURN)
            else:
                self._returning = True
        elif moved <= -self.spec.turn_degrees:
            self.failure = ChallengeFailure.WRONG_WAY

    def _blink(self, p_open: float) -> None:
        if self._blink_stage == 0 and p_open >= self.spec.open_above:
            self._blink_stage = 1
        elif self._blink_stage == 1 and p_open <= self.spec.closed_below:
            self._blink_stage = 2
        elif self._blink_stage == 2 and p_open >= self.spec.open_above:
            self.done.add(ChallengeKind.BLINK)


def run_challenge(spec: ChallengeSpec, frames: Sequence[tuple[float, float | None, float | None]],
                  rng: random.Random | None = None,
                  direction: TurnDirection | Sequence[TurnDirection] | None = None) -> LiveVerdict:
    """Feed ``(time, eyes_open, yaw)`` frames to a new :class:`Challenge`; its final state."""
    challenge = Challenge(spec, rng, direction)
    for now, eyes, yaw in frames:
        challenge.update(now, eyes, yaw)
    return challenge.state
