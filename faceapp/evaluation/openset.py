"""Embedder calibration and open-set identification (DIR against FPIR) on labelled photo collections.

* :func:`measure_calibration` measures an embedder's genuine and impostor score distributions
  on real photos (every pair of photos' enrolment faces, chosen as enrolment chooses them);
  :func:`calibrate_model` does it for a model of a registry folder and writes the result into its
  manifest entry (``faceapp eval calibrate``; the trainer calls it on its exports).
* :func:`open_set` simulates a site: some people enrolled (a few photos each), their other photos
  as probes, never-enrolled people as strangers, optional distractor people enrolled but never
  probed, and reports the detect-and-identify rate (DIR: probe accepted as the right person) and the
  false-positive identification rate (FPIR: stranger accepted as anyone) of a decision rule.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.errors import DataError, ModelError
from faceapp.evaluation.faceset import FaceSet, Progress, cached_faceset
from faceapp.vision.calibration import Calibration
from faceapp.vision.face_choice import choose_face

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Photos:
    """One enrolment face per photo (photos without a usable face left out), several collections merged."""

    embeddings: np.ndarray  # (P, D)
    flipped: np.ndarray  # (P, D) mirrored chips
    identities: np.ndarray  # (P,) "<collection>/<identity>"
    quality: np.ndarray  # (P, Q)
    paths: np.ndarray  # (P,) "<collection>/<relative path>"


def enrolment_faces(facesets: dict[str, FaceSet], largest: bool = True) -> Photos:
    """The face enrolment would take from each photo (:func:`choose_face`; ``largest`` when ambiguous)."""
    rows: list[tuple[int, str, int]] = []
    for name, fs in facesets.items():
        for p in range(len(fs.photos)):
            faces = fs.faces_of(p)
            if not len(faces):
                continue
            choice = choose_face(fs.boxes[faces], tuple(fs.shapes[p]))
            if choice.index is None and largest:
                choice = choose_face(fs.boxes[faces], tuple(fs.shapes[p]), largest=True)
            if choice.index is not None:
                rows.append((int(faces[choice.index]), name, p))
    if not rows:
        raise DataError("no photo with a usable face")

    def take(attr: str) -> np.ndarray:
        return np.stack([getattr(facesets[n], attr)[i] for i, n, _ in rows])

    return Photos(take("embeddings"), take("flipped"),
                  np.array([f"{n}/{facesets[n].identities[p]}" for _, n, p in rows]),
                  take("quality"), np.array([f"{n}/{facesets[n].photos[p]}" for _, n, p in rows]))


def pair_scores(photos: Photos, flip: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores of all genuine and all impostor photo pairs (each unordered pair once)."""
    emb = vectors_of(photos, flip)
    genuine, impostor = [], []
    for start in range(0, len(emb), 512):
        block = emb[start:start + 512] @ emb.T
        rows = np.arange(start, min(start + 512, len(emb)))
        upper = np.arange(len(emb))[None, :] > rows[:, None]
        same = photos.identities[rows][:, None] == photos.identities[None, :]
        genuine.append(block[upper & same])
        impostor.append(block[upper & ~same])
    return np.concatenate(genuine), np.concatenate(impostor)


def vectors_of(photos: Photos, flip: bool) -> np.ndarray:
    """The photos' embeddings as the product makes them: with ``flip``, each averaged with its mirror's."""
    if not flip:
        return photos.embeddings
    both = photos.embeddings + photos.flipped
    return both / np.linalg.norm(both, axis=1, keepdims=True)


def measure_calibration(model: str, facesets: dict[str, FaceSet], flip: bool = False) -> Calibration:
    """An embedder's calibration from labelled collections (see :class:`Calibration`).

    Impostor pairs are taken **within** each collection (a site's photos come from one place;
    pairs across collections differ in more than identity and score lower). See
    :func:`calibration_of`.
    """
    data = ", ".join(f"{name} ({len(fs.photos)} photos)" for name, fs in facesets.items())
    return calibration_of(model, {name: enrolment_faces({name: fs}) for name, fs in facesets.items()},
                          data + (", flip" if flip else ""), flip)


