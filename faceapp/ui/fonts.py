"""The bundled CJK font for the interface: Chinese texts render on machines without CJK fonts.

WenQuanYi Micro Hei (``resources/fonts``, also used by the PDF reports) is registered with Qt at
start and made the fallback of the application font and of the usual default families, so a
glyph missing from the system's font (every Hanzi on a bare Linux machine) comes from it instead
of an empty box. Latin text keeps the system font.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from faceapp.bundled import resource

log = logging.getLogger(__name__)

CJK_FONT_FILE = "wqy-microhei.ttc"
#: Families whose missing glyphs fall back to the bundled font (besides the application font's own).
GENERIC_FAMILIES = ("Sans Serif", "SansSerif", "Helvetica", "Arial", "DejaVu Sans", "Segoe UI", "MS Shell Dlg 2")

_registered: list[str] = []


def register_bundled_fonts(app: QGuiApplication) -> list[str]:
    """Register the bundled CJK font with Qt and make it the fallback family; returns its families.

    Safe to call more than once (the font is registered once per process).
    """
    if not _registered:
        path = resource("fonts", CJK_FONT_FILE)
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families:
            log.warning("the bundled font %s could not be loaded; Chinese text may show as boxes", path)
            return []
        _registered.extend(families)
    fallback = _registered[0]
    font = app.font()
    if fallback not in font.families():
        font.setFamilies([*(font.families() or [font.family()]), fallback])
        app.setFont(font)
    for family in {font.family(), *GENERIC_FAMILIES}:
        if fallback not in QFont.substitutes(family):
            QFont.insertSubstitution(family, fallback)
    log.debug("interface font fallback: %s", fallback)
    return list(_registered)
