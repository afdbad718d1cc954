"""Every face of a labelled photo collection, detected and embedded once, cached for measurements.

The calibration (``faceapp eval calibrate``), the open-set benchmark and the measurements behind
the enrolment rules (dominant face, quality gate) all start from the same table: for each photo of
``<root>/images/<identity>/<file>.jpg`` (lfw-dev and celeba-dev layout), all its faces with box,
landmarks, quality figures, embedding and the embedding of the mirrored chip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceapp.errors import DataError, FaceAppError
from faceapp.vision.quality import QUALITY_KEYS

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FaceSet:
    """All faces of a photo collection, flattened (one row per face).

    Attributes:
        photos: (P,) photo paths relative to the collection root.
        identities: (P,) identity label of each photo (its folder name).
        shapes: (P, 2) image height and width.
        photo: (F,) index into ``photos`` of each face.
        boxes: (F, 4) x1, y1, x2, y2.
        landmarks: (F, 5, 2).
        quality: (F, Q) figures in :data:`~faceapp.vision.quality.QUALITY_KEYS` order.
        embeddings: (F, D) unit vectors; ``flipped``: (F, D) the mirrored chips' unit vectors.
    """

    photos: np.ndarray
    identities: np.ndarray
    shapes: np.ndarray
    photo: np.ndarray
    boxes: np.ndarray
    landmarks: np.ndarray
    quality: np.ndarray
    embeddings: np.ndarray
    flipped: np.ndarray

    def faces_of(self, photo: int) -> np.ndarray:
        """Row indices of one photo's faces."""
        return np.flatnonzero(self.photo == photo)

    def figure(self, key: str) -> np.ndarray:
        """(F,) one quality figure of every face."""
        return self.quality[:, QUALITY_KEYS.index(key)]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **{k: getattr(self, k) for k in self.__dataclass_fields__})

    @classmethod
    def load(cls, path: Path) -> FaceSet:
        with np.load(path, allow_pickle=False) as data:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def collection_photos(root: Path) -> list[tuple[str, Path]]:
    """``(identity, path)`` of every photo below ``root/images/<identity>/``, sorted."""
    images = root / "images"
    if not images.is_dir():
        raise DataError(f"{root}: expected an images/<identity>/<file>.jpg folder")
    return [(folder.name, photo) for folder in sorted(p for p in images.iterdir() if p.is_dir())
            for photo in sorted(folder.glob("*.jpg"))]


def build_faceset(pipeline, root: Path, progress: Progress | None = None,
                  photos: Sequence[tuple[str, Path]] | None = None) -> FaceSet:
    """Detect, align and embed (plain and mirrored) every face of every photo of a collection.

    Args:
        pipeline: a :class:`~faceapp.vision.pipeline.FacePipeline` (its own flip setting is ignored).
        root: the collection (``root/images/<identity>/*.jpg``).
        progress: called with ``(done, total)`` photos.
        photos: a subset of :func:`collection_photos` (default: all).
    """
    items = list(photos if photos is not None else collection_photos(root))
    rel: list[str] = []
    ids: list[str] = []
    shapes: list[tuple[int, ...]] = []
    rows: list[tuple[np.ndarray, ...]] = []
    for n, (identity, path) in enumerate(items):
        try:
            image = pipeline.load(path)
        except FaceAppError as exc:
            log.warning("%s: %s", path, exc)
            continue
        faces = pipeline.process(image, embed=False)
        index = len(rel)
        rel.append(str(path.relative_to(root)))
        ids.append(identity)
        shapes.append(image.shape[:2])
        if len(faces):
            embedder = pipeline.embedder
            plain = embedder.embed(faces.chips) if not embedder.flip else _plain(embedder, faces.chips)
            mirrored = _plain(embedder, np.ascontiguousarray(faces.chips[:, :, ::-1]))
            quality = np.array([[q[k] for k in QUALITY_KEYS] for q in faces.quality], np.float32)
            rows.append((np.full(len(faces), index), faces.boxes, faces.landmarks, quality, plain, mirrored))
        if progress is not None:
            progress(n + 1, len(items))
    if not rows:
        raise DataError(f"{root}: no face found in any photo")
    cat = [np.concatenate(parts) for parts in zip(*rows, strict=True)]
    return FaceSet(np.array(rel), np.array(ids), np.array(shapes, np.int32).reshape(-1, 2),
                   cat[0].astype(np.int32), cat[1].astype(np.float32), cat[2].astype(np.float32),
                   cat[3], cat[4].astype(np.float32), cat[5].astype(np.float32))


def _plain(embedder, chips: np.ndarray) -> np.ndarray:
    """Embeddings without the embedder's own flip averaging."""
    flip, embedder.flip = embedder.flip, False
    try:
        return embedder.embed(chips)
    finally:
        embedder.flip = flip


def pipeline_key(pipeline) -> str:
    """A short fingerprint of what decides the faces found and their embeddings (models, detector options)."""
    import hashlib

    detector = pipeline.detector
    text = repr((detector.spec.name, getattr(detector, "options", None), pipeline.embedder.spec.name,
                 pipeline.embedder.spec.sha256))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cached_faceset(pipeline, root: Path, cache_dir: Path | None, progress: Progress | None = None) -> FaceSet:
    """:func:`build_faceset`, kept in ``cache_dir`` under a name that changes with the pipeline's models
    and detector options (so a changed setting never reuses stale faces)."""
    cache = None if cache_dir is None else Path(cache_dir) / f"{Path(root).name}-{pipeline_key(pipeline)}.npz"
    if cache is not None and cache.is_file():
        return FaceSet.load(cache)
    faceset = build_faceset(pipeline, root, progress)
    if cache is not None:
        faceset.save(cache)
    return faceset