def calibration_of(model: str, collections: dict[str, Photos], data: str, flip: bool = False) -> Calibration:
    """The calibration of enrolment faces grouped by collection (impostor pairs within each).

    The calibration keeps the collection with the most false accepts at each threshold, and the
    largest ``comparisons_per_template`` measured in each collection against its own pairs
    (:func:`measure_comparisons`).
    """
    genuine, impostor, per_template = [], [], []
    for name, photos in collections.items():
        same, other = pair_scores(photos, flip)
        genuine.append(same)
        impostor.append(other)
        per_template.append(measure_comparisons(photos, Calibration.measure(model, name, same, other), flip=flip))
    return Calibration.measure(model, data, np.concatenate(genuine), impostor, max(per_template))


def best_scores(vectors: np.ndarray, queries: np.ndarray, templates: np.ndarray, owners: np.ndarray,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best person, best score and runner-up person's score of each query against a gallery.

    Args:
        vectors: (P, D) all photos' vectors; queries, templates: row indices into them.
        owners: (T,) the person (any integer label) of each template.
    """
    people, column = np.unique(owners, return_inverse=True)
    scores = vectors[queries] @ vectors[templates].T
    per_person = np.full((len(queries), len(people)), -2.0, np.float32)
    np.maximum.at(per_person.T, column, scores.T)  # each person's best template
    order = np.argsort(-per_person, axis=1)[:, :2]
    rows = np.arange(len(queries))
    second = per_person[rows, order[:, 1]] if len(people) > 1 else np.full(len(queries), -1.0)
    return people[order[:, 0]], per_person[rows, order[:, 0]], second


def measure_comparisons(photos: Photos, calibration: Calibration, *, templates: int = 2,
                        sizes: Sequence[int] = (), targets: Sequence[float] = (0.01, 0.02, 0.05),
                        draws: int = 6, seed: int = 0, flip: bool = False) -> float:
    """How many independent comparisons one template counts for in open-set search (median).

    Galleries of ``sizes`` people (default: a quarter and half of those with enough photos) with
    ``templates`` photos each are drawn; the photos of everyone else are strangers (rates of 1-5 %
    keep enough false accepts per draw to measure). For each target rate, the threshold where that share of strangers is
    accepted is found, and the number of comparisons ``c`` that makes the pair-score model
    ``1 - (1 - p(t))**c`` give the same rate is divided by the number of templates.
    """
    vectors = vectors_of(photos, flip)
    _, label_of = np.unique(photos.identities, return_inverse=True)
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero(np.bincount(label_of) >= templates)
    sizes = tuple(sizes) or (len(eligible) // 4, len(eligible) // 2)  # default: a quarter and half of them
    found = []
    for size in sizes:
        if size >= len(eligible) or size < 10:
            continue
        for _ in range(draws):
            people = rng.choice(eligible, size, replace=False)
            chosen = [np.flatnonzero(label_of == u)[:templates] for u in people]
            gallery = np.concatenate(chosen)
            owners = np.repeat(people, [len(c) for c in chosen])
            strangers = np.flatnonzero(~np.isin(label_of, people))
            best = best_scores(vectors, strangers, gallery, owners)[1]
            for target in targets:
                p = calibration.impostor_rate(float(np.quantile(best, 1 - target)))
                if 0 < p < 1:
                    found.append(np.log1p(-target) / np.log1p(-p) / len(gallery))
    if not found:
        log.warning("too few people (%d with %d photos) to measure how templates add up in open-set search; "
                    "counting each template as one comparison", len(eligible), templates)
        return 1.0
    return round(float(np.median(found)), 3)


def write_calibration(manifest: Path, name: str, calibration: Calibration, flipped: Calibration | None = None) -> None:
    """Store a calibration (and the flip one) in model ``name``'s entry of a ``manifest.json`` (atomically)."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = [e for e in data["models"] if e.get("name") == name]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{manifest}: cannot read the model manifest ({exc})") from exc
    if not entries:
        raise ModelError(f"{manifest}: no model named {name!r}")
    if entries[0].get("kind") != "embedder":
        raise ModelError(f"model {name!r} is a {entries[0].get('kind')}, not an embedder: nothing to calibrate")
    entries[0]["calibration"] = calibration.to_dict()
    if flipped is not None:
        entries[0]["calibration_flip"] = flipped.to_dict()
    tmp = manifest.with_suffix(".json.tmp")
    tmp.write_text(manifest_text(data), encoding="utf-8")
    os.replace(tmp, manifest)


def manifest_text(data: Any) -> str:
    """JSON as the manifests are written: indented objects, lists of plain values and small objects inline."""
    return _dump(data, 0) + "\n"


def _dump(value: Any, depth: int) -> str:
    inline = json.dumps(value, ensure_ascii=False)
    nested = isinstance(value, dict) and any(isinstance(v, dict) or (isinstance(v, list) and any(
        isinstance(x, (dict, list)) for x in v)) for v in value.values())
    if not isinstance(value, (dict, list)) or (isinstance(value, list) and not any(
            isinstance(x, (dict, list)) for x in value)) or (not nested and len(inline) <= 100):
        return inline
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, list):
        return "[\n" + ",\n".join(inner + _dump(v, depth + 1) for v in value) + "\n" + pad + "]"
    return "{\n" + ",\n".join(f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}"
                               for k, v in value.items()) + "\n" + pad + "}"


