"""The detection trainer on real images: RetinaFace-mnet0.25 fine-tuned from the bundled weights on
wider-train-dev, exported, and scored on the full wider-dev (40 images) with the app's own decoder
and WIDER AP code (``faceapp eval wider``), against the bundled model measured in the same run.

Prints one JSON object: AP before/after (Easy/Medium/Hard), the probe loss at start and end,
training images/s, wall and CPU time, the device. On CUDA (``--device cuda --amp bf16``) it adds
the GPU name and peak memory; where no GPU is lent those are "not measured".

    python benchmarks/bench_train_detection.py [--steps 60] [--batch-size 8] [--image-size 640]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from faceapp.evaluation.wider import evaluate_wider
from faceapp.train.callbacks import TrainCallback
from faceapp.train.detection.config import DetectionConfig
from faceapp.train.detection.evaluate import GT_FILE, SETTINGS_FILE, WIDER_OPTIONS
from faceapp.train.detection.export import export_detector
from faceapp.train.detection.loop import DetectionTrainer
from faceapp.vision.detect import create_detector
from faceapp.vision.models import ModelRegistry
from faceapp.vision.runtime import choose_provider


class _Speed(TrainCallback):
    """Collects the images/s of every step."""

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def on_step(self, metrics: dict[str, Any]) -> bool | None:
        self.values.append(metrics["images_per_s"])
        return None


def app_ap(models_dir: Path | None, name: str, wider: Path) -> dict[str, float]:
    """WIDER AP of a registered detector run by the app (ONNX Runtime, CPU, official protocol)."""
    spec, session = ModelRegistry(user_dir=models_dir).open(name, choose_provider("cpu"))
    report = evaluate_wider(create_detector(spec, session, WIDER_OPTIONS), wider / "images", wider / GT_FILE,
                            wider / SETTINGS_FILE)
    return {k: round(v, 4) for k, v in report.to_dict().items() if k.endswith("_ap")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=640)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default="none")
    args = parser.parse_args()
    train, wider = args.data / "wider-train-dev", args.data / "wider-dev"
    speeds: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        config = DetectionConfig(data=str(train / "images"), labels=str(train / "label.txt"), out_dir=tmp,
                                 image_size=args.image_size, batch_size=args.batch_size, max_steps=args.steps,
                                 lr=args.lr, warmup_steps=max(1, args.steps // 10), device=args.device,
                                 amp=args.amp, log_every=1)
        trainer = DetectionTrainer(config)
        trainer.callbacks.append(_Speed(speeds))
        wall, cpu = time.perf_counter(), time.process_time()
        probe_start = trainer.probe_loss()
        trainer.fit()
        trained = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1)}
        models = Path(tmp) / "models"
        export_detector(trainer.model, models, "bench_det", [trainer.items[0].path])
        before, after = app_ap(None, "retinaface_mnet025", wider), app_ap(models, "bench_det", wider)
        gpu = "not measured (no GPU lent)"
        if trainer.cuda:
            import torch

            gpu = f"{torch.cuda.get_device_name(0)}, peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB"
    print(json.dumps({
        "steps": args.steps, "batch_size": args.batch_size, "image_size": args.image_size, "lr": args.lr,
        "device": str(trainer.device), "amp": args.amp, "training": trained,
        "images_per_s": round(sorted(speeds)[len(speeds) // 2], 2) if speeds else None,
        "probe_loss": {"start": round(probe_start, 4), "end": round(trainer.probe_loss(), 4)},
        "wider_dev_ap_bundled": before, "wider_dev_ap_finetuned": after, "gpu": gpu,
    }, indent=2))


if __name__ == "__main__":
    main()
