"""Passive liveness against a synthetic screen-replay proxy: which variant holds up off NUAA's prints?

**The replay set here is a proxy, not replay data.** nuaa-dev has print attacks only, on which the
bundled model is already perfect; there is no replay data to measure on. So each live presentation
of nuaa-dev (frames grouped by subject and session) is shown again on ``--screens`` simulated
screens and filmed again (``screen_recapture.py``: subpixel grid and moiré, perspective, bezel, display
tone, glare, noise, JPEG; parameters drawn per presentation from ``--seed``). The recaptured frames
(every ``--stride``-th frame of each presentation) are written as a folder that
``faceapp eval liveness`` reads too (``--out``, default under /tmp):

* ``labels_print.csv``: nuaa live vs nuaa print attacks (as ``bench_liveness.py --grouped-labels``);
* ``labels_replay.csv``: nuaa live vs their recaptures (``live/`` and ``spoof/`` link to nuaa-dev);
* ``labels_replay_same_camera.csv``: the live frames through the same simulated camera (blur, exposure,
  noise, JPEG) as each recapture, minus the screen (``refilmed/``), vs the recaptures: only the
  screen tells them apart, and the live side is no longer the camera the model is sure of;
* with ``--photos N``, ``labels_photos_same_camera.csv``: the first photo of N celeba-dev people
  (framed 4:3 about the face; 4 still frames) through the simulated camera vs on a screen. More
  faces, but these "live" photos are photographs, not people: the model already doubts many of them.

Faces are found by the product pipeline (largest face, as ``faceapp eval liveness``); each is scored
once at crops 2.0 / 2.7 / 4.0, plain and mirrored, and every variant is computed from those class
probabilities (cached in the folder):

* ``classes``: mean softmax probability of each class for live, print and recaptured frames;
* ``variants``: per frame and per presentation, AUC, APCER at BPCER 5 % and 1 %, APCER/BPCER at the
  default threshold, for crop scales, the mirrored crop, the live score (p(live) = 1 - p(spoof
  classes), and live against the strongest spoof class), and the presentation rule (the product's
  track rule, median, mean logit over all frames);
* ``speed``: ms per face of each crop variant, interleaved with the product variant, medians.

Usage::

    python benchmarks/bench_replay_proxy.py [--screens 4] [--stride 2] [--seed 0] [--photos 100] [--sheet PNG]
    faceapp eval liveness --data /tmp/faceapp-replay-proxy-v3-s0-x4-k2 --labels .../labels_replay.csv --json
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_liveness import NUAA, nuaa_rows  # noqa: E402
from screen_recapture import draw_screen, recapture, refilm  # noqa: E402

from faceapp.config import Settings  # noqa: E402
from faceapp.evaluation.liveness import auc, rates, read_labels, threshold_at_bpcer  # noqa: E402
from faceapp.vision.imageio import load_image  # noqa: E402
from faceapp.vision.liveness import CALIBRATION, DEFAULT_THRESHOLD, LivenessModel, liveness_crops  # noqa: E402
from faceapp.vision.liveness_track import TrackPolicy, decide_presentation  # noqa: E402
from faceapp.vision.models import ModelRegistry  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402

VERSION = 3  # of the proxy: change it when screen_recapture.py changes
SCALES = (2.0, 2.7, 4.0)
#: crop set of each variant: (scale, mirrored) pairs whose live logits are averaged
CROPS: dict[str, tuple[tuple[float, bool], ...]] = {
    "crop_2.7 (product)": ((2.7, False),),
    "crop_2.7+mirror": ((2.7, False), (2.7, True)),
    "crops_2.7+4.0": ((2.7, False), (4.0, False)),
    "crops_2.0+2.7+4.0": tuple((s, False) for s in SCALES),
    "crops_2.0+2.7+4.0+mirror": tuple((s, f) for f in (False, True) for s in SCALES),
}
EPS = 1e-6
LABELS = {"nuaa live vs nuaa print": "labels_print.csv", "nuaa live vs recaptured (proxy)": "labels_replay.csv",
          "refilmed live vs recaptured, same camera (proxy)": "labels_replay_same_camera.csv"}
#: with ``--photos N``: celeba-dev photos (not webcam frames) through the simulated camera vs on a screen
PHOTO_LABELS = {"celeba-dev photos through the camera vs on a screen, same camera (proxy)":
                "labels_photos_same_camera.csv"}
CELEBA = NUAA.parent / "celeba-dev" / "images"


def labels_in(out: Path) -> dict[str, str]:
    """The comparisons whose labels file the proxy folder holds."""
    return {k: v for k, v in {**LABELS, **PHOTO_LABELS}.items() if (out / v).exists()}


def build_proxy(out: Path, seed: int, screens: int, stride: int) -> None:
    """Write the recaptured (and refilmed) presentations and the labels files into ``out``.

    Each live presentation is recaptured on ``screens`` screens, every ``stride``-th frame of it.
    """
    out.mkdir(parents=True, exist_ok=True)
    for name in ("live", "spoof"):
        link = out / name
        if not link.exists():
            link.symlink_to(NUAA / name, target_is_directory=True)
    rows = nuaa_rows()
    groups = list(dict.fromkeys(r["group"] for r in rows if r["label"] == "live"))
    replay: list[list[str]] = []
    refilmed: list[list[str]] = []
    manifest: dict[str, Any] = {"note": "synthetic screen recapture of nuaa-dev live frames: a proxy, not replay data",
                                "version": VERSION, "seed": seed, "stride": stride, "screens": {}}
    for gi, group in enumerate(groups):
        frames = [r for r in rows if r["group"] == group][::stride]
        for k in range(screens):
            rng = np.random.default_rng([seed, gi, k])
            screen = draw_screen(rng)
            name = f"replay{group[4:]}-screen{k}"
            manifest["screens"][name] = screen.to_dict()
            camera = f"live{group[4:]}-camera{k}"
            (out / "replay" / name).mkdir(parents=True, exist_ok=True)
            (out / "refilmed" / camera).mkdir(parents=True, exist_ok=True)
            glare = rng.uniform(0.1, 0.9, 2)
            for r in frames:
                glare = np.clip(glare + rng.normal(0, 0.02, 2), 0, 1)
                image = load_image(NUAA / r["path"])
                path = f"replay/{name}/{Path(r['path']).name}"
                (out / path).write_bytes(recapture(image, screen, rng, glare_at=(glare[0], glare[1])))
                replay.append([path, "spoof", r["subject"], name])
                path = f"refilmed/{camera}/{Path(r['path']).name}"
                (out / path).write_bytes(refilm(image, screen, rng))
                refilmed.append([path, "live", r["subject"], camera])
    live = [[r["path"], r["label"], r["subject"], r["group"]] for r in rows if r["label"] == "live"]
    prints = [[r["path"], r["label"], r["subject"], r["group"]] for r in rows if r["label"] == "spoof"]
    for name, body in (("labels_print.csv", live + prints), ("labels_replay.csv", live + replay),
                       ("labels_replay_same_camera.csv", refilmed + replay)):
        with (out / name).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "label", "subject", "group"])
            writer.writerows(body)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def _frame(image: np.ndarray, box: np.ndarray | None, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The largest 4:3 window of a photo centred (as far as it fits) on the face ``box``, at ``size``."""
    height, width = image.shape[:2]
    w = min(width, height * size[0] / size[1])
    h = w * size[1] / size[0]
    cx, cy = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) if box is not None else (width / 2, height / 2)
    x0 = int(min(max(cx - w / 2, 0), width - w))
    y0 = int(min(max(cy - h / 2, 0), height - h))
    window = image[y0:y0 + int(h), x0:x0 + int(w)]
    return cv2.resize(window, size, interpolation=cv2.INTER_AREA if w > size[0] else cv2.INTER_LINEAR)


