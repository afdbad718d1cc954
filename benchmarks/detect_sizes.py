"""Detector input size for live frames: speed at 640x480 against WIDER AP at the same input size.

The official WIDER protocol runs at the original size; a live camera runs at ``detect_long_side``.
This compares long sides (640 = the default) in one run: detection time on the 5-face 640x480
frame (interleaved), and WIDER AP on wider-dev with the images scaled to that long side (score
threshold 0.02, as the protocol), which is what a smaller input would cost in faces found::

    python benchmarks/bench_pipeline.py --threads 2 --sizes 640 512 480
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from faceapp.evaluation.wider import evaluate_wider
from faceapp.vision.detect import DetectOptions, create_detector
from faceapp.vision.pipeline import FacePipeline


def size_figures(pipe: FacePipeline, data: Path, frame: np.ndarray, sizes: list[int], repeat: int,
                 interleaved: Any) -> dict[str, Any]:
    """Detection ms at 640x480 and WIDER AP per long side."""
    spec, session = pipe.detector.spec, pipe.detector.session  # type: ignore[attr-defined]
    base = pipe.detector.options
    detectors = {n: create_detector(spec, session, DetectOptions(
        long_side=n, upscale=False, score_threshold=base.score_threshold, nms_iou=base.nms_iou,
        min_face_px=base.min_face_px)) for n in sizes}
    out: dict[str, Any] = {"detect_640x480_ms": interleaved(
        {f"long_side_{n}": (lambda d=d: d.detect(frame)) for n, d in detectors.items()}, repeat)}
    ap = {}
    for n in sizes:
        d = create_detector(spec, session, DetectOptions(long_side=n, upscale=False, score_threshold=0.02))
        w = evaluate_wider(d, data / "wider-dev" / "images", data / "wider-dev" / "wider_face_val_bbx_gt.txt",
                           data / "wider-dev" / "settings.json")
        ap[f"long_side_{n}"] = {"easy": round(w.easy_ap, 4), "medium": round(w.medium_ap, 4),
                                "hard": round(w.hard_ap, 4)}
    out["wider_ap_at_that_size"] = ap
    return out
