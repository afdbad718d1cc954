"""Liveness in the GUI: the settings group (mode per camera, calibrated threshold, challenge) and the
discreet notice on the Live page (spoof suspected, challenge prompts)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QWidget

from faceapp.config import Settings
from faceapp.vision.liveness import CALIBRATION
from faceapp.vision.tracker import FaceResult

#: The per-camera combo's entry meaning "as every camera".
SAME_AS_ALL = ""


def _tr(text: str) -> str:
    return QCoreApplication.translate("Liveness", text)


def mode_labels() -> dict[str, str]:
    return {"off": _tr("Off"), "log": _tr("Log only"), "block": _tr("Block (no check-in, no door)")}


def challenge_labels() -> dict[str, str]:
    return {"off": _tr("None"), "blink": _tr("Blink"), "turn": _tr("Small head turn"),
            "blink+turn": _tr("Blink and head turn")}


class LivenessSettingsBox(QGroupBox):
    """Edits the liveness settings: mode of all cameras and of this desk, target BPCER, challenge."""

    def __init__(self, camera: str, parent: QWidget | None = None) -> None:
        super().__init__(_tr("Liveness (photo and screen attacks)"), parent)
        self.camera = camera
        self.mode_box, self.camera_box = QComboBox(self), QComboBox(self)
        self.camera_box.addItem(_tr("As all cameras"), SAME_AS_ALL)
        for key, label in mode_labels().items():
            self.mode_box.addItem(label, key)
            self.camera_box.addItem(label, key)
        self.target_box = QComboBox(self)
        for point in CALIBRATION:
            self.target_box.addItem(
                _tr("{0:.1f} % of live faces refused, {1:.1f} % of print attacks pass (threshold {2:.2f})").format(
                    point.bpcer * 100, point.apcer * 100, point.threshold), point.bpcer)
        self.challenge_box = QComboBox(self)
        for key, label in challenge_labels().items():
            self.challenge_box.addItem(label, key)
        self.seconds_spin = QDoubleSpinBox(self)
        self.seconds_spin.setRange(1.0, 60.0)
        self.seconds_spin.setDecimals(1)
        self.seconds_spin.setSuffix(_tr(" s"))
        note = QLabel(_tr("Measured on printed-photo attacks (NUAA); phone and tablet screens were not measured: "
                          "use a challenge where doors open."), self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6b73;")
        form = QFormLayout(self)
        form.addRow(_tr("All cameras:"), self.mode_box)
        form.addRow(_tr("This camera ({0}):").format(camera), self.camera_box)
        form.addRow(_tr("Operating point:"), self.target_box)
        form.addRow(_tr("Challenge:"), self.challenge_box)
        form.addRow(_tr("Time to answer:"), self.seconds_spin)
        form.addRow(note)

    def load(self, settings: Settings) -> None:
        _select(self.mode_box, settings.liveness_mode)
        _select(self.camera_box, dict(settings.liveness_camera_modes).get(self.camera, SAME_AS_ALL))
        points = [p.bpcer for p in CALIBRATION]
        best = max((b for b in points if b <= settings.liveness_target_bpcer + 1e-12), default=points[0])
        _select(self.target_box, best)
        _select(self.challenge_box, settings.liveness_challenge)
        self.seconds_spin.setValue(settings.liveness_challenge_seconds)

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with the liveness fields as edited."""
        cameras = dict(settings.liveness_camera_modes)
        chosen = self.camera_box.currentData()
        if chosen:
            cameras[self.camera] = chosen
        else:
            cameras.pop(self.camera, None)
        return replace(settings, liveness_mode=self.mode_box.currentData(), liveness_camera_modes=cameras,
                       liveness_target_bpcer=float(self.target_box.currentData()),
                       liveness_challenge=self.challenge_box.currentData(),
                       liveness_challenge_seconds=round(self.seconds_spin.value(), 1))


class LivenessNotice(QLabel):
    """A small line on the Live page: the challenge prompt, or a discreet "spoof suspected" note.

    The prompt is for the person in front of the camera; the spoof note is for the front desk, in
    muted text, and fades after ``hold_s`` seconds without a spoofed face.
    """

    def __init__(self, parent: QWidget | None = None, hold_s: float = 8.0) -> None:
        super().__init__(parent)
        self.setObjectName("livenessNotice")
        self.setWordWrap(True)
        self.hold_s = hold_s
        self._spoof_until = 0.0
        self._spoof_text = ""
        self.hide()

    def show_faces(self, faces: Sequence[FaceResult], now: float | None = None) -> None:
        """Update from the faces of the latest frame."""
        now = time.monotonic() if now is None else now
        prompt = ""
        for face in faces:
            extras = getattr(face, "extras", None) or {}
            asked = extras.get("challenge")
            if asked:
                prompt = self._prompt(asked, extras.get("challenge_left"))
            if extras.get("live") == "spoof" and face.name:
                self._spoof_text = _tr("Spoof suspected: {0} (photo or screen?)").format(face.name)
                self._spoof_until = now + self.hold_s
        if prompt:
            self.setStyleSheet("color: #1f5f99; font-weight: bold;")
            self.setText(prompt)
            self.show()
        elif now < self._spoof_until:
            self.setStyleSheet("color: #a15c00;")
            self.setText(self._spoof_text)
            self.show()
        else:
            self.hide()

    @staticmethod
    def _prompt(asked: Sequence[str], left: float | None) -> str:
        actions = {"blink": _tr("please blink"), "turn": _tr("please turn your head a little")}
        words = _tr(" and ").join(actions.get(a, a) for a in asked)
        seconds = "" if left is None else _tr(" ({0:.0f} s)").format(left)
        return _tr("Liveness check: {0}{1}").format(words, seconds)


def _select(box: QComboBox, data: object) -> None:
    index = box.findData(data)
    if index >= 0:
        box.setCurrentIndex(index)
