"""The training loop: seeded, resumable bit-for-bit on CPU, AMP and channels_last on CUDA only,
DDP when launched by ``torchrun`` with ``WORLD_SIZE > 1``.

Checkpoints (``<out_dir>/checkpoints/step-NNNNNNN.pt``) hold the model, optimizer, grad scaler,
position in the data and RNG states; the config is written as JSON beside each one. The data
order and each sample's augmentation depend only on (seed, epoch, index), and the learning rate
is a function of the step, so a resumed run continues exactly where the first one stopped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from faceapp.errors import ConfigError, DataError
from faceapp.train.callbacks import ConsoleLogger, JsonlLogger, TrainCallback
from faceapp.train.config import TrainConfig
from faceapp.train.data.build import build_dataset, build_sampler
from faceapp.train.data.folder import ChipSource
from faceapp.train.evaluate import default_pipeline, pair_chips, verify_pairs
from faceapp.train.model import RecognitionModel, build_model, init_head_from_centroids
from faceapp.train.optim import build_optimizer, lr_at, set_lr
from faceapp.vision.pipeline import FacePipeline

log = logging.getLogger(__name__)


@dataclass
class TrainState:
    """Where training stands: global step, epoch, and batches already done in that epoch."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0


@dataclass(frozen=True)
class DistInfo:
    """Rank and world size from the ``torchrun`` environment (1 process when absent)."""

    rank: int = 0
    local_rank: int = 0
    world: int = 1

    @classmethod
    def from_env(cls) -> DistInfo:
        """``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` as set by torchrun."""
        env = os.environ
        return cls(int(env.get("RANK", 0)), int(env.get("LOCAL_RANK", 0)), int(env.get("WORLD_SIZE", 1)))

    @property
    def main(self) -> bool:
        """Whether this process logs, evaluates and writes checkpoints (rank 0)."""
        return self.rank == 0


def pick_device(config: TrainConfig, dist: DistInfo) -> torch.device:
    """CUDA (this process's GPU under DDP) when available and not refused, else CPU."""
    if config.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("training on cuda was asked for, but PyTorch sees no CUDA GPU")
    if config.device != "cpu" and torch.cuda.is_available():
        return torch.device("cuda", dist.local_rank)
    return torch.device("cpu")


