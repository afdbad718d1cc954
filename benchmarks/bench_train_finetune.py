"""Fine-tuning that proves itself, on real faces: celeba-dev people enrolled in a fresh gallery,
``faceapp train finetune --from-gallery`` run on them, its before/after report printed as JSON.

The baseline is the active (bundled) embedder measured in the same run on the same held-out faces
and public check (``finetune_from_gallery`` measures both). Prints one JSON object with the
report's figures, the split, the wall and CPU time of enrolment and of the fine-tune, and the
device (GPU runs use ``--device cuda --amp bf16``; not measured where no GPU is lent).

    python benchmarks/bench_train_finetune.py [--people 50] [--photos 12] [--steps 60]
        [--data ../shared/data] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from faceapp.config import Settings
from faceapp.errors import FaceAppError
from faceapp.services import Core
from faceapp.train.finetune import FinetuneOptions, finetune_from_gallery


def enrol(home: Path, root: Path, people: int, photos: int) -> int:
    """Enrol the largest face of up to ``photos`` photos of the first ``people`` identities."""
    core = Core.open(home, settings=Settings(provider="cpu"))
    enroller, faces = core.enroller(), 0
    try:
        for folder in sorted(p for p in root.iterdir() if p.is_dir())[:people]:
            person = core.gallery.add_person(f"celeb {folder.name}")
            for photo in sorted(folder.glob("*.jpg"))[:photos]:
                try:
                    enroller.enrol_photo(person.id, photo, largest=True, force=True, check_quality=False)
                    faces += 1
                except FaceAppError:
                    pass
    finally:
        core.close()
    return faces


def figures(measured: dict) -> dict:
    """The report's site figures and the public check accuracy, rounded."""
    out = {k: round(measured[k], 4) for k in ("accuracy", "tar_at_far", "dir_at_fpir", "rank1")}
    return {**out, "public_accuracy": round(measured["public"]["accuracy"], 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3, help="SGD learning rate (the command's default 1e-3)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", default="none")
    parser.add_argument("--far", type=float, default=1e-3, help="verification false-accept rate (default 1e-3)")
    parser.add_argument("--fpir", type=float, default=0.01, help="open-set false-positive rate (default 0.01)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        wall, cpu = time.perf_counter(), time.process_time()
        faces = enrol(home, args.data / "celeba-dev" / "images", args.people, args.photos)
        enrolled = {"faces": faces, "wall_s": round(time.perf_counter() - wall, 1),
                    "cpu_s": round(time.process_time() - cpu, 1)}
        options = FinetuneOptions(steps=args.steps, batch_size=args.batch_size, lr=args.lr, device=args.device,
                                  amp=args.amp,
                                  far=args.far, fpir=args.fpir, public_check=str(args.data / "lfw-dev"))
        wall, cpu = time.perf_counter(), time.process_time()
        report = finetune_from_gallery(home, options)
        finetune = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1)}
    summary = {
        "people": args.people, "far": args.far, "fpir": args.fpir, "enrolled": enrolled, "split": report["split"],
        "steps": report["steps"], "lr": args.lr,
        "batch_size": args.batch_size, "device": report["device"], "train_seconds": report["seconds"],
        "finetune_total": finetune,
        "before": figures(report["before"]), "after": figures(report["after"]),
        "recommended": report["recommended"], "activated": report["activated"], "reason": report["reason"],
        "calibration": report["calibration"], "gpu": "not measured (no GPU lent)" if args.device == "cpu" else None,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
