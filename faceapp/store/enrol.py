"""Enrolment: turning photos or live-view chips into a person's templates.

A photo goes through four decisions, each a pure function that batch importers reuse:

1. **Which face** (:func:`faceapp.vision.face_choice.choose_face`): the only one, or the dominant
   one of several; a photo is refused only when the faces are genuinely ambiguous, and the error
   names them. ``largest`` is the explicit override. :attr:`EnrolResult.choice` tells which face was
   used; its chip is what is stored.
2. **Refusal hooks** (``checks``): callables given the image, the faces and the chosen index that
   raise a :class:`~faceapp.errors.FaceAppError` to refuse (for example a spoof detector).
3. **Quality** (:class:`faceapp.vision.face_choice.QualityGate`): refuses only what measurably hurts
   verification on lfw-dev + celeba-dev; every face gets a ``quality`` score kept with its template.
4. **Resemblance**: a face that matches a *different* enrolled person at or above the gallery's
   accept threshold is refused (:class:`~faceapp.errors.DuplicateFaceError`, carrying the other
   person and score) unless ``matches="flag"`` (imports) or ``force``: then it is enrolled with a
   warning flag naming the other person and the score (:mod:`faceapp.store.flags`).

Photos are remembered by the sha256 of their file, so importing the same photo for the same person
twice is skipped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceapp.errors import (
    ConfigError,
    DuplicateFaceError,
    MultipleFacesError,
    NoFaceError,
)
from faceapp.store.flags import add_flag
from faceapp.store.gallery import Gallery
from faceapp.store.liveness import LivenessEvidence
from faceapp.vision.face_choice import FaceChoice, QualityGate, choose_face, quality_score
from faceapp.vision.imageio import read_file
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.quality import blur_score
from faceapp.vision.types import Faces

__all__ = ["EnrolResult", "Enroller", "FaceCheck", "QualityGate", "Resemblance", "chip_quality", "pick_face"]

log = logging.getLogger(__name__)

#: A refusal hook: ``check(image, faces, index)`` raises a FaceAppError to refuse the chosen face.
FaceCheck = Callable[[np.ndarray, Faces, int], None]


@dataclass(frozen=True)
class Resemblance:
    """A different enrolled person the new face matched at enrolment (stored as a flag)."""

    person_id: int
    name: str
    score: float
    threshold: float


@dataclass(frozen=True)
class EnrolResult:
    """What one enrolment call stored."""

    person_id: int
    template_ids: tuple[int, ...]
    skipped: bool = False  # the same photo was already enrolled for this person
    quality: tuple[dict[str, float], ...] = ()
    choice: FaceChoice | None = None  # which face of the photo was used
    box: tuple[float, float, float, float] | None = None  # that face's box in the photo
    resembles: tuple[Resemblance, ...] = ()  # flagged matches with other people


def chip_quality(chip: np.ndarray) -> dict[str, float]:
    """Figures that can be measured from an aligned chip alone: blur, brightness, contrast."""
    grey = cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY) if chip.ndim == 3 else chip
    return {"blur": blur_score(chip), "brightness": float(grey.mean()), "contrast": float(grey.std())}


def _box(row: np.ndarray) -> tuple[float, float, float, float]:
    """One detection box ``x1, y1, x2, y2`` as floats."""
    x1, y1, x2, y2 = (float(v) for v in row)
    return x1, y1, x2, y2


def pick_face(faces: Faces, image_shape: tuple[int, ...], name: str, *, largest: bool = False) -> FaceChoice:
    """The face of a photo to enrol, or :class:`NoFaceError` / :class:`MultipleFacesError` naming why not."""
    choice = choose_face(faces.boxes, image_shape, largest=largest)
    if choice.reason == "none":
        raise NoFaceError(f"{name}: no face found; use a photo where the face is clearly visible")
    if choice.index is None:
        raise MultipleFacesError(f"{name}: {choice.describe(faces.boxes)}; crop the photo to one face "
                                 "or ask for the largest face",  # "{name}: N faces found; ..." (callers parse it)
                                 tuple(_box(faces.boxes[i]) for i in choice.candidates))
    return choice


class Enroller:
    """Adds faces to people in a gallery.

    Args:
        gallery: where templates go; its model must be the pipeline's embedder.
        pipeline: detects, aligns and embeds.
        gate: quality limits.
        checks: refusal hooks run on the chosen face of every photo (e.g. a spoof check).
    """

    def __init__(self, gallery: Gallery, pipeline: FacePipeline, gate: QualityGate | None = None,
                 checks: Sequence[FaceCheck] = ()) -> None:
        if pipeline.info.embedder != gallery.model:
            raise ConfigError(f"the pipeline embeds with {pipeline.info.embedder} but the gallery uses "
                              f"{gallery.model}; re-embed the gallery or change the embedder setting")
        self.gallery = gallery
        self.pipeline = pipeline
        self.gate = gate or QualityGate()
        self.checks: list[FaceCheck] = list(checks)

    def enrol_photo(self, person_id: int, photo: str | Path, *, largest: bool = False, force: bool = False,
                    check_quality: bool = True, source: str = "photo", actor: str = "system",
                    matches: str = "refuse") -> EnrolResult:
        """Add the dominant face of a photo file to a person.

        Args:
            person_id: the enrolled person.
            photo: the file.
            largest: take the largest face whatever the others.
            force: enrol even when the face matches a different person (with a flag).
            check_quality: apply the quality gate.
            source: ``"photo"`` or ``"import"``.
            actor: who enrols, for the audit log.
            matches: ``"refuse"`` or ``"flag"`` a face that matches a different person.

        Raises:
            ImageError, NoFaceError, MultipleFacesError, PoorQualityError, DuplicateFaceError,
            PersonNotFoundError, or what a refusal hook raises.
        """
        path = Path(photo)
        data = read_file(path)  # a regular file of bounded size, checked before reading
        self.gallery.people.get(person_id)
        sha256 = hashlib.sha256(data).hexdigest()
        already = set(self.gallery.people.templates_with_sha256(sha256))
        mine = already & {t.id for t in self.gallery.people.templates(person_id)}
        if mine:
            log.info("photo already enrolled for person %d; skipped", person_id)  # no path: it may hold a name
            return EnrolResult(person_id, tuple(sorted(mine)), skipped=True)
        image = self.pipeline.load(data)
        faces = self.pipeline.process(image)
        choice = pick_face(faces, image.shape, str(path), largest=largest)
        i = int(choice.index)  # type: ignore[arg-type]
        if faces.quality is None or faces.chips is None or faces.embeddings is None:
            raise RuntimeError("the pipeline returned faces without chips, embeddings or quality")
        for check in self.checks:
            check(image, faces, i)
        quality = dict(faces.quality[i])
        if check_quality:
            self.gate.check(quality, f"the face in {path.name}")
        quality["quality"] = quality_score(quality)
        resembles = self.resemblances(person_id, faces.embeddings[i])
        self._refuse_unless(resembles, force or matches == "flag")
        template_id = self._store(person_id, faces.chips[i], faces.embeddings[i], quality, resembles, source,
                                  sha256, actor)
        if choice.reason != "only":
            log.info("template %d of person %d: enrolled %s", template_id, person_id, choice.describe(faces.boxes))
        return EnrolResult(person_id, (template_id,), quality=(quality,), choice=choice,
                           box=tuple(float(v) for v in faces.boxes[i]), resembles=resembles)  # type: ignore[arg-type]

    def enrol_chips(self, person_id: int, chips: np.ndarray, quality: list[dict[str, float]] | None = None, *,
                    force: bool = False, check_quality: bool = True, source: str = "camera",
                    actor: str = "system", liveness: Sequence[LivenessEvidence | None] | None = None) -> EnrolResult:
        """Add aligned chips (N, 112, 112, 3) BGR captured by a live view to a person.

        All chips are checked (liveness, quality, resemblance) before any is stored. ``quality`` holds
        the pipeline's figures per chip; without it blur and brightness are measured on the chips.
        ``liveness`` holds each chip's evidence from the camera (:mod:`faceapp.live.liveness_capture`):
        a refusal hook with a ``check_capture`` method (the spoof check, while liveness is in use)
        refuses a capture judged spoofed or not checked.
        """
        chips = np.asarray(chips, np.uint8).reshape(-1, *self.pipeline.embedder.input_size, 3)
        self.gallery.people.get(person_id)
        for check in self.checks:
            check_capture = getattr(check, "check_capture", None)
            if check_capture is not None:
                check_capture(liveness, len(chips))
        figures = [dict(q) for q in (quality or [chip_quality(c) for c in chips])]
        if len(figures) != len(chips):
            raise ValueError(f"{len(figures)} quality entries for {len(chips)} chips")
        if check_quality:
            for n, q in enumerate(figures, 1):
                self.gate.check(q, f"face {n} of {len(chips)}")
        for q in figures:
            q["quality"] = quality_score(q)
        embeddings = self.pipeline.embed_chips(chips)
        found = [self.resemblances(person_id, vector) for vector in embeddings]
        for resembles in found:
            self._refuse_unless(resembles, force)
        ids = tuple(self._store(person_id, c, e, q, r, source, None, actor)
                    for c, e, q, r in zip(chips, embeddings, figures, found, strict=True))
        return EnrolResult(person_id, ids, quality=tuple(figures),
                           resembles=tuple(r for rs in found for r in rs))

    def resemblances(self, person_id: int, embedding: np.ndarray) -> tuple[Resemblance, ...]:
        """Different enrolled people this face matches at or above the accept threshold, best first."""
        threshold = self.gallery.thresholds.accept
        out = []
        for other, score in self.gallery.rank(embedding):
            if other != person_id and score >= threshold:
                out.append(Resemblance(other, self.gallery.people.get(other).name, float(score), threshold))
        return tuple(out)

    def check_duplicate(self, person_id: int, embedding: np.ndarray, force: bool = False) -> None:
        """Refuse a face that matches a different enrolled person at or above the accept threshold."""
        self._refuse_unless(self.resemblances(person_id, embedding), force)

    def _refuse_unless(self, resembles: tuple[Resemblance, ...], allowed: bool) -> None:
        if not resembles or allowed:
            return
        top = resembles[0]
        person = self.gallery.people.get(top.person_id)
        number = f", employee no. {person.employee_no}" if person.employee_no else ""
        raise DuplicateFaceError(
            f"this face already matches {person.name} (id {person.id}{number}) with score {top.score:.2f}; "
            "if they really are different people, enrol again with force", person.id, person.name, top.score)

    def _store(self, person_id: int, chip: np.ndarray, embedding: np.ndarray, quality: dict[str, float],
               resembles: tuple[Resemblance, ...], source: str, sha256: str | None, actor: str) -> int:
        template_id = self.gallery.add_template(person_id, chip, embedding, quality=quality, source=source,
                                                source_sha256=sha256, actor=actor)
        if resembles:
            top = resembles[0]
            with self.gallery.database.transaction() as db:
                add_flag(db, template_id, top.person_id, top.score, top.threshold)
            log.warning("template %d of person %d resembles person %d (score %.3f >= %.3f); flagged",
                        template_id, person_id, top.person_id, top.score, top.threshold)
        return template_id
