"""The detection training loop: seeded, resumable, AMP on CUDA, JSONL metrics, periodic WIDER AP.

Checkpoints (``<out_dir>/checkpoints/step-NNNNNNN.pt``) hold the model, optimizer, grad scaler,
the position in the data and the RNG state; the config is written beside each one. The learning
rate is a function of the step (linear warm-up, then cosine or constant).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from faceapp.errors import ConfigError, DataError
from faceapp.train.callbacks import JsonlLogger, TrainCallback
from faceapp.train.detection.config import DetectionConfig
from faceapp.train.detection.data import LabelDataset, collate, read_labels
from faceapp.train.detection.evaluate import torch_detector, wider_ap
from faceapp.train.detection.loss import MultiBoxLoss, priors_for
from faceapp.train.detection.model import RetinaFace, build_retinaface
from faceapp.train.loop import TrainState

log = logging.getLogger(__name__)


def lr_at(step: int, total: int, config: DetectionConfig) -> float:
    """Linear warm-up, then cosine decay to zero (or constant)."""
    if config.warmup_steps and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule == "constant":
        return config.lr
    progress = min(1.0, max(0.0, (step - config.warmup_steps) / max(1, total - config.warmup_steps)))
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def pick_device(name: str) -> torch.device:
    """CUDA when available and not refused, else CPU."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("training on cuda was asked for, but PyTorch sees no CUDA GPU")
    return torch.device("cuda" if name != "cpu" and torch.cuda.is_available() else "cpu")


