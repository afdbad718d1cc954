"""Fine-tuning that proves itself: train on part of the gallery, measure on the rest, decide.

1. The gallery's faces are split by person (:func:`faceapp.train.site_eval.split_gallery`).
2. The active MobileFaceNet embedder is fine-tuned on the *train* faces only (ArcFace s=32
   m=0.3, class weights started at each person's mean embedding, SGD at a low rate).
3. The candidate is exported to ONNX (checker + parity) and registered under a new name.
4. The active model and the candidate, both through ONNX Runtime exactly as the app runs them,
   are measured on the held-out faces and on a fixed public check (an LFW-format folder).
5. :func:`faceapp.train.site_eval.decide` says whether the candidate is better; only then is it
   activated (the gallery is re-embedded). The report is kept beside the model and in the
   history either way, so any model can be activated or rolled back to later.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from faceapp.config import Paths, Settings
from faceapp.errors import ConfigError, DataError
from faceapp.evaluation.lfw import read_pairs
from faceapp.evaluation.verification import evaluate_verification
from faceapp.model_history import activate_model, record, save_report
from faceapp.train.callbacks import TrainCallback
from faceapp.train.config import NORMALISATIONS, TrainConfig
from faceapp.train.data.folder import CHIP_SUFFIX, ChipSource
from faceapp.train.data.transforms import Augment
from faceapp.train.site_eval import SiteSplit, decide, site_figures, split_gallery
from faceapp.vision.embed import Embedder
from faceapp.vision.models import ModelRegistry, ModelSpec
from faceapp.vision.runtime import choose_provider

log = logging.getLogger(__name__)


@dataclass
class FinetuneOptions:
    """The knobs of ``faceapp train finetune --from-gallery`` (defaults are the validated recipe)."""

    name: str = ""  # default: <active embedder>_ftN
    steps: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    device: str = "auto"
    amp: str = "none"
    holdout: float = 0.34
    unseen: float = 0.2
    seed: int = 0
    far: float = 0.0  # 0: the site's false_accept_target setting
    fpir: float = 0.0  # 0: the site's false_accept_target setting
    tolerance: float = 0.005
    public_check: str = ""  # an LFW-format folder (images/ + pairs.txt); "" = none
    activate: bool = True  # False: measure and recommend only (the GUI asks the administrator)


class ListChipDataset(ChipSource):
    """Chips held in memory with their labels."""

    def __init__(self, chips: Sequence[np.ndarray], labels: np.ndarray, classes: list[str], mean: float, std: float,
                 augment: Augment | None, seed: int) -> None:
        super().__init__(labels, mean, std, augment, seed)
        self._chips = list(chips)
        self.classes = classes

    def chip(self, index: int) -> np.ndarray:
        return self._chips[index]


def _normalisation(spec: ModelSpec) -> str:
    found = next((k for k, v in NORMALISATIONS.items() if v == (spec.mean[0], spec.std[0])), None)
    if found is None:
        raise ConfigError(f"embedder {spec.name!r}: its normalisation {spec.mean}/{spec.std} is not a known preset")
    return found


def candidate_name(active: str, registry: ModelRegistry) -> str:
    """``<base>_ftN`` with the first free N (a fine-tuned model's base is its original's)."""
    base = re.sub(r"_ft\d+$", "", active)
    taken = set(registry.names())
    return next(f"{base}_ft{n}" for n in range(1, 10_000) if f"{base}_ft{n}" not in taken)


def read_gallery(paths: Paths) -> tuple[dict[int, list[int]], dict[int, np.ndarray], dict[int, str]]:
    """Active people's template ids, every chip, and the people's names."""
    from faceapp.store.db import Database
    from faceapp.store.people import People

    database = Database.open(paths)
    try:
        people = People(database)
        templates: dict[int, list[int]] = {}
        chips: dict[int, np.ndarray] = {}
        names: dict[int, str] = {}
        for person in people.list(active=True):
            ids = [t.id for t in people.templates(person.id)]  # type: ignore[attr-defined]
            templates[person.id], names[person.id] = ids, person.name
            chips.update((t, people.chip(t)) for t in ids)
    finally:
        database.close()
    return templates, chips, names


def finetune_config(spec: ModelSpec, name: str, paths: Paths, options: FinetuneOptions) -> TrainConfig:
    """The fine-tuning recipe (validated on lfw-dev: ``benchmarks/bench_train.py --finetune-lfw``)."""
    from faceapp.train.backbones.onnx_weights import onnx_variant

    backbone, embedding = onnx_variant(spec.path)
    return TrainConfig(
        data="gallery", out_dir=str(paths.data / "training" / name), backbone=backbone, embedding_size=embedding,
        pretrained=str(spec.path), deploy=True, normalisation=_normalisation(spec), head_init="centroids",
        loss="arcface", scale=32.0, margin=0.3, batch_size=options.batch_size, max_steps=options.steps,
        optimizer="sgd", lr=options.lr, warmup_steps=max(1, options.steps // 6), amp=options.amp,
        device=options.device, seed=options.seed, log_every=max(1, options.steps // 20),
        checkpoint_every=max(1, options.steps // 4),
    )


def embed_all(embedder: Embedder, chips: dict[int, np.ndarray], ids: Sequence[int]) -> dict[int, np.ndarray]:
    """Template id -> unit embedding, through ONNX Runtime."""
    vectors = embedder.embed(np.stack([chips[t] for t in ids]))
    return dict(zip(ids, vectors, strict=True))


def public_figures(embedder: Embedder, folder: Path, cache: Path, far: float) -> dict[str, Any]:
    """Verification on an LFW-format folder: chips aligned once by the bundled engine (cached)."""
    from faceapp.train.evaluate import pair_chips, read_chip

    chips_dir = pair_chips(folder, cache)
    pairs = read_pairs(folder / "pairs.txt")
    names = sorted({p.first for p in pairs} | {p.second for p in pairs})
    found = [n for n in names if (chips_dir / Path(n).with_suffix(CHIP_SUFFIX)).is_file()]
    vectors = embedder.embed(np.stack([read_chip(chips_dir / Path(n).with_suffix(CHIP_SUFFIX)) for n in found]))
    emb = dict(zip(found, vectors, strict=True))
    scores = np.array([float(emb[p.first] @ emb[p.second]) if p.first in emb and p.second in emb else -1.0
                       for p in pairs])
    result = evaluate_verification(scores, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs]), far)
    return {"folder": str(folder), "accuracy": result.accuracy, "tar_at_far": result.tar_at_far, "far": far,
            "pairs": result.pairs, "protocol": result.threshold_protocol}


def calibrate(paths: Paths, name: str, options: FinetuneOptions) -> str:
    """Write the candidate's score calibration into its manifest entry, measured on the public
    check's photos (:func:`faceapp.evaluation.openset.calibrate_model`); says what happened."""
    if not options.public_check:
        return "not calibrated: no public check folder to measure its score distributions on"
    from faceapp.errors import FaceAppError
    from faceapp.evaluation.openset import calibrate_model

    folder = Path(options.public_check)
    try:
        cal = calibrate_model(paths.user_models, name, [folder], provider="cpu",
                              cache_dir=paths.data / "training" / "calibration" / name)
    except FaceAppError as exc:
        log.warning("%s: calibration failed: %s", name, exc)
        return f"not calibrated: {exc}"
    return f"calibrated on {folder.name}: {cal.genuine_pairs} genuine and {cal.impostor_pairs} impostor pairs"


