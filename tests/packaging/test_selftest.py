"""``faceapp selftest`` from source: it passes here, and it names what is broken when it is not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp import selftest
from faceapp.cli import main
from faceapp.config import Paths, Settings
from faceapp.vision.models import bundled_models_dir

MODEL_NAMES = {"retinaface_mnet025", "mobilefacenet_arcface_512", "mobilefacenet_arcface_512_b1",
               "minifasnet_liveness_128", "eye_state_24", "landmarks68_64"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def broken_models(tmp_path: Path) -> Path:
    """A copy of the bundled models with one byte flipped in the middle of the detector."""
    folder = tmp_path / "models"
    shutil.copytree(bundled_models_dir(), folder)
    path = folder / "retinaface_mnet025.onnx"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return folder


def test_passes_on_this_machine(tmp_path: Path) -> None:
    report = selftest.run_selftest(tmp_path / "home", provider="cpu")
    assert report.ok, report.failures
    by_name = {check.name: check for check in report.checks}
    assert {f"model:{name}" for name in MODEL_NAMES} <= set(by_name)
    assert {"settings", "provider", "manifest", "pipeline", "detect", "embed", "index", "database"} <= set(by_name)
    assert by_name["detect"].data["faces"] == 1
    embed = by_name["embed"].data
    assert embed["dim"] == 512 and abs(embed["norm"] - 1.0) < 1e-3
    assert embed["threshold"] == Settings().match_threshold < embed["mirror_similarity"] <= 1.0
    assert by_name["database"].data["journal_mode"] == "wal"
    assert all(check.seconds >= 0 for check in report.checks)
    assert report.provider.startswith("CPU")
    assert not (tmp_path / "home").exists()  # the self-test writes nothing to the data folder


def test_cli_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "selftest", "--json", "--provider", "cpu", "--basedir", str(tmp_path))
    assert code == 0, err
    assert err == ""
    record = json.loads(out)
    assert record["ok"] is True and record["failures"] == []
    assert record["provider"].startswith("CPU")
    assert {"faceapp", "onnxruntime", "numpy", "opencv", "hnswlib", "sqlite", "python"} <= set(record["versions"])
    assert record["versions"]["PySide6"]  # importable in the test environment
    assert record["environment"]["frozen"] is False
    assert Path(record["environment"]["models_dir"]) == bundled_models_dir()
    names = [check["name"] for check in record["checks"]]
    assert len(names) == len(set(names)) >= 8 + len(MODEL_NAMES)
    assert all(check["ok"] and check["seconds"] >= 0 for check in record["checks"])


def test_cli_human_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "selftest", "--provider", "cpu", "--basedir", str(tmp_path))
    assert code == 0
    assert "ok   model:retinaface_mnet025" in out and "selftest passed" in out and "provider: CPU" in out


def test_broken_model_is_named(broken_models: Path, tmp_path: Path) -> None:
    report = selftest.run_selftest(tmp_path, models_dir=broken_models, provider="cpu")
    assert not report.ok
    failed = {check.name: check.error for check in report.failures}
    assert "retinaface_mnet025" in failed["model:retinaface_mnet025"]
    assert "damaged" in failed["model:retinaface_mnet025"]
    assert "model:mobilefacenet_arcface_512" not in failed  # the others still pass
    assert {"pipeline", "detect", "embed"} <= set(failed)  # the pipeline needs the detector


def test_cli_broken_model_exits_non_zero(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, broken_models: Path, tmp_path: Path
) -> None:
    monkeypatch.setattr(selftest, "bundled_models_dir", lambda: broken_models)
    code, out, err = run(capsys, "selftest", "--json", "--provider", "cpu", "--basedir", str(tmp_path))
    assert code == 1
    assert json.loads(out)["ok"] is False
    lines = err.strip().splitlines()
    assert lines[0].startswith("faceapp selftest: FAIL model:retinaface_mnet025: model 'retinaface_mnet025'")
    assert all(line.startswith("faceapp selftest: FAIL ") for line in lines)  # one line per failing check


def test_configured_match_threshold_is_used(tmp_path: Path) -> None:
    paths = Paths.resolve(tmp_path)
    Settings(match_threshold=0.999).save(paths.settings_file)
    report = selftest.run_selftest(tmp_path, provider="cpu")
    (embed,) = [check for check in report.failures]
    assert embed.name == "embed" and "below the match threshold 1.00" in embed.error


def test_photo_without_a_face(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((240, 320, 3), 128, np.uint8))
    report = selftest.run_selftest(tmp_path, sample=blank, provider="cpu")
    failed = {check.name: check.error for check in report.failures}
    assert set(failed) == {"detect", "embed"}
    assert "expected exactly 1 face" in failed["detect"] and "found 0" in failed["detect"]
    assert "index" not in failed and "database" not in failed  # they fall back to synthetic vectors


def test_unreadable_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    report = selftest.run_selftest(tmp_path, models_dir=folder, provider="cpu")
    failed = {check.name: check.error for check in report.failures}
    assert "cannot read the model manifest" in failed["manifest"]
    assert "skipped" in failed["detect"]


def test_core_stays_qt_and_torch_free(tmp_path: Path) -> None:
    """The self-test (as a frozen CLI runs it) loads neither Qt's libraries nor PyTorch."""
    code = (
        "import sys; from faceapp.selftest import run_selftest; "
        f"assert run_selftest({str(tmp_path)!r}, provider='cpu').ok; "
        "loaded = sorted(m for m in sys.modules if m.startswith(('torch', 'PySide6.Qt'))); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