class Trainer:
    """Trains a recognition backbone as the config says.

    Args:
        config: the run's configuration.
        dataset: training data; built from ``config.data`` when None.
        callbacks: progress receivers (a JSONL file and the log are always added on rank 0).
        pipeline: the engine used to align photo data (a CPU one is opened when needed).
    """

    def __init__(
        self, config: TrainConfig, dataset: ChipSource | None = None,
        callbacks: Sequence[TrainCallback] = (), pipeline: FacePipeline | None = None,
    ) -> None:
        self.config = config
        self.out_dir = Path(config.out_dir)
        self.dist = DistInfo.from_env()
        self.device = pick_device(config, self.dist)
        self.cuda = self.device.type == "cuda"
        self._pipeline = pipeline
        if not self.cuda and (config.amp != "none" or config.channels_last):
            log.warning("AMP and channels_last apply on CUDA only; training in float32 on %s", self.device)
        torch.manual_seed(config.seed)
        self.dataset = dataset if dataset is not None else build_dataset(config, pipeline)
        self.model: RecognitionModel = build_model(config, self.dataset.num_classes).to(self.device)
        if config.channels_last and self.cuda:
            self.model = self.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.optimizer = build_optimizer(self.model.backbone, self.model.objective, config)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.cuda and config.amp == "fp16")
        self.sampler = build_sampler(config, self.dataset, self.dist.rank, self.dist.world)
        self.loader = DataLoader(
            self.dataset, batch_sampler=self.sampler, num_workers=config.num_workers, pin_memory=self.cuda,
        )
        self.steps_per_epoch = len(self.sampler)
        if self.steps_per_epoch == 0:
            raise DataError("the training data is too small for one batch")
        self.total_steps = config.max_steps or config.epochs * self.steps_per_epoch
        self.state = TrainState()
        self._saved_step = -1
        self._last_checkpoint: Path | None = None
        self.wrapped = self._wrap_ddp()
        main = [JsonlLogger(self.out_dir / "metrics.jsonl"), ConsoleLogger()] if self.dist.main else []
        self.callbacks = [*main, *callbacks]

    def _wrap_ddp(self) -> torch.nn.Module:
        """DDP across ``torchrun`` processes; not exercised by the tests (one CPU process)."""
        if self.dist.world <= 1:
            return self.model
        import torch.distributed as torch_dist
        from torch.nn.parallel import DistributedDataParallel

        if not torch_dist.is_initialized():
            torch_dist.init_process_group("nccl" if self.cuda else "gloo")
        if self.cuda:
            torch.cuda.set_device(self.device)
            return DistributedDataParallel(self.model, device_ids=[self.device.index])
        return DistributedDataParallel(self.model)

    # ---------------------------------------------------------------- training
    def fit(self, stop_at: int | None = None) -> dict[str, Any]:
        """Train until ``total_steps`` (or ``stop_at``, or a callback asks to stop).

        Returns:
            A summary: final step, last loss, checkpoint path and last verification figures.
        """
        stop_at = min(stop_at or self.total_steps, self.total_steps)
        if self.config.head_init == "centroids" and self.state.step == 0:
            init_head_from_centroids(self.model, self.dataset, self.device)
        self._emit("on_train_start", self._start_info())
        last: dict[str, Any] = {}
        stopped = self.state.step >= stop_at
        while not stopped:
            for images, labels in self._epoch_batches():
                last = self._step(images, labels)
                asked_to_stop = self._after_step(last)
                stopped = asked_to_stop or self.state.step >= stop_at
                if stopped:
                    break
            else:
                self._end_epoch()
        checkpoint = self.save_checkpoint() if self.dist.main and self._saved_step != self.state.step else None
        checkpoint = checkpoint or self._last_checkpoint
        evaluation = self.evaluate() if self.config.eval_dir and self.state.step >= self.total_steps else None
        summary = {"event": "end", "step": self.state.step, "loss": last.get("loss"),
                   "checkpoint": str(checkpoint) if checkpoint else None, "eval": evaluation}
        self._emit("on_train_end", summary)
        return summary

    def _epoch_batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        self.sampler.set_epoch(self.state.epoch, self.state.batch_in_epoch)
        self.dataset.set_epoch(self.state.epoch)
        yield from self.loader

    def _end_epoch(self) -> None:
        self.state.epoch += 1
        self.state.batch_in_epoch = 0
        if self.config.checkpoint_every == 0 and self.dist.main and self.state.step < self.total_steps:
            self.save_checkpoint()

    def _step(self, images: torch.Tensor, labels: torch.Tensor) -> dict[str, Any]:
        started = time.perf_counter()
        images = images.to(self.device, non_blocking=True)
        labels = labels.to(self.device, non_blocking=True)
        if self.config.channels_last and self.cuda:
            images = images.contiguous(memory_format=torch.channels_last)
        lr = lr_at(self.state.step, self.total_steps, self.config)
        set_lr(self.optimizer, lr)
        with self._autocast():
            loss = self.wrapped(images, labels)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        grad_norm = self._clip()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.state.step += 1
        self.state.batch_in_epoch += 1
        value = float(loss.detach())
        if not torch.isfinite(torch.tensor(value)):
            raise DataError(f"the loss became {value} at step {self.state.step}; lower the learning rate")
        return {"event": "step", "step": self.state.step, "epoch": self.state.epoch, "loss": value, "lr": lr,
                "grad_norm": grad_norm, "images_per_s": len(images) / max(time.perf_counter() - started, 1e-9)}

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if not self.cuda or self.config.amp == "none":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.config.amp == "bf16" else torch.float16
        return torch.autocast("cuda", dtype=dtype)

    def _clip(self) -> float | None:
        if self.config.grad_clip <= 0:
            return None
        self.scaler.unscale_(self.optimizer)
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
        return float(norm)

    def _after_step(self, metrics: dict[str, Any]) -> bool:
        step, config = self.state.step, self.config
        stop = False
        if self.dist.main and (step % max(1, config.log_every) == 0 or step == 1):
            stop = any(cb.on_step(metrics) for cb in self.callbacks)
        if config.checkpoint_every and step % config.checkpoint_every == 0 and self.dist.main:
            self.save_checkpoint()
        if config.eval_dir and config.eval_every and step % config.eval_every == 0 and step < self.total_steps:
            self.evaluate()
        return stop

    def _emit(self, event: str, payload: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(payload)

    def _start_info(self) -> dict[str, Any]:
        return {"event": "start", "device": str(self.device), "world": self.dist.world,
                "images": len(self.dataset), "classes": self.dataset.num_classes,
                "steps_per_epoch": self.steps_per_epoch, "total_steps": self.total_steps,
                "start_step": self.state.step, "config": self.config.to_dict()}

    # ---------------------------------------------------------------- evaluation
    def evaluate(self) -> dict[str, Any] | None:
        """Verification on ``config.eval_dir`` (LFW format) with the current backbone (rank 0)."""
        if not self.config.eval_dir or not self.dist.main:
            return None
        eval_dir = Path(self.config.eval_dir)
        if self._pipeline is None:
            self._pipeline = default_pipeline()
        chips = pair_chips(eval_dir, self.out_dir / "eval_chips", self._pipeline)
        mean, std = self.config.mean_std
        result = verify_pairs(self.model.backbone, chips, eval_dir / "pairs.txt", mean, std, self.device)
        metrics = {"event": "eval", "step": self.state.step, **result.to_dict()}
        self._emit("on_eval", metrics)
        return metrics

    # ---------------------------------------------------------------- checkpoints
    def save_checkpoint(self) -> Path:
        """Write ``checkpoints/step-NNNNNNN.pt`` and its config JSON; returns the ``.pt`` path."""
        path = self.out_dir / "checkpoints" / f"step-{self.state.step:07d}.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state(self.device) if self.cuda else torch.cuda.get_rng_state()
        payload = {
            "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(), "state": asdict(self.state), "rng": rng,
            "config": self.config.to_dict(), "classes": list(getattr(self.dataset, "classes", [])),
        }
        tmp = path.with_suffix(".pt.tmp")
        torch.save(payload, tmp)
        tmp.replace(path)
        self.config.save(path.with_suffix(".json"))
        self._saved_step, self._last_checkpoint = self.state.step, path
        self._emit("on_checkpoint", path)
        return path

    def resume(self, path: Path) -> None:
        """Restore everything a checkpoint holds; the next :meth:`fit` continues from it."""
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError) as exc:
            raise DataError(f"{path}: cannot read the checkpoint ({exc})") from exc
        self.model.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scaler.load_state_dict(payload["scaler"])
        self.state = TrainState(**payload["state"])
        self._saved_step, self._last_checkpoint = self.state.step, path
        torch.set_rng_state(payload["rng"]["torch"])
        if self.cuda and "cuda" in payload["rng"]:
            torch.cuda.set_rng_state(payload["rng"]["cuda"], self.device)
        log.info("resumed from %s at step %d", path, self.state.step)


def latest_checkpoint(out_dir: Path) -> Path | None:
    """The checkpoint with the highest step in ``out_dir/checkpoints``, if any."""
    found = sorted((out_dir / "checkpoints").glob("step-*.pt"))
    return found[-1] if found else None
