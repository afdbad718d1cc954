"""Capture, tracking and the CLI's ``gui`` command description load without Qt."""

from __future__ import annotations

import subprocess
import sys

_CHECK = """
import sys
import faceapp.capture, faceapp.vision.tracker, faceapp.ui, faceapp.cli.gui_cmds
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "torch"))
print(",".join(loaded))
"""


def test_core_modules_do_not_import_qt_or_torch() -> None:
    done = subprocess.run([sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == ""
