"""The measurements behind the enrolment rules, on lfw-dev + celeba-dev: prints JSON.

``faces``: in photos with several faces, how often each choice rule takes the labelled person's
face (known where one face matches the person's other photos by a margin), and what
:func:`faceapp.vision.face_choice.choose_face` does. ``quality``: verification on the natural photos
binned by each quality figure (true accepts at the 1e-4 false-accept threshold, impostor rate).
``degrade``: 240 sharp, large celeba-dev faces made smaller, blurrier and darker step by step,
each step's true-accept rate against the person's other photos. ``import-rate``: the share of
photos with a face that enrolment accepts at the defaults::

    python benchmarks/bench_enrolment.py faces|quality|degrade|import-rate [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from faceapp.config import Settings
from faceapp.evaluation.faceset import FaceSet, cached_faceset
from faceapp.evaluation.openset import enrolment_faces
from faceapp.vision.face_choice import QualityGate, centre_distances, choose_face, face_sizes
from faceapp.vision.quality import QUALITY_KEYS, blur_score

ROOT = Path(__file__).resolve().parents[1]
SETS = ("lfw-dev", "celeba-dev")


def load(data: Path, cache: Path) -> dict[str, FaceSet]:
    from faceapp.vision.pipeline import FacePipeline

    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    return {name: cached_faceset(pipeline, data / name, cache) for name in SETS}


def labelled_multi_face(fs: FaceSet) -> list[tuple[int, np.ndarray, int]]:
    """(photo, its face rows, the row that is the person) for multi-face photos where that is clear."""
    faces_per = np.bincount(fs.photo, minlength=len(fs.photos))
    by_id: dict[str, list[int]] = {}
    for p, identity in enumerate(fs.identities):
        by_id.setdefault(str(identity), []).append(p)
    out = []
    for p in np.flatnonzero(faces_per >= 2):
        others = [q for q in by_id[str(fs.identities[p])] if q != p and faces_per[q] > 0]
        if not others:
            continue
        rows = fs.faces_of(p)
        match = np.array([np.median([(fs.embeddings[fs.faces_of(q)] @ fs.embeddings[i]).max() for q in others])
                          for i in rows])
        order = np.argsort(-match)
        if match[order[0]] >= 0.3 and match[order[0]] - match[order[1]] >= 0.15:
            out.append((int(p), rows, int(order[0])))
    return out


def faces(facesets: dict[str, FaceSet]) -> dict:
    result: dict = {"photos": 0, "multi_face": 0, "labelled": 0, "by_ratio": {}, "choose_face": {}}
    bins = (1.0, 1.15, 1.3, 1.5, 2.0, 100.0)
    for fs in facesets.values():
        result["photos"] += len(fs.photos)
        result["multi_face"] += int(np.sum(np.bincount(fs.photo, minlength=len(fs.photos)) >= 2))
        for p, rows, truth in labelled_multi_face(fs):
            result["labelled"] += 1
            sizes, dist = face_sizes(fs.boxes[rows]), centre_distances(fs.boxes[rows], tuple(fs.shapes[p]))
            order = np.argsort(-sizes)
            ratio = sizes[order[0]] / sizes[order[1]]
            band = next(f"{lo}-{hi}" for lo, hi in itertools.pairwise(bins) if ratio < hi)
            row = result["by_ratio"].setdefault(band, {"photos": 0, "largest_right": 0, "nearest_centre_right": 0})
            row["photos"] += 1
            row["largest_right"] += int(order[0] == truth)
            row["nearest_centre_right"] += int(np.argmin(dist) == truth)
            choice = choose_face(fs.boxes[rows], tuple(fs.shapes[p]))
            verdict = "refused" if choice.index is None else ("right" if choice.index == truth else "wrong")
            key = f"{choice.reason}/{verdict}"
            result["choose_face"][key] = result["choose_face"].get(key, 0) + 1
    return result


def quality(facesets: dict[str, FaceSet]) -> dict:
    photos = enrolment_faces(facesets)
    scores = photos.embeddings @ photos.embeddings.T
    same = photos.identities[:, None] == photos.identities[None, :]
    np.fill_diagonal(same, False)
    upper = np.triu(np.ones_like(same), 1)
    threshold = float(np.quantile(scores[upper & ~same], 1 - 1e-4))
    edges = {"size": (0, 36, 45, 50, 60, 80, 120, 5000), "blur": (0, 20, 40, 60, 100, 200, 1e9),
             "yaw": (0, 10, 20, 30, 40, 50, 90), "pitch": (0, 10, 20, 30, 40, 50, 90),
             "brightness": (0, 50, 60, 80, 256)}
    out: dict = {"threshold_far_1e-4": round(threshold, 4)}
    for key, bounds in edges.items():
        values = np.abs(photos.quality[:, QUALITY_KEYS.index(key)])
        rows = []
        for lo, hi in itertools.pairwise(bounds):
            m = (values >= lo) & (values < hi)
            if not m.any():
                continue
            genuine = scores[m][same[m]]
            impostor = scores[m][photos.identities[m][:, None] != photos.identities[None, :]]
            rows.append({"range": [lo, hi], "faces": int(m.sum()), "genuine_pairs": len(genuine),
                         "tar": round(float(np.mean(genuine >= threshold)), 3) if len(genuine) else None,
                         "far": float(f"{np.mean(impostor >= threshold):.2e}")})
        out[key] = rows
    return out


def degrade(data: Path, facesets: dict[str, FaceSet], count: int = 240) -> dict:
    from faceapp.vision.align import align_faces
    from faceapp.vision.pipeline import FacePipeline

    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    photos = enrolment_faces(facesets)
    celeba = facesets["celeba-dev"]
    size = celeba.figure("size")
    candidates = [p for p in range(len(celeba.photos)) if len(celeba.faces_of(p)) == 1
                  and size[celeba.faces_of(p)[0]] >= 120]
    chosen = np.random.default_rng(0).choice(candidates, min(count, len(candidates)), replace=False)
    chips, owners = [], []
    for p in chosen:
        row = celeba.faces_of(p)[0]
        image = pipeline.load(data / "celeba-dev" / str(celeba.photos[p]))
        chips.append(align_faces(image, celeba.landmarks[row][None], 112)[0])
        owners.append((f"celeba-dev/{celeba.identities[p]}", f"celeba-dev/{celeba.photos[p]}"))
    chips_arr = np.stack(chips)
    scores = photos.embeddings @ photos.embeddings.T
    threshold = float(np.quantile(scores[np.triu(photos.identities[:, None] != photos.identities[None, :], 1)],
                                  1 - 1e-4))

    def measure(batch: np.ndarray) -> dict:
        vectors = pipeline.embed_chips(np.ascontiguousarray(batch))
        genuine, impostor = [], []
        for vector, (identity, path) in zip(vectors, owners, strict=True):
            mine = (photos.identities == identity) & (photos.paths != path)
            s = photos.embeddings @ vector
            genuine.append(s[mine])
            impostor.append(s[photos.identities != identity])
        g, i = np.concatenate(genuine), np.concatenate(impostor)
        return {"tar": round(float(np.mean(g >= threshold)), 3), "far": float(f"{np.mean(i >= threshold):.2e}")}

    out: dict = {"faces": len(chips_arr), "threshold_far_1e-4": round(threshold, 4), "undegraded": measure(chips_arr)}
    out["size"] = []
    for eye in (6, 8, 10, 12, 14, 17, 20, 25):  # eye distance; the box side is ~2.2x that
        small = round(112 * eye / 35.2)
        batch = np.stack([cv2.resize(cv2.resize(c, (small, small), interpolation=cv2.INTER_AREA), (112, 112))
                          for c in chips_arr])
        out["size"].append({"face_px": round(eye * 2.2), **measure(batch)})
    out["blur"] = []
    for sigma in (0.8, 1.2, 1.6, 2.0, 2.5, 3.0, 4.0):
        batch = np.stack([cv2.GaussianBlur(c, (0, 0), sigma) for c in chips_arr])
        out["blur"].append({"sharpness": round(float(np.median([blur_score(c) for c in batch])), 1), **measure(batch)})
    out["brightness"] = []
    for factor in (0.6, 0.4, 0.3, 0.2, 0.15, 0.1):
        batch = np.clip(chips_arr.astype(np.float32) * factor, 0, 255).astype(np.uint8)
        grey = [float(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY).mean()) for c in batch]
        out["brightness"].append({"brightness": round(float(np.median(grey)), 1), **measure(batch)})
    return out


def import_rate(facesets: dict[str, FaceSet]) -> dict:
    gate, out = QualityGate(), {}
    for name, fs in facesets.items():
        with_face = taken = ambiguous = refused = 0
        for p in range(len(fs.photos)):
            rows = fs.faces_of(p)
            if not len(rows):
                continue
            with_face += 1
            choice = choose_face(fs.boxes[rows], tuple(fs.shapes[p]))
            if choice.index is None:
                ambiguous += 1
            elif gate.reasons(dict(zip(QUALITY_KEYS, fs.quality[rows[choice.index]].tolist(), strict=True))):
                refused += 1
            else:
                taken += 1
        out[name] = {"photos": len(fs.photos), "with_face": with_face, "enrolled": taken, "ambiguous": ambiguous,
                     "quality_refused": refused, "rate": round(taken / max(with_face, 1), 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("faces", "quality", "degrade", "import-rate"))
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEAPP_TESTDATA",
                                                                         ROOT.parent / "shared" / "data")))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "faceapp-bench")
    args = parser.parse_args()
    facesets = load(args.data, args.cache)
    result = {"faces": lambda: faces(facesets), "quality": lambda: quality(facesets),
              "degrade": lambda: degrade(args.data, facesets), "import-rate": lambda: import_rate(facesets)}
    print(json.dumps({args.what: result[args.what]()}, indent=1))


if __name__ == "__main__":
    main()
