"""The attendance package stays Qt-free and torch-free (it runs under the CLI and in tests)."""

from __future__ import annotations

import subprocess
import sys


def test_attendance_imports_neither_qt_nor_torch() -> None:
    code = (
        "import sys\n"
        "import faceapp.attendance, faceapp.attendance.report_csv\n"
        "import faceapp.attendance.report_xlsx, faceapp.attendance.report_pdf\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'torch', 'sqlite3'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
