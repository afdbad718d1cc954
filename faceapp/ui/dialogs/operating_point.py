"""The settings dialog's operating point: a target false-accept rate, the threshold it gives, an expert pin."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QVBoxLayout, QWidget

from faceapp.config import FALSE_ACCEPT_TARGETS, Paths, Settings
from faceapp.store.decision import OperatingPoint, Thresholds
from faceapp.vision.calibration import Calibration

_CONTEXT = "OperatingPointBox"
#: Gallery sizes quoted to show how the threshold rises as the site grows.
GROWTH = (1_000, 10_000, 100_000)


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def embedder_calibration(paths: Paths, name: str, flip: bool = False) -> Calibration | None:
    """Embedder ``name``'s calibration, with or without ``flip`` (``None`` when unknown or never measured)."""
    from faceapp.errors import FaceAppError
    from faceapp.vision.models import ModelRegistry

    try:
        return ModelRegistry(user_dir=paths.user_models).spec(name).calibration_for(flip)
    except FaceAppError:
        return None


def operating_sentence(calibration: Calibration | None, target: float, pin: bool, pinned: Thresholds,
                       people: int, templates: int) -> str:
    """What the chosen operating point means for this gallery, in one translated paragraph."""
    if pin or calibration is None:
        why = (_tr("The raw thresholds below are pinned.") if pin else
               _tr("This embedder has no calibration (run faceapp eval calibrate), so the raw thresholds "
                   "below apply."))
        return why + " " + _tr("Their false-accept rate grows with the number of enrolled people.")
    point = OperatingPoint(target, calibration)
    now = point.thresholds(people, templates)
    each = templates / people if people else 2.0
    later = ", ".join(f"{point.thresholds(n, round(n * each)).accept:.3f} " + _tr("at {0:,}").format(n)
                      for n in GROWTH if n > people)
    text = _tr("With {0:,} enrolled people ({1:,} templates) a face is recognised from a score of {2:.3f} "
               "(unknown below {3:.3f}); about {4:.1%} of genuine attempts reach it.").format(
        people, templates, now.accept, now.unknown, calibration.genuine_rate(now.accept))
    if later:
        text += " " + _tr("The threshold rises as the site grows: {0}.").format(later)
    return text


class OperatingPointBox(QWidget):
    """Target rate (0.1 / 0.5 / 1 %), the threshold it gives for the gallery, and the expert pin.

    Signals:
        pin_changed(bool): the raw thresholds became (un)pinned; the dialog enables their spin boxes.
    """

    pin_changed = Signal(bool)

    def __init__(self, calibration: Calibration | None, people: int, templates: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.calibration, self.people, self.templates = calibration, people, templates
        self.pinned = Thresholds()
        self.target_box = QComboBox(self)
        for rate in FALSE_ACCEPT_TARGETS:
            self.target_box.addItem(_tr("{0:g} % of strangers taken for someone").format(rate * 100), rate)
        self.pin_check = QCheckBox(_tr("Pin raw thresholds instead (expert)"), self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setObjectName("operatingNote")
        self.note.setStyleSheet("color: #5f6b73;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.target_box, self.note, self.pin_check):
            layout.addWidget(widget)
        self.target_box.currentIndexChanged.connect(self.refresh)
        self.pin_check.toggled.connect(self._pin_toggled)

    def load(self, settings: Settings) -> None:
        index = self.target_box.findData(settings.false_accept_target)
        if index < 0:  # a rate set outside the dialog: offer it too
            self.target_box.addItem(f"{settings.false_accept_target * 100:g} %", settings.false_accept_target)
            index = self.target_box.count() - 1
        self.target_box.setCurrentIndex(index)
        self.pinned = Thresholds(settings.accept_threshold, settings.unknown_threshold)
        self.pin_check.setChecked(settings.pin_thresholds)
        self._pin_toggled(settings.pin_thresholds)

    @property
    def target(self) -> float:
        return float(self.target_box.currentData())

    @property
    def pin(self) -> bool:
        return self.pin_check.isChecked()

    def _pin_toggled(self, pin: bool) -> None:
        self.target_box.setEnabled(not pin)
        self.refresh()
        self.pin_changed.emit(pin)

    def refresh(self) -> None:
        self.note.setText(operating_sentence(self.calibration, self.target, self.pin, self.pinned,
                                             self.people, self.templates))

    def current(self) -> Thresholds:
        """The thresholds in force with the values shown."""
        return OperatingPoint(self.target, self.calibration, self.pinned, self.pin).thresholds(
            self.people, self.templates)
