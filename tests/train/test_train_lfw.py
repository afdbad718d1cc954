"""Proof on real faces: photos of lfw-dev aligned by the engine, a tiny model learns from them,
and verification runs on the LFW pairs with the same metric code as ``faceapp eval lfw``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from faceapp.train.backbones.onnx_weights import mobilefacenet_from_onnx  # noqa: E402
from faceapp.train.callbacks import TrainCallback  # noqa: E402
from faceapp.train.config import TrainConfig  # noqa: E402
from faceapp.train.data import ChipDataset, prepare_chips  # noqa: E402
from faceapp.train.evaluate import pair_chips, verify_pairs  # noqa: E402
from faceapp.train.loop import Trainer  # noqa: E402
from faceapp.train.model import BUNDLED_ONNX  # noqa: E402
from faceapp.vision.models import bundled_models_dir  # noqa: E402
from faceapp.vision.pipeline import FacePipeline  # noqa: E402


@pytest.fixture(scope="module")
def lfw_photos(lfw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Up to 6 photos of each of the 6 lfw-dev people with the most photos (identity folders)."""
    images = lfw_dir / "images"
    people = sorted(images.iterdir(), key=lambda p: (-len(list(p.glob("*.jpg"))), p.name))[:6]
    source = tmp_path_factory.mktemp("lfw_subset")
    for person in people:
        (source / person.name).mkdir()
        for photo in sorted(person.glob("*.jpg"))[:6]:
            (source / person.name / photo.name).symlink_to(photo)
    return source


@pytest.fixture(scope="module")
def lfw_chips(lfw_photos: Path, pipeline: FacePipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engine's chips of :func:`lfw_photos` (largest face of each photo)."""
    source = lfw_photos
    cache = tmp_path_factory.mktemp("lfw_chips")
    report = prepare_chips(source, cache, pipeline)
    assert report.aligned >= 30 and not report.unreadable
    again = prepare_chips(source, cache, pipeline)  # everything comes from the cache now
    assert again.aligned == 0 and again.cached == report.aligned + len(report.no_face)
    return cache


def test_tiny_model_loss_falls_on_real_chips(lfw_chips: Path, tmp_path: Path) -> None:
    losses: list[float] = []

    class Losses(TrainCallback):
        def on_step(self, metrics: dict[str, Any]) -> bool | None:
            losses.append(metrics["loss"])
            return None

    config = TrainConfig(
        data=str(lfw_chips), out_dir=str(tmp_path), backbone="iresnet_tiny", embedding_size=32, loss="arcface",
        scale=16.0, margin=0.1, batch_size=12, max_steps=24, optimizer="adamw", lr=3e-3, weight_decay=0.0,
        schedule="constant", log_every=1, jitter=0.0, flip=0.5, seed=0,
    )
    trainer = Trainer(config, callbacks=[Losses()])
    assert trainer.dataset.num_classes == 6
    trainer.fit()
    assert len(losses) == 24 and all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < 0.7 * np.mean(losses[:4])


@pytest.fixture(scope="module")
def pairs_subset(lfw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An LFW-format folder with the first 20 matched and 20 mismatched lfw-dev pairs."""
    root = tmp_path_factory.mktemp("pairs")
    lines = (lfw_dir / "pairs.txt").read_text().splitlines()
    per, keep = int(lines[0].split()[1]), 20
    subset = [f"1\t{keep}", *lines[1 : 1 + keep], *lines[1 + per : 1 + per + keep]]
    (root / "pairs.txt").write_text("\n".join(subset) + "\n")
    names = {ln.split()[0] for ln in subset[1:]} | {ln.split()[2] for ln in subset[1:] if len(ln.split()) == 4}
    (root / "images").mkdir()
    for name in names:
        (root / "images" / name).symlink_to(lfw_dir / "images" / name)
    return root


def test_verification_of_the_bundled_weights_on_lfw_pairs(
    pairs_subset: Path, pipeline: FacePipeline, tmp_path: Path
) -> None:
    """The trainer's evaluation path gives the bundled model its known LFW accuracy."""
    chips = pair_chips(pairs_subset, tmp_path / "chips", pipeline)
    model = mobilefacenet_from_onnx(bundled_models_dir() / BUNDLED_ONNX)
    result = verify_pairs(model, chips, pairs_subset / "pairs.txt", 127.0, 128.0)
    assert result.pairs == 40 and result.accuracy >= 0.95
    assert len(ChipDataset.from_folder(chips, 127.0, 128.0)) > 0


def test_trainer_reports_verification(
    lfw_chips: Path, pairs_subset: Path, pipeline: FacePipeline, tmp_path: Path
) -> None:
    config = TrainConfig(
        data=str(lfw_chips), out_dir=str(tmp_path), backbone="mobilefacenet_tiny", embedding_size=16,
        batch_size=8, max_steps=1, eval_dir=str(pairs_subset), log_every=1,
    )
    summary = Trainer(config, pipeline=pipeline).fit()
    assert summary["eval"]["pairs"] == 40 and 0.0 <= summary["eval"]["accuracy"] <= 1.0
    events = [json.loads(line)["event"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert "eval" in events


def test_photo_folders_are_aligned_through_the_chip_cache(
    lfw_photos: Path, lfw_chips: Path, pipeline: FacePipeline, tmp_path: Path
) -> None:
    config = TrainConfig(data=str(lfw_photos), cache_dir=str(lfw_chips), out_dir=str(tmp_path),
                         backbone="iresnet_tiny", embedding_size=16, batch_size=8, max_steps=1)
    trainer = Trainer(config, pipeline=pipeline)
    assert trainer.dataset.num_classes == 6
    assert len(trainer.dataset) == len(list(lfw_chips.glob("*/*.png")))
    assert trainer.fit()["step"] == 1