class DetectionTrainer:
    """Fine-tunes (or trains) RetinaFace-mnet0.25 on a ``label.txt`` as the config says."""

    def __init__(self, config: DetectionConfig, callbacks: Sequence[TrainCallback] = ()) -> None:
        self.config = config
        self.out_dir = Path(config.out_dir)
        self.device = pick_device(config.device)
        self.cuda = self.device.type == "cuda"
        torch.manual_seed(config.seed)
        self.items = read_labels(Path(config.labels), Path(config.data))
        self.dataset = LabelDataset(self.items, config.image_size, config.seed)
        self.model: RetinaFace = build_retinaface(config.pretrained, config.deploy).to(self.device)
        params = [p for p in self.model.parameters() if p.requires_grad]
        if config.optimizer == "sgd":
            self.optimizer: torch.optim.Optimizer = torch.optim.SGD(
                params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
        else:
            self.optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.cuda and config.amp == "fp16")
        self.criterion = MultiBoxLoss(config.overlap, config.neg_pos, config.loc_weight)
        self.priors = priors_for(config.image_size, config.image_size, self.device)
        self.steps_per_epoch = math.ceil(len(self.dataset) / config.batch_size)
        self.total_steps = config.max_steps or config.epochs * self.steps_per_epoch
        self.state = TrainState()
        self.callbacks = [JsonlLogger(self.out_dir / "metrics.jsonl"), *callbacks]
        self.last_eval: dict[str, Any] | None = None
        self.start_probe: float | None = None
        if not self.cuda and config.amp != "none":
            log.warning("AMP applies on CUDA only; training in float32 on the CPU")

    def _batches(self) -> Iterator[tuple[torch.Tensor, list[torch.Tensor]]]:
        self.dataset.set_epoch(self.state.epoch)
        order = torch.randperm(len(self.dataset), generator=torch.Generator().manual_seed(
            self.config.seed * 1000 + self.state.epoch)).tolist()
        start = self.state.batch_in_epoch * self.config.batch_size
        batches = [order[i : i + self.config.batch_size] for i in range(start, len(order), self.config.batch_size)]
        loader = DataLoader(self.dataset, batch_sampler=batches, collate_fn=collate,
                            num_workers=self.config.num_workers, pin_memory=self.cuda)
        yield from loader

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if not self.cuda or self.config.amp == "none":
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=torch.bfloat16 if self.config.amp == "bf16" else torch.float16)

    def step(self, images: torch.Tensor, targets: list[torch.Tensor]) -> dict[str, Any]:
        """One optimisation step; returns its metrics record."""
        started = time.perf_counter()
        self.model.train()
        lr = lr_at(self.state.step, self.total_steps, self.config)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        with self._autocast():
            outputs = self.model(images.to(self.device, non_blocking=True))
        loss, parts = self.criterion(outputs, targets, self.priors)
        if not torch.isfinite(loss):
            raise DataError(f"the loss became {float(loss)} at step {self.state.step + 1}; lower the learning rate")
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if self.config.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.state.step += 1
        self.state.batch_in_epoch += 1
        seconds = max(time.perf_counter() - started, 1e-9)
        value = float(loss.detach())
        return {"event": "step", "step": self.state.step, "epoch": self.state.epoch, "loss": value, **parts, "lr": lr,
                "images_per_s": len(images) / seconds, "faces": int(sum(len(t) for t in targets))}

    @torch.no_grad()
    def loss_on(self, images: torch.Tensor, targets: list[torch.Tensor]) -> float:
        """The loss of a fixed batch in eval mode (a steady measure of progress)."""
        self.model.eval()
        loss, _ = self.criterion(self.model(images.to(self.device)), targets, self.priors)
        return float(loss)

    def probe_loss(self) -> float:
        """The loss on the first images of the data, unaugmented: the same batch at start and end."""
        probe = LabelDataset(self.items[: min(8, len(self.items))], self.config.image_size, train=False)
        images, targets = collate([probe[i] for i in range(len(probe))])
        return self.loss_on(images, targets)

    def fit(self) -> dict[str, Any]:
        """Train to ``total_steps`` (or until a callback asks to stop); returns a summary.

        The start and end records carry ``probe_loss`` (:meth:`probe_loss`), a steady measure of
        progress next to the per-batch losses of augmented crops.
        """
        self.start_probe = self.probe_loss()
        self._emit("on_train_start", {"probe_loss": self.start_probe,
            "event": "start", "task": "detection", "device": str(self.device), "images": len(self.dataset),
            "faces": int(sum(len(i.targets) for i in self.items)), "total_steps": self.total_steps,
            "start_step": self.state.step, "config": self.config.to_dict()})
        last: dict[str, Any] = {}
        stop = self.state.step >= self.total_steps
        while not stop:
            for images, targets in self._batches():
                last = self.step(images, targets)
                stop = self._after_step(last) or self.state.step >= self.total_steps
                if stop:
                    break
            else:
                self.state.epoch, self.state.batch_in_epoch = self.state.epoch + 1, 0
        checkpoint = self.save_checkpoint()
        if self.config.eval_dir and self.state.step >= self.total_steps:
            self.evaluate()
        summary = {"event": "end", "step": self.state.step, "loss": last.get("loss"), "checkpoint": str(checkpoint),
                   "probe_loss": self.probe_loss(), "eval": self.last_eval}
        self._emit("on_train_end", summary)
        return summary

    def _after_step(self, metrics: dict[str, Any]) -> bool:
        step, config = self.state.step, self.config
        stop = False
        if step % max(1, config.log_every) == 0 or step == 1:
            stop = any(cb.on_step(metrics) for cb in self.callbacks)
        if config.checkpoint_every and step % config.checkpoint_every == 0:
            self.save_checkpoint()
        if config.eval_dir and config.eval_every and step % config.eval_every == 0 and step < self.total_steps:
            self.evaluate()
        return bool(stop)

    def evaluate(self) -> dict[str, Any]:
        """WIDER AP of the current weights on ``eval_dir`` (the app's decoder, official protocol)."""
        report = wider_ap(torch_detector(self.model, self.device), Path(self.config.eval_dir),
                          self.config.eval_images, self.out_dir / "eval_subset")
        self.last_eval = {"event": "eval", "step": self.state.step, **report.to_dict()}
        self._emit("on_eval", self.last_eval)
        return self.last_eval

    def _emit(self, event: str, payload: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(payload)

    def save_checkpoint(self) -> Path:
        """Write ``checkpoints/step-NNNNNNN.pt`` and its config; returns the path."""
        path = self.out_dir / "checkpoints" / f"step-{self.state.step:07d}.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                   "scaler": self.scaler.state_dict(), "state": asdict(self.state),
                   "rng": torch.get_rng_state(), "config": self.config.to_dict(), "task": "detection"}
        tmp = path.with_suffix(".pt.tmp")
        torch.save(payload, tmp)
        tmp.replace(path)
        self.config.save(path.with_suffix(".json"))
        self._emit("on_checkpoint", path)
        return path

    def resume(self, path: Path) -> None:
        """Restore a checkpoint; the next :meth:`fit` continues from it."""
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError) as exc:
            raise DataError(f"{path}: cannot read the checkpoint ({exc})") from exc
        if payload.get("task") != "detection":
            raise DataError(f"{path}: not a detection checkpoint")
        self.model.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scaler.load_state_dict(payload["scaler"])
        self.state = TrainState(**payload["state"])
        torch.set_rng_state(payload["rng"])
        log.info("resumed detection training from %s at step %d", path, self.state.step)
