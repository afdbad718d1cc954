"""One torchrun process of the DDP test: trains two steps and writes a digest of its weights."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from faceapp.train.config import TrainConfig
from faceapp.train.loop import Trainer


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = TrainConfig(data=str(data), out_dir=str(out), backbone="mobilefacenet_tiny", embedding_size=16,
                         batch_size=4, max_steps=2, log_every=1, device="cpu", loss="cosface")
    trainer = Trainer(config)
    trainer.fit()
    with torch.no_grad():
        digest = [float(p.double().sum()) for p in trainer.model.parameters()]
    record = {"digest": digest, "world": trainer.dist.world, "wrapped": type(trainer.wrapped).__name__}
    (out / f"rank{trainer.dist.rank}.json").write_text(json.dumps(record))


if __name__ == "__main__":
    main()