def build_photos(out: Path, seed: int, count: int, detect: Callable[[np.ndarray], Any], frames: int = 4) -> None:
    """The first photo of each of ``count`` celeba-dev people, framed 4:3 about its largest face, as
    a still presentation of ``frames`` frames: through a simulated camera, and on a simulated screen
    in front of that camera."""
    rows: list[list[str]] = []
    manifest: dict[str, Any] = {}
    for i, person in enumerate(sorted(p for p in CELEBA.iterdir() if p.is_dir())[:count]):
        photo = load_image(sorted(person.glob("*.jpg"))[0])
        faces = detect(photo)
        image = _frame(photo, faces.boxes[faces.largest()] if len(faces) else None)
        rng = np.random.default_rng([seed, 100_000 + i])
        screen = draw_screen(rng)
        manifest[person.name] = screen.to_dict()
        glare = rng.uniform(0.1, 0.9, 2)
        for kind in ("photos-replay", "photos-refilmed"):
            (out / kind / person.name).mkdir(parents=True, exist_ok=True)
        for j in range(frames):
            glare = np.clip(glare + rng.normal(0, 0.02, 2), 0, 1)
            for kind, label in (("photos-replay", "spoof"), ("photos-refilmed", "live")):
                path = f"{kind}/{person.name}/{j}.jpg"
                data = (recapture(image, screen, rng, glare_at=(glare[0], glare[1])) if label == "spoof"
                        else refilm(image, screen, rng))
                (out / path).write_bytes(data)
                rows.append([path, label, person.name, f"{kind}-{person.name}"])
    with (out / PHOTO_LABELS[next(iter(PHOTO_LABELS))]).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "label", "subject", "group"])
        writer.writerows(rows)
    (out / "manifest_photos.json").write_text(json.dumps(
        {"note": "celeba-dev photos shown on simulated screens: a proxy, not replay data", "screens": manifest}))


