"""``faceapp eval lfw`` and ``faceapp eval wider``: the figures we publish."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from faceapp.cli.common import add_common, emit_json, open_pipeline
from faceapp.evaluation.lfw import evaluate_lfw


def register(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="measure accuracy on standard benchmarks")
    ev_sub = ev.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)

    lfw = ev_sub.add_parser("lfw", help="LFW-format face verification (pairs file)")
    lfw.add_argument("--images", type=Path, required=True, help="folder of <Person>/<Person>_NNNN.jpg")
    lfw.add_argument("--pairs", type=Path, required=True, help="LFW pairs.txt")
    lfw.add_argument("--flip", action="store_true", help="add mirrored faces to the embeddings")
    lfw.add_argument("--far", type=float, default=1e-3, help="false-accept rate for TAR@FAR (default 1e-3)")
    add_common(lfw)
    lfw.set_defaults(func=run_lfw)

    wider = ev_sub.add_parser("wider", help="WIDER FACE Easy/Medium/Hard AP (official protocol)")
    wider.add_argument("--images", type=Path, required=True, help="folder of <event>/<file>.jpg")
    wider.add_argument("--gt", type=Path, required=True, help="wider_face_val_bbx_gt.txt")
    wider.add_argument("--settings", type=Path, required=True, help="settings.json with easy/medium/hard faces")
    wider.add_argument("--threshold", type=float, default=0.02, help="detector score threshold (default 0.02)")
    add_common(wider)
    wider.set_defaults(func=run_wider)

    from faceapp.cli.eval_liveness import add_liveness_parser
    from faceapp.cli.eval_openset import add_openset_parsers

    add_openset_parsers(ev_sub)

    add_liveness_parser(ev_sub)


def _bar(args: argparse.Namespace, label: str) -> tqdm | None:
    if args.json or not sys.stderr.isatty():
        return None
    return tqdm(desc=label, unit="img", leave=False, file=sys.stderr)


def run_lfw(args: argparse.Namespace) -> int:
    pipeline = open_pipeline(args, flip_embedding=args.flip)
    bar = _bar(args, "lfw")
    start = time.perf_counter()
    report = evaluate_lfw(pipeline, args.images, args.pairs, _progress(bar), args.far)
    if bar is not None:
        bar.close()
    r = report.result
    if args.json:
        emit_json({
            **r.to_dict(), "images": report.images, "no_face": report.no_face,
            "unreadable": report.unreadable, "flip": report.flip,
            "seconds": round(time.perf_counter() - start, 1),
            "embedder": pipeline.info.embedder, "provider": pipeline.provider.describe(),
        })
        return 0
    print(f"LFW verification: {r.pairs} pairs ({r.positives} same, {r.negatives} different), "
          f"{report.images} images, flip={'on' if report.flip else 'off'}")
    print(f"  accuracy          {r.accuracy:.4f} ± {r.accuracy_std:.4f}  ({r.threshold_protocol})")
    print(f"  best threshold    {r.best_threshold:.4f}  (accuracy {r.best_threshold_accuracy:.4f} on all pairs)")
    print(f"  TAR @ FAR={r.far_target:g}  {r.tar_at_far:.4f}  (threshold {r.far_threshold:.4f}, "
          f"achieved FAR {r.far_achieved:.4f} of {r.negatives} impostor pairs)")
    missing = f": {', '.join(report.no_face)}" if report.no_face else ""
    print(f"  no face found     {len(report.no_face)} image(s){missing}")
    if report.unreadable:
        print(f"  unreadable        {len(report.unreadable)}: {', '.join(report.unreadable)}")
    return 0


def run_wider(args: argparse.Namespace) -> int:
    from faceapp.evaluation.wider import evaluate_wider
    from faceapp.vision.detect import DetectOptions

    options = DetectOptions(long_side=0, score_threshold=args.threshold, nms_iou=0.4, pre_nms_top_k=5000, max_faces=750)
    pipeline = open_pipeline(args)
    detector = type(pipeline.detector)(pipeline.detector.spec, pipeline.detector.session, options)  # type: ignore[attr-defined, call-arg]
    bar = _bar(args, "wider")
    report = evaluate_wider(detector, args.images, args.gt, args.settings, _progress(bar))
    if bar is not None:
        bar.close()
    if args.json:
        emit_json({**report.to_dict(), "detector": pipeline.info.detector, "score_threshold": args.threshold})
        return 0
    print(f"WIDER FACE ({report.images} images, {report.faces} faces), original scale, threshold {args.threshold}")
    for setting in ("easy", "medium", "hard"):
        print(f"  {setting:<7} AP {getattr(report, setting + '_ap'):.4f}")
    return 0


def _progress(bar: tqdm | None):
    if bar is None:
        return None

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update
