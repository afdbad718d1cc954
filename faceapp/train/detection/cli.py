"""``faceapp train detection``: fine-tune RetinaFace on a ``label.txt`` folder, export, register.

PyTorch is imported inside :func:`run_detection` only, so the CLI parser works without it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from faceapp.cli.common import add_common, emit_json
from faceapp.config import Paths
from faceapp.errors import FaceAppError
from faceapp.train.callbacks import TrainCallback

_OPTIONS: tuple[tuple[str, type, str], ...] = (
    ("out_dir", str, "run folder: checkpoints, metrics.jsonl (default runs/detection)"),
    ("pretrained", str, "'bundled' (default), an ONNX RetinaFace-mnet0.25, or '' for random weights"),
    ("image_size", int, "training crop size in pixels (default 640)"),
    ("batch_size", int, "images per step (default 8)"),
    ("epochs", int, "epochs (default 10)"),
    ("max_steps", int, "stop (and schedule) after this many steps"),
    ("optimizer", str, "sgd or adamw"),
    ("lr", float, "peak learning rate (default 3e-4)"),
    ("warmup_steps", int, "linear warm-up steps"),
    ("amp", str, "none, bf16 or fp16 (CUDA only)"),
    ("device", str, "auto, cpu or cuda"),
    ("seed", int, "random seed"),
    ("checkpoint_every", int, "steps between checkpoints (default: at the end)"),
    ("eval_dir", str, "WIDER-format folder (images/, wider_face_val_bbx_gt.txt, settings.json) for AP"),
    ("eval_every", int, "steps between AP evaluations (default: at the end only)"),
    ("eval_images", int, "evaluate on the first N images only (default all)"),
)


def register_detection(train_sub: argparse._SubParsersAction) -> None:
    """Add ``train detection`` to the ``train`` subcommands."""
    det = train_sub.add_parser("detection", help="fine-tune the RetinaFace detector on a label.txt folder")
    det.add_argument("--data", required=True, help="images folder (paths in label.txt are relative to it)")
    det.add_argument("--labels", required=True, help="RetinaFace label.txt (boxes and 5 landmarks)")
    for name, kind, text in _OPTIONS:
        flag = "--out" if name == "out_dir" else "--" + name.replace("_", "-")
        det.add_argument(flag, dest=name, type=kind, help=text)
    det.add_argument("--resume", nargs="?", const="auto", help="continue from a checkpoint (default: the latest)")
    det.add_argument("--export", metavar="NAME", help="export to the user models folder as NAME")
    add_common(det)
    det.set_defaults(func=run_detection)


class _Progress(TrainCallback):
    """One JSON object (or line of text) per reported step, evaluation and checkpoint."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def _say(self, record: dict[str, Any], text: str) -> None:
        if self.as_json:
            emit_json({k: v for k, v in record.items() if k != "config"})
        else:
            print(text, flush=True)

    def on_train_start(self, info: dict[str, Any]) -> None:
        self._say(info, f"detection training on {info['device']}: {info['images']} images, {info['faces']} faces, "
                        f"{info['total_steps']} steps")

    def on_step(self, m: dict[str, Any]) -> bool | None:
        self._say(m, f"step {m['step']}: loss {m['loss']:.4f} (box {m['loss_box']:.3f} class {m['loss_class']:.3f} "
                     f"landmarks {m['loss_landmarks']:.3f}) lr {m['lr']:.2e} {m['images_per_s']:.1f} img/s")
        return None

    def on_eval(self, m: dict[str, Any]) -> None:
        self._say(m, f"WIDER AP at step {m['step']}: easy {m['easy_ap']:.4f} medium {m['medium_ap']:.4f} "
                     f"hard {m['hard_ap']:.4f}")

    def on_checkpoint(self, path: Path) -> None:
        self._say({"event": "checkpoint", "path": str(path)}, f"checkpoint {path}")

    def on_train_end(self, summary: dict[str, Any]) -> None:
        self._say(summary, f"done at step {summary['step']}")


def run_detection(args: argparse.Namespace) -> int:
    """``faceapp train detection``."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise FaceAppError("training needs PyTorch, which is not installed: pip install 'faceapp[train]'") from None
    from faceapp.model_history import record, save_report
    from faceapp.train.detection.config import DetectionConfig
    from faceapp.train.detection.export import export_detector
    from faceapp.train.detection.loop import DetectionTrainer

    values = {name: getattr(args, name) for name, _, _ in _OPTIONS if getattr(args, name) is not None}
    config = DetectionConfig(data=args.data, labels=args.labels, **values)
    trainer = DetectionTrainer(config, callbacks=[_Progress(args.json)])
    if args.resume:
        found = sorted((Path(config.out_dir) / "checkpoints").glob("step-*.pt"))
        checkpoint = (found[-1] if found else None) if args.resume == "auto" else Path(args.resume)
        if checkpoint is None:
            raise FaceAppError(f"--resume: no checkpoint in {config.out_dir}/checkpoints")
        trainer.resume(checkpoint)
    summary = trainer.fit()
    if args.export:
        models_dir = Paths.resolve(args.basedir).ensure().user_models
        source = f"faceapp.train.detection: fine-tuned on {args.labels} ({trainer.state.step} steps)"
        entry = export_detector(trainer.model, models_dir, args.export, [trainer.items[0].path], source)
        report = {"event": "report", "model": entry["name"], "kind": "detector", "steps": trainer.state.step,
                  "probe_loss": {"start": trainer.start_probe, "end": summary["probe_loss"]}, "eval": summary["eval"],
                  "device": str(trainer.device), "checkpoint": summary["checkpoint"], "labels": args.labels,
                  "calibration": "none: score calibration applies to embedders only"}
        save_report(models_dir, entry["name"], report)
        record(models_dir, "trained", entry["name"], "detector", steps=trainer.state.step, eval=summary["eval"])
        if args.json:
            emit_json({"event": "exported", **entry, "folder": str(models_dir)})
        else:
            print(f"exported {entry['name']} to {models_dir / entry['file']}; activate it with "
                  f"faceapp models activate {entry['name']}")
    return 0

