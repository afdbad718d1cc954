"""The live video with face boxes, the five landmarks, names and the source's state drawn over it."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from faceapp.capture.sources import SourceState
from faceapp.vision.tracker import FaceResult, FaceState

#: Box colour per state: recognised green, uncertain amber, unknown grey-red, unidentified blue-grey.
STATE_COLOURS: dict[FaceState, QColor] = {
    FaceState.RECOGNISED: QColor(46, 204, 113),
    FaceState.UNCERTAIN: QColor(245, 166, 35),
    FaceState.UNKNOWN: QColor(192, 96, 96),
    FaceState.UNIDENTIFIED: QColor(120, 170, 210),
}
DENIED_COLOUR = QColor(231, 76, 60)  # a door said no: red, whatever the identity
_LANDMARK_COLOURS = (QColor(255, 80, 80), QColor(80, 160, 255), QColor(80, 230, 120),
                     QColor(255, 200, 60), QColor(230, 110, 255))
_BACKGROUND = QColor(20, 22, 26)


def face_label(face: FaceResult) -> str:
    """The text shown above a face box, with the door's decision when a door stage decided."""
    return _identity_label(face) + door_label(face)


def door_label(face: FaceResult) -> str:
    """" · Welcome" or " · No access: <reason>" from the door stage's extras, else ""."""
    decision = face.extras.get("decision")
    if decision is None:
        return ""
    from faceapp.ui.pages.doors import reason_text

    if decision == "grant":
        return " · " + QCoreApplication.translate("VideoView", "Welcome")
    return " · " + QCoreApplication.translate("VideoView", "No access: {}").format(
        reason_text(str(face.extras.get("reason", ""))))


def _identity_label(face: FaceResult) -> str:
    if face.state is FaceState.UNIDENTIFIED:
        return f"Face {face.track_id} · {face.detection_score:.0%}"
    score = f"{face.similarity:.2f}" if face.similarity is not None else ""
    if face.state is FaceState.RECOGNISED:
        return f"{face.name} · {score}"
    if face.state is FaceState.UNCERTAIN:
        return f"{face.name}? · {score}"
    return f"Unknown · {score}"


def to_qimage(image: np.ndarray) -> QImage:
    """A QImage sharing (not copying) a contiguous (H, W, 3) uint8 BGR array.

    The caller must keep ``image`` alive as long as the QImage is used.
    """
    h, w = image.shape[:2]
    return QImage(image.data, w, h, int(image.strides[0]), QImage.Format.Format_BGR888)


class VideoView(QWidget):
    """Paints the newest frame, scaled to fit, with the latest faces and status drawn over it."""

    def __init__(self, parent: QWidget | None = None, overlay_max_age: float = 1.0) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.overlay_max_age = overlay_max_age
        self._pixels: np.ndarray | None = None  # keeps the QImage's memory alive
        self._image: QImage | None = None
        self._faces: tuple[FaceResult, ...] = ()
        self._faces_time = 0.0
        self._state = SourceState.CONNECTING
        self._status = ""
        self._live = True
        self.message = ""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(800, 600)

    @property
    def faces(self) -> tuple[FaceResult, ...]:
        """Faces drawn now."""
        return self._faces

    @property
    def state(self) -> SourceState:
        """The source state shown now."""
        return self._state

    @property
    def has_frame(self) -> bool:
        """Whether a frame has been shown since the last source change."""
        return self._image is not None

    def set_frame(self, image: np.ndarray) -> None:
        """Show a (H, W, 3) uint8 BGR frame."""
        self._pixels = np.ascontiguousarray(image)
        self._image = to_qimage(self._pixels)
        self.update()

    def set_faces(self, faces: Sequence[FaceResult]) -> None:
        """Draw these faces over the frames from now on."""
        self._faces, self._faces_time = tuple(faces), time.monotonic()
        self.update()

    def set_state(self, state: SourceState, status: str, live: bool = True) -> None:
        """The source's state, a short sentence about it, and whether it is a live camera or stream."""
        self._state, self._status, self._live = state, status, live
        self.update()

    def set_message(self, message: str) -> None:
        """A centred message over the video (empty to hide), e.g. why there is no picture."""
        self.message = message
        self.update()

    def clear(self) -> None:
        """Forget the picture and the faces (new source)."""
        self._pixels = self._image = None
        self._faces = ()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), _BACKGROUND)
        if self._image is not None:
            target = self._fit(self._image.width(), self._image.height())
            painter.drawImage(target, self._image)
            if time.monotonic() - self._faces_time <= self.overlay_max_age:
                scale = target.width() / self._image.width()
                for face in self._faces:
                    self._draw_face(painter, face, target.topLeft(), scale)
        self._draw_state(painter)
        if self.message:
            self._draw_message(painter)
        painter.end()

    def _fit(self, w: int, h: int) -> QRectF:
        scale = min(self.width() / w, self.height() / h)
        tw, th = w * scale, h * scale
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)

    def _draw_face(self, painter: QPainter, face: FaceResult, origin: QPointF, scale: float) -> None:
        colour = DENIED_COLOUR if face.extras.get("decision") == "deny" else STATE_COLOURS[face.state]
        x1, y1, x2, y2 = (v * scale for v in face.box)
        box = QRectF(origin.x() + x1, origin.y() + y1, x2 - x1, y2 - y1)
        painter.setPen(QPen(colour, 2.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box, 4, 4)
        radius = max(2.0, min(4.0, box.width() / 40))
        painter.setPen(Qt.PenStyle.NoPen)
        for (x, y), dot in zip(face.landmarks, _LANDMARK_COLOURS, strict=False):
            painter.setBrush(dot)
            painter.drawEllipse(QPointF(origin.x() + x * scale, origin.y() + y * scale), radius, radius)
        self._draw_label(painter, face_label(face), box, colour)

    def _draw_label(self, painter: QPainter, text: str, box: QRectF, colour: QColor) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, min(13.0, box.width() / 12)))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        w, h = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
        top = box.top() - h - 2 if box.top() - h - 2 >= 0 else box.bottom() + 2
        label = QRectF(max(0.0, min(box.left(), self.width() - w)), top, w, h)  # inside the widget
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(label, 4, 4)
        painter.setPen(QColor(15, 15, 15))
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_state(self, painter: QPainter) -> None:
        text = {
            SourceState.CONNECTING: "Connecting…",
            SourceState.LIVE: "● LIVE" if self._live else "▶ PLAYING",
            SourceState.RECONNECTING: "Reconnecting…",
            SourceState.ENDED: "Ended",
            SourceState.FAILED: "No video",
        }[self._state]
        if self._status and self._state is not SourceState.FAILED:
            text = f"{text} · {self._status}"
        font = QFont(self.font())
        font.setPointSizeF(10.0)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(40, self.width() - 48))
        pill = QRectF(8, 8, metrics.horizontalAdvance(text) + 20, metrics.height() + 8)
        painter.setPen(Qt.PenStyle.NoPen)
        live = self._state is SourceState.LIVE and self._live
        painter.setBrush(QColor(200, 35, 35, 215) if live else QColor(0, 0, 0, 170))
        painter.drawRoundedRect(pill, 6, 6)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_message(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(12.0)
        painter.setFont(font)
        area = QRectF(self.rect()).adjusted(40, 40, -40, -40)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        bounds = painter.boundingRect(area, flags, self.message).adjusted(-16, -12, 16, 12)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawRoundedRect(bounds, 8, 8)
        painter.setPen(QColor(240, 240, 240))
        painter.drawText(area, flags, self.message)
