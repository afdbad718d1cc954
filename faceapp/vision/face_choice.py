"""Which face of a photo to enrol, and whether its quality allows it: pure decisions, no I/O.

Enrolment photos often show more than one face (a colleague behind, a crowd, a poster). The face
meant is the **dominant** one: at least :data:`CLEAR_RATIO` times the size of any other; or, among
faces of similar size, the one clearly nearest the photo's centre (at most :data:`CENTRE_FACTOR`
times the distance of any rival). Only when neither holds is the photo genuinely ambiguous and
refused, naming the candidates.

Measured (``benchmarks/bench_enrolment.py faces``, default detector settings): 245 of the 2,372
photos of lfw-dev and celeba-dev show several faces; in 201 the labelled person's face is known
(it matches their other photos by a margin >= 0.15). Where the largest face is >= 1.3x the next
one (156 photos) it is theirs in 155 (the other: a 2.6x bystander). Below 1.3x (45 photos) the
largest is theirs in 43, the face nearest the centre in 44: in LFW-style crops the person sits at
the centre whatever the size. With these rules 197 photos get the right face, 2 the wrong one,
and 2 (rivals at similar distances from the centre) are refused as ambiguous.

Quality gate (``benchmarks/bench_enrolment.py quality`` and ``degrade``): a face is refused only
where its template would verify its own person less than half as often as a good one or would
raise false accepts (TAR and false accepts per comparison at the 1e-4 threshold, 240 sharp
celeba-dev faces degraded step by step: TAR 0.862, false accepts 1.2e-4 undegraded). On the
natural photos no figure raised false accepts beyond noise (0.5-1.7e-4 per bin, 1e-4 overall)
and turned heads (|yaw| up to 90°, |pitch| up to 50°) still verified at 0.85-0.93, so pose
refuses nothing: it only lowers the :func:`quality_score`.

================  ============================  ==================================================
reason            refused when                  measured
================  ============================  ==================================================
``too small``     ``size`` < 20 px              TAR 0.24 at 18 px, 0.55 at 22, 0.79 at 31, 0.85 at 55
``blurred``       ``blur`` < 8                  TAR 0.34 at 6, 0.63 at 11, 0.76 at 18, 0.82 at 39
``too dark``      ``brightness`` < 12           TAR 0.48 and false accepts 2.2e-4 (1.8x) at 11;
                                                TAR 0.71 at 16, 0.78 at 22, 0.84 at 45
================  ============================  ==================================================

The same functions serve single enrolments, bulk import and any batch importer: call
:func:`choose_face` on the detections, then :meth:`QualityGate.check` on the chosen face's figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceapp.errors import PoorQualityError

#: The largest face is dominant when its size (the box's shorter side) is at least this many times
#: the next largest one's.
CLEAR_RATIO = 1.3
#: Among faces of similar size (within :data:`CLEAR_RATIO` of the largest), the one nearest the
#: centre is chosen when its distance from the centre is at most this fraction of every rival's.
CENTRE_FACTOR = 0.5


@dataclass(frozen=True)
class FaceChoice:
    """The face chosen for enrolment, or why none could be.

    Attributes:
        index: the chosen face (row of the detections), or ``None`` when ambiguous / no face.
        reason: ``"only"``, ``"dominant"`` (clearly largest), ``"central"`` (largest and nearest the
            centre), ``"largest"`` (the explicit override), ``"ambiguous"`` or ``"none"``.
        faces: how many faces the photo shows.
        ratio: size of the largest face over the next largest (``inf`` for one face, 0 for none).
        candidates: indices of the faces a user would have to choose between (largest first).
    """

    index: int | None
    reason: str
    faces: int
    ratio: float
    candidates: tuple[int, ...] = ()

    @property
    def chosen(self) -> bool:
        return self.index is not None

    def describe(self, boxes: np.ndarray | None = None) -> str:
        """One line for the user: which face was used, or which ones compete."""
        def where(i: int) -> str:
            if boxes is None:
                return f"face {i + 1}"
            x1, y1, x2, y2 = (round(float(v)) for v in boxes[i])
            return f"face {i + 1} at ({x1}, {y1})-({x2}, {y2})"

        if self.reason == "only":
            return "the only face"
        if self.reason in ("dominant", "central", "largest"):
            why = {"dominant": f"{self.ratio:.1f}x larger than the others",
                   "central": "clearly nearest the centre among faces of similar size",
                   "largest": "largest, as asked"}[self.reason]
            return f"{where(self.index)} of {self.faces} ({why})"  # type: ignore[arg-type]
        if self.reason == "none":
            return "no face"
        return (f"{self.faces} faces found; none is clearly the person's "
                f"({', '.join(where(i) for i in self.candidates)} are of similar size, the largest only "
                f"{self.ratio:.2f}x the next, and none is clearly nearest the centre)")


def face_sizes(boxes: np.ndarray) -> np.ndarray:
    """(N,) shorter side of each (N, 4) x1, y1, x2, y2 box."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    return np.minimum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])


