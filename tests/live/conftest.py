"""Live-service fixtures: a gallery with one enrolled lfw-dev person, and the real pipeline's answers
remembered per photo (the same photo shown for many frames costs one detection and one embedding).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from faceapp.services import Core
from faceapp.vision.pipeline import FacePipeline
from faceapp.vision.types import Faces

PERSON = "Tom_Ridge"


ROOT = Path(__file__).resolve().parents[2]


def lfw_photo(lfw_dir: Path, name: str, number: int) -> Path:
    return lfw_dir / "images" / name / f"{name}_{number:04d}.jpg"


def still_video(path: Path, photos: list[tuple[Path, int]]) -> Path:
    """A 10 fps MJPG video at ``path`` showing each photo for its number of frames."""
    first = cv2.imread(str(photos[0][0]))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (first.shape[1], first.shape[0]))
    for photo, frames in photos:
        image = cv2.resize(cv2.imread(str(photo)), (first.shape[1], first.shape[0]))
        for _ in range(frames):
            writer.write(image)
    writer.release()
    return path


@contextmanager
def recognize_checkins(video: Path, basedir: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``faceapp recognize --video VIDEO --checkin`` in a child process and the stderr lines it writes.

    Its stdout is for the caller to read line by line; stderr is read on a thread of its own (so
    that neither pipe fills up). A run still going at the end is killed.
    """
    run = subprocess.Popen([sys.executable, "-m", "faceapp", "recognize", "--video", str(video), "--checkin",
                            "--basedir", str(basedir)], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(run.stderr or []), daemon=True)
    reader.start()
    try:
        yield run, err
    finally:
        if run.poll() is None:
            run.kill()
        reader.join(10)


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
