"""``faceapp train ...``: the recognition trainer from the command line.

``register(subparsers)`` adds ``train recognition``, ``train export`` and ``train finetune``.
PyTorch is imported only inside the command functions, so the rest of the CLI works without it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from faceapp.cli.common import add_common, emit_json
from faceapp.config import Paths
from faceapp.errors import ConfigError, FaceAppError
from faceapp.train.callbacks import TrainCallback
from faceapp.train.detection.cli import register_detection

TRAIN_EXTRA = "pip install 'faceapp[train]'"

# Command-line flag → TrainConfig field, for the common options (everything else: --set).
_OPTIONS: tuple[tuple[str, type, str], ...] = (
    ("backbone", str, "mobilefacenet, mobilefacenet_tiny, iresnet18/34/50/100, iresnet_tiny"),
    ("embedding_size", int, "embedding size"),
    ("pretrained", str, "'bundled' (the shipped MobileFaceNet; for fine-tuning add --set deploy=true "
                        "--set head_init=centroids), an ONNX MobileFaceNet or a .pt"),
    ("loss", str, "arcface, cosface, sphereface, combined, softmax, normface, lsoftmax, triplet, ..."),
    ("scale", float, "logit scale s"),
    ("margin", float, "margin m"),
    ("batch_size", int, "images per batch"),
    ("epochs", int, "epochs"),
    ("max_steps", int, "stop (and schedule) after this many steps"),
    ("optimizer", str, "sgd or adamw"),
    ("lr", float, "peak learning rate"),
    ("warmup_steps", int, "linear warm-up steps"),
    ("schedule", str, "cosine, poly or constant"),
    ("amp", str, "none, bf16 or fp16 (CUDA only)"),
    ("device", str, "auto, cpu or cuda"),
    ("seed", int, "random seed"),
    ("num_workers", int, "data loader processes"),
    ("eval_dir", str, "LFW-format folder (images/ + pairs.txt) for verification"),
    ("cache_dir", str, "where aligned chips of photo data are cached"),
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``train`` command and its subcommands."""
    train = sub.add_parser("train", help="train or fine-tune a recognition model (needs PyTorch)")
    train_sub = train.add_subparsers(dest="train_command", metavar="WHAT", required=True)

    rec = train_sub.add_parser("recognition", help="train a face embedder on identity folders or RecordIO")
    rec.add_argument("--data", help="DIR/<person>/*.jpg (photos or 112x112 chips) or a RecordIO folder")
    rec.add_argument("--out", help="run folder: checkpoints, metrics.jsonl (default runs/recognition)")
    rec.add_argument("--config", type=Path, help="a JSON training config; flags override it")
    for name, kind, text in _OPTIONS:
        rec.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, help=text)
    rec.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other config field")
    rec.add_argument("--resume", nargs="?", const="auto", help="continue from a checkpoint (default: the latest)")
    rec.add_argument("--export", metavar="NAME", help="export the result to the user models folder as NAME")
    add_common(rec)
    rec.set_defaults(func=run_recognition)

    exp = train_sub.add_parser("export", help="export a checkpoint's backbone to ONNX and register it")
    exp.add_argument("checkpoint", type=Path)
    exp.add_argument("--name", required=True, help="model name in the user models folder")
    add_common(exp)
    exp.set_defaults(func=run_export)

    fin = train_sub.add_parser("finetune", help="fine-tune the active embedder on the enrolled gallery")
    fin.add_argument("--from-gallery", action="store_true", required=True, help="train on the enrolled faces")
    fin.add_argument("--name", help="name of the new model (default: <active embedder>_ftN)")
    fin.add_argument("--steps", type=int, help="training steps (default 100)")
    fin.add_argument("--batch-size", type=int, help="faces per step (default 32)")
    fin.add_argument("--lr", type=float, help="SGD learning rate (default 1e-3)")
    fin.add_argument("--device", help="auto, cpu or cuda")
    fin.add_argument("--amp", help="none, bf16 or fp16 (CUDA only)")
    fin.add_argument("--holdout", type=float, help="share of each person's faces held out (default 0.34)")
    fin.add_argument("--unseen", type=float, help="share of people never trained on, the strangers (default 0.2)")
    fin.add_argument("--seed", type=int, help="seed of the split and the training")
    fin.add_argument("--far", type=float, help="false-accept rate for TAR@FAR (default: the site's target setting)")
    fin.add_argument("--fpir", type=float, help="false-positive identification rate for DIR (default: the same)")
    fin.add_argument("--tolerance", type=float, help="largest allowed fall of a figure (default 0.005)")
    fin.add_argument("--public-check", dest="public_check", default=os.environ.get("FACEAPP_PUBLIC_CHECK"),
                     help="LFW-format folder (images/ + pairs.txt) the candidate must not do worse on "
                          "(default $FACEAPP_PUBLIC_CHECK)")
    fin.add_argument("--no-activate", action="store_true", help="measure and recommend only; do not activate")
    fin.add_argument("--resume", action="store_true", help="continue the stopped run of --name from its checkpoint")
    add_common(fin)
    fin.set_defaults(func=run_finetune)
    register_detection(train_sub)
    dev = train_sub.add_parser("device", help="what the trainer would run on (GPU name and memory, or why the CPU)")
    add_common(dev)
    dev.set_defaults(func=run_device)


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise FaceAppError(f"training needs PyTorch, which is not installed: {TRAIN_EXTRA}") from None


