"""The whole pipeline on real photos: embeddings, flip, batching, threads."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from faceapp.config import Settings
from faceapp.vision.imageio import load_image
from faceapp.vision.pipeline import FacePipeline


def person(lfw_dir: Path, name: str, number: int) -> np.ndarray:
    return load_image(lfw_dir / "images" / name / f"{name}_{number:04d}.jpg")


@pytest.fixture(scope="module")
def photos(lfw_dir: Path) -> dict[str, np.ndarray]:
    return {
        "a1": person(lfw_dir, "Abel_Pacheco", 1),
        "a2": person(lfw_dir, "Abel_Pacheco", 2),
        "b1": person(lfw_dir, "Abdul_Rahman", 1),
    }


def embedding(pipeline: FacePipeline, image: np.ndarray) -> np.ndarray:
    faces = pipeline.process(image)
    return faces.embeddings[faces.largest()]


def test_embeddings_are_unit_length_and_separate_people(pipeline: FacePipeline, photos: dict) -> None:
    a1, a2, b1 = (embedding(pipeline, photos[k]) for k in ("a1", "a2", "b1"))
    assert a1.shape == (512,) and a1.dtype == np.float32
    assert np.linalg.norm(a1) == pytest.approx(1.0, abs=1e-5)
    assert a1 @ a2 > 0.45 > a1 @ b1


def test_process_fills_every_field(pipeline: FacePipeline, photos: dict) -> None:
    faces = pipeline.process(photos["a1"])
    assert faces.chips.shape == (len(faces), 112, 112, 3)
    assert faces.embeddings.shape == (len(faces), 512)
    assert {"size", "blur", "yaw", "pitch", "brightness", "contrast"} <= set(faces.quality[0])


def test_no_face_gives_empty_result(pipeline: FacePipeline) -> None:
    faces = pipeline.process(np.full((200, 300, 3), 30, np.uint8))
    assert len(faces) == 0 and faces.embeddings.shape == (0, 512)


def test_batch_matches_single_images(pipeline: FacePipeline, photos: dict) -> None:
    images = list(photos.values())
    batch = pipeline.process_batch(images)
    for image, faces in zip(images, batch, strict=True):
        single = pipeline.process(image)
        np.testing.assert_allclose(faces.embeddings, single.embeddings, atol=1e-4)


def test_flip_embedding_differs_but_agrees(photos: dict) -> None:
    plain = FacePipeline.from_settings(Settings(provider="cpu", flip_embedding=False))
    flipped = FacePipeline.from_settings(Settings(provider="cpu", flip_embedding=True))
    e_plain, e_flip = embedding(plain, photos["a1"]), embedding(flipped, photos["a1"])
    assert np.linalg.norm(e_flip) == pytest.approx(1.0, abs=1e-5)
    assert 0.85 < float(e_plain @ e_flip) < 0.9999
    # the mirrored photo gives nearly the same flip-augmented embedding (landmarks are re-detected)
    mirrored = embedding(flipped, photos["a1"][:, ::-1].copy())
    assert float(mirrored @ e_flip) > 0.92


def test_concurrent_use_gives_identical_results(pipeline: FacePipeline, photos: dict) -> None:
    images = list(photos.values()) * 4
    expected = [pipeline.process(img).embeddings for img in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda img: pipeline.process(img).embeddings, images))
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_provider_is_reported(pipeline: FacePipeline) -> None:
    info = pipeline.info
    assert info.provider.name == "CPU" and info.embedding_size == 512
    assert info.detector == "retinaface_mnet025"
