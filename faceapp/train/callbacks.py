"""Progress reporting through callbacks, so a GUI (in another process) or the CLI can follow,
and stop, a run. Every record is a plain JSON-able dict with an ``event`` key."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class TrainCallback:
    """No-op base; override what you need. ``on_step`` returning True stops training."""

    def on_train_start(self, info: dict[str, Any]) -> None:
        """Once, before the first step (sizes, device, config)."""

    def on_step(self, metrics: dict[str, Any]) -> bool | None:
        """Every ``log_every`` steps: step, epoch, loss, lr, images/s."""
        return None

    def on_eval(self, metrics: dict[str, Any]) -> None:
        """After each verification run."""

    def on_checkpoint(self, path: Path) -> None:
        """After a checkpoint is written."""

    def on_train_end(self, summary: dict[str, Any]) -> None:
        """Once, at the end (also after a stop)."""


class JsonlLogger(TrainCallback):
    """Appends every record to a JSON-lines file (``metrics.jsonl``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def _write(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def on_train_start(self, info: dict[str, Any]) -> None:
        self._write(info)

    def on_step(self, metrics: dict[str, Any]) -> bool | None:
        self._write(metrics)
        return None

    def on_eval(self, metrics: dict[str, Any]) -> None:
        self._write(metrics)

    def on_checkpoint(self, path: Path) -> None:
        self._write({"event": "checkpoint", "path": str(path)})

    def on_train_end(self, summary: dict[str, Any]) -> None:
        self._write(summary)


class ConsoleLogger(TrainCallback):
    """One log line per report (the entry point decides where INFO goes)."""

    def on_step(self, metrics: dict[str, Any]) -> bool | None:
        log.info(
            "step %d epoch %d: loss %.4f lr %.2e %.1f img/s",
            metrics["step"], metrics["epoch"], metrics["loss"], metrics["lr"], metrics["images_per_s"],
        )
        return None

    def on_eval(self, metrics: dict[str, Any]) -> None:
        log.info("step %d: verification accuracy %.4f ± %.4f (%s)", metrics["step"], metrics["accuracy"],
                 metrics["accuracy_std"], metrics["threshold_protocol"])

    def on_checkpoint(self, path: Path) -> None:
        log.info("checkpoint %s", path)
