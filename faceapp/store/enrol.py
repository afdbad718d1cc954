"""Enrolment: turning photos or live-view chips into a person's templates, with a quality gate.

Quality gate (figures from :mod:`faceapp.vision.quality`; the lfw-dev percentiles quoted are of
the faces our pipeline finds in its 1,181 photos):

==================  ======================  ================================================
reason              refused when            why this value
==================  ======================  ================================================
``too small``       ``size`` < 36 px        lfw-dev faces are 42-89 px; below ~36 px the
                                            112x112 chip is mostly interpolation
``blurred``         ``blur`` < 30           quality scale: < ~40 looks blurred; lfw-dev's
                                            1st percentile is 36, its median 134
``turned away``     abs(``yaw``) > 35° or   frontal templates match best; 5 % of lfw-dev
                    abs(``pitch``) > 35°    photos turn further than 32°
``too dark``        ``brightness`` < 50     quality scale: < 50 is too dark; lfw-dev's
                                            darkest face is 48
==================  ======================  ================================================

Only the figures present are checked (chips from a live view may come without box or pose).
A new face that matches a *different* enrolled person at or above the gallery's accept threshold
is refused (:class:`~faceapp.errors.DuplicateFaceError`) unless ``force`` is given. Photos are
remembered by the sha256 of their file, so importing the same photo for the same person twice is
skipped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceapp.errors import (
    ConfigError,
    DuplicateFaceError,
    MultipleFacesError,
    NoFaceError,
    PoorQualityError,
)
from faceapp.store.gallery import Gallery
from faceapp.vision.imageio import read_file
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.quality import blur_score

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityGate:
    """Enrolment quality limits (see the module table)."""

    min_size: float = 36.0
    min_blur: float = 30.0
    max_yaw: float = 35.0
    max_pitch: float = 35.0
    min_brightness: float = 50.0

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

    def check(self, quality: dict[str, float], what: str = "the face") -> None:
        """Raise :class:`PoorQualityError` naming every failed figure."""
        reasons = self.reasons(quality)
        if reasons:
            raise PoorQualityError(f"{what} cannot be enrolled: {'; '.join(reasons)}. "
                                   "Use a sharper, brighter, frontal photo with a larger face.",
                                   tuple(r.split(" (")[0] for r in reasons))


@dataclass(frozen=True)
class EnrolResult:
    """What one enrolment call stored."""

    person_id: int
    template_ids: tuple[int, ...]
    skipped: bool = False  # the same photo was already enrolled for this person
    quality: tuple[dict[str, float], ...] = ()


def chip_quality(chip: np.ndarray) -> dict[str, float]:
    """Figures that can be measured from an aligned chip alone: blur, brightness, contrast."""
    grey = cv2.cvtColor(chip, cv2.COLOR_BGR2GRAY) if chip.ndim == 3 else chip
    return {"blur": blur_score(chip), "brightness": float(grey.mean()), "contrast": float(grey.std())}


class Enroller:
    """Adds faces to people in a gallery.

    Args:
        gallery: where templates go; its model must be the pipeline's embedder.
        pipeline: detects, aligns and embeds.
        gate: quality limits.
    """

    def __init__(self, gallery: Gallery, pipeline: FacePipeline, gate: QualityGate | None = None) -> None:
        if pipeline.info.embedder != gallery.model:
            raise ConfigError(f"the pipeline embeds with {pipeline.info.embedder} but the gallery uses "
                              f"{gallery.model}; re-embed the gallery or change the embedder setting")
        self.gallery = gallery
        self.pipeline = pipeline
        self.gate = gate or QualityGate()

    def enrol_photo(self, person_id: int, photo: str | Path, *, largest: bool = False, force: bool = False,
                    check_quality: bool = True, source: str = "photo", actor: str = "system") -> EnrolResult:
        """Add the face in a photo file to a person.

        Args:
            person_id: the enrolled person.
            photo: the file; it must show exactly one face unless ``largest``.
            largest: take the largest face when there are several.
            force: enrol even when the face matches a different person.
            check_quality: apply the quality gate.
            source: ``"photo"`` or ``"import"``.
            actor: who enrols, for the audit log.

        Raises:
            ImageError, NoFaceError, MultipleFacesError, PoorQualityError, DuplicateFaceError,
            PersonNotFoundError.
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
        chip, embedding, quality = self._one_face(data, path, largest)
        if check_quality:
            self.gate.check(quality, f"the face in {path.name}")
        template_id = self._store(person_id, chip, embedding, quality, force, source, sha256, actor)
        return EnrolResult(person_id, (template_id,), quality=(quality,))

    def _one_face(self, data: bytes, path: Path, largest: bool) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """Chip, embedding and quality of the photo's only (or largest) face."""
        faces = self.pipeline.process(self.pipeline.load(data))
        if len(faces) == 0:
            raise NoFaceError(f"{path}: no face found; use a photo where the face is clearly visible")
        if len(faces) > 1 and not largest:
            raise MultipleFacesError(f"{path}: {len(faces)} faces found; crop the photo to one face "
                                     "or ask for the largest face")
        if faces.quality is None or faces.chips is None or faces.embeddings is None:
            raise RuntimeError("the pipeline returned faces without chips, embeddings or quality")
        i = faces.largest()
        return faces.chips[i], faces.embeddings[i], faces.quality[i]

    def enrol_chips(self, person_id: int, chips: np.ndarray, quality: list[dict[str, float]] | None = None, *,
                    force: bool = False, check_quality: bool = True, source: str = "camera",
                    actor: str = "system") -> EnrolResult:
        """Add aligned chips (N, 112, 112, 3) BGR captured by a live view to a person.

        All chips are checked (quality, duplicates) before any is stored. ``quality`` holds the
        pipeline's figures per chip; without it blur and brightness are measured on the chips.
        """
        chips = np.asarray(chips, np.uint8).reshape(-1, *self.pipeline.embedder.input_size, 3)
        self.gallery.people.get(person_id)
        figures = quality or [chip_quality(c) for c in chips]
        if len(figures) != len(chips):
            raise ValueError(f"{len(figures)} quality entries for {len(chips)} chips")
        if check_quality:
            for n, q in enumerate(figures, 1):
                self.gate.check(q, f"face {n} of {len(chips)}")
        embeddings = self.pipeline.embed_chips(chips)
        for vector in embeddings:
            self.check_duplicate(person_id, vector, force)
        ids = tuple(self._store(person_id, c, e, q, True, source, None, actor)
                    for c, e, q in zip(chips, embeddings, figures, strict=True))
        return EnrolResult(person_id, ids, quality=tuple(figures))

    def check_duplicate(self, person_id: int, embedding: np.ndarray, force: bool = False) -> None:
        """Refuse a face that matches a different enrolled person at or above the accept threshold."""
        if force:
            return
        for other, score in self.gallery.rank(embedding):
            if other != person_id and score >= self.gallery.thresholds.accept:
                person = self.gallery.people.get(other)
                number = f", employee no. {person.employee_no}" if person.employee_no else ""
                raise DuplicateFaceError(
                    f"this face already matches {person.name} (id {person.id}{number}) with score {score:.2f}; "
                    "if they really are different people, enrol again with force")

    def _store(self, person_id: int, chip: np.ndarray, embedding: np.ndarray, quality: dict[str, float],
               force: bool, source: str, sha256: str | None, actor: str) -> int:
        self.check_duplicate(person_id, embedding, force)
        return self.gallery.add_template(person_id, chip, embedding, quality=quality, source=source,
                                         source_sha256=sha256, actor=actor)