def score_all(out: Path, pipeline: FacePipeline, model: LivenessModel) -> dict[str, np.ndarray]:
    """Class probabilities (N, crops, 3) of the largest face of every frame (NaN: no face), cached."""
    cache = out / "scores.npz"
    paths = sorted({s.path for name in labels_in(out).values() for s in read_labels(out / name)})
    files = hashlib.sha256("".join(f"{p}:{(out / p).stat().st_size}:{(out / p).stat().st_mtime_ns};"
                                   for p in paths).encode()).hexdigest()
    key = f"{model.spec.sha256}-{pipeline.info.detector}-{files}"  # other models or frames: score again
    if cache.exists():
        data = dict(np.load(cache))
        if list(data["paths"]) == paths and str(data.get("key", "")) == key:
            return data
    crops_index = [(s, f) for f in (False, True) for s in SCALES]
    probs = np.full((len(paths), len(crops_index), 3), np.nan, np.float32)
    boxes = np.full((len(paths), 4), np.nan, np.float32)
    for i, path in enumerate(paths):
        image = load_image(out / path)
        faces = pipeline.detect(image)
        if len(faces) == 0:
            continue
        box = faces.boxes[faces.largest()][None]
        crops = np.concatenate([liveness_crops(image, box, s) for s in SCALES])
        probs[i] = model.probabilities(np.concatenate([crops, crops[:, :, ::-1]]))
        boxes[i] = box[0]
    data = {"paths": np.array(paths), "probs": probs, "boxes": boxes,
            "crops": np.array(crops_index, dtype=np.float32), "key": np.array(key)}
    np.savez(cache, **data)
    return data


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def frame_scores(probs: np.ndarray, crops: tuple[tuple[float, bool], ...], index: list[tuple[float, bool]],
                 live_vs: str = "all") -> np.ndarray:
    """Live score per frame: the mean over ``crops`` of the live logit, back to 0..1.

    ``live_vs="all"``: logit of p(live) (= 1 - p(spoof classes)); ``"max"``: log p(live) - log of
    the strongest spoof class's probability.
    """
    cols = [index.index(c) for c in crops]
    p = probs[:, cols, :].astype(np.float64)
    if live_vs == "all":
        logits = _logit(p[..., 0])
    else:
        logits = np.log(np.clip(p[..., 0], EPS, 1)) - np.log(np.clip(p[..., 1:].max(-1), EPS, 1))
    return 1 / (1 + np.exp(-logits.mean(axis=1)))


