"""The face pipeline: image → detect → align → embed → quality, in one call.

Sessions are opened once and reused. ONNX Runtime sessions accept concurrent ``run`` calls and
the rest of the pipeline keeps no mutable state, so one pipeline may serve several threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceapp.config import Paths, Settings
from faceapp.vision.align import align_faces
from faceapp.vision.detect import DetectOptions, Detector, create_detector
from faceapp.vision.embed import Embedder
from faceapp.vision.imageio import load_image
from faceapp.vision.models import ModelRegistry
from faceapp.vision.quality import assess
from faceapp.vision.runtime import ProviderInfo, choose_provider
from faceapp.vision.types import Faces

log = logging.getLogger(__name__)

#: Faces per embedder call on the CPU. Larger batches outgrow the caches: 32 faces took 20-30%
#: longer in one call than in chunks of 4, and chunks of 4 beat 8 by 5-8% from 8 faces up
#: (benchmarks/bench_pipeline.py, 2-core machine). Each face's embedding is bit-identical either way.
CPU_EMBED_BATCH = 4
#: Faces per embedder call on a GPU, where bigger batches keep the device busy.
GPU_EMBED_BATCH = 64


@dataclass(frozen=True)
class PipelineInfo:
    """What the pipeline runs on, for status bars and ``--json`` output."""

    detector: str
    embedder: str
    embedding_size: int
    provider: ProviderInfo


class FacePipeline:
    """Detects, aligns and embeds faces with the models named in the settings."""

    def __init__(self, detector: Detector, embedder: Embedder, provider: ProviderInfo, max_image_pixels: int) -> None:
        self.detector = detector
        self.embedder = embedder
        self.provider = provider
        self.max_image_pixels = max_image_pixels

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        paths: Paths | None = None,
        registry: ModelRegistry | None = None,
        detect_options: DetectOptions | None = None,
    ) -> FacePipeline:
        """Open the configured detector and embedder on the best working provider."""
        settings = settings or Settings()
        registry = registry or ModelRegistry(user_dir=paths.user_models if paths else None)
        provider = choose_provider(settings.provider)
        options = detect_options or DetectOptions(
            long_side=settings.detect_long_side,
            upscale=settings.detect_upscale,
            upscale_to=settings.detect_upscale_to,
            score_threshold=settings.detect_score_threshold,
            nms_iou=settings.nms_iou,
            min_face_px=settings.min_face_px,
        )
        det_spec, det_session = registry.open(settings.detector, provider, settings.threads)
        emb_spec, emb_session = registry.open(settings.embedder, provider, settings.threads)
        log.info("pipeline: %s + %s on %s", det_spec.name, emb_spec.name, provider.describe())
        return cls(
            create_detector(det_spec, det_session, options),
            Embedder(emb_spec, emb_session, flip=settings.flip_embedding,
                     max_batch=CPU_EMBED_BATCH if provider.name == "CPU" else GPU_EMBED_BATCH),
            provider,
            settings.max_image_pixels,
        )

    @property
    def info(self) -> PipelineInfo:
        return PipelineInfo(
            detector=self.detector.spec.name,  # type: ignore[attr-defined]
            embedder=self.embedder.spec.name,
            embedding_size=self.embedder.dim,
            provider=self.provider,
        )

    def load(self, path: str | Path | bytes) -> np.ndarray:
        """Read a photo with the configured pixel limit (see :func:`load_image`)."""
        return load_image(path, self.max_image_pixels)

    def detect(self, image: np.ndarray) -> Faces:
        """Boxes, scores and landmarks only."""
        return self.detector.detect(image)

    def process(self, image: np.ndarray, embed: bool = True) -> Faces:
        """Faces with aligned chips, quality figures and (unless ``embed`` is off) embeddings."""
        return self.process_batch([image], embed)[0]

    def process_batch(self, images: Sequence[np.ndarray], embed: bool = True) -> list[Faces]:
        """:meth:`process` for many images: one detector call and one embedder call."""
        detections = self.detector.detect_batch(images)
        chips = [self._align(img, faces) for img, faces in zip(images, detections, strict=True)]
        vectors = self.embedder.embed(np.concatenate(chips)) if embed else None
        results, start = [], 0
        for faces, chip in zip(detections, chips, strict=True):
            emb = None if vectors is None else vectors[start : start + len(chip)]
            start += len(chip)
            results.append(self._complete(faces, chip, emb))
        return results

    def process_faces(self, image: np.ndarray, faces: Faces, embed: bool = True) -> Faces:
        """Align, assess and embed faces already detected in ``image``."""
        chips = self._align(image, faces)
        return self._complete(faces, chips, self.embedder.embed(chips) if embed else None)

    def _align(self, image: np.ndarray, faces: Faces) -> np.ndarray:
        return align_faces(image, faces.landmarks, self.embedder.input_size[0])

    @staticmethod
    def _complete(faces: Faces, chips: np.ndarray, embeddings: np.ndarray | None) -> Faces:
        quality = assess(faces.boxes, faces.scores, faces.landmarks, chips)
        return faces.with_(chips=chips, embeddings=embeddings, quality=quality)

    def embed_chips(self, chips: np.ndarray) -> np.ndarray:
        """Embeddings (N, D) for aligned chips (N, 112, 112, 3) BGR."""
        return self.embedder.embed(chips)