def calibrate_model(models_dir: Path, name: str, data_roots: Sequence[Path], *, provider: str = "auto",
                    detector: str = "retinaface_mnet025", cache_dir: Path | None = None,
                    progress: Progress | None = None) -> Calibration:
    """Measure embedder ``name`` of ``models_dir/manifest.json`` on real photos and write its calibrations.

    Both are measured on the same faces and written: plain embeddings (``calibration``, returned)
    and embeddings with flip test-time augmentation (``calibration_flip``).

    The trainer calls this on each exported embedder (``models_dir`` = the user models folder);
    ``faceapp eval calibrate`` calls it for any registered embedder.

    Args:
        models_dir: the folder whose ``manifest.json`` lists the model (bundled or user).
        name: the embedder's manifest name.
        data_roots: collections laid out as ``<root>/images/<identity>/*.jpg`` (lfw-dev, celeba-dev).
        provider: ONNX Runtime provider setting (``auto``, ``cpu``, ``cuda``).
        detector: the detector that finds the faces (a bundled model name).
        cache_dir: where to keep the embedded faces between runs (``None``: no cache).
        progress: called with ``(done, total)`` photos per collection.
    """
    from faceapp.config import Settings
    from faceapp.vision.models import ModelRegistry, bundled_models_dir
    from faceapp.vision.pipeline import FacePipeline

    models_dir = Path(models_dir)
    bundled = models_dir.resolve() == bundled_models_dir().resolve()
    registry = ModelRegistry(bundled_dir=None if bundled else bundled_models_dir(),
                             user_dir=None if bundled else models_dir)
    spec = registry.spec(name)
    if spec.kind != "embedder":
        raise ModelError(f"model {name!r} is a {spec.kind}, not an embedder: nothing to calibrate")
    pipeline = FacePipeline.from_settings(Settings(provider=provider, detector=detector, embedder=name),
                                          registry=registry)
    facesets = {}
    for root in data_roots:
        root = Path(root)
        facesets[root.name] = cached_faceset(pipeline, root, cache_dir, progress)
    calibration = measure_calibration(name, facesets)
    write_calibration(models_dir / "manifest.json", name, calibration, measure_calibration(name, facesets, flip=True))
    log.info("calibrated %s on %s: %d genuine, %d impostor pairs", name, calibration.data,
             calibration.genuine_pairs, calibration.impostor_pairs)
    return calibration
