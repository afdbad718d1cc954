"""``faceapp eval liveness``: APCER / BPCER / ACER of the anti-spoofing on a labelled folder."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from faceapp.cli.common import add_common, emit_json, load_settings, open_pipeline
from faceapp.errors import DataError


def add_liveness_parser(ev_sub: argparse._SubParsersAction) -> None:
    """Register ``eval liveness`` under ``faceapp eval``."""
    p = ev_sub.add_parser("liveness", help="anti-spoofing APCER/BPCER/ACER (ISO/IEC 30107-3)")
    p.add_argument("--data", type=Path, required=True, help="folder the paths in the labels file are relative to")
    p.add_argument("--labels", type=Path, required=True,
                   help="CSV with columns path,label[,subject][,group]; label live or spoof")
    p.add_argument("--threshold", type=float, default=None,
                   help="live-score threshold (default: the one the settings' target BPCER calibrates to)")
    add_common(p)
    p.set_defaults(func=run_liveness)


def run_liveness(args: argparse.Namespace) -> int:
    from faceapp.evaluation.liveness import evaluate_liveness
    from faceapp.live.liveness_stage import LivenessConfig
    from faceapp.vision.liveness import LivenessModel
    from faceapp.vision.models import ModelRegistry

    for option, path in (("--data", args.data), ("--labels", args.labels)):
        if not path.exists():
            raise DataError(f"{path}: not found; check {option}")
    paths, settings = load_settings(args)
    config = LivenessConfig.from_settings(settings)
    policy = config.policy if args.threshold is None else config.with_threshold(args.threshold).policy
    pipeline = open_pipeline(args)
    model = LivenessModel.open(ModelRegistry(user_dir=paths.user_models), pipeline.provider, settings.threads)
    bar = None if args.json or not sys.stderr.isatty() else tqdm(desc="liveness", unit="img", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total, bar.n = total, done
            bar.refresh()

    start = time.perf_counter()
    report = evaluate_liveness(pipeline.detect, model, args.data, args.labels, policy, progress)
    if bar is not None:
        bar.close()
    if args.json:
        emit_json({**report.to_dict(), "model": model.spec.name, "seconds": round(time.perf_counter() - start, 1)})
        return 0
    _print(report)
    return 0


def _print(report: Any) -> None:
    f = report.frame_figures
    print(f"Liveness: {report.frames} frames, {report.scored} scored, {len(report.no_face)} without a face, "
          f"{len(report.unreadable)} unreadable; AUC {f.auc if f.auc is None else round(f.auc, 4)}")
    rows = [("frames", f)]
    if report.presentations is not None:
        rows.append(("presentations", None))
    for name, fig in rows:
        if fig is None:
            p = report.presentations
            print(f"  presentations: {p['decided']} decided of {p['count']}, {len(p['no_face'])} without a face")
            default, at = p["default"], p["at_target_bpcer"]
        else:
            default, at = fig.default.to_dict(), fig.at_target_bpcer.to_dict()
        for label, r in (("default threshold", default), ("BPCER <= 1 %", at)):
            print(f"  {name:<13} {label:<18} t={r['threshold']:.4f}  APCER {r['apcer']:.4f}  "
                  f"BPCER {r['bpcer']:.4f}  ACER {r['acer']:.4f}  ({r['attacks']} attacks, {r['bona_fide']} live)")
