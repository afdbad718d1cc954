"""The detect / compare / eval lfw commands, run in-process on real photos."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from faceapp.cli import main
from faceapp.vision.imageio import load_image


def photo(lfw_dir: Path, name: str, number: int) -> Path:
    return lfw_dir / "images" / name / f"{name}_{number:04d}.jpg"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_detect_json_and_annotated_image(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    out_png = tmp_path / "annotated.png"
    image = photo(lfw_dir, "Abel_Pacheco", 1)
    code, out, _ = run(capsys, "detect", str(image), "--json", "--out", str(out_png), "--basedir", str(basedir))
    assert code == 0
    record = json.loads(out)
    assert record["path"] == str(image) and len(record["faces"]) >= 1
    face = record["faces"][0]
    assert len(face["box"]) == 4 and len(face["landmarks"]) == 5 and face["score"] > 0.9
    annotated = load_image(out_png)
    assert annotated.shape == load_image(image).shape
    assert (annotated != load_image(image)).any()  # something was drawn


def test_detect_counts_failures(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, out, err = run(capsys, "detect", str(photo(lfw_dir, "Abel_Pacheco", 1)), str(bad), str(tmp_path / "gone.png"),
                         "--basedir", str(basedir))
    assert code == 1
    assert "1 image(s) read, 2 failed" in out
    assert "broken.jpg" in err and "gone.png: no such image file" in err


def test_compare_same_and_different(capsys, basedir: Path, lfw_dir: Path) -> None:
    a1, a2 = photo(lfw_dir, "Abel_Pacheco", 1), photo(lfw_dir, "Abel_Pacheco", 2)
    b1 = photo(lfw_dir, "Abdul_Rahman", 1)
    code, out, _ = run(capsys, "compare", str(a1), str(a2), "--json", "--basedir", str(basedir))
    same = json.loads(out)
    assert code == 0 and same["same_person"] is True and same["similarity"] > same["threshold"]
    _, out, _ = run(capsys, "compare", str(a1), str(b1), "--json", "--basedir", str(basedir))
    assert json.loads(out)["same_person"] is False
    _, out, _ = run(capsys, "compare", str(a1), str(b1), "--basedir", str(basedir))
    assert "different people" in out


def test_compare_without_face_is_a_clear_error(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "wall.png"
    Image.new("RGB", (200, 200), (120, 120, 120)).save(blank)
    code, _, err = run(capsys, "compare", str(blank), str(photo(lfw_dir, "Abel_Pacheco", 1)), "--basedir", str(basedir))
    assert code == 2 and "no face found" in err and "wall.png" in err


def test_eval_lfw_on_a_small_pairs_file(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1\t2\nAbel_Pacheco\t1\t2\nAbel_Pacheco\t2\t3\n"
                     "Abel_Pacheco\t1\tAbdul_Rahman\t1\nAbdul_Rahman\t1\tAbel_Pacheco\t3\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", "lfw", "--images", str(lfw_dir / "images"), "--pairs", str(pairs),
                       "--json", "--basedir", str(basedir))
    result = json.loads(out)
    assert code == 0 and result["pairs"] == 4 and result["accuracy"] == 1.0
    assert result["images"] == 4 and result["no_face"] == [] and "same pairs" in result["threshold_protocol"]
    code, out, _ = run(capsys, "eval", "lfw", "--images", str(lfw_dir / "images"), "--pairs", str(pairs),
                       "--basedir", str(basedir))
    assert "accuracy" in out and "TAR @ FAR" in out and "no face found     0" in out


def test_bad_pairs_file_exit_code(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("garbage\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", "lfw", "--images", str(lfw_dir), "--pairs", str(pairs),
                       "--basedir", str(basedir))
    assert code == 2 and "pairs.txt" in err


def test_console_script_runs(basedir: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "faceapp.cli", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout.startswith("faceapp ")


def test_log_file_goes_to_basedir(capsys, basedir: Path, lfw_dir: Path) -> None:
    run(capsys, "detect", str(photo(lfw_dir, "Abel_Pacheco", 1)), "--basedir", str(basedir))
    assert (basedir / "data" / "logs" / "faceapp.log").exists()


def test_eval_wider_json(capsys, basedir: Path, wider_dir: Path) -> None:
    code, out, _ = run(capsys, "eval", "wider", "--images", str(wider_dir / "images"),
                       "--gt", str(wider_dir / "wider_face_val_bbx_gt.txt"),
                       "--settings", str(wider_dir / "settings.json"), "--json", "--basedir", str(basedir))
    result = json.loads(out)
    assert code == 0 and result["images"] == 40 and result["faces"] == 541
    assert result["easy_ap"] >= 0.97 and result["medium_ap"] >= 0.94 and result["hard_ap"] >= 0.84
