"""Import with dominant faces and look-alike flags, and calibrating an embedder, through the CLI on real photos."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from faceapp.cli import main
from faceapp.vision.models import MANIFEST, ModelRegistry, bundled_models_dir

pytestmark = pytest.mark.realdata

EMBEDDER = "mobilefacenet_arcface_512"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def test_import_takes_the_dominant_face_and_flags_a_look_alike(capsys, basedir: Path, lfw_dir: Path,
                                                               tmp_path: Path) -> None:
    images = lfw_dir / "images"
    folder = tmp_path / "hr"
    for n in (1, 2):
        _link(images / "Abel_Pacheco" / f"Abel_Pacheco_{n:04d}.jpg", folder / "Abel_Pacheco" / f"{n}.jpg")
    _link(images / "Abel_Pacheco" / "Abel_Pacheco_0003.jpg", folder / "Zed_Twin" / "1.jpg")  # same face, other name
    _link(images / "Dale_Earnhardt_Jr" / "Dale_Earnhardt_Jr_0002.jpg", folder / "Dale" / "1.jpg")  # 3 faces
    code, out, err = run(capsys, "gallery", "import", str(folder), "--json", "--basedir", str(basedir))
    summary = json.loads(out)
    assert code == 0 and summary["enrolled"] == 4 and summary["failed"] == [], err
    chosen = {Path(c["path"]).parent.name: c["face"] for c in summary["face_chosen"]}
    assert "of 3 (1.6x larger than the others)" in chosen["Dale"] and "Abel_Pacheco" not in chosen
    (warning,) = summary["warnings"]
    assert warning["path"].endswith("Zed_Twin/1.jpg") and "resembles Abel Pacheco" in warning["warning"]
    code, out, _ = run(capsys, "gallery", "list", "--json", "--basedir", str(basedir))
    twin = next(json.loads(line) for line in out.splitlines() if "Zed Twin" in line)
    code, out, _ = run(capsys, "gallery", "show", str(twin["id"]), "--json", "--basedir", str(basedir))
    (template,) = json.loads(out)["templates"]
    assert template["flag"]["other_name"] == "Abel Pacheco" and template["flag"]["score"] > 0.3
    assert 0 < template["quality"]["quality"] <= 1


def test_eval_calibrate_writes_the_embedders_manifest_entry(capsys, basedir: Path, lfw_dir: Path,
                                                             tmp_path: Path) -> None:
    data = tmp_path / "collection"
    people = sorted(p for p in (lfw_dir / "images").iterdir() if len(list(p.glob("*.jpg"))) >= 4)[:24]
    for person in people:
        for photo in sorted(person.glob("*.jpg"))[:5]:
            _link(photo, data / "images" / person.name / photo.name)
    models = tmp_path / "models"
    bundled = json.loads((bundled_models_dir() / MANIFEST).read_text(encoding="utf-8"))
    entry = {k: v for k, v in next(e for e in bundled["models"] if e["name"] == EMBEDDER).items()
             if k not in ("calibration", "calibration_flip")}
    _link(bundled_models_dir() / entry["file"], models / entry["file"])
    (models / MANIFEST).write_text(json.dumps({"version": 1, "models": [entry]}), encoding="utf-8")
    assert ModelRegistry(user_dir=models).spec(EMBEDDER).calibration is None
    code, out, err = run(capsys, "eval", "calibrate", str(data), "--models-dir", str(models), "--model", EMBEDDER,
                         "--json", "--basedir", str(basedir))
    report = json.loads(out)
    assert code == 0 and report["genuine_pairs"] >= 100 and report["impostor_pairs"] >= 1000, err
    spec = ModelRegistry(user_dir=models).spec(EMBEDDER)
    calibration, flipped = spec.calibration, spec.calibration_flip
    assert calibration is not None and calibration.impostor_pairs == report["impostor_pairs"]
    # the flip calibration is measured on the same faces, with each face's mirror image added
    assert flipped is not None and flipped.data.endswith(", flip") and not calibration.data.endswith("flip")
    assert flipped.impostor_pairs == calibration.impostor_pairs and flipped.impostor != calibration.impostor
    assert spec.calibration_for(True) is flipped and spec.calibration_for(False) is calibration
    thresholds = [row["threshold"] for row in report["thresholds"] if row["target"] == 0.005]
    assert thresholds == sorted(thresholds) and len(thresholds) == 5  # rises with the gallery size
    code, out, _ = run(capsys, "eval", "openset", "--people", "10", "1000", "--json", "--basedir", str(basedir))
    rows = json.loads(out)["rows"]
    assert code == 0 and [r["people"] for r in rows] == [10, 10, 10, 1000, 1000, 1000]


@pytest.mark.parametrize("flip", [True, False])
def test_eval_openset_uses_the_calibration_of_how_faces_are_embedded(capsys, basedir: Path, flip: bool) -> None:
    from faceapp.config import Paths, Settings

    Settings(flip_embedding=flip).save(Paths.resolve(basedir).settings_file)
    code, out, err = run(capsys, "eval", "openset", "--people", "10", "--json", "--basedir", str(basedir))
    assert code == 0, err
    spec = ModelRegistry().spec(EMBEDDER)
    wanted, other = spec.calibration_for(flip), spec.calibration_for(not flip)
    assert wanted is not None and other is not None
    (row,) = [r for r in json.loads(out)["rows"] if r["target"] == 0.005]
    assert row["threshold"] == round(wanted.threshold_for(0.005, 10, 20), 4)
    assert row["threshold"] != round(other.threshold_for(0.005, 10, 20), 4)  # 10 people: 0.403 flip, 0.397 plain
