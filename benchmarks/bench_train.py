"""Training throughput (images/s) of MobileFaceNet and IResNet-50 with an ArcFace head.

Synthetic 112x112 batches, so the figure is the model + loss + optimizer step alone (no data
loading). On the CPU in float32; on CUDA, when available, also with AMP (bf16) and channels_last,
with the GPU name and peak memory. Prints figures; never pass/fail.

    python benchmarks/bench_train.py [--steps 5] [--cpu-batch 16] [--gpu-batch 256]

With ``--finetune-lfw DIR`` (an LFW-format folder such as ``../shared/data/lfw-dev``) it instead
fine-tunes the bundled MobileFaceNet on the folder's people with 4+ photos (ArcFace s=32 m=0.3,
head started at the class centroids, SGD 1e-3, ``--steps`` steps of 16), exports it, and prints
``faceapp eval lfw`` accuracy on the folder's pairs before and after. (The people trained on are
also in the pairs, so this checks that fine-tuning does not damage the model, not that it
generalises.) Measured on lfw-dev, 30 steps on the 2-core CPU: 0.9917 before, 0.9933 after.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from faceapp.train.config import TrainConfig
from faceapp.train.model import build_model
from faceapp.train.optim import build_optimizer

CLASSES = 1000


def measure(backbone: str, device: torch.device, batch: int, steps: int, amp: str, channels_last: bool) -> float:
    """Images per second over ``steps`` training steps after two warm-up steps."""
    config = TrainConfig(backbone=backbone, loss="arcface", batch_size=batch, lr=0.1, amp=amp)
    model = build_model(config, CLASSES).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    optimizer = build_optimizer(model.backbone, model.objective, config)
    images = torch.randn(batch, 3, 112, 112, device=device)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, CLASSES, (batch,), device=device)
    dtype = torch.bfloat16 if amp == "bf16" else torch.float16

    def step() -> None:
        with torch.autocast(device.type, dtype=dtype, enabled=amp != "none"):
            loss = model(images, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    for _ in range(2):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return batch * steps / (time.perf_counter() - start)


def finetune_lfw(folder: Path, steps: int) -> None:
    """Fine-tune the bundled model on ``folder``'s identities; LFW accuracy before and after."""
    from faceapp.config import Settings
    from faceapp.evaluation.lfw import evaluate_lfw
    from faceapp.train.export import export_embedder
    from faceapp.train.loop import Trainer
    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.pipeline import FacePipeline

    work = Path(tempfile.mkdtemp(prefix="faceapp_ft_"))
    config = TrainConfig(
        data=str(folder / "images"), out_dir=str(work / "run"), cache_dir=str(work / "chips"), min_images=4,
        backbone="mobilefacenet", pretrained="bundled", deploy=True, head_init="centroids", loss="arcface",
        scale=32.0, margin=0.3, batch_size=16, max_steps=steps, optimizer="sgd", lr=1e-3, warmup_steps=5,
        log_every=5, jitter=0.1,
    )
    pipeline = FacePipeline.from_settings(Settings(provider="cpu"))
    trainer = Trainer(config, pipeline=pipeline)
    print(f"fine-tuning on {len(trainer.dataset)} chips of {trainer.dataset.num_classes} people, {steps} steps")
    start = time.perf_counter()
    trainer.fit()
    print(f"trained in {time.perf_counter() - start:.0f} s")
    export_embedder(trainer.model.backbone, work / "models", "finetuned", *config.mean_std)
    registry = ModelRegistry(user_dir=work / "models")
    for name in ("mobilefacenet_arcface_512", "finetuned"):
        evaluated = FacePipeline.from_settings(Settings(provider="cpu", embedder=name), registry=registry)
        report = evaluate_lfw(evaluated, folder / "images", folder / "pairs.txt")
        print(f"{name:26s} LFW accuracy {report.result.accuracy:.4f} on {report.result.pairs} pairs")
    print(f"(work folder {work})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--cpu-batch", type=int, default=16)
    parser.add_argument("--gpu-batch", type=int, default=256)
    parser.add_argument("--models", nargs="+", default=["mobilefacenet", "iresnet50"])
    parser.add_argument("--finetune-lfw", type=Path, metavar="DIR", help="run the fine-tuning check instead")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    if args.finetune_lfw:
        finetune_lfw(args.finetune_lfw, args.steps)
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {CLASSES} classes, ArcFace")
    for name in args.models:
        ips = measure(name, torch.device("cpu"), args.cpu_batch, args.steps, "none", False)
        print(f"cpu  {name:14s} fp32      batch {args.cpu_batch:4d}: {ips:8.1f} images/s")
    if not torch.cuda.is_available():
        print("cuda: not available")
        return
    device = torch.device("cuda")
    print(f"cuda: {torch.cuda.get_device_name(device)}")
    for name in args.models:
        for amp, channels_last in (("none", False), ("bf16", True)):
            torch.cuda.reset_peak_memory_stats(device)
            ips = measure(name, device, args.gpu_batch, args.steps * 4, amp, channels_last)
            peak = torch.cuda.max_memory_allocated(device) / 2**30
            label = "fp32" if amp == "none" else f"{amp}+cl"
            print(f"cuda {name:14s} {label:9s} batch {args.gpu_batch:4d}: {ips:8.1f} images/s, peak {peak:.2f} GiB")


if __name__ == "__main__":
    main()
