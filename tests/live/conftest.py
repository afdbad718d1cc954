"""Live-service fixtures: a gallery with one enrolled lfw-dev person, and the real pipeline's answers
remembered per photo (the same photo shown for many frames costs one detection and one embedding).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faceapp.services import Core
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.types import Faces

PERSON = "Tom_Ridge"


def lfw_photo(lfw_dir: Path, name: str, number: int) -> Path:
    return lfw_dir / "images" / name / f"{name}_{number:04d}.jpg"


class MemoPipeline:
    """The real pipeline, remembering its detections and embeddings per image object.

    Live video shows one photo for many frames; the answers for a given array are the pipeline's
    own, computed once. Everything else is the real pipeline's.
    """

    def __init__(self, inner: FacePipeline) -> None:
        self.inner = inner
        self._detected: dict[int, tuple[np.ndarray, Faces]] = {}
        self._embedded: dict[tuple[int, bytes], Faces] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def detect(self, image: np.ndarray) -> Faces:
        key = id(image)
        if key not in self._detected:
            self._detected[key] = (image, self.inner.detect(image))  # keep the image: ids stay unique
        return self._detected[key][1]

    def process_faces(self, image: np.ndarray, faces: Faces, embed: bool = True) -> Faces:
        key = (id(image), np.asarray(faces.boxes).tobytes())
        if key not in self._embedded:
            self._embedded[key] = self.inner.process_faces(image, faces, embed)
        return self._embedded[key]


@pytest.fixture()
def core(basedir: Path, pipeline: FacePipeline, lfw_dir: Path) -> Iterator[Core]:
    """A core on a private folder with Tom Ridge enrolled from two photos (id in ``core.person_id``)."""
    made = Core.open(basedir, pipeline=pipeline)
    person = made.gallery.add_person("Tom Ridge", employee_no="E7")
    enroller = made.enroller()
    for number in (1, 2):
        enroller.enrol_photo(person.id, lfw_photo(lfw_dir, PERSON, number))
    made.person_id = person.id  # type: ignore[attr-defined]
    yield made
    made.close()


@pytest.fixture()
def memo(pipeline: FacePipeline) -> MemoPipeline:
    return MemoPipeline(pipeline)
