"""Liveness figures: speed per face, candidate improvements on nuaa-dev, and enrolment refusals.

Prints one JSON object. Sections (all by default):

* ``speed`` - milliseconds per face of the passive model, all faces of a frame in one batch
  (the product: the graph made batch-dynamic) against the baseline measured in the same run, one
  call per face on the original batch-1 file; interleaved rounds, medians. Plus the eye-state and
  68-landmark models per face (used only while a challenge runs).
* ``variants`` - what each candidate improvement does on nuaa-dev, per frame and per presentation
  (frames grouped by label, subject and session, decided by the live path's rule): crops at
  several scales, mirrored crops, and temporal aggregation (the track rule against one frame), on
  the frames as they are and degraded as another camera might deliver them (JPEG quality 20,
  1/3 resolution, warm white balance, half brightness). AUC, EER, APCER at BPCER 5 %.
* ``enrolment`` - share of ordinary photos (lfw-dev, celeba-dev) whose live score falls below
  thresholds: the cost of refusing photographed prints at enrolment, and at the calibrated
  operating points a hint of what live faces from other cameras would lose there.

Usage::

    python benchmarks/bench_liveness.py [--only speed|variants|enrolment] [--repeat 30]
    python benchmarks/bench_liveness.py --grouped-labels /tmp/nuaa-grouped.csv   # for eval liveness
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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

from faceapp.config import Settings  # noqa: E402
from faceapp.evaluation.liveness import auc, rates, threshold_at_bpcer  # noqa: E402
from faceapp.vision.eyes import EyeStateModel, eye_crops  # noqa: E402
from faceapp.vision.landmarks68 import LandmarkModel  # noqa: E402
from faceapp.vision.liveness import CALIBRATION, LIVE_CLASS, LivenessModel, liveness_crops, to_logit  # noqa: E402
from faceapp.vision.liveness_track import TrackPolicy, decide_presentation  # noqa: E402
from faceapp.vision.models import ModelRegistry  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402
from faceapp.vision.runtime import create_session  # noqa: E402

DATA = Path(os.environ.get("FACEAPP_TESTDATA", ROOT.parent / "shared" / "data"))
NUAA = DATA / "nuaa-dev"
SCALES = (2.0, 2.7, 4.0)
#: enrolment refusal candidates and the calibrated operating points
THRESHOLDS = sorted({0.05, 0.1, *(p.threshold for p in CALIBRATION)})
DEGRADE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "as_is": lambda im: im,
    "jpeg20": lambda im: cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 20])[1], cv2.IMREAD_COLOR),
    "third_res": lambda im: cv2.resize(cv2.resize(im, (im.shape[1] // 3, im.shape[0] // 3),
                                                  interpolation=cv2.INTER_AREA), (im.shape[1], im.shape[0])),
    "warm": lambda im: np.clip(im.astype(np.float32) * np.array([0.8, 1.0, 1.2]), 0, 255).astype(np.uint8),
    "dark": lambda im: (im.astype(np.float32) * 0.5).astype(np.uint8),
}


def nuaa_rows() -> list[dict[str, str]]:
    rows = list(csv.DictReader((NUAA / "labels.csv").open()))
    for r in rows:
        parts = Path(r["path"]).stem.split("_")
        r["group"], r["order"] = f"{r['label']}-{r['subject']}-{parts[3]}", parts[4]
    return sorted(rows, key=lambda r: (r["group"], int(r["order"])))


def speed(pipeline: FacePipeline, repeat: int) -> dict[str, Any]:
    registry = ModelRegistry()
    batched = LivenessModel.open(registry, pipeline.provider, 1)
    spec = registry.spec("minifasnet_liveness_128")
    single = LivenessModel(spec, create_session(spec.path, pipeline.provider, 1))  # the file as shipped, batch 1
    eyes, marks = EyeStateModel.open(registry, pipeline.provider), LandmarkModel.open(registry, pipeline.provider)
    image = pipeline.load(NUAA / nuaa_rows()[0]["path"])
    face = pipeline.detect(image)
    out: dict[str, Any] = {"threads": 1}
    for faces in (1, 4, 8):
        boxes = np.repeat(face.boxes[:1], faces, axis=0) + np.arange(faces)[:, None] * 2.0
        runs: dict[str, list[float]] = {"batched": [], "one_by_one": []}
        for _ in range(repeat):
            for name, fn in (("batched", lambda b=boxes: batched.scores(image, b)),
                             ("one_by_one", lambda b=boxes: [single.scores(image, x[None]) for x in b])):
                start = time.perf_counter()
                fn()
                runs[name].append((time.perf_counter() - start) * 1000 / faces)
        out[f"{faces}_faces_ms_per_face"] = {k: round(statistics.median(v), 3) for k, v in runs.items()}
    lm = face.landmarks[:1]
    for name, fn in (("eye_state_both_eyes", lambda: eyes.open_probability(eye_crops(image, lm))),
                     ("landmarks68", lambda: marks.landmarks(image, face.boxes[:1]))):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        out[f"{name}_ms_per_face"] = round(statistics.median(times), 3)
    return out


def _figures(live: np.ndarray, spoof: np.ndarray) -> dict[str, float]:
    both = np.concatenate([live, spoof])
    eer = min(max(rates(live, spoof, t).apcer, rates(live, spoof, t).bpcer) for t in np.unique(both))
    t5 = threshold_at_bpcer(live, 0.05)
    return {"auc": round(auc(live, spoof) or 0.0, 5), "eer": round(eer, 4),
            "apcer_at_bpcer5": round(rates(live, spoof, t5).apcer, 4)}


def variants(pipeline: FacePipeline) -> dict[str, Any]:
    model = LivenessModel.open(ModelRegistry(), pipeline.provider, 1)
    rows = nuaa_rows()
    live = np.array([r["label"] == "live" for r in rows])
    logits: dict[tuple[str, float, bool], list[float]] = {}
    for r in rows:
        original = pipeline.load(NUAA / r["path"])
        box = pipeline.detect(original)
        box = box.boxes[box.largest()][None]
        for condition, degrade in DEGRADE.items():
            image = degrade(original)
            crops = np.concatenate([liveness_crops(image, box, s) for s in SCALES])
            crops = np.concatenate([crops, crops[:, :, ::-1]])
            p = model.probabilities(crops)[:, LIVE_CLASS]
            for i, (scale, flip) in enumerate([(s, f) for f in (False, True) for s in SCALES]):
                logits.setdefault((condition, scale, flip), []).append(float(to_logit(p[i])))
    candidates = {"crop_2.7 (product)": [(2.7, False)], "crop_2.7+mirror": [(2.7, False), (2.7, True)],
                  "crops_2.7+4.0": [(2.7, False), (4.0, False)],
                  "crops_2.0+2.7+4.0": [(s, False) for s in SCALES]}
    groups = [r["group"] for r in rows]
    out: dict[str, Any] = {}
    for condition in DEGRADE:
        for name, parts in candidates.items():
            frame = 1 / (1 + np.exp(-np.mean([logits[(condition, s, f)] for s, f in parts], axis=0)))
            entry = {"frames": _figures(frame[live], frame[~live])}
            for rule, decide in (("track_rule", lambda s: decide_presentation(s, TrackPolicy())[1]),
                                 ("first_frame", lambda s: s[0])):
                per = {g: decide([frame[i] for i in range(len(rows)) if groups[i] == g]) for g in dict.fromkeys(groups)}
                glive = np.array([per[g] for g in per if g.startswith("live")])
                gspoof = np.array([per[g] for g in per if g.startswith("spoof")])
                entry[f"presentations_{rule}"] = _figures(glive, gspoof)
            out.setdefault(condition, {})[name] = entry
    return {"frames": len(rows), "presentations": len(set(groups)), "by_condition": out}


def enrolment(pipeline: FacePipeline) -> dict[str, Any]:
    model = LivenessModel.open(ModelRegistry(), pipeline.provider, 1)
    out: dict[str, Any] = {}
    for name, pattern in (("lfw-dev", "lfw-dev/images/*/*.jpg"), ("celeba-dev", "celeba-dev/images/*/*.jpg"),
                          ("nuaa-dev spoof", "nuaa-dev/spoof/*/*.jpg"), ("nuaa-dev live", "nuaa-dev/live/*/*.jpg")):
        scores = []
        for path in sorted(DATA.glob(pattern)):
            image = pipeline.load(path)
            faces = pipeline.detect(image)
            if len(faces):
                scores.append(float(model.scores(image, faces.boxes[faces.largest()][None])[0]))
        s = np.array(scores)
        out[name] = {"photos": len(s), **{f"below_{t}": round(float((s < t).mean()), 4) for t in THRESHOLDS}}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("speed", "variants", "enrolment"))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--grouped-labels", type=Path,
                        help="only write nuaa-dev's labels with a group column (label-subject-session) to this CSV")
    args = parser.parse_args()
    if not NUAA.exists():
        print(json.dumps({"error": f"{NUAA} not found (set FACEAPP_TESTDATA)"}))
        return 1
    if args.grouped_labels:
        with args.grouped_labels.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["path", "label", "subject", "group"])
            out.writerows([r["path"], r["label"], r["subject"], r["group"]] for r in nuaa_rows())
        return 0
    pipeline = FacePipeline.from_settings(Settings(provider="cpu", threads=1))
    result: dict[str, Any] = {}
    for name, fn in (("speed", lambda: speed(pipeline, args.repeat)), ("variants", lambda: variants(pipeline)),
                     ("enrolment", lambda: enrolment(pipeline))):
        if args.only in (None, name):
            result[name] = fn()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
