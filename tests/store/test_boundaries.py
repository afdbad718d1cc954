"""The store stays free of Qt and PyTorch, and importing it does no work."""

from __future__ import annotations

import subprocess
import sys


def test_store_imports_neither_qt_nor_torch_nor_onnxruntime_by_default() -> None:
    code = (
        "import sys, faceapp.store\n"
        "print(sorted(m for m in ('PySide6', 'torch', 'onnxruntime') if m in sys.modules))\n"
        "import faceapp.store.enrol\n"
        "print(sorted(m for m in ('PySide6', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "[]"]
