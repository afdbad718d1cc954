"""Hostile inputs: pipes, devices, huge files, folders without photos, bad output paths, private logs."""

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from faceapp import logs
from faceapp.cli import auth as cli_auth
from faceapp.cli import main
from faceapp.config import Paths
from faceapp.errors import ImageNotFoundError, ImageTooLargeError
from faceapp.vision.imageio import read_file

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX pipes and devices")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def photo(lfw_dir: Path, name: str, number: int) -> Path:
    return lfw_dir / "images" / name / f"{name}_{number:04d}.jpg"


def people(capsys, basedir: Path) -> list[dict]:
    _, out, _ = run(capsys, "gallery", "list", "--json", "--basedir", str(basedir))
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(autouse=True)
def _no_admin_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_auth._state, "said_no_admin", True)


def test_read_file_refuses_pipes_devices_folders_and_huge_files_before_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageNotFoundError, match="a pipe"):
        read_file(fifo)  # returns at once: a pipe without writer is never waited on
    with pytest.raises(ImageNotFoundError, match="a device"):
        read_file("/dev/zero")
    with pytest.raises(ImageNotFoundError, match="a folder"):
        read_file(tmp_path)
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(600_000_000)  # sparse: no disk space used
    with pytest.raises(ImageTooLargeError, match="600 MB"):
        read_file(huge)
    small = tmp_path / "small.jpg"
    small.write_bytes(b"x" * 10)
    assert read_file(small) == b"x" * 10
    with pytest.raises(ImageTooLargeError):
        read_file(small, max_bytes=9)


