"""The Attendance page marks a check-in that liveness judged spoofed but let through (log mode)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from faceapp.config import Settings
from faceapp.records import Event, EventKind
from faceapp.store import Gallery
from faceapp.store.liveness import SPOOF_KIND, LivenessEvidence, record
from faceapp.ui.pages.attendance import AttendancePage

ZONE = "Europe/Berlin"
SHOTS = os.environ.get("FACEAPP_SCREENSHOTS")  # a folder: also save the screenshots for the docs there
MARK = "spoof suspected (logged)"


def test_logged_spoof_check_in_is_marked_and_filtered(qtbot: QtBot, gallery: Gallery, tmp_path: Path) -> None:
    ada = gallery.add_person("Ada Lovelace", employee_no="E1")
    bob = gallery.add_person("Bob Byron", employee_no="E2")
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    chip = np.full((60, 40, 3), 90, np.uint8)
    honest = record(gallery.events, Event(None, now, ZONE, EventKind.CHECK_IN, bob.id, None, None, None, 0.8, 0.3,
                                          "desk-1"),
                    LivenessEvidence("live", 0.99, 0.5, "log", 6, "", (0.99,) * 6), snapshot=chip)
    spoofed = LivenessEvidence("spoof", 0.01, 0.5, "log", 3, "", (0.01, 0.02, 0.0))
    suspect = record(gallery.events, Event(None, now + timedelta(seconds=30), ZONE, EventKind.REJECTED, ada.id, None,
                                           None, None, 0.7, 0.2, "desk-1",
                                           note="spoof suspected: live score 0.010 < 0.50 over 3 frames (log only)"),
                     spoofed)
    let_in = record(gallery.events, Event(None, now + timedelta(seconds=31), ZONE, EventKind.CHECK_IN, ada.id, None,
                                          None, None, 0.7, 0.2, "desk-1"),
                    spoofed, snapshot=chip)
    page = AttendancePage(gallery, Settings(), ZONE, lambda parent: True, actor=lambda: "boss")
    qtbot.addWidget(page)
    kind = page.model.COLUMNS.index("kind")
    texts = {page.model.event_at(r).id: page.model.index(r, kind).data() for r in range(page.model.rowCount())}
    assert texts[let_in.id] == f"Check-in · {MARK}"
    assert texts[honest.id] == "Check-in" and texts[suspect.id] == "Refused"  # its note says it already
    page.kind_box.setCurrentIndex(page.kind_box.findData(SPOOF_KIND))
    assert [page.model.event_at(r).id for r in range(page.model.rowCount())] == [suspect.id, let_in.id]
    page.kind_box.setCurrentIndex(0)
    page.resize(1400, 420)
    path = tmp_path / "attendance_spoof_logged.png"
    assert page.grab().save(str(path))
    if SHOTS:
        page.grab().save(str(Path(SHOTS) / path.name))