def build_config(args: argparse.Namespace) -> Any:
    """The TrainConfig from ``--config``, then the flags, then ``--set`` pairs."""
    from faceapp.train.config import TrainConfig

    data: dict[str, Any] = TrainConfig.load(args.config).to_dict() if args.config else {}
    if args.data:
        data["data"] = args.data
    if args.out:
        data["out_dir"] = args.out
    data.update({name: getattr(args, name) for name, _, _ in _OPTIONS if getattr(args, name) is not None})
    for pair in args.set:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"--set wants KEY=VALUE, got {pair!r}")
        try:
            data[key] = json.loads(value)
        except json.JSONDecodeError:
            data[key] = value
    return TrainConfig.from_dict(data)


class _Progress(TrainCallback):
    """Prints one line (or one JSON object) per reported step and evaluation."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def on_train_start(self, info: dict[str, Any]) -> None:
        self._say(info, f"training on {info['device']}: {info['images']} images, {info['classes']} identities, "
                        f"{info['total_steps']} steps")

    def on_step(self, m: dict[str, Any]) -> bool | None:
        self._say(m, f"step {m['step']} epoch {m['epoch']}: loss {m['loss']:.4f} lr {m['lr']:.2e} "
                     f"{m['images_per_s']:.1f} img/s")
        return None

    def on_eval(self, m: dict[str, Any]) -> None:
        self._say(m, f"verification at step {m['step']}: accuracy {m['accuracy']:.4f} ± {m['accuracy_std']:.4f}")

    def on_checkpoint(self, path: Path) -> None:
        self._say({"event": "checkpoint", "path": str(path)}, f"checkpoint {path}")

    def on_train_end(self, summary: dict[str, Any]) -> None:
        self._say(summary, f"done at step {summary['step']}")

    def _say(self, record: dict[str, Any], text: str) -> None:
        if self.as_json:
            emit_json({k: v for k, v in record.items() if k != "config"})
        else:
            print(text, flush=True)


def run_recognition(args: argparse.Namespace) -> int:
    """``faceapp train recognition``."""
    _require_torch()
    from faceapp.train.loop import Trainer, latest_checkpoint

    config = build_config(args)
    trainer = Trainer(config, callbacks=[_Progress(args.json)])
    if args.resume:
        checkpoint = latest_checkpoint(Path(config.out_dir)) if args.resume == "auto" else Path(args.resume)
        if checkpoint is None:
            raise FaceAppError(f"--resume: no checkpoint in {config.out_dir}/checkpoints")
        trainer.resume(checkpoint)
    summary = trainer.fit()
    if args.export:
        _export(trainer.model.backbone, config, args, summary)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``faceapp train export CHECKPOINT --name NAME``."""
    _require_torch()
    import torch

    from faceapp.train.config import TrainConfig
    from faceapp.train.model import build_model

    try:
        payload = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as exc:
        raise FaceAppError(f"{args.checkpoint}: cannot read the checkpoint ({exc})") from exc
    config = TrainConfig.from_dict(payload["config"])
    classes = max(1, len(payload.get("classes") or []))
    model = build_model(TrainConfig.from_dict({**config.to_dict(), "pretrained": ""}), classes)
    backbone_state = {k.removeprefix("backbone."): v for k, v in payload["model"].items() if k.startswith("backbone.")}
    model.backbone.load_state_dict(backbone_state)
    _export(model.backbone, config, args)
    return 0


