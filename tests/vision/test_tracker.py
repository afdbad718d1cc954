"""IoU tracker, embedding policy and the live recognition step."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.records import Identification, Verdict
from faceapp.vision.tracker import (
    EmbedPolicy,
    FaceState,
    IoUTracker,
    Track,
    TrackingRecognizer,
    appearance,
    match_greedy,
    view_quality,
)


def _points(box: np.ndarray) -> np.ndarray:
    """Five plausible frontal landmarks inside each box: (N, 5, 2)."""
    x1, y1, x2, y2 = (box[:, i, None] for i in range(4))
    fx = np.array([0.3, 0.7, 0.5, 0.35, 0.65])
    fy = np.array([0.4, 0.4, 0.55, 0.75, 0.75])
    return np.stack([x1 + fx * (x2 - x1), y1 + fy * (y2 - y1)], -1).astype(np.float32)


def _step(tracker: IoUTracker, *boxes: tuple[float, float, float, float]) -> list[int]:
    b = np.array(boxes, np.float32).reshape(-1, 4)
    return [t.id for t in tracker.update(b, np.full(len(b), 0.9, np.float32), _points(b))]


@pytest.mark.parametrize(
    ("iou", "threshold", "expected"),
    [
        (np.zeros((0, 0)), 0.3, []),
        (np.zeros((2, 0)), 0.3, []),
        (np.array([[0.9]]), 0.3, [(0, 0)]),
        (np.array([[0.2]]), 0.3, []),
        (np.array([[0.5, 0.8], [0.6, 0.1]]), 0.3, [(0, 1), (1, 0)]),
        (np.array([[0.9, 0.8], [0.85, 0.1]]), 0.3, [(0, 0)]),  # greedy: best pair first
    ],
)
def test_match_greedy(iou: np.ndarray, threshold: float, expected: list[tuple[int, int]]) -> None:
    assert sorted(match_greedy(iou, threshold)) == sorted(expected)


def test_ids_stay_stable_while_faces_move() -> None:
    tracker = IoUTracker()
    first = _step(tracker, (10, 10, 60, 70), (200, 20, 260, 90))
    ids = [
        _step(tracker, (10 + 3 * k, 10, 60 + 3 * k, 70), (200, 20 + 2 * k, 260, 90 + 2 * k))
        for k in range(1, 8)
    ]
    assert all(frame == first for frame in ids)
    assert len(set(first)) == 2


def test_order_of_detections_does_not_matter() -> None:
    tracker = IoUTracker()
    a, b = _step(tracker, (10, 10, 60, 70), (200, 20, 260, 90))
    assert _step(tracker, (200, 20, 260, 90), (10, 10, 60, 70)) == [b, a]


def test_new_face_gets_new_id() -> None:
    tracker = IoUTracker()
    (a,) = _step(tracker, (10, 10, 60, 70))
    a2, c = _step(tracker, (12, 10, 62, 70), (300, 300, 360, 370))
    assert a2 == a and c not in (a,)


def test_track_survives_short_gap_and_expires_after_max_misses() -> None:
    tracker = IoUTracker(max_misses=2)
    (a,) = _step(tracker, (10, 10, 60, 70))
    assert _step(tracker) == []
    assert _step(tracker, (11, 10, 61, 70)) == [a]  # one missed frame: same id
    for _ in range(3):
        _step(tracker)
    assert tracker.tracks == []
    (b,) = _step(tracker, (11, 10, 61, 70))
    assert b != a


def test_ids_can_continue_from_an_earlier_tracker() -> None:
    first = IoUTracker()
    _step(first, (0, 0, 10, 10), (50, 50, 60, 60))
    second = IoUTracker(first_id=first.next_id)
    assert _step(second, (0, 0, 10, 10)) == [3]


def test_empty_frames_are_fine() -> None:
    tracker = IoUTracker()
    assert tracker.update(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 5, 2))) == []
    assert tracker.frame == 1 and tracker.tracks == []


def test_boxes_are_smoothed() -> None:
    tracker = IoUTracker(smoothing=0.5)
    _step(tracker, (0, 0, 100, 100))
    _step(tracker, (10, 0, 110, 100))
    np.testing.assert_allclose(tracker.tracks[0].box, [5, 0, 105, 100])


def test_smoothing_must_be_below_one() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        IoUTracker(smoothing=1.0)


def test_view_quality_prefers_big_frontal_faces() -> None:
    boxes = np.array([[0, 0, 120, 120], [0, 0, 40, 40]], np.float32)
    q = view_quality(boxes, np.array([0.9, 0.9]), _points(boxes))
    assert q[0] == pytest.approx(0.9, abs=0.02) and q[1] < q[0] / 2
    assert view_quality(np.zeros((0, 4)), np.zeros(0), np.zeros((0, 5, 2))).shape == (0,)


def test_embed_policy() -> None:
    policy = EmbedPolicy(every=5, quality_gain=1.2)
    track = Track(1, np.zeros(4, np.float32), np.zeros((5, 2), np.float32), 0.9)
    assert policy.wants(track, 0.5, frame=1)  # never embedded
    track.last_embedded, track.best_quality = 1, 0.5
    assert policy.wants(track, 0.55, frame=2)  # not settled yet: every frame
    track.settled = True
    assert not policy.wants(track, 0.55, frame=3)
    assert policy.wants(track, 0.7, frame=3)  # clearly better view
    assert policy.wants(track, 0.5, frame=6)  # due again


def test_settled_track_is_refreshed_by_time_and_by_a_changed_look() -> None:
    policy = EmbedPolicy(every=10, refresh_seconds=1.0, min_likeness=0.6)
    rng = np.random.default_rng(3)
    face, other = (rng.integers(0, 256, (120, 100, 3), dtype=np.uint8) for _ in range(2))
    box = np.array([0, 0, 100, 120], np.float32)
    track = Track(1, box, np.zeros((5, 2), np.float32), 0.9, settled=True, last_embedded=1, best_quality=0.5,
                  embedded_at=10.0, appearance=appearance(face, box))
    assert not policy.wants(track, 0.5, frame=2, timestamp=10.5, look=appearance(face, box + 2))
    assert policy.wants(track, 0.5, frame=2, timestamp=11.0, look=appearance(face, box))  # a slow camera
    assert policy.wants(track, 0.5, frame=2, timestamp=10.1, look=appearance(other, box))  # someone else
    assert appearance(face, np.array([5, 5, 5.5, 90], np.float32)).tolist() == [0.0] * 64  # empty box


def test_tracks_settle_on_agreeing_looks_within_the_time_window() -> None:
    track = Track(1, np.zeros(4, np.float32), np.zeros((5, 2), np.float32), 0.9)
    tom = Identification(3, "Tom", 0.6, 0.3, Verdict.ACCEPT)
    for t in (0.0, 0.5):
        track.note_look(t, tom, looks=3, seconds=2.0)
    assert not track.settled
    track.note_look(1.0, tom, looks=3, seconds=2.0)
    assert track.settled
    track.note_look(1.2, Identification(4, "Ann", 0.6, 0.3, Verdict.ACCEPT), looks=3, seconds=2.0)
    assert not track.settled  # a disagreeing look reopens the question
    slow = Track(2, np.zeros(4, np.float32), np.zeros((5, 2), np.float32), 0.9)
    for t in (0.0, 1.5, 3.0):
        slow.note_look(t, tom, looks=3, seconds=2.0)
    assert not slow.settled  # agreeing, but spread over more than the window


@pytest.mark.parametrize(
    ("verdict", "state"),
    [(Verdict.ACCEPT, FaceState.RECOGNISED), (Verdict.UNCERTAIN, FaceState.UNCERTAIN),
     (Verdict.UNKNOWN, FaceState.UNKNOWN), (None, FaceState.UNIDENTIFIED)],
)
def test_face_state_of_verdict(verdict: Verdict | None, state: FaceState) -> None:
    identity = None if verdict is None else Identification(1, "A", 0.5, 0.1, verdict)
    assert FaceState.of(identity) is state


@pytest.mark.realdata
def test_tracking_recognizer_embeds_selectively(pipeline, lfw_dir) -> None:
    image = pipeline.load(next((lfw_dir / "images" / "Hugo_Chavez").glob("*.jpg")))
    calls: list[int] = []

    def recognise(embeddings: np.ndarray) -> list[Identification]:
        calls.append(len(embeddings))
        assert embeddings.shape[1] == pipeline.embedder.dim
        return [Identification(7, "Hugo Chavez", 0.71, 0.3, Verdict.ACCEPT)] * len(embeddings)

    live = TrackingRecognizer(pipeline, recognise, policy=EmbedPolicy(every=3, quality_gain=10.0, settle_looks=1))
    results = [live.process(image, 0.01 * i, i) for i in range(4)]  # within refresh_seconds
    first, sightings = results[0]
    assert len(first.faces) >= 1 and first.embedded == len(first.faces)
    face = first.faces[0]
    assert face.state is FaceState.RECOGNISED and face.name == "Hugo Chavez" and face.person_id == 7
    x1, y1, x2, y2 = face.box
    assert 0 <= x1 < x2 <= image.shape[1] and 0 <= y1 < y2 <= image.shape[0]
    assert len(face.landmarks) == 5 and sightings[0].fresh
    assert [r.embedded for r, _ in results[1:3]] == [0, 0]  # same track: no new embedding
    assert not results[1][1][0].fresh and results[1][0].faces[0].track_id == face.track_id
    assert results[3][0].embedded == len(first.faces)  # due again after `every` frames
    assert calls == [len(first.faces), len(first.faces)]


@pytest.mark.realdata
def test_tracking_recognizer_without_recogniser_shows_unidentified(pipeline, lfw_dir) -> None:
    image = pipeline.load(next((lfw_dir / "images" / "Hugo_Chavez").glob("*.jpg")))
    result, sightings = TrackingRecognizer(pipeline).process(image, 0.0, 0)
    assert result.faces and all(f.state is FaceState.UNIDENTIFIED and f.name is None for f in result.faces)
    assert sightings == [] and result.latency_ms > 0
