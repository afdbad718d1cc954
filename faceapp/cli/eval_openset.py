"""``faceapp eval calibrate`` (an embedder's score distributions into its manifest) and ``faceapp eval openset``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from faceapp.cli.common import add_common, emit_json, load_settings, require_admin
from faceapp.errors import ConfigError

DEFAULT_SETS = ("lfw-dev", "celeba-dev")


def _default_roots() -> list[Path]:
    base = Path(os.environ.get("FACEAPP_TESTDATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
    return [base / name for name in DEFAULT_SETS]


def add_openset_parsers(ev_sub: argparse._SubParsersAction) -> None:
    """Register ``eval calibrate`` and ``eval openset`` under ``faceapp eval``."""
    cal = ev_sub.add_parser("calibrate", help="measure an embedder's genuine/impostor scores into its manifest")
    cal.add_argument("data", nargs="*", type=Path, metavar="DIR",
                     help="collections as DIR/images/<identity>/*.jpg (default: lfw-dev and celeba-dev "
                          "under $FACEAPP_TESTDATA)")
    cal.add_argument("--model", help="embedder name (default: the configured one)")
    cal.add_argument("--models-dir", type=Path,
                     help="folder whose manifest.json lists the model (default: the user models folder, "
                          "or the bundled one for bundled models)")
    cal.add_argument("--cache", type=Path, help="folder to keep the embedded faces between runs")
    add_common(cal)
    cal.set_defaults(func=run_calibrate)

    ops = ev_sub.add_parser("openset", help="thresholds and predicted false accepts per gallery size")
    ops.add_argument("--model", help="embedder name (default: the configured one)")
    ops.add_argument("--people", type=int, nargs="+", default=[10, 100, 1000, 10_000, 100_000])
    add_common(ops)
    ops.set_defaults(func=run_openset)


def run_calibrate(args: argparse.Namespace) -> int:
    from faceapp.evaluation.openset import calibrate_model
    from faceapp.vision.models import ModelRegistry, bundled_models_dir

    paths, settings = load_settings(args)
    name = args.model or settings.embedder
    require_admin(args, None, f"recalibrate {name} (its thresholds decide who is accepted)")
    folder = args.models_dir
    if folder is None:
        spec = ModelRegistry(user_dir=paths.user_models).spec(name)
        folder = spec.path.parent
    roots = args.data or _default_roots()
    missing = [str(r) for r in roots if not (r / "images").is_dir()]
    if missing:
        raise ConfigError(f"no DIR/images/<identity>/ folder at {', '.join(missing)}")
    cal = calibrate_model(folder, name, roots, provider=settings.provider, detector=settings.detector,
                          cache_dir=args.cache)
    rows = _table(cal, [10, 100, 1000, 10_000, 100_000], 2)
    if args.json:
        emit_json({"model": name, "manifest": str(folder / "manifest.json"), "data": cal.data,
                   "genuine_pairs": cal.genuine_pairs, "impostor_pairs": cal.impostor_pairs,
                   "comparisons_per_template": cal.comparisons_per_template, "thresholds": rows,
                   "bundled": folder.resolve() == bundled_models_dir().resolve()})
        return 0
    print(f"{name}: calibrated on {cal.data}: {cal.genuine_pairs:,} genuine and {cal.impostor_pairs:,} impostor "
          f"pairs; one template counts for {cal.comparisons_per_template} comparisons")
    print(f"written to {folder / 'manifest.json'}")
    _print_table(rows)
    return 0


def run_openset(args: argparse.Namespace) -> int:
    from faceapp.vision.models import ModelRegistry

    paths, settings = load_settings(args)
    name = args.model or settings.embedder
    cal = ModelRegistry(user_dir=paths.user_models).spec(name).calibration_for(settings.flip_embedding)
    if cal is None:
        raise ConfigError(f"embedder {name} has no calibration; run faceapp eval calibrate --model {name}")
    rows = _table(cal, args.people, 2)
    if args.json:
        emit_json({"model": name, "rows": rows})
        return 0
    _print_table(rows)
    return 0


def _table(cal, people: list[int], templates_each: int) -> list[dict]:
    from faceapp.vision.calibration import TARGET_RATES

    rows = []
    for n in people:
        for target in TARGET_RATES:
            t = cal.threshold_for(target, n, n * templates_each)
            rows.append({"people": n, "target": target, "threshold": round(t, 4),
                         "true_accept": round(cal.genuine_rate(t), 4)})
    return rows


def _print_table(rows: list[dict]) -> None:
    print("people   target  threshold  true-accept (one genuine pair)  [2 templates each]")
    for r in rows:
        print(f"{r['people']:>7,}  {r['target'] * 100:5.1f} %  {r['threshold']:9.4f}  {r['true_accept']:.3f}")
