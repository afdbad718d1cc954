"""``faceapp train`` commands, and the rule that only faceapp.train imports torch."""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.errors import FaceAppError
from faceapp.train import cli as train_cli

ROOT = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faceapp")
    train_cli.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.func(args))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_faceapp_train_imports_torch_and_train_imports_no_ui() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "faceapp").rglob("*.py")
        if "train" not in p.relative_to(ROOT / "faceapp").parts[:1] and "torch" in _imports(p)
    ]
    assert offenders == []
    for path in (ROOT / "faceapp" / "train").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        assert not any(m.startswith("faceapp.ui") or m.startswith("PySide6") for m in modules), path


def test_train_cli_imports_without_torch() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import faceapp.train.cli, argparse\n"
        "p = argparse.ArgumentParser(); faceapp.train.cli.register(p.add_subparsers())\n"
        "try:\n    faceapp.train.cli._require_torch()\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "FaceAppError" in out.stdout and "faceapp[train]" in out.stdout


def test_train_recognition_then_export_into_the_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for person in range(3):
        (tmp_path / "data" / f"p{person}").mkdir(parents=True)
        for i in range(3):
            chip = rng.integers(0, 256, (112, 112, 3), np.uint8)
            cv2.imwrite(str(tmp_path / "data" / f"p{person}" / f"{i}.png"), chip)
    home = tmp_path / "home"
    argv = ["train", "recognition", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "run"),
            "--backbone", "mobilefacenet_tiny", "--embedding-size", "16", "--batch-size", "4", "--max-steps", "2",
            "--set", "log_every=1", "--set", "loss=cosface", "--export", "mini", "--basedir", str(home), "--json"]
    assert _run(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["event"] for r in records][-1] == "exported"
    assert records[-1]["embedding_size"] == 16
    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.runtime import choose_provider

    spec, _ = ModelRegistry(user_dir=home / "data" / "models").open("mini", choose_provider("cpu"))
    assert spec.kind == "embedder" and spec.mean == (127.0, 127.0, 127.0)
    checkpoint = tmp_path / "run" / "checkpoints" / "step-0000002.pt"
    assert _run(["train", "export", str(checkpoint), "--name", "again", "--basedir", str(home)]) == 0
    assert "again" in ModelRegistry(user_dir=home / "data" / "models").names("embedder")
    from faceapp.model_history import load_history, load_report

    assert load_report(home / "data" / "models", "mini")["steps"] == 2  # every export keeps a report
    assert [(e["event"], e["name"]) for e in load_history(home / "data" / "models")] == [
        ("trained", "mini"), ("trained", "again")]
    resume = [a for a in argv if a not in ("--export", "mini")] + ["--resume"]
    assert _run(resume) == 0  # already at max_steps: resumes and trains nothing more
    assert not (tmp_path / "run" / "checkpoints" / "step-0000003.pt").exists()


def test_bad_options_and_an_empty_gallery_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(FaceAppError, match="unknown field"):
        _run(["train", "recognition", "--data", "x", "--set", "nonsense=1"])
    with pytest.raises(FaceAppError, match=r"public check .*needs images/ and pairs\.txt"):
        _run(["train", "finetune", "--from-gallery", "--public-check", str(tmp_path), "--basedir",
              str(tmp_path / "home")])
    with pytest.raises(FaceAppError, match="at least 3 people"):
        _run(["train", "finetune", "--from-gallery", "--basedir", str(tmp_path / "home")])


def test_finetune_from_gallery_exports_a_new_embedder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    from faceapp.config import Paths, Settings
    from faceapp.store.gallery import Gallery
    from faceapp.train.backbones.mobilefacenet import mobilefacenet_tiny
    from faceapp.train.export import export_embedder
    from faceapp.vision.constants import MOBILEFACENET_MEAN, MOBILEFACENET_STD
    from faceapp.vision.models import ModelRegistry
    from faceapp.vision.runtime import choose_provider

    home = tmp_path / "home"
    paths = Paths.resolve(home).ensure()
    export_embedder(mobilefacenet_tiny(16, deploy=True), paths.user_models, "tiny", MOBILEFACENET_MEAN,
                    MOBILEFACENET_STD)
    Settings(embedder="tiny").save(paths.settings_file)
    gallery = Gallery.open(paths, "tiny", 16)
    rng = np.random.default_rng(0)
    for k in range(5):
        person = gallery.add_person(f"person {k}")
        for _ in range(3 if k else 1):  # person 0 has one face: never trained on, a stranger
            gallery.add_template(person.id, rng.integers(0, 256, (112, 112, 3), np.uint8), rng.normal(size=16))
    gallery.close()
    argv = ["train", "finetune", "--from-gallery", "--steps", "2", "--batch-size", "4", "--device", "cpu",
            "--no-activate", "--basedir", str(home), "--json"]
    assert _run(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    split = records[-1]["split"]
    assert split["unseen_people"] == 2 and split["train_people"] == 3
    assert records[0]["event"] == "start" and records[0]["classes"] == 3 and records[0]["images"] == 6
    assert records[-1]["model"] == "tiny_ft1" and not records[-1]["activated"]
    assert Settings.load(paths.settings_file).embedder == "tiny"  # measure only: nothing switched
    spec, _ = ModelRegistry(user_dir=paths.user_models).open("tiny_ft1", choose_provider("cpu"))
    assert spec.embedding_size == 16
