"""Synthetic face embeddings drawn from a distribution fitted to real ones.

``fit`` takes real embeddings with identity labels (the bundled embedder run over lfw-dev and
celeba-dev: ``python benchmarks/bench_gallery.py fit``) and keeps, in ``benchmarks/data/embedding_stats.npz``:

* ``mu``: the mean of the identity means (real embeddings are not centred: its length is ~0.11);
* between-identity covariance of the identity means (corrected for the photo noise in each mean)
  and within-identity covariance of photos around their identity mean, each as its top ``rank``
  eigenvectors (float16) and eigenvalues plus the mean of the remaining eigenvalues;
* ``photo_sigma``: photos vary in quality, so each photo's deviation is scaled by a log-normal
  factor (mean square 1) whose spread makes the same-person score spread match the real one;
* the real pair-score figures the fit is checked against.

``Realistic`` draws identity centres and photos from it; ``uniform`` is the structureless worst case
(centres uniform on the sphere, photos at the same average same-person score).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

STATS = Path(__file__).resolve().parent / "data" / "embedding_stats.npz"


def _top(cov: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray, float]:
    values, vectors = np.linalg.eigh(cov)
    values, vectors = np.clip(values[::-1], 0, None), vectors[:, ::-1]
    return vectors[:, :rank], values[:rank], float(values[rank:].sum() / (len(values) - rank))


def fit(emb: np.ndarray, who: np.ndarray, rank: int = 256, photo_sigma: float = 0.3) -> dict[str, np.ndarray]:
    """Fit the distribution to (N, D) unit embeddings with identity labels ``who`` (N,)."""
    _, inv = np.unique(who, return_inverse=True)
    keep = np.bincount(inv)[inv] >= 2
    emb, inv = emb[keep].astype(np.float64), inv[keep]
    groups = np.unique(inv)
    members = [np.flatnonzero(inv == g) for g in groups]
    means = np.stack([emb[m].mean(0) for m in members])
    counts = np.array([len(m) for m in members])
    resid = np.concatenate([(emb[m] - means[i]) * np.sqrt(len(m) / (len(m) - 1)) for i, m in enumerate(members)])
    within = resid.T @ resid / len(resid)
    between = np.cov(means.T) - within * np.mean(1 / counts)
    b_vecs, b_vals, b_rest = _top(between, rank)
    w_vecs, w_vals, w_rest = _top(within, rank)
    return {"mu": means.mean(0).astype(np.float32), "b_vecs": b_vecs.astype(np.float16),
            "b_vals": b_vals.astype(np.float32), "b_rest": np.float32(b_rest), "w_vecs": w_vecs.astype(np.float16),
            "w_vals": w_vals.astype(np.float32), "w_rest": np.float32(max(w_rest, 0.0)),
            "photo_sigma": np.float32(photo_sigma), "people": np.int32(len(groups)), "photos": np.int32(len(emb))}


def pair_scores(emb: np.ndarray, who: np.ndarray, rng: np.random.Generator, pairs: int = 200_000) -> dict[str, float]:
    """Same-person (all pairs) and different-person (random pairs) cosine figures."""
    genuine = []
    for name in np.unique(who):
        e = emb[who == name]
        if len(e) > 1:
            genuine.append((e @ e.T)[np.triu_indices(len(e), 1)])
    g = np.concatenate(genuine)
    i, j = rng.integers(0, len(emb), pairs), rng.integers(0, len(emb), pairs)
    s = (emb[i] * emb[j]).sum(1)[who[i] != who[j]]
    return {"same_mean": round(float(g.mean()), 3), "same_p5": round(float(np.percentile(g, 5)), 3),
            "same_p95": round(float(np.percentile(g, 95)), 3), "other_mean": round(float(s.mean()), 3),
            "other_sd": round(float(s.std()), 3), "other_p99.9": round(float(np.percentile(s, 99.9)), 3)}


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class Realistic:
    """Identity centres and photos drawn from fitted statistics."""

    stats: dict[str, np.ndarray]

    @classmethod
    def load(cls, path: Path = STATS) -> Realistic:
        with np.load(path) as data:
            return cls({key: data[key] for key in data.files})

    @property
    def dim(self) -> int:
        return int(self.stats["mu"].size)

    def centres(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, D) identity centres (not unit length: the mean of a person's photos)."""
        s = self.stats
        z = rng.standard_normal((n, s["b_vals"].size), np.float32) * np.sqrt(s["b_vals"]).astype(np.float32)
        noise = rng.standard_normal((n, self.dim), np.float32) * np.float32(np.sqrt(s["b_rest"]))
        return s["mu"] + z @ s["b_vecs"].astype(np.float32).T + noise

    def photos(self, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One unit-length photo embedding per centre."""
        s = self.stats
        sigma = float(s["photo_sigma"])
        scale = np.exp(rng.standard_normal((len(centres), 1)).astype(np.float32) * sigma) / np.exp(sigma**2)
        z = rng.standard_normal((len(centres), s["w_vals"].size), np.float32) * np.sqrt(s["w_vals"]).astype(np.float32)
        noise = rng.standard_normal(centres.shape, np.float32) * np.float32(np.sqrt(s["w_rest"]))
        return _unit(centres + scale * (z @ s["w_vecs"].astype(np.float32).T + noise))


@dataclass
class Uniform:
    """Centres uniform on the sphere; photos at cosine ~0.78 to their centre (same-person ~0.6)."""

    dim: int = 512
    cos: float = 0.78

    def centres(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return _unit(rng.standard_normal((n, self.dim), np.float32))

    def photos(self, centres: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        noise = rng.standard_normal(centres.shape, np.float32)
        noise -= (noise * centres).sum(1, keepdims=True) * centres
        return _unit(self.cos * centres + np.sqrt(1 - self.cos**2) * _unit(noise))


def gallery_data(kind: str, size: int, per: int, n_queries: int, seed: int) -> dict[str, np.ndarray]:
    """Templates (person-major: person i owns rows i*per .. i*per+per-1), queries and their true persons."""
    rng = np.random.default_rng(seed)
    model = Realistic.load() if kind == "realistic" else Uniform()
    n_people = size // per
    centres = np.empty((n_people, model.dim), np.float32)
    templates = np.empty((n_people * per, model.dim), np.float32)
    for start in range(0, n_people, 100_000):  # in blocks: bounded temporary memory
        stop = min(start + 100_000, n_people)
        centres[start:stop] = model.centres(stop - start, rng)
        for j in range(per):
            templates[start * per + j : stop * per : per] = model.photos(centres[start:stop], rng)
    truth = rng.integers(0, n_people, n_queries)
    return {"templates": templates, "queries": model.photos(centres[truth], rng), "truth": truth}
