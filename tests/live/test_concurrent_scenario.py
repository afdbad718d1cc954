"""The scripted scenario: an import, two check-in desks and a removal at once on one data folder.

Every process must finish (exit 0, no "database is locked"), nobody may be checked in twice
within the cooldown, and the database must pass SQLite's integrity check.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from tests.live.conftest import lfw_photo

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
CLI = [sys.executable, "-m", "faceapp"]
IMPORTED = ["Hugo_Chavez", "Lleyton_Hewitt", "Nestor_Kirchner", "Ricardo_Lagos", "Gray_Davis", "Paul_Bremer"]
COOLDOWN_S = 300.0  # the default desk rule


def _cli(*argv: str, basedir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *argv, "--basedir", str(basedir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class _Output:
    """Reads a process's stdout line by line and its stderr, each on its own thread.

    ``communicate()`` would read the raw pipe and lose what ``readline()`` already buffered.
    """

    def __init__(self, run: subprocess.Popen[str]) -> None:
        self.run, self.lines, self.err = run, list[str](), ""
        self._seen = threading.Condition()
        self._threads = [threading.Thread(target=self._read_out), threading.Thread(target=self._read_err)]
        for thread in self._threads:
            thread.start()

    def _read_out(self) -> None:
        assert self.run.stdout is not None
        for line in self.run.stdout:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self.lines.append("")  # end of output
            self._seen.notify_all()

    def _read_err(self) -> None:
        assert self.run.stderr is not None
        self.err = self.run.stderr.read()

    def wait_for_lines(self, count: int, timeout: float = 300.0) -> None:
        with self._seen:
            self._seen.wait_for(lambda: len(self.lines) >= count, timeout)

    def finish(self, timeout: float = 600.0) -> tuple[str, str]:
        self.run.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        return "".join(self.lines), self.err


def test_import_two_desks_and_a_removal_at_once(basedir: Path, lfw_dir: Path, tmp_path: Path) -> None:
    for name, employee in (("Tom_Ridge", "E1"), ("Jeremy_Greenstock", "E2")):
        done = subprocess.run([*CLI, "enroll", "--name", name.replace("_", " "), "--employee-no", employee,
                               str(lfw_photo(lfw_dir, name, 1)), str(lfw_photo(lfw_dir, name, 2)),
                               "--basedir", str(basedir)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    folder = tmp_path / "import"
    folder.mkdir()
    for name in IMPORTED:
        (folder / name).symlink_to(lfw_dir / "images" / name, target_is_directory=True)
    photos = [str(lfw_photo(lfw_dir, name, n)) for n in (3, 4, 5, 6) for name in ("Tom_Ridge", "Jeremy_Greenstock")]

    runs = {
        "import": _Output(_cli("gallery", "import", str(folder), "--limit", "3", basedir=basedir)),
        "desk-a": _Output(_cli("recognize", *photos * 6, "--checkin", "--json", basedir=basedir)),
        "desk-b": _Output(_cli("recognize", *photos * 6, "--checkin", "--json", basedir=basedir)),
    }
    # both desks have seen Tom Ridge and Jeremy Greenstock: now remove Jeremy while they go on
    for desk in ("desk-a", "desk-b"):
        runs[desk].wait_for_lines(2)
    runs["remove"] = _Output(_cli("gallery", "remove", "E2", "--yes", basedir=basedir))
    outputs = {name: run.finish() for name, run in runs.items()}
    codes = {name: run.run.returncode for name, run in runs.items()}
    assert codes == dict.fromkeys(runs, 0), {n: err[-2000:] for n, (_, err) in outputs.items()}
    for name, (_, err) in outputs.items():
        assert "locked" not in err and "busy" not in err, (name, err)
        assert "no person with id" not in err, (name, err)
    for desk in ("desk-a", "desk-b"):
        assert all("events" in json.loads(line) for line in outputs[desk][0].splitlines())

    db = sqlite3.connect(basedir / "data" / "faceapp.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT person_id, kind, time FROM events WHERE kind IN ('check_in', 'check_out') "
                          "AND person_id IS NOT NULL ORDER BY person_id, time").fetchall()
        people = {name for (name,) in db.execute("SELECT name FROM people")}
    finally:
        db.close()
    assert "Jeremy Greenstock" not in people and "Tom Ridge" in people
    seen = [json.loads(line)["name"] for line in outputs["desk-b"][0].splitlines()]
    assert seen[-1] != "Jeremy Greenstock" and "Jeremy Greenstock" in seen  # noticed the removal meanwhile
    assert rows  # Tom Ridge was checked in...
    for (person, _, first), (other, _, second) in itertools.pairwise(rows):
        if person == other:  # ...and never twice within the cooldown, whichever desk saw him
            gap = datetime.fromisoformat(second) - datetime.fromisoformat(first)
            assert gap.total_seconds() >= COOLDOWN_S, rows