def _figures(live: np.ndarray, spoof: np.ndarray) -> dict[str, Any]:
    t5, t1 = threshold_at_bpcer(live, 0.05), threshold_at_bpcer(live, 0.01)
    default = rates(live, spoof, DEFAULT_THRESHOLD)
    return {"auc": round(auc(live, spoof) or 0.0, 4), "apcer_at_bpcer5": round(rates(live, spoof, t5).apcer, 4),
            "apcer_at_bpcer1": round(rates(live, spoof, t1).apcer, 4),
            "default_apcer": round(default.apcer, 4), "default_bpcer": round(default.bpcer, 4),
            "apcer_bpcer_at_calibrated": {str(p.threshold): [round(rates(live, spoof, p.threshold).apcer, 4),
                                                             round(rates(live, spoof, p.threshold).bpcer, 4)]
                                          for p in CALIBRATION},
            "live": len(live), "attacks": len(spoof)}


def _presentation(scores: list[float], rule: str) -> float:
    if rule == "track_rule (product)":
        return float(decide_presentation(scores, TrackPolicy())[1] or np.nan)
    if rule == "median":
        return float(np.median(scores))
    clip = TrackPolicy().clip
    return float(1 / (1 + np.exp(-np.mean(np.clip(_logit(np.array(scores)), -clip, clip)))))


RULES = ("track_rule (product)", "median", "mean_logit_all_frames")


def comparison(out: Path, labels: str, data: dict[str, np.ndarray]) -> dict[str, Any]:
    """All variants on one labels file (live vs its attacks)."""
    samples = read_labels(out / labels)
    where = {p: i for i, p in enumerate(data["paths"])}
    rows = np.array([where[s.path] for s in samples])
    probs = data["probs"][rows]
    found = ~np.isnan(probs[:, 0, 0])
    is_live = np.array([s.live for s in samples])
    index = [(round(float(s), 2), bool(f)) for s, f in data["crops"]]
    groups = [s.group for s in samples]
    result: dict[str, Any] = {"frames": len(samples), "no_face": int((~found).sum()),
                              "presentations": len(set(groups))}
    variants = [(name, crops, "all") for name, crops in CROPS.items()]
    variants.append(("crop_2.7, live vs strongest spoof class", CROPS["crop_2.7 (product)"], "max"))
    for name, crops, live_vs in variants:
        score = frame_scores(np.nan_to_num(probs), crops, index, live_vs)
        entry: dict[str, Any] = {"frames": _figures(score[found & is_live], score[found & ~is_live])}
        for rule in RULES:
            per: dict[str, list[float]] = {}
            for i, g in enumerate(groups):
                if found[i]:
                    per.setdefault(g, []).append(float(score[i]))
            decided = {g: _presentation(v, rule) for g, v in per.items()}
            live_of = {s.group: s.live for s in samples}
            entry[f"presentations, {rule}"] = _figures(np.array([v for g, v in decided.items() if live_of[g]]),
                                                       np.array([v for g, v in decided.items() if not live_of[g]]))
        result[name] = entry
    return result


def classes(out: Path, data: dict[str, np.ndarray]) -> dict[str, Any]:
    """Mean class probabilities (product crop) and share of frames each class wins, per kind of frame."""
    index = [(round(float(s), 2), bool(f)) for s, f in data["crops"]]
    col = index.index((2.7, False))
    kinds = {"nuaa live": "live/", "nuaa print": "spoof/", "recaptured (proxy)": "replay/",
             "refilmed live (proxy)": "refilmed/", "celeba-dev photos through the camera (proxy)": "photos-refilmed/",
             "celeba-dev photos on a screen (proxy)": "photos-replay/"}
    out_: dict[str, Any] = {}
    for kind, prefix in kinds.items():
        rows = [i for i, p in enumerate(data["paths"]) if p.startswith(prefix)]
        p = data["probs"][rows, col, :]
        p = p[~np.isnan(p[:, 0])]
        if not len(p):
            continue
        out_[kind] = {"frames": len(p), "mean_p": [round(float(x), 4) for x in p.mean(0)],
                      "argmax_share": [round(float((p.argmax(1) == c).mean()), 4) for c in range(3)]}
    p = data["probs"][~np.isnan(data["probs"][:, 0, 0])]
    out_["max_abs(p_live - (1 - p1 - p2))"] = float(np.abs(p[..., 0] - (1 - p[..., 1] - p[..., 2])).max())
    return out_


