"""The training loop on a tiny synthetic dataset: resume is bit-exact, config and metrics are
written, callbacks see progress and can stop the run, schedules behave."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from faceapp.errors import ConfigError  # noqa: E402
from faceapp.train.callbacks import TrainCallback  # noqa: E402
from faceapp.train.config import TrainConfig  # noqa: E402
from faceapp.train.loop import Trainer, latest_checkpoint  # noqa: E402
from faceapp.train.optim import lr_at  # noqa: E402


@pytest.fixture(scope="module")
def chip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 identities × 4 chips of 112x112 noise around a per-identity colour."""
    root = tmp_path_factory.mktemp("chips")
    rng = np.random.default_rng(0)
    for person in range(4):
        folder = root / f"id{person}"
        folder.mkdir()
        base = rng.integers(40, 216, 3)
        for i in range(4):
            chip = np.clip(base + rng.normal(0, 30, (112, 112, 3)), 0, 255).astype(np.uint8)
            cv2.imwrite(str(folder / f"{i}.png"), chip)
    return root


def _config(chip_dir: Path, out: Path, **overrides: Any) -> TrainConfig:
    base: dict[str, Any] = dict(
        data=str(chip_dir), out_dir=str(out), backbone="mobilefacenet_tiny", embedding_size=32,
        loss="arcface", scale=16.0, margin=0.2, batch_size=4, max_steps=4, lr=0.05, warmup_steps=1,
        optimizer="sgd", grad_clip=1.0, log_every=1, seed=7, jitter=0.1,
    )
    base.update(overrides)
    return TrainConfig(**base)


def test_resume_is_bit_exact(chip_dir: Path, tmp_path: Path) -> None:
    straight = Trainer(_config(chip_dir, tmp_path / "a"))
    straight.fit()
    first = Trainer(_config(chip_dir, tmp_path / "b"))
    first.fit(stop_at=2)
    checkpoint = latest_checkpoint(tmp_path / "b")
    assert checkpoint is not None and checkpoint.name == "step-0000002.pt"
    assert TrainConfig.load(checkpoint.with_suffix(".json")) == first.config
    resumed = Trainer(_config(chip_dir, tmp_path / "b"))
    resumed.resume(checkpoint)
    summary = resumed.fit()
    assert summary["step"] == 4
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_metrics_jsonl_and_callbacks(chip_dir: Path, tmp_path: Path) -> None:
    class Recorder(TrainCallback):
        def __init__(self) -> None:
            self.steps: list[dict[str, Any]] = []
            self.events: list[str] = []

        def on_train_start(self, info: dict[str, Any]) -> None:
            self.events.append(info["event"])

        def on_step(self, metrics: dict[str, Any]) -> bool | None:
            self.steps.append(metrics)
            return metrics["step"] >= 3  # ask to stop after the third step

        def on_train_end(self, summary: dict[str, Any]) -> None:
            self.events.append(summary["event"])

    recorder = Recorder()
    summary = Trainer(_config(chip_dir, tmp_path, max_steps=10, loss="cosface"), callbacks=[recorder]).fit()
    assert summary["step"] == 3 and recorder.events == ["start", "end"]
    assert [m["step"] for m in recorder.steps] == [1, 2, 3]
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["event"] for r in records] == ["start", "step", "step", "step", "checkpoint", "end"]
    assert all(np.isfinite(r["loss"]) and r["lr"] > 0 for r in records if r["event"] == "step")


@pytest.mark.parametrize("loss", ["triplet", "softmax", "sphereface", "combined", "margin_dw"])
def test_other_losses_train(chip_dir: Path, tmp_path: Path, loss: str) -> None:
    sampler = "pk" if loss in ("triplet", "margin_dw") else "random"
    config = _config(chip_dir, tmp_path, loss=loss, sampler=sampler, pk_p=2, pk_k=2, max_steps=2,
                     optimizer="adamw", lr=1e-3, center_weight=0.01 if loss == "softmax" else 0.0,
                     backbone="iresnet_tiny", schedule="poly", partial_fc=0.5 if loss == "combined" else 1.0)
    summary = Trainer(config).fit()
    assert summary["step"] == 2 and np.isfinite(summary["loss"])


