"""Calibration from photo collections: impostor pairs within each collection, the less favourable kept."""

from __future__ import annotations

import numpy as np

from faceapp.evaluation.openset import Photos, calibration_of, pair_scores
from faceapp.vision.calibration import score_grid, survival

DIM, PEOPLE, PER = 64, 60, 4


def _collection(name: str, centres: np.ndarray, noise: float, rng: np.random.Generator) -> Photos:
    vectors = np.repeat(centres, PER, axis=0) + noise * rng.normal(size=(len(centres) * PER, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    identities = np.repeat([f"{name}/p{i}" for i in range(len(centres))], PER)
    paths = np.array([f"{name}/{i}.jpg" for i in range(len(vectors))])
    return Photos(vectors.astype(np.float32), vectors.astype(np.float32), identities,
                  np.zeros((len(vectors), 4), np.float32), paths)


def test_calibration_keeps_the_less_favourable_collection_and_never_pairs_across_them() -> None:
    rng = np.random.default_rng(4)
    centres = rng.normal(size=(PEOPLE, DIM)) / np.sqrt(DIM)
    near = 0.6 * centres[:1] + 0.8 * rng.normal(size=(PEOPLE, DIM)) / np.sqrt(DIM)  # share a look: higher impostors
    # "copy" photographs the same faces as "a" under other names: across the two, every pair would look genuine
    a, copy = _collection("a", centres, 0.05, rng), _collection("copy", centres, 0.05, rng)
    b = _collection("b", near, 0.05, rng)
    cal = calibration_of("m", {"a": a, "b": b, "copy": copy}, "synthetic")
    own = [survival(pair_scores(p)[1], score_grid()) for p in (a, b, copy)]
    assert np.allclose(cal.impostor, np.max(own, axis=0), atol=1e-9)
    assert np.allclose(cal.impostor, own[1], atol=1e-9)  # "b" is the less favourable everywhere it matters
    pairs = PEOPLE * PER * (PEOPLE * PER - 1) // 2 - PEOPLE * PER * (PER - 1) // 2
    assert cal.impostor_pairs == pairs and cal.genuine_pairs == 3 * PEOPLE * PER * (PER - 1) // 2
    assert cal.impostor_rate(0.9) < 1e-3  # a and copy never met as impostors (they would score ~1)