def measure(spec: ModelSpec, chips: dict[int, np.ndarray], split: SiteSplit, options: FinetuneOptions,
            paths: Paths, registry: ModelRegistry) -> dict[str, Any]:
    """Site (and public) figures of one registered embedder, run as the app runs it (CPU)."""
    verified, session = registry.open(spec.name, choose_provider("cpu"))
    embedder = Embedder(verified, session)
    ids = sorted(chips)
    figures: dict[str, Any] = {"model": spec.name,
                               **site_figures(embed_all(embedder, chips, ids), split, options.far, options.fpir)}
    if options.public_check:
        folder = Path(options.public_check)
        figures["public"] = public_figures(embedder, folder, paths.data / "training" / "public_chips" / folder.name,
                                           options.far)
    return figures


def finetune_from_gallery(basedir: Path | None, options: FinetuneOptions,
                          callbacks: Sequence[TrainCallback] = (), resume: bool = False) -> dict[str, Any]:
    """Fine-tune, measure, decide and (when better and allowed) activate; returns the report.

    The report: ``before`` and ``after`` figures, ``activated``, ``recommended``, ``reason``,
    the candidate ``model`` name, the ``split`` sizes and the training ``seconds``. ``resume``
    continues the stopped run of ``options.name`` from its last checkpoint (same split: same seed).
    """
    from faceapp.train.export import export_embedder
    from faceapp.train.loop import Trainer, latest_checkpoint

    paths = Paths.resolve(basedir)
    settings = Settings.load(paths.settings_file)
    paths = paths.with_data_dir(settings.data_dir).ensure()
    registry = ModelRegistry(user_dir=paths.user_models)
    spec = registry.verify(settings.embedder)
    name = options.name or candidate_name(spec.name, registry)
    site_target = float(getattr(settings, "false_accept_target", 1e-3))
    options = replace(options, far=options.far or site_target, fpir=options.fpir or site_target)
    if resume and not options.name:
        raise ConfigError("--resume needs the --name of the stopped run")
    if name in registry.names():
        raise ConfigError(f"a model named {name!r} exists already; choose another --name")
    if options.public_check:  # checked before training, not after
        folder = Path(options.public_check)
        if not (folder / "pairs.txt").is_file() or not (folder / "images").is_dir():
            raise DataError(f"public check {folder}: an LFW-format folder needs images/ and pairs.txt")
    templates, chips, names = read_gallery(paths)
    split = split_gallery(templates, options.holdout, options.unseen, options.seed)
    config = finetune_config(spec, name, paths, options)
    mean, std = config.mean_std
    people = sorted(split.train)
    labels = np.array([k for k, p in enumerate(people) for _ in split.train[p]], np.int64)
    dataset = ListChipDataset([chips[t] for p in people for t in split.train[p]], labels,
                              [names[p] for p in people], mean, std,
                              Augment(flip=config.flip, brightness=config.jitter, contrast=config.jitter,
                                      saturation=config.jitter), config.seed)
    started = time.perf_counter()
    trainer = Trainer(config, dataset=dataset, callbacks=callbacks)
    if resume:
        checkpoint = latest_checkpoint(Path(config.out_dir))
        if checkpoint is None:
            raise ConfigError(f"nothing to resume: no checkpoint in {config.out_dir}; start a new run")
        trainer.resume(checkpoint)
    summary = trainer.fit()
    seconds = time.perf_counter() - started
    source = f"faceapp.train: {spec.name} fine-tuned on {len(people)} gallery people ({options.steps} steps)"
    export_embedder(trainer.model.backbone, paths.user_models, name, mean, std, source)
    calibration = calibrate(paths, name, options)
    registry = ModelRegistry(user_dir=paths.user_models)
    before = measure(spec, chips, split, options, paths, registry)
    after = measure(registry.spec(name), chips, split, options, paths, registry)
    decision = decide(before, after, options.tolerance)
    report: dict[str, Any] = {
        "event": "report", "model": name, "base": spec.name, "before": before, "after": after,
        "recommended": decision.better, "activated": False, "reason": decision.reason,
        "split": split.sizes(), "steps": summary["step"], "seconds": round(seconds, 1),
        "device": str(trainer.device), "checkpoint": summary["checkpoint"], "options": asdict(options),
        "calibration": calibration,
    }
    if not decision.better:
        report["reason"] = f"kept {spec.name}: {decision.reason}"
    elif not options.activate:
        report["reason"] = f"not activated (measure only; the administrator decides): {decision.reason}"
    record(paths.user_models, "trained", name, "embedder", base=spec.name, recommended=decision.better,
           reason=report["reason"])
    if decision.better and options.activate:
        activate_model(basedir, name, actor="trainer", reason=decision.reason)
        report["activated"] = True
    save_report(paths.user_models, name, report)
    return report