def test_schedules() -> None:
    config = TrainConfig(lr=1.0, warmup_steps=2, schedule="cosine")
    lrs = [lr_at(s, 10, config) for s in range(10)]
    assert lrs[:2] == [0.5, 1.0] and lrs[2] == pytest.approx(1.0)
    assert all(b <= a for a, b in itertools.pairwise(lrs[2:])) and lrs[-1] < 0.1
    poly = TrainConfig(lr=1.0, schedule="poly", poly_power=1.0)
    assert lr_at(5, 10, poly) == pytest.approx(0.5)
    assert lr_at(5, 10, TrainConfig(lr=0.3, schedule="constant")) == 0.3


def test_config_validation_and_round_trip(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="loss"):
        TrainConfig(loss="magic")
    with pytest.raises(ConfigError, match="unknown field"):
        TrainConfig.from_dict({"lr": 0.1, "learning_rate": 0.1})
    config = TrainConfig(backbone="iresnet50", margins=(1.0, 0.3, 0.2))
    config.save(tmp_path / "c.json")
    assert TrainConfig.load(tmp_path / "c.json") == config
    assert config.mean_std == (127.5, 127.5) and TrainConfig().mean_std == (127.0, 128.0)


def test_pretrained_bundled_and_centroid_head_init(chip_dir: Path, tmp_path: Path) -> None:
    from faceapp.train.data import ChipDataset
    from faceapp.train.model import build_model, init_head_from_centroids, load_pretrained

    config = TrainConfig(data=str(chip_dir), out_dir=str(tmp_path), pretrained="bundled", deploy=True)
    model = build_model(config, num_classes=4)
    dataset = ChipDataset.from_folder(chip_dir, *config.mean_std)
    init_head_from_centroids(model, dataset, torch.device("cpu"))
    with torch.no_grad():
        embeddings = torch.nn.functional.normalize(
            model.backbone.eval()(torch.stack([dataset[i][0] for i in range(len(dataset))])), dim=1)
    centroids = torch.stack([embeddings[torch.from_numpy(dataset.labels == c)].mean(0) for c in range(4)])
    torch.testing.assert_close(model.objective.loss.weight, torch.nn.functional.normalize(centroids, dim=1),
                               atol=1e-5, rtol=1e-4)
    # A trainer checkpoint is also a source of pretrained weights for the backbone alone.
    trainer = Trainer(_config(chip_dir, tmp_path / "run", max_steps=1))
    checkpoint = trainer.save_checkpoint()
    fresh = build_model(_config(chip_dir, tmp_path / "x"), 4).backbone
    load_pretrained(fresh, str(checkpoint))
    for key, value in trainer.model.backbone.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)
    with pytest.raises(ConfigError, match="MobileFaceNet"):
        load_pretrained(build_model(_config(chip_dir, tmp_path, backbone="iresnet_tiny"), 4).backbone, "bundled")


def test_ddp_with_two_cpu_processes_keeps_the_replicas_equal(chip_dir: Path, tmp_path: Path) -> None:
    """torchrun, two processes on the gloo backend: the CUDA/NCCL path differs only in backend."""
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = Path(__file__).with_name("ddp_worker.py")
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
               "--master_port", str(port), str(worker), str(chip_dir), str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(r["world"] == 2 and r["wrapped"] == "DistributedDataParallel" for r in ranks)
    assert ranks[0]["digest"] == ranks[1]["digest"]
    assert (tmp_path / "checkpoints" / "step-0000002.pt").is_file()  # written by rank 0 only


def test_recordio_data_is_detected_and_trains(chip_dir: Path, tmp_path: Path) -> None:
    from faceapp.train.data import list_identity_folder, write_recordio
    from faceapp.train.data.build import detect_format

    images = list_identity_folder(chip_dir)
    items = [(int(label), path.read_bytes()) for path, label in zip(images.paths, images.labels, strict=True)]
    write_recordio(tmp_path / "rec", items)
    assert detect_format(tmp_path / "rec") == "recordio" and detect_format(chip_dir) == "chips"
    trainer = Trainer(_config(tmp_path / "rec", tmp_path / "run", max_steps=1))
    assert len(trainer.dataset) == 16 and trainer.dataset.num_classes == 4
    assert trainer.fit()["step"] == 1
