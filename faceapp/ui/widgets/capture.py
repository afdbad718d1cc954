"""Capturing enrolment faces from the live view: pose steps, guidance and the captured chips.

The panel reads the largest face of each processed frame (``LiveSession.probe_ready``), tells the
person what to do, and captures automatically when the quality gate passes and the pose fits the
current step. Captured chips are shown as thumbnails and can be removed before they are saved.

While the camera checks liveness (its mode is not off), every probed frame carries the face's live
score and the panel judges each uninterrupted presentation of a face as a track is judged
(:class:`~faceapp.live.liveness_capture.Presentation`): it captures only once that says live (and
never a frame that itself scores below the threshold), and a
presentation judged spoofed is refused - nothing of it is captured, faces already captured from it
are dropped - and said so. Each captured face keeps its evidence for the enroller's spoof check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from faceapp.live.liveness_capture import Presentation
from faceapp.store.enrol import QualityGate
from faceapp.store.liveness import LivenessEvidence
from faceapp.ui.qtmodels import ChipListModel, bgr_pixmap
from faceapp.ui.workers import FaceProbe, LiveSession
from faceapp.vision.face_choice import CAPTURE_GATE
from faceapp.vision.liveness import DEFAULT_THRESHOLD
from faceapp.vision.liveness_track import LiveVerdict

PREVIEW_PX = 112


def _tr(text: str) -> str:
    return QCoreApplication.translate("CapturePanel", text)


@dataclass(frozen=True)
class CaptureStep:
    """One pose to capture from the live view: the instruction and the yaw range that fits it."""

    instruction: str
    min_yaw: float
    max_yaw: float


#: Positive yaw = nose towards the image's right, i.e. the person's own left on an unmirrored camera.
CAPTURE_STEPS = (
    CaptureStep("Look straight at the camera", -12.0, 12.0),
    CaptureStep("Turn a little to your left", 8.0, 30.0),
    CaptureStep("Turn a little to your right", -30.0, -8.0),
)


def guidance(probe: FaceProbe | None, step: CaptureStep, gate: QualityGate) -> tuple[bool, str]:
    """Whether ``probe`` can be captured for ``step``, and what to tell the person.

    Capture waits for :data:`~faceapp.vision.face_choice.CAPTURE_GATE` figures or ``gate``'s, whichever
    is stricter: someone at the camera can do better than the least an imported photo must show.
    """
    gate = gate.at_least(CAPTURE_GATE)
    if probe is None:
        return False, _tr("No face seen: stand in front of the camera")
    if probe.faces > 1:
        return False, _tr("Only one person in front of the camera, please")
    reasons = gate.reasons(probe.quality)
    if any(r.startswith("too small") for r in reasons):
        return False, _tr("Come a little closer")
    if any(r.startswith("blurred") for r in reasons):
        return False, _tr("Hold still")
    if any(r.startswith("too dark") for r in reasons):
        return False, _tr("More light on the face, please")
    yaw, pitch = probe.quality.get("yaw", 0.0), probe.quality.get("pitch", 0.0)
    if abs(pitch) > gate.max_pitch:
        return False, _tr("Look straight: keep your chin level")
    if yaw < step.min_yaw or yaw > step.max_yaw or reasons:
        return False, _tr(step.instruction)
    return True, _tr("Hold it… captured")


def _doubtful(probe: FaceProbe | None) -> bool:
    """Whether this very frame scores below the live threshold (a print swapped in mid-presentation
    takes several frames to pull the presentation's verdict down: none of them is captured)."""
    live = probe.live if probe is not None else None
    return live is not None and (live.score is None or live.score < live.policy.threshold)


class CapturePanel(QWidget):
    """Guidance, a preview of the face seen now, and the captured chips with remove / save buttons.

    Signals:
        save_requested(): the user wants the captured chips enrolled.
    """

    save_requested = Signal()

    def __init__(self, session: LiveSession | None, gate: QualityGate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.gate = gate
        self.step = 0
        self.capturing = False
        self.min_capture_interval = 0.7
        self._last_capture = 0.0
        self.captured = ChipListModel(self)
        self.presentation: Presentation | None = None  # the face in front of the camera now (liveness on)
        self._presentations: list[Presentation | None] = []  # per captured chip: where it came from
        self.spoofs_refused = 0
        self._build()
        self._show_guide()

    def _build(self) -> None:
        self.guide = QLabel(self)
        self.guide.setObjectName("captureGuide")
        self.guide.setStyleSheet("#captureGuide { font-size: 15pt; font-weight: bold; padding: 8px; }")
        self.guide.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: #14161a; color: #9aa4ad; border-radius: 6px;")
        self.preview.setToolTip(self.tr("The face the camera sees now, as it would be enrolled"))
        self.chip_view = QListView(self)
        self.chip_view.setViewMode(QListView.ViewMode.IconMode)
        self.chip_view.setIconSize(QSize(72, 72))
        self.chip_view.setModel(self.captured)
        self.capture_button = self._button(self.tr("Start capture"), self.toggle_capture)
        self.capture_button.setEnabled(self.session is not None)
        self.remove_chip_button = self._button(self.tr("Remove selected"), self.remove_selected_chip)
        self.save_chips_button = self._button(self.tr("Save captured faces"), self.save_requested.emit)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self.preview)
        head.addWidget(self.guide, 1)
        row = QHBoxLayout()
        row.addWidget(self.capture_button)
        row.addStretch(1)
        row.addWidget(self.remove_chip_button)
        row.addWidget(self.save_chips_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.chip_view, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(lambda: slot())
        return button

    def toggle_capture(self) -> None:
        """Start or stop reading faces from the live view."""
        if self.session is None:
            return
        self.capturing = not self.capturing
        if self.capturing:
            self.session.probe_ready.connect(self.on_probe)
        else:
            self.session.probe_ready.disconnect(self.on_probe)
        self.session.set_probing(self.capturing)
        self.presentation = None  # a new start: whoever stands there is judged afresh
        self.capture_button.setText(self.tr("Stop capture") if self.capturing else self.tr("Start capture"))
        self._show_guide()

    def stop(self) -> None:
        """Stop capturing (the dialog closes)."""
        if self.capturing:
            self.toggle_capture()

    def on_probe(self, probe: FaceProbe | None) -> None:
        """The latest frame's largest face: guide the person, capture when everything fits."""
        self._show_preview(probe)
        presentation = self._follow(probe)
        if self.step >= len(CAPTURE_STEPS):
            return
        ok, text = guidance(probe, CAPTURE_STEPS[self.step], self.gate)
        if presentation is not None and presentation.verdict is LiveVerdict.SPOOF:
            ok, text = False, self.tr("This looks like a photo or a screen, not a live person: nothing is captured")
        elif presentation is not None and ok and (presentation.verdict is LiveVerdict.PENDING or _doubtful(probe)):
            ok, text = False, self.tr("Checking that this is a live face…")
        now = time.monotonic()
        if ok and probe is not None and now - self._last_capture >= self.min_capture_interval:
            self._last_capture = now
            self.captured.add(probe.chip, probe.quality)
            self._presentations.append(presentation)
            self.step += 1
            if self.step >= len(CAPTURE_STEPS):
                self.stop()  # every pose is in: stop the extra work on the recognition thread
            self._show_guide()
            return
        self.guide.setText(text)

    def _follow(self, probe: FaceProbe | None) -> Presentation | None:
        """Add the probe's live score to the current presentation (a face lost ends it); refuse a spoof."""
        if probe is None or probe.live is None:
            self.presentation = None  # nobody there (the next face is judged afresh), or liveness off
            return None
        if probe.faces > 1:
            return self.presentation  # whose face is largest may change: no score, no capture
        current = self.presentation
        if current is None:  # judged by the rules at its start, to its end (a settings edit changes no verdict)
            current = self.presentation = Presentation(probe.live.policy, probe.live.mode)
        before = current.verdict
        if current.add(probe.live) is LiveVerdict.SPOOF and before is not LiveVerdict.SPOOF:
            self._refuse(current)
        return current

    def _refuse(self, presentation: Presentation) -> None:
        """A presentation was judged spoofed: drop what was captured from it and say why."""
        for row in reversed(range(len(self._presentations))):
            if self._presentations[row] is presentation:
                self.captured.remove(row)
                del self._presentations[row]
        self.step = min(self.step, self.captured.rowCount())
        self.spoofs_refused += 1
        evidence = presentation.record()
        self.status.setText(self.tr(
            "Spoof suspected: live score {0:.3f} < {1:.2f} over {2} frames. Faces shown on a photo or a screen "
            "are not enrolled; the person must stand in front of the camera themself.").format(
                evidence.score or 0.0, evidence.threshold, evidence.frames))

    def captured_liveness(self) -> list[LivenessEvidence]:
        """The liveness evidence of each captured face, in the order of :attr:`captured`."""
        return [p.record() if p is not None else LivenessEvidence("pending", None, DEFAULT_THRESHOLD, "off", 0)
                for p in self._presentations]

    def refused_on_save(self, message: str) -> None:
        """The enroller refused the captured faces as a spoof: say so (``message`` has the scores)."""
        self.status.setText(self.tr("Not enrolled: the captured faces look like a photo or a screen, "
                                    "not a live person.") + "\n" + message)

    def _show_preview(self, probe: FaceProbe | None) -> None:
        if probe is None:
            self.preview.clear()
            self.preview.setText(self.tr("no face"))
        else:
            self.preview.setPixmap(bgr_pixmap(probe.chip, PREVIEW_PX))

    def _show_guide(self) -> None:
        if self.step >= len(CAPTURE_STEPS):
            self.guide.setText(self.tr("Done: remove any poor picture, then save the captured faces"))
        elif not self.capturing:
            self.guide.setText(self.tr("Press Start capture and look at the camera"))
        else:
            self.guide.setText(_tr(CAPTURE_STEPS[self.step].instruction))

    def remove_selected_chip(self) -> None:
        """Drop the selected captured face (that pose is captured again)."""
        index = self.chip_view.currentIndex()
        if index.isValid():
            self.captured.remove(index.row())
            del self._presentations[index.row()]
            self.step = min(self.step, self.captured.rowCount())
            self._show_guide()

    def saved(self, count: int) -> None:
        """The captured faces were enrolled: start over."""
        self.status.setText(self.tr("{} faces enrolled").format(count))
        self.captured.clear()
        self._presentations.clear()
        self.step = 0
        self._show_guide()
