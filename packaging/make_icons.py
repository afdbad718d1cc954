"""Render resources/icons/faceapp.svg to the per-OS icon files the build and the desktop use.

Writes ``faceapp-<size>.png`` (Linux hicolor sizes), ``faceapp.ico`` (Windows) and ``faceapp.icns``
(macOS) next to the SVG. Run it after changing the SVG: ``python packaging/make_icons.py``.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> bytes:
    """PNG bytes of ``svg`` drawn on a transparent ``size`` x ``size`` square."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main() -> int:
    """Write the PNG, ICO and ICNS files; the exit status."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image

    svg = ICONS / "faceapp.svg"
    for size in PNG_SIZES:
        (ICONS / f"faceapp-{size}.png").write_bytes(render(svg, size))
    big = Image.open(io.BytesIO(render(svg, 1024))).convert("RGBA")
    big.save(ICONS / "faceapp.ico", sizes=[(s, s) for s in ICO_SIZES])
    big.save(ICONS / "faceapp.icns")
    print(f"icons written to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
