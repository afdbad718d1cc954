"""Every identify knows its model: the gallery refuses other models' embeddings; a switch is atomic."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Settings
from faceapp.errors import ModelMismatchError
from faceapp.services import Core
from faceapp.vision.pipeline import FacePipeline
from tests.live.conftest import PERSON, MemoPipeline, lfw_photo

pytestmark = pytest.mark.realdata
OTHER = "mobilefacenet_arcface_512_b1"  # another registered embedder (same size, other model id)


def test_gallery_refuses_embeddings_of_another_model(core: Core, lfw_dir: Path) -> None:
    faces = core.pipeline.process(core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5)))
    (found,) = core.gallery.identify(faces.embeddings, model=core.pipeline.info.embedder)
    assert found.person_id == core.person_id  # type: ignore[attr-defined]
    with pytest.raises(ModelMismatchError, match=OTHER) as info:
        core.gallery.identify(faces.embeddings, model=OTHER)
    assert info.value.query_model == OTHER and info.value.gallery_model == core.gallery.model
    with pytest.raises(ModelMismatchError):
        core.gallery.rank(faces.embeddings[0], model=OTHER)


def test_embedder_switch_during_live_recognition_never_mixes_models(core: Core, memo: MemoPipeline,
                                                                   lfw_dir: Path) -> None:
    other = FacePipeline.from_settings(Settings(provider="cpu", embedder=OTHER))
    searched: list[tuple[str, str]] = []  # (query model, gallery model) of every search that answered
    gallery = core.gallery
    original = gallery.identify

    def watching(embeddings: np.ndarray, k: int = 20, *, model: str | None = None):
        with gallery._lock:  # the gallery's model cannot change between the search and the note
            results = original(embeddings, k, model=model)
            searched.append((model or "?", gallery.model))
        return results

    gallery.identify = watching  # type: ignore[method-assign]
    service = core.live_service(pipeline=memo, checkin=False)
    image = core.pipeline.load(lfw_photo(lfw_dir, PERSON, 5))
    stop, failures, frames = threading.Event(), [], [0]

    def play() -> None:
        while not stop.is_set():
            try:
                service.process(image, 1000.0 + frames[0] / 10, frames[0])
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                failures.append(exc)
            frames[0] += 1

    thread = threading.Thread(target=play)
    thread.start()
    try:
        while frames[0] < 5 and thread.is_alive():
            time.sleep(0.01)
        gallery.reembed(other)  # the gallery switches first (as the settings dialog does)...
        service.set_pipeline(MemoPipeline(other))  # ...then the running service, between two frames
        seen = frames[0]
        while frames[0] < seen + 5 and thread.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert all(query == searched_model for query, searched_model in searched), searched
    assert {q for q, _ in searched} == {memo.info.embedder, OTHER}
    faces = service.process(image, 2000.0, 10_000).frame.faces
    assert faces[0].person_id == core.person_id  # type: ignore[attr-defined]  # identified with the new model