def _export(backbone: Any, config: Any, args: argparse.Namespace, summary: dict[str, Any] | None = None) -> None:
    from faceapp.model_history import record, save_report
    from faceapp.train.export import export_embedder

    models_dir = Paths.resolve(getattr(args, "basedir", None)).ensure().user_models
    mean, std = config.mean_std
    source = f"faceapp.train: {config.backbone} + {config.loss} on {config.data}"
    name = args.export if getattr(args, "export", None) else args.name
    entry = export_embedder(backbone, models_dir, name, mean, std, source)
    save_report(models_dir, entry["name"], {
        "event": "report", "model": entry["name"], "kind": "embedder", "source": source,
        "steps": (summary or {}).get("step"), "loss": (summary or {}).get("loss"), "eval": (summary or {}).get("eval"),
        "calibration": "not calibrated: run faceapp eval calibrate --model " + entry["name"]})
    record(models_dir, "trained", entry["name"], "embedder", source=source)
    if args.json:
        emit_json({"event": "exported", **entry, "folder": str(models_dir)})
    else:
        print(f"exported {entry['name']} to {models_dir / entry['file']}; select it as the embedder in the settings")


def run_finetune(args: argparse.Namespace) -> int:
    """``faceapp train finetune --from-gallery``: fine-tune the active embedder on part of the
    gallery, measure it against the active model on the held-out part (and a public check), and
    activate it only when better (see :mod:`faceapp.train.finetune`). With ``--json`` the progress
    lines are followed by the report ``{"before", "after", "activated", "reason", ...}``."""
    from faceapp.cli.auth import require_admin  # it trains on biometric data and may switch the model
    from faceapp.config import Settings
    from faceapp.trainer_token import ENV, redeem

    paths = Paths.resolve(args.basedir)
    paths = paths.with_data_dir(Settings.load(paths.settings_file).data_dir)
    if redeem(paths, os.environ.get(ENV)) is None:  # started by the app's logged-in administrator?
        require_admin(args, None, "fine-tune a model on the enrolled faces")
    _require_torch()
    from faceapp.train.finetune import FinetuneOptions, finetune_from_gallery

    fields = ("name", "steps", "batch_size", "lr", "device", "amp", "holdout", "unseen", "seed", "far", "fpir",
              "tolerance", "public_check")
    values = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    options = FinetuneOptions(**values, activate=not args.no_activate)
    report = finetune_from_gallery(args.basedir, options, callbacks=[_Progress(args.json)], resume=args.resume)
    if args.json:
        emit_json(report)
        return 0
    for when in ("before", "after"):
        f = report[when]
        public = f" public accuracy {f['public']['accuracy']:.4f}" if "public" in f else ""
        print(f"{when:<6} {f['model']}: accuracy {f['accuracy']:.4f} TAR@FAR={f['far']:g} {f['tar_at_far']:.4f} "
              f"DIR@FPIR={f['fpir']:g} {f['dir_at_fpir']:.4f}{public}")
    print(("activated " if report["activated"] else "not activated ") + report["model"] + ": " + report["reason"])
    return 0


def device_info() -> dict[str, Any]:
    """The training device: PyTorch version, CUDA GPU name and memory, or why the CPU."""
    try:
        import torch
    except ImportError:
        return {"torch": None, "cuda": False, "name": None, "memory_gb": None,
                "reason": f"PyTorch is not installed ({TRAIN_EXTRA})"}
    if not torch.cuda.is_available():
        built = torch.version.cuda
        reason = ("this PyTorch build has no CUDA support" if built is None
                  else f"PyTorch (CUDA {built}) sees no usable NVIDIA GPU or driver")
        return {"torch": torch.__version__, "cuda": False, "name": None, "memory_gb": None, "reason": reason}
    props = torch.cuda.get_device_properties(0)
    return {"torch": torch.__version__, "cuda": True, "name": props.name,
            "memory_gb": round(props.total_memory / 2**30, 1), "reason": "",
            "bf16": bool(torch.cuda.is_bf16_supported())}


def run_device(args: argparse.Namespace) -> int:
    """``faceapp train device``."""
    info = device_info()
    if args.json:
        emit_json(info)
    elif info["cuda"]:
        print(f"GPU: {info['name']}, {info['memory_gb']} GiB (PyTorch {info['torch']})")
    else:
        print(f"CPU: {info['reason']}")
    return 0
