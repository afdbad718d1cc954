"""Presentation-attack detection figures in ISO/IEC 30107-3 terms.

APCER: share of attack presentations accepted as live. BPCER: share of bona fide (live)
presentations rejected. ACER: their mean. A frame counts as accepted when its live score is at
least the threshold. Frames where no face is found are reported apart (``no_face``) and left out
of the rates: the live path does nothing with them either. With a ``group`` column the frames of
one group are one presentation, decided by :func:`faceapp.vision.liveness_track.decide_presentation`
- the rule that decides a track in live use, at the track's first verdict (when the desk checks in
or a door opens; each group's ``decided_after`` says after how many of its frames).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.errors import DataError, FaceAppError
from faceapp.vision.imageio import load_image
from faceapp.vision.liveness import LivenessModel
from faceapp.vision.liveness_track import LiveVerdict, TrackPolicy, decide_presentation
from faceapp.vision.types import Faces

log = logging.getLogger(__name__)

LABELS = ("live", "spoof")
#: Thresholds of the sweep in the report.
SWEEP = (*(round(float(t), 2) for t in np.arange(0.05, 1.0, 0.05)), 0.98, 0.99)
TARGET_BPCER = 0.01


@dataclass(frozen=True)
class Sample:
    """One row of the labels file."""

    path: str
    live: bool
    subject: str = ""
    group: str = ""


@dataclass(frozen=True)
class ErrorRates:
    """Error rates at one threshold."""

    threshold: float
    apcer: float
    bpcer: float
    acer: float
    attacks: int
    bona_fide: int

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 6) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Figures:
    """Rates at the default threshold, at the threshold for the target BPCER, a sweep and the AUC."""

    default: ErrorRates
    at_target_bpcer: ErrorRates
    target_bpcer: float
    auc: float | None
    sweep: list[ErrorRates]

    def to_dict(self) -> dict[str, Any]:
        return {"default": self.default.to_dict(), "target_bpcer": self.target_bpcer,
                "at_target_bpcer": self.at_target_bpcer.to_dict(),
                "auc": None if self.auc is None else round(self.auc, 6),
                "sweep": [r.to_dict() for r in self.sweep]}


@dataclass(frozen=True)
class LivenessReport:
    """Per-frame figures, optional per-presentation figures, and what could not be scored."""

    frames: int
    scored: int
    no_face: list[str]
    unreadable: list[str]
    threshold: float
    frame_figures: Figures
    presentations: dict[str, Any] | None = None
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"frames": self.frames, "scored": self.scored, "no_face": len(self.no_face),
                               "no_face_paths": self.no_face, "unreadable": self.unreadable,
                               "threshold": self.threshold, **self.frame_figures.to_dict()}
        if self.presentations is not None:
            out["presentations"] = self.presentations
        return out


def read_labels(path: Path) -> list[Sample]:
    """Rows ``path,label[,subject][,group]`` (header required; label ``live`` or ``spoof``)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # a spreadsheet may add a BOM
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read the labels file ({exc})") from exc
    if not rows or not {"path", "label"} <= set(rows[0]):
        raise DataError(f"{path}: needs a header with at least the columns path,label (and rows)")
    samples = []
    for line, row in enumerate(rows, start=2):
        label = (row.get("label") or "").strip().lower()
        if label not in LABELS or not (row.get("path") or "").strip():
            raise DataError(f"{path}:{line}: label must be live or spoof and path non-empty, got {row}")
        samples.append(Sample(row["path"].strip(), label == "live", (row.get("subject") or "").strip(),
                              (row.get("group") or "").strip()))
    return samples


def rates(live: np.ndarray, spoof: np.ndarray, threshold: float) -> ErrorRates:
    """APCER, BPCER and ACER at ``threshold`` (accepted as live when score >= threshold)."""
    live, spoof = np.asarray(live, np.float64), np.asarray(spoof, np.float64)
    apcer = float((spoof >= threshold).mean()) if len(spoof) else 0.0
    bpcer = float((live < threshold).mean()) if len(live) else 0.0
    return ErrorRates(float(threshold), apcer, bpcer, (apcer + bpcer) / 2, len(spoof), len(live))


def threshold_at_bpcer(live: np.ndarray, target: float) -> float:
    """The highest threshold whose BPCER on ``live`` is at most ``target``."""
    ordered = np.sort(np.asarray(live, np.float64))
    if len(ordered) == 0:
        return 0.5
    allowed = int(np.floor(target * len(ordered) + 1e-9))  # live scores that may fall below
    return float(ordered[allowed]) if allowed < len(ordered) else float(np.nextafter(ordered[-1], np.inf))


