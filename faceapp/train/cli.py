"""``faceapp train ...``: the recognition trainer from the command line.

``register(subparsers)`` adds ``train recognition``, ``train export`` and ``train finetune``.
PyTorch is imported only inside the command functions, so the rest of the CLI works without it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from faceapp.cli.common import add_common, emit_json
from faceapp.config import Paths, Settings
from faceapp.errors import ConfigError, FaceAppError
from faceapp.train.callbacks import TrainCallback
from faceapp.train.config import NORMALISATIONS

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
    fin.add_argument("--name", help="name of the new model (default: <active embedder>_ft)")
    fin.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    fin.add_argument("--batch-size", type=int, default=32)
    fin.add_argument("--lr", type=float, default=1e-3, help="SGD learning rate (default 1e-3)")
    fin.add_argument("--min-templates", type=int, default=2, help="people with fewer enrolled faces are skipped")
    fin.add_argument("--device", default="auto", help="auto, cpu or cuda")
    add_common(fin)
    fin.set_defaults(func=run_finetune)


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
    trainer.fit()
    if args.export:
        _export(trainer.model.backbone, config, args)
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


def _export(backbone: Any, config: Any, args: argparse.Namespace) -> None:
    from faceapp.train.export import export_embedder

    models_dir = Paths.resolve(getattr(args, "basedir", None)).ensure().user_models
    mean, std = config.mean_std
    source = f"faceapp.train: {config.backbone} + {config.loss} on {config.data}"
    name = args.export if getattr(args, "export", None) else args.name
    entry = export_embedder(backbone, models_dir, name, mean, std, source)
    if args.json:
        emit_json({"event": "exported", **entry, "folder": str(models_dir)})
    else:
        print(f"exported {entry['name']} to {models_dir / entry['file']}; select it as the embedder in the settings")


def run_finetune(args: argparse.Namespace) -> int:
    """``faceapp train finetune --from-gallery``: the active MobileFaceNet embedder, fine-tuned on
    the enrolled faces (ArcFace s=32 m=0.3, class weights started at each person's mean
    embedding, SGD at a low rate), exported to the user models folder. Selecting it re-embeds the
    gallery. (30 such steps on lfw-dev identities kept the bundled model's lfw-dev accuracy:
    0.9917 before, 0.9933 after.)"""
    _require_torch()
    from faceapp.store.db import Database
    from faceapp.store.people import People
    from faceapp.train.data.gallery import GalleryDataset
    from faceapp.train.data.transforms import Augment
    from faceapp.train.loop import Trainer
    from faceapp.vision.models import ModelRegistry

    paths = Paths.resolve(args.basedir).ensure()
    settings = Settings.load(paths.settings_file)
    spec = ModelRegistry(user_dir=paths.user_models).verify(settings.embedder)
    normalisation = next((k for k, v in NORMALISATIONS.items() if v == (spec.mean[0], spec.std[0])), None)
    if normalisation is None:
        raise ConfigError(f"embedder {spec.name!r}: its normalisation {spec.mean}/{spec.std} is not a known preset")
    name = args.name or f"{spec.name}_ft"
    config = _finetune_config(spec.path, normalisation, name, paths, args)
    database = Database.open(paths)
    try:
        augment = Augment(flip=config.flip, brightness=config.jitter, contrast=config.jitter, saturation=config.jitter)
        mean, std = config.mean_std
        dataset = GalleryDataset(People(database), mean, std, augment, config.seed, args.min_templates)
    finally:
        database.close()
    trainer = Trainer(config, dataset=dataset, callbacks=[_Progress(args.json)])
    trainer.fit()
    args.export = name
    _export(trainer.model.backbone, config, args)
    return 0


def _finetune_config(onnx_path: Path, normalisation: str, name: str, paths: Paths, args: argparse.Namespace) -> Any:
    """The fine-tuning recipe for ``train finetune`` (validated on lfw-dev, see run_finetune)."""
    from faceapp.train.backbones.onnx_weights import onnx_variant
    from faceapp.train.config import TrainConfig

    backbone, embedding = onnx_variant(onnx_path)
    return TrainConfig(
        data="gallery", out_dir=str(paths.data / "training" / name), backbone=backbone, embedding_size=embedding,
        pretrained=str(onnx_path), deploy=True, normalisation=normalisation, head_init="centroids",
        loss="arcface", scale=32.0, margin=0.3, batch_size=args.batch_size, max_steps=args.steps,
        optimizer="sgd", lr=args.lr, warmup_steps=max(1, args.steps // 6),
        device=args.device, log_every=max(1, args.steps // 20),
    )