def centre_distances(boxes: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """(N,) distance of each box centre from the image centre, in units of the image diagonal."""
    b = np.asarray(boxes, np.float64).reshape(-1, 4)
    height, width = float(image_shape[0]), float(image_shape[1])
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    return np.hypot(cx - width / 2, cy - height / 2) / max(np.hypot(width, height), 1.0)


def choose_face(boxes: np.ndarray, image_shape: tuple[int, ...], *, largest: bool = False,
                clear_ratio: float = CLEAR_RATIO, centre_factor: float = CENTRE_FACTOR) -> FaceChoice:
    """The face to enrol among a photo's detections.

    Args:
        boxes: (N, 4) x1, y1, x2, y2 of the detected faces (N may be 0).
        image_shape: the photo's (height, width[, channels]).
        largest: take the largest face whatever the others (the user's explicit override).
        clear_ratio, centre_factor: the dominance rules (defaults measured, see the module docstring).
    """
    sizes = face_sizes(boxes)
    n = len(sizes)
    if n == 0:
        return FaceChoice(None, "none", 0, 0.0)
    if n == 1:
        return FaceChoice(0, "only", 1, float("inf"))
    order = np.argsort(-sizes, kind="stable")
    first = int(order[0])
    ratio = float(sizes[first] / max(sizes[int(order[1])], 1e-6))
    if largest:
        return FaceChoice(first, "largest", n, ratio)
    if ratio >= clear_ratio:
        return FaceChoice(first, "dominant", n, ratio)
    rivals = tuple(int(i) for i in order if sizes[i] * clear_ratio > sizes[first])
    distances = centre_distances(boxes, image_shape)
    by_distance = sorted(rivals, key=lambda i: distances[i])
    nearest, runner_up = by_distance[0], by_distance[1]
    if distances[nearest] <= centre_factor * distances[runner_up]:
        return FaceChoice(nearest, "central", n, ratio, rivals)
    return FaceChoice(None, "ambiguous", n, ratio, rivals)


#: Measured true-accept rate relative to an undegraded face, by figure (see the module docstring):
#: (figure values, relative TAR). :func:`quality_score` interpolates and multiplies them.
_RELATIVE_TAR: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "size": ((13, 18, 22, 26, 31, 37, 44, 55), (0.04, 0.27, 0.64, 0.83, 0.92, 0.96, 0.98, 0.99)),
    "blur": ((3.1, 4.5, 6.3, 10.5, 17.9, 38.6, 105), (0.01, 0.11, 0.39, 0.73, 0.88, 0.96, 0.99)),
    "brightness": ((10.8, 16.5, 22.2, 33.4, 44.8, 67.3), (0.55, 0.83, 0.91, 0.96, 0.98, 0.99)),
    "yaw": ((0, 30, 40, 50, 90), (1.0, 1.0, 0.96, 0.88, 0.88)),
    "pitch": ((0, 30, 40, 50, 90), (1.0, 1.0, 0.97, 0.77, 0.77)),
}


def quality_score(quality: dict[str, float]) -> float:
    """Expected true-accept rate of a face's template relative to a perfect one, 0..1.

    The product of the measured relative TAR of each figure present (size, blur, brightness,
    |yaw|, |pitch|); figures that are absent count as perfect.
    """
    score = 1.0
    for key, (xs, ys) in _RELATIVE_TAR.items():
        if key in quality:
            value = abs(float(quality[key])) if key in ("yaw", "pitch") else float(quality[key])
            score *= float(np.interp(value, xs, ys))
    return round(score, 4)


@dataclass(frozen=True)
class QualityGate:
    """Enrolment quality limits (see the module docstring for why these values).

    ``max_yaw`` and ``max_pitch`` default to 90° (no limit): pose measurably lowered neither
    verification below half nor raised false accepts.
    """

    min_size: float = 20.0
    min_blur: float = 8.0
    max_yaw: float = 90.0
    max_pitch: float = 90.0
    min_brightness: float = 12.0

    def reasons(self, quality: dict[str, float]) -> list[str]:
        """Why a face is refused (empty when it passes); each reason quotes the measured figure."""
        checks = (
            ("size", lambda v: v < self.min_size, "too small ({:.0f} px, need {:.0f})", self.min_size),
            ("blur", lambda v: v < self.min_blur, "blurred (sharpness {:.0f}, need {:.0f})", self.min_blur),
            ("yaw", lambda v: abs(v) > self.max_yaw, "turned away (yaw {:.0f}°, limit {:.0f}°)", self.max_yaw),
            ("pitch", lambda v: abs(v) > self.max_pitch, "turned away (pitch {:.0f}°, limit {:.0f}°)",
             self.max_pitch),
            ("brightness", lambda v: v < self.min_brightness, "too dark (brightness {:.0f}, need {:.0f})",
             self.min_brightness),
        )
        return [text.format(quality[key], limit) for key, bad, text, limit in checks
                if key in quality and bad(float(quality[key]))]

    def at_least(self, other: QualityGate) -> QualityGate:
        """A gate as strict as the stricter of ``self`` and ``other`` on every figure."""
        return QualityGate(min_size=max(self.min_size, other.min_size), min_blur=max(self.min_blur, other.min_blur),
                           max_yaw=min(self.max_yaw, other.max_yaw), max_pitch=min(self.max_pitch, other.max_pitch),
                           min_brightness=max(self.min_brightness, other.min_brightness))

    def check(self, quality: dict[str, float], what: str = "the face") -> None:
        """Raise :class:`PoorQualityError` naming every failed figure."""
        reasons = self.reasons(quality)
        if reasons:
            raise PoorQualityError(f"{what} cannot be enrolled: {'; '.join(reasons)}. "
                                   "Use a sharper, brighter photo with a larger face.",
                                   tuple(r.split(" (")[0] for r in reasons))


#: What guided live capture waits for. The person stands at the desk and can easily come closer,
#: hold still or face the light, so capture asks for figures where verification is near its best
#: in the table above (TAR 0.85 at 55 px, 0.82 at sharpness 39, 0.84 at brightness 45, against
#: 0.862 undegraded), not merely the refusal limits that photo imports use.
CAPTURE_GATE = QualityGate(min_size=50.0, min_blur=30.0, max_pitch=25.0, min_brightness=40.0)
