"""LFW-format verification through the full pipeline (detect → centre face → align → embed)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceapp.errors import DataError, FaceAppError
from faceapp.evaluation.verification import VerificationResult, evaluate_verification
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    """One line of an LFW pairs file: two images, and whether they show the same person."""

    first: str
    second: str
    same: bool
    fold: int


@dataclass(frozen=True)
class LfwReport:
    """Verification figures plus what happened to the images."""

    result: VerificationResult
    images: int
    no_face: list[str]
    unreadable: list[str]
    flip: bool


def read_pairs(path: Path) -> list[Pair]:
    """Parse an LFW ``pairs.txt`` (header ``folds<TAB>n``, then n matched + n mismatched per fold).

    Image names are returned as ``Person/Person_000i.jpg``.
    """
    try:
        lines = [ln.split() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as exc:
        raise DataError(f"{path}: cannot read pairs file ({exc.strerror})") from exc
    try:
        n_folds, per = int(lines[0][0]), int(lines[0][1])
    except (IndexError, ValueError) as exc:
        raise DataError(f"{path}: first line must be '<folds> <pairs per class>'") from exc
    body = lines[1:]
    if len(body) != n_folds * per * 2:
        raise DataError(f"{path}: header promises {n_folds * per * 2} pairs, file has {len(body)}")
    pairs = []
    for k, parts in enumerate(body):
        try:
            if len(parts) == 3:
                name, i, j = parts
                pairs.append(Pair(_image(name, i), _image(name, j), True, k // (2 * per)))
            elif len(parts) == 4:
                pairs.append(Pair(_image(parts[0], parts[1]), _image(parts[2], parts[3]), False, k // (2 * per)))
            else:
                raise ValueError(parts)
        except ValueError as exc:
            raise DataError(f"{path}: line {k + 2} is not a pair: {' '.join(parts)}") from exc
    return pairs


def _image(name: str, number: str) -> str:
    return f"{name}/{name}_{int(number):04d}.jpg"


def embed_centre_faces(
    pipeline: FacePipeline,
    images_dir: Path,
    names: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, np.ndarray], list[str], list[str]]:
    """Embed the face nearest each image's centre.

    Returns:
        (embeddings by name, names with no face, names that could not be read).
    """
    embeddings: dict[str, np.ndarray] = {}
    no_face: list[str] = []
    unreadable: list[str] = []
    for k, name in enumerate(names):
        try:
            image = pipeline.load(images_dir / name)
        except FaceAppError as exc:
            log.warning("%s", exc)
            unreadable.append(name)
            continue
        faces = pipeline.detect(image)
        if len(faces) == 0:
            no_face.append(name)
        else:
            face = faces[faces.nearest_to(image.shape[1] / 2, image.shape[0] / 2)]
            embeddings[name] = pipeline.process_faces(image, face).embeddings[0]  # type: ignore[index]  # always embedded
        if progress:
            progress(k + 1, len(names))
    return embeddings, no_face, unreadable


def evaluate_lfw(
    pipeline: FacePipeline,
    images_dir: Path,
    pairs_file: Path,
    progress: Callable[[int, int], None] | None = None,
    far: float = 1e-3,
) -> LfwReport:
    """Run the pipeline on every image of the pairs file and score the pairs.

    A pair with an image that had no face scores -1 (a certain "different"), so failures to
    detect count against accuracy instead of being hidden.
    """
    pairs = read_pairs(pairs_file)
    names = sorted({p.first for p in pairs} | {p.second for p in pairs})
    embeddings, no_face, unreadable = embed_centre_faces(pipeline, images_dir, names, progress)
    scores = np.array([
        float(embeddings[p.first] @ embeddings[p.second])
        if p.first in embeddings and p.second in embeddings else -1.0
        for p in pairs
    ])
    result = evaluate_verification(scores, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs]), far)
    return LfwReport(result, len(names), no_face, unreadable, pipeline.embedder.flip)