def test_enroll_from_a_pipe_does_not_hang_and_leaves_no_person(basedir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "face.jpg"
    os.mkfifo(fifo)
    env = {**os.environ, "FACEAPP_HOME": str(basedir)}
    result = subprocess.run([sys.executable, "-m", "faceapp.cli", "enroll", "--name", "Piped", str(fifo)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1 and "not a regular file (a pipe)" in result.stderr
    listed = subprocess.run([sys.executable, "-m", "faceapp.cli", "gallery", "list", "--json"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert listed.stdout.strip() == ""


def test_enroll_from_a_device_or_a_huge_file_says_why_and_leaves_no_person(capsys, basedir: Path,
                                                                          tmp_path: Path) -> None:
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(600_000_000)
    code, out, err = run(capsys, "enroll", "--name", "Zero", "/dev/zero", str(huge), "--basedir", str(basedir))
    assert code == 1
    assert "/dev/zero: not a regular file (a device)" in err and "over the limit" in err
    assert "skipped because: not a regular file (1), over the limit (1)" in out
    assert people(capsys, basedir) == []


def test_enroll_a_folder_without_photos_says_what_was_ignored_and_fails(capsys, basedir: Path,
                                                                        tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    os.mkfifo(folder / "sub" / "pipe.jpg")
    code, _, err = run(capsys, "enroll", "--name", "Nobody", str(folder), "--basedir", str(basedir))
    assert code == 2 and "no photos to enrol" in err
    assert f"ignored {folder / 'notes.txt'}: not a photo" in err
    assert f"ignored {folder / 'sub' / 'pipe.jpg'}: not a regular file" in err
    assert people(capsys, basedir) == []


def test_gallery_import_reports_unusable_entries(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "import"
    person = root / "Abel_Pacheco"
    person.mkdir(parents=True)
    (person / "a.jpg").write_bytes(photo(lfw_dir, "Abel_Pacheco", 1).read_bytes())
    os.mkfifo(person / "pipe.jpg")
    (person / "broken.jpg").symlink_to(tmp_path / "missing.jpg")
    (person / "readme.md").write_text("x", encoding="utf-8")
    (root / "stray.jpg").write_bytes(b"x")
    code, out, err = run(capsys, "gallery", "import", str(root), "--basedir", str(basedir))
    assert code == 0 and "1 enrolled" in out
    for name, reason in (("pipe.jpg", "not a regular file"), ("broken.jpg", "cannot read it"),
                         ("readme.md", "not a photo")):
        assert f"ignored {person / name}: {reason}" in err
    assert f"ignored {root / 'stray.jpg'}: not in a person folder" in err

    empty = tmp_path / "empty"
    (empty / "Nobody").mkdir(parents=True)
    (empty / "Nobody" / "notes.txt").write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "gallery", "import", str(empty), "--basedir", str(basedir))
    assert code == 2 and "nothing was imported" in err and "notes.txt: not a photo" in err
    assert [p["name"] for p in people(capsys, basedir)] == ["Abel Pacheco"]


@pytest.mark.parametrize(("out", "message"), [("/proc/x.png", "cannot write"), ("{tmp}/x.xyz", "must end in"),
                                              ("{tmp}/file.txt/x.png", "is a file, not a folder")])
def test_detect_checks_the_output_path_before_any_work(capsys, basedir: Path, lfw_dir: Path, tmp_path: Path,
                                                       out: str, message: str) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    code, stdout, err = run(capsys, "detect", str(photo(lfw_dir, "Abel_Pacheco", 1)), "--out",
                            out.format(tmp=tmp_path), "--basedir", str(basedir))
    assert code == 2 and message in err and stdout == ""
    assert "internal error" not in err


def test_the_cli_log_is_private_and_names_no_photo_paths(capsys, basedir: Path, lfw_dir: Path,
                                                          tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        named = tmp_path / "Jane_Roe_private.jpg"
        named.write_bytes(photo(lfw_dir, "Abel_Pacheco", 1).read_bytes())
        b = ("--basedir", str(basedir))
        assert run(capsys, "enroll", "--name", "Jane Roe", "--employee-no", "J1", str(named), *b)[0] == 0
        assert run(capsys, "enroll", "--name", "Jane Roe", "--employee-no", "J1", str(named), *b)[0] == 0
        assert os.umask(0o077) == 0o077  # the entry point narrowed it
        os.umask(0)
        logging.getLogger("faceapp.test").warning("could not read %s", named)
        assert run(capsys, "gallery", "remove", "J1", "--yes", *b)[0] == 0
    finally:
        os.umask(previous)
    paths = Paths.resolve(basedir)
    assert logs.log_file() == paths.logs / "faceapp.log"
    text = (paths.logs / "faceapp.log").read_text(encoding="utf-8")
    assert "<photo>" in text and "person" in text
    assert "Jane" not in text and str(named) not in text
    for path in [paths.data, *paths.data.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.parametrize(("extra", "out", "message"), [
    ((), "/proc/faceapp-report.csv", "cannot write the attendance report there"),
    ((), "{tmp}/report.xyz", "must end in .csv, .xlsx, .pdf"),
    ((), "{tmp}", "must end in .csv, .xlsx, .pdf"),
    (("--kind", "summary"), "{tmp}/summary.pdf", "the summary report must end in .xlsx, .csv"),
    (("--format", "csv"), "{tmp}", "is a folder"),
])
def test_report_checks_the_output_path_before_asking_for_a_password(
        capsys, basedir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...], out: str,
        message: str) -> None:
    from faceapp.store.auth import Users
    from faceapp.store.db import Database

    database = Database.open(Paths.resolve(basedir).ensure())
    Users(database).add("boss", "a long password", role="admin")
    database.close()
    monkeypatch.delenv(cli_auth.PASSWORD_ENV, raising=False)  # a password prompt would fail differently
    folder = tmp_path / "reports"
    folder.mkdir()
    code, stdout, err = run(capsys, "report", "--from", "2026-11-01", "--to", "2026-11-30", *extra,
                            "--out", out.format(tmp=folder), "--basedir", str(basedir))
    assert code == 2 and message in err and stdout == ""
    assert list(folder.iterdir()) == []