def auc(live: np.ndarray, spoof: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); ``None`` without both classes."""
    if len(live) == 0 or len(spoof) == 0:
        return None
    both = np.concatenate([live, spoof])
    order = both.argsort(kind="stable")
    ranks = np.empty(len(both))
    ranks[order] = np.arange(1, len(both) + 1)
    for value in np.unique(both):  # average ranks of ties
        tied = both == value
        ranks[tied] = ranks[tied].mean()
    n = len(live)
    return float((ranks[:n].sum() - n * (n + 1) / 2) / (n * len(spoof)))


def figures(live: np.ndarray, spoof: np.ndarray, threshold: float, target_bpcer: float = TARGET_BPCER) -> Figures:
    """All figures for one set of scores."""
    return Figures(rates(live, spoof, threshold), rates(live, spoof, threshold_at_bpcer(live, target_bpcer)),
                   target_bpcer, auc(live, spoof), [rates(live, spoof, t) for t in SWEEP])


def score_frames(detect: Callable[[np.ndarray], Faces], model: LivenessModel, data: Path,
                 samples: Sequence[Sample], progress: Callable[[int, int], None] | None = None,
                 ) -> tuple[np.ndarray, list[str], list[str]]:
    """Live score of the largest face of each frame (NaN where none), and the frames without one."""
    scores = np.full(len(samples), np.nan)
    no_face: list[str] = []
    unreadable: list[str] = []
    for i, sample in enumerate(samples):
        try:
            image = load_image(data / sample.path)
        except FaceAppError as exc:
            log.warning("%s", exc)
            unreadable.append(sample.path)
            continue
        faces = detect(image)
        if len(faces) == 0:
            no_face.append(sample.path)
        else:
            scores[i] = float(model.scores(image, faces.boxes[faces.largest()][None])[0])
        if progress is not None:
            progress(i + 1, len(samples))
    return scores, no_face, unreadable


def presentation_figures(samples: Sequence[Sample], scores: np.ndarray, policy: TrackPolicy,
                         target_bpcer: float = TARGET_BPCER) -> dict[str, Any]:
    """Decide each group as a track (frames in file order) and compute the figures over groups."""
    groups: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        groups.setdefault(sample.group, []).append(i)
    live: list[float] = []
    spoof: list[float] = []
    no_face: list[str] = []
    decided: dict[str, dict[str, Any]] = {}
    for name, rows in groups.items():
        labels = {samples[i].live for i in rows}
        if len(labels) != 1:
            raise DataError(f"group {name!r} mixes live and spoof frames; a presentation has one label")
        frame_scores = [float(scores[i]) for i in rows if not np.isnan(scores[i])]
        verdict, score = decide_presentation(frame_scores, policy)
        if score is None:
            no_face.append(name)
            continue
        (live if labels.pop() else spoof).append(score)
        decided[name] = {"score": round(score, 6), "verdict": verdict.value, "frames": len(frame_scores),
                         "decided_after": min(len(frame_scores), policy.min_frames)}
    fig = figures(np.array(live), np.array(spoof), policy.threshold, target_bpcer)
    errors = [name for name, d in decided.items()
              if (d["verdict"] == LiveVerdict.LIVE.value) != samples[groups[name][0]].live]
    return {"count": len(groups), "decided": len(decided), "no_face": no_face, "errors": errors,
            "policy": asdict(policy), **fig.to_dict(), "groups": decided}


def evaluate_liveness(detect: Callable[[np.ndarray], Faces], model: LivenessModel, data: Path, labels: Path,
                      policy: TrackPolicy, progress: Callable[[int, int], None] | None = None) -> LivenessReport:
    """Score every frame of ``labels`` (paths relative to ``data``) and compute the figures."""
    samples = read_labels(labels)
    scores, no_face, unreadable = score_frames(detect, model, data, samples, progress)
    is_live = np.array([s.live for s in samples])
    ok = ~np.isnan(scores)
    frame_fig = figures(scores[ok & is_live], scores[ok & ~is_live], policy.threshold)
    grouped = any(s.group for s in samples)
    return LivenessReport(
        frames=len(samples), scored=int(ok.sum()), no_face=no_face, unreadable=unreadable,
        threshold=policy.threshold, frame_figures=frame_fig,
        presentations=presentation_figures(samples, scores, policy) if grouped else None,
        scores={s.path: float(v) for s, v in zip(samples, scores, strict=True) if not np.isnan(v)},
    )
