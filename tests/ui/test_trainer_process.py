"""The child-process runner of the Trainer page: JSON lines in, exit code and stderr out, stop."""

from __future__ import annotations

import sys
from pathlib import Path

from faceapp.config import Paths
from faceapp.ui.pages.trainer_process import CommandProcess, basedir_args

CHATTY = (
    "import json, sys\n"
    "print(json.dumps({'event': 'step', 'step': 1}), flush=True)\n"
    "print('a progress line for humans', flush=True)\n"
    "sys.stdout.write(json.dumps({'event': 'end', 'step': 2}))\n"  # the last line without a newline
    "sys.stderr.write('faceapp: error: something broke\\n')\n"
    "sys.exit(3)\n"
)


def test_json_lines_arrive_as_records_and_the_exit_is_reported(qtbot) -> None:
    process = CommandProcess([sys.executable, "-c", CHATTY])
    records: list[dict] = []
    process.record.connect(records.append)
    with qtbot.waitSignal(process.finished, timeout=30_000) as finished:
        process.start([])
    code, stderr = finished.args
    assert records == [{"event": "step", "step": 1}, {"event": "end", "step": 2}]
    assert code == 3 and "something broke" in stderr and not process.running


def test_stop_ends_a_running_child(qtbot) -> None:
    process = CommandProcess([sys.executable, "-c", "import time; print('{}', flush=True); time.sleep(60)"])
    with qtbot.waitSignal(process.record, timeout=30_000):
        process.start([])
    assert process.running
    with qtbot.waitSignal(process.finished, timeout=30_000) as finished:
        process.stop()
    assert finished.args[0] == -1 and process.stopped and not process.running


def test_children_get_the_same_folders(tmp_path: Path) -> None:
    assert basedir_args(Paths.resolve(tmp_path)) == ["--basedir", str(tmp_path.resolve())]
    assert basedir_args(Paths(data=tmp_path / "d", config=tmp_path / "c")) == []
