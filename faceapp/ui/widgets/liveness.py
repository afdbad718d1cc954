"""Liveness in the GUI: the settings group (mode per camera, calibrated threshold, challenge) and the
discreet notice on the Live page (spoof suspected, challenge prompts)."""

# Which way the arrow of a head-turn prompt points. The Live page draws camera frames as captured
# (VideoView: no mirroring), so when the person turns to their own left their picture turns towards
# the screen's right. The prompt's words and arrow follow the person's body, not the picture: the
# person faces the screen, so their left is the screen's left and the arrow for "your left" points
# left. An arrow that followed the picture would contradict the words, and a turn the wrong way
# fails the challenge at once.

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QWidget

from faceapp.config import Settings
from faceapp.vision.liveness import CALIBRATION
from faceapp.vision.tracker import FaceResult

#: The per-camera combo's entry meaning "as every camera".
SAME_AS_ALL = ""
#: The arrow shown with a head-turn prompt, by the side asked (the person's own; see the note above).
ARROWS = {"left": "\u2190", "right": "\u2192"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Liveness", text)


#: Why a challenge failed, in the words shown to the person (``extras["challenge_failed"]``).
FAILURES = {"wrong_way": lambda: _tr("the head turned the other way"), "time_up": lambda: _tr("not done in time")}


def mode_labels() -> dict[str, str]:
    return {"off": _tr("Off"), "log": _tr("Log only"), "block": _tr("Block (no check-in, no door)")}


def challenge_labels() -> dict[str, str]:
    return {"off": _tr("None"), "blink": _tr("Blink"), "turn": _tr("Head turn (left or right, asked at random)"),
            "blink+turn": _tr("Blink and head turn")}


class LivenessSettingsBox(QGroupBox):
    """Edits the liveness settings: mode of all cameras and of this desk, target BPCER, challenge, and
    whether this desk's camera mirrors its picture."""

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
        self.mirrored_check = QCheckBox(_tr("This camera's picture is mirrored (selfie view)"), self)
        self.mirrored_check.setToolTip(_tr("Tick it when the camera shows people as in a mirror, so that a head "
                                           "turn to the left is read as a turn to the left."))
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
        form.addRow(self.mirrored_check)
        form.addRow(note)

    def load(self, settings: Settings) -> None:
        _select(self.mode_box, settings.liveness_mode)
        _select(self.camera_box, dict(settings.liveness_camera_modes).get(self.camera, SAME_AS_ALL))
        points = [p.bpcer for p in CALIBRATION]
        best = max((b for b in points if b <= settings.liveness_target_bpcer + 1e-12), default=points[0])
        _select(self.target_box, best)
        _select(self.challenge_box, settings.liveness_challenge)
        self.seconds_spin.setValue(settings.liveness_challenge_seconds)
        self.mirrored_check.setChecked(self.camera in settings.liveness_mirrored_cameras)

    def apply(self, settings: Settings, camera: str | None = None) -> Settings:
        """``settings`` with the liveness fields as edited.

        ``camera``: this camera's new name when it is renamed in the same edit; its mode and mirror
        mark move to it (left under the old name they would silently stop applying).
        """
        camera = camera or self.camera
        cameras = {k: v for k, v in settings.liveness_camera_modes.items() if k not in (self.camera, camera)}
        chosen = self.camera_box.currentData()
        if chosen:
            cameras[camera] = chosen
        mirrored = [c for c in settings.liveness_mirrored_cameras if c not in (self.camera, camera)]
        if self.mirrored_check.isChecked():
            mirrored.append(camera)
        return replace(settings, liveness_mode=self.mode_box.currentData(), liveness_camera_modes=cameras,
                       liveness_target_bpcer=float(self.target_box.currentData()),
                       liveness_challenge=self.challenge_box.currentData(),
                       liveness_challenge_seconds=round(self.seconds_spin.value(), 1),
                       liveness_mirrored_cameras=mirrored)


class LivenessNotice(QLabel):
    """A small line on the Live page: the challenge prompt, or a discreet "spoof suspected" note.

    The prompt is for the person in front of the camera; the spoof note is for the front desk, in
    muted text, and fades after ``hold_s`` seconds without a spoofed face. After a failed challenge
    the note tells the person why and to try again (stepping out of view starts a new track).
    """

    def __init__(self, parent: QWidget | None = None, hold_s: float = 8.0) -> None:
        super().__init__(parent)
        self.setObjectName("livenessNotice")
        self.setWordWrap(True)
        self.hold_s = hold_s
        self._spoof_until = 0.0
        self._spoof_text = ""
        self.prompt = ""  # the challenge prompt shown now, as plain text with its arrow ("" when none)
        self.hide()

    def show_faces(self, faces: Sequence[FaceResult], now: float | None = None) -> None:
        """Update from the faces of the latest frame."""
        now = time.monotonic() if now is None else now
        prompt, side = "", None
        for face in faces:
            extras = getattr(face, "extras", None) or {}
            asked = extras.get("challenge")
            if asked:
                turn = extras.get("challenge_turn") if "turn" in asked else None
                side = turn if turn in ARROWS else None
                prompt = self._prompt(asked, extras.get("challenge_left"), turn, extras.get("challenge_turns"))
            failed = extras.get("challenge_failed")
            if extras.get("live") == "spoof" and failed in FAILURES:  # for the person: what to do now
                self._spoof_text = _tr("Liveness check not passed ({0}): step out of view, then try again.").format(
                    FAILURES[failed]())
                self._spoof_until = now + self.hold_s
            elif extras.get("live") == "spoof" and face.name:
                self._spoof_text = _tr("Spoof suspected: {0} (photo or screen?)").format(face.name)
                self._spoof_until = now + self.hold_s
        self.prompt = f"{prompt} {ARROWS[side]}" if prompt and side else prompt
        if prompt:
            self.setStyleSheet("color: #1f5f99; font-weight: bold;")
            self.setTextFormat(Qt.TextFormat.RichText)
            self.setText(_rich_prompt(prompt, side))
            self.show()
        elif now < self._spoof_until:
            self.setStyleSheet("color: #a15c00;")
            self.setTextFormat(Qt.TextFormat.PlainText)
            self.setText(self._spoof_text)
            self.show()
        else:
            self.hide()

    @staticmethod
    def _prompt(asked: Sequence[str], left: float | None, side: str | None = None, turns: int | None = None) -> str:
        turn = {"left": _tr("turn your head to your left"), "right": _tr("turn your head to your right"),
                "centre": _tr("look straight at the camera again")}
        turn_words = turn.get(str(side), _tr("please turn your head a little"))
        after = None if turns is None else turns if side == "centre" else turns - 1  # turns after this step
        if after:
            turn_words += _tr(" (then {0} more turn(s))").format(after)
        actions = {"blink": _tr("please blink"), "turn": turn_words}
        words = _tr(" and ").join(actions.get(a, a) for a in asked)
        seconds = "" if left is None else _tr(" ({0:.0f} s)").format(left)
        return _tr("Liveness check: {0}{1}").format(words, seconds)


def _rich_prompt(prompt: str, side: str | None) -> str:
    """The prompt as rich text: with a head turn, a large arrow under it on the side to turn to."""
    text = f"<p>{html.escape(prompt)}</p>"
    if side is None:
        return text
    return text + f'<p align="{side}" style="font-size: 40pt; margin: 0;">{ARROWS[side]}</p>'


def _select(box: QComboBox, data: object) -> None:
    index = box.findData(data)
    if index >= 0:
        box.setCurrentIndex(index)