def speed(out: Path, pipeline: FacePipeline, repeat: int) -> dict[str, Any]:
    """ms per face of each crop variant, rounds interleaved with the product variant; medians."""
    registry = ModelRegistry()
    base = LivenessModel.open(registry, pipeline.provider, 1)
    models = {}
    for name, crops in CROPS.items():
        scales = tuple(dict.fromkeys(s for s, _ in crops))
        models[name] = LivenessModel(base.spec, base.session, scales=scales, flip=any(f for _, f in crops))
    image = load_image(sorted(sorted((out / "replay").iterdir())[0].iterdir())[0])
    box = pipeline.detect(image).boxes[:1]
    times: dict[str, list[float]] = {name: [] for name in models}
    order = list(models)
    for r in range(repeat):
        for name in order[r % len(order):] + order[:r % len(order)]:
            start = time.perf_counter()
            models[name].scores(image, box)
            times[name].append((time.perf_counter() - start) * 1000)
    base_ms = statistics.median(times["crop_2.7 (product)"])
    return {"threads": 1, "repeat": repeat, **{name: {"ms_per_face": round(statistics.median(t), 2),
                                                      "vs_product": round(statistics.median(t) / base_ms, 2)}
                                              for name, t in times.items()}}


def contact_sheet(out: Path, path: Path, count: int = 8) -> None:
    """One recaptured frame per presentation beside its live original (2 x ``count`` tiles, half size)."""
    tiles = []
    folders = sorted((out / "replay").iterdir())
    for folder in folders[:: max(1, len(folders) // count)][:count]:
        frame = sorted(folder.iterdir())[0]
        live = next((NUAA / "live").glob(f"*/{frame.name}"))
        pair = [cv2.imread(str(live)), cv2.imread(str(frame))]
        tiles.append(np.vstack([cv2.resize(t, (320, 240), interpolation=cv2.INTER_AREA) for t in pair]))
    cv2.imwrite(str(path), np.hstack(tiles))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--screens", type=int, default=4, help="recaptures (screens) per live presentation")
    parser.add_argument("--stride", type=int, default=2, help="recapture every n-th frame of a live presentation")
    parser.add_argument("--out", type=Path,
                        help="proxy folder (default /tmp/faceapp-replay-proxy-v<V>-s<seed>-x<screens>-k<stride>)")
    parser.add_argument("--photos", type=int, default=0,
                        help="also N celeba-dev photos through the camera vs on a screen (adds ~1 min per 50)")
    parser.add_argument("--repeat", type=int, default=30, help="speed rounds")
    parser.add_argument("--sheet", type=Path, help="also save a contact sheet PNG (live above, recaptured below)")
    parser.add_argument("--only", choices=("classes", "variants", "speed"))
    args = parser.parse_args()
    if not NUAA.exists():
        print(json.dumps({"error": f"{NUAA} not found (set FACEAPP_TESTDATA)"}))
        return 1
    out = args.out or Path(f"/tmp/faceapp-replay-proxy-v{VERSION}-s{args.seed}-x{args.screens}-k{args.stride}"
                           + (f"-p{args.photos}" if args.photos else ""))
    if not all((out / name).exists() for name in LABELS.values()):
        build_proxy(out, args.seed, args.screens, args.stride)
    pipeline = FacePipeline.from_settings(Settings(provider="cpu", threads=2))
    if args.photos and not all((out / name).exists() for name in PHOTO_LABELS.values()):
        build_photos(out, args.seed, args.photos, pipeline.detect)
    if args.sheet:
        contact_sheet(out, args.sheet)
    result: dict[str, Any] = {"proxy": str(out), "note": "replay figures are on a synthetic recapture proxy, "
                              "not on replay data", "seed": args.seed, "screens_per_live_presentation": args.screens,
                              "stride": args.stride}
    sections: dict[str, Callable[[], Any]] = {}
    if args.only in (None, "classes", "variants"):
        data = score_all(out, pipeline, LivenessModel.open(ModelRegistry(), pipeline.provider, 2))
        sections["classes"] = lambda: classes(out, data)
        sections["variants"] = lambda: {name: comparison(out, labels, data) for name, labels in labels_in(out).items()}
    sections["speed"] = lambda: speed(out, pipeline, args.repeat)
    for name, fn in sections.items():
        if args.only in (None, name):
            result[name] = fn()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
