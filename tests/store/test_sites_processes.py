"""Two desk processes at two sites check people in on one PostgreSQL store; `faceapp report` filters by desk/site.

Real photos, real models, a real PostgreSQL server (tests/store/pgserver.py), two data folders and
two ``faceapp recognize --checkin`` processes that name themselves by ``$FACEAPP_SITE``/``$FACEAPP_DESK``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faceapp.attendance.report_csv import read_csv_sections
from faceapp.cli import main

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
DESKS = {"A": ("Berlin office", "Front door", "Abel_Pacheco"), "B": ("Paris office", "Lobby", "Tom_Ridge")}


def _photo(lfw_dir: Path, name: str, number: int) -> str:
    return str(lfw_dir / "images" / name / f"{name}_{number:04d}.jpg")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_two_desk_processes_on_one_postgresql_store_and_reports_per_desk_and_site(
        tmp_path: Path, lfw_dir: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FACEAPP_DATABASE_URL", pg_url)
    for name in ("FACEAPP_SITE", "FACEAPP_DESK"):
        monkeypatch.delenv(name, raising=False)
    homes = {key: tmp_path / f"desk-{key}" for key in DESKS}
    for _site, _desk, person in DESKS.values():  # enrolled once, at desk A, into the shared store
        code, _, err = _cli(capsys, "enroll", "--name", person.replace("_", " "), _photo(lfw_dir, person, 1),
                            _photo(lfw_dir, person, 2), "--basedir", str(homes["A"]))
        assert code == 0, err
    runs = {}
    for key, (site, desk, person) in DESKS.items():
        env = {**os.environ, "FACEAPP_SITE": site, "FACEAPP_DESK": desk}
        runs[key] = subprocess.Popen(
            [sys.executable, "-m", "faceapp", "recognize", _photo(lfw_dir, person, 4), "--checkin", "--json",
             "--basedir", str(homes[key])], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = {key: run.communicate(timeout=300) for key, run in runs.items()}
    for key, run in runs.items():
        assert run.returncode == 0, outputs[key][1]
        (line,) = [json.loads(text) for text in outputs[key][0].splitlines() if text.strip()]
        assert line["events"] == ["check_in"] and line["name"] == DESKS[key][2].replace("_", " ")

    today = time.strftime("%Y-%m-%d", time.gmtime())
    period = ("--from", today, "--to", today, "--zone", "UTC", "--json", "--basedir", str(homes["B"]))
    for flag, value, key in (("--desk", "Front door", "A"), ("--site", "Paris office", "B")):
        target = tmp_path / f"{key}.csv"
        code, out, err = _cli(capsys, "report", flag, value, "--out", str(target), *period)
        assert code == 0, err
        assert json.loads(out)["events"] == 1 and json.loads(out)[flag[2:]] == value
        events = read_csv_sections(target)["events"]
        site, desk, person = DESKS[key]
        assert [(e["name"], e["site"], e["desk"]) for e in events] == [(person.replace("_", " "), site, desk)]
    code, out, err = _cli(capsys, "report", "--desk", "Front dor", "--out", str(tmp_path / "none.csv"), *period)
    assert code == 2 and "the desks known are: 'Front door', 'Lobby'" in err  # a typo: said, not an empty report
    assert not (tmp_path / "none.csv").exists()
    code, out, err = _cli(capsys, "report", "--kind", "daily", "--desk", "Lobby", *period)
    assert code == 0, err
    punched = {d["person"] for d in map(json.loads, out.splitlines()) if d.get("first_in")}
    assert punched == {"Tom Ridge"}
