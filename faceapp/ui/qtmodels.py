"""Thin Qt models over the core's collections: the latest check-ins and the enrolled people.

Each model only adapts plain records (:class:`~faceapp.records.Event`, :class:`PersonRow`) to Qt
roles; the records are read from the gallery by the page that owns the model.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QImage, QPixmap

from faceapp.records import Event, EventKind, Person
from faceapp.store import Gallery

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex
THUMB_PX = 40
#: Sorts by the raw value (dates, counts) rather than by the shown text.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("faceapp", text)


def kind_text(kind: EventKind) -> str:
    """What an event kind means, in words for the list."""
    return {
        EventKind.CHECK_IN: _tr("checked in"),
        EventKind.CHECK_OUT: _tr("checked out"),
        EventKind.UNKNOWN: _tr("unknown visitor"),
        EventKind.UNCERTAIN: _tr("not sure who"),
        EventKind.REJECTED: _tr("access refused"),
    }[kind]


KIND_COLOUR = {
    EventKind.CHECK_IN: QColor(46, 204, 113),
    EventKind.CHECK_OUT: QColor(80, 160, 230),
    EventKind.UNKNOWN: QColor(140, 140, 140),
    EventKind.UNCERTAIN: QColor(245, 166, 35),
    EventKind.REJECTED: QColor(220, 60, 60),
}
_RECOGNISED = (EventKind.CHECK_IN, EventKind.CHECK_OUT)


def local_time(event: Event) -> datetime:
    """The event's time in its desk's time zone (the computer's zone if that is unknown)."""
    try:
        return event.time.astimezone(ZoneInfo(event.tz))
    except (ZoneInfoNotFoundError, ValueError):
        return event.time.astimezone()


def event_text(event: Event) -> str:
    """One line for the list, e.g. ``08:12  Ada Lovelace — checked in``; unknown faces get no name."""
    if event.kind not in _RECOGNISED:
        return f"{local_time(event):%H:%M}  {kind_text(event.kind)}"
    return f"{local_time(event):%H:%M}  {event.name or _tr('Someone')} — {kind_text(event.kind)}"


def bgr_pixmap(image: np.ndarray, size: int = THUMB_PX) -> QPixmap:
    """A square-fitted thumbnail of a (H, W, 3) uint8 BGR image (the pixels are copied)."""
    pixels = np.ascontiguousarray(image, np.uint8)
    h, w = pixels.shape[:2]
    qimage = QImage(pixels.data, w, h, int(pixels.strides[0]), QImage.Format.Format_BGR888).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)


def file_pixmap(path: Path | None, size: int = THUMB_PX) -> QPixmap | None:
    """A thumbnail of an image file, or ``None`` when there is none or it cannot be read."""
    if path is None or not path.is_file():
        return None
    pixmap = QPixmap(str(path))
    if pixmap.isNull():
        log.warning("cannot read the snapshot %s", path)
        return None
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


class CheckInModel(QAbstractListModel):
    """The newest events first, at most ``limit`` of them, with their snapshot as a thumbnail.

    Args:
        limit: rows kept.
        data_dir: the data folder that event snapshot paths are relative to (no thumbnails without).
    """

    def __init__(self, limit: int = 100, parent: QObject | None = None, data_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self.data_dir = data_dir
        self._events: list[Event] = []
        self._thumbs: list[QPixmap | None] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return event_text(event)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return KIND_COLOUR[event.kind].darker(150)  # readable on a white list
        if role == Qt.ItemDataRole.FontRole and event.kind not in _RECOGNISED:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            score = "" if event.score is None else f" · {_tr('similarity')} {event.score:.2f}"
            return f"{local_time(event):%Y-%m-%d %H:%M:%S} · {event.camera}{score}"
        if role == Qt.ItemDataRole.UserRole:
            return event
        return None

    def add(self, events: Sequence[Event]) -> None:
        """Put new events at the top (the last of ``events`` ends up first)."""
        for event in events:
            self.beginInsertRows(QModelIndex(), 0, 0)
            self._events.insert(0, event)
            self._thumbs.insert(0, self._thumbnail(event))
            self.endInsertRows()
        if len(self._events) > self.limit:
            self.beginRemoveRows(QModelIndex(), self.limit, len(self._events) - 1)
            del self._events[self.limit :]
            del self._thumbs[self.limit :]
            self.endRemoveRows()

    def _thumbnail(self, event: Event) -> QPixmap | None:
        # Unknown visitors are shown discreetly: no face picture in the list.
        if event.kind not in _RECOGNISED or event.snapshot is None or self.data_dir is None:
            return None
        return file_pixmap(self.data_dir / event.snapshot)

    def event_at(self, row: int) -> Event:
        """The event on ``row``."""
        return self._events[row]

    def events(self) -> list[Event]:
        """All events shown, newest first."""
        return list(self._events)


@dataclass(frozen=True)
class PersonRow:
    """One row of the People table."""

    person: Person
    templates: int
    first_template: int | None
    last_seen: datetime | None


_PEOPLE_SQL = (
    "SELECT p.id AS id, "
    "(SELECT COUNT(*) FROM templates t WHERE t.person_id = p.id) AS n, "
    "(SELECT MIN(t.id) FROM templates t WHERE t.person_id = p.id) AS first_template, "
    "(SELECT MAX(e.time) FROM events e WHERE e.person_id = p.id) AS last_seen FROM people p"
)


def people_rows(gallery: Gallery) -> list[PersonRow]:
    """Every person with template count, first template and latest event time (one query + one list)."""
    extra = {int(r["id"]): r for r in gallery.database.query(_PEOPLE_SQL)}
    rows = []
    for person in gallery.people.list():
        info = extra.get(person.id, {})
        seen = info.get("last_seen")
        rows.append(PersonRow(person, int(info.get("n") or 0), info.get("first_template"),
                              datetime.fromisoformat(seen) if seen else None))
    return rows


class PeopleModel(QAbstractTableModel):
    """People: chip, name, employee number, department, templates, last seen, active."""

    CHIP, NAME, NUMBER, DEPARTMENT, TEMPLATES, LAST_SEEN, ACTIVE = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PersonRow] = []
        self._chips: dict[int, QPixmap] = {}

    def headers(self) -> list[str]:
        """Column titles, translated."""
        return ["", _tr("Name"), _tr("Employee no."), _tr("Department"), _tr("Photos"), _tr("Last seen"),
                _tr("Active")]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else 7

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt API
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 7:
            return self.headers()[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == self.CHIP:
            return self._chips.get(row.person.id)
        if role == Qt.ItemDataRole.ForegroundRole and not row.person.active:
            return QColor(150, 150, 150)
        if role == Qt.ItemDataRole.UserRole:
            return row.person
        return None

    def _text(self, row: PersonRow, column: int) -> str | None:
        person = row.person
        if column == self.LAST_SEEN:
            return f"{row.last_seen.astimezone():%Y-%m-%d %H:%M}" if row.last_seen else "—"
        values = {self.NAME: person.name, self.NUMBER: person.employee_no or "", self.DEPARTMENT: person.department,
                  self.TEMPLATES: str(row.templates), self.ACTIVE: _tr("yes") if person.active else _tr("no")}
        return values.get(column)

    def _sort_key(self, row: PersonRow, column: int) -> Any:
        if column == self.TEMPLATES:
            return row.templates
        if column == self.LAST_SEEN:
            return row.last_seen.timestamp() if row.last_seen else 0.0
        return (self._text(row, column) or "").lower()

    def set_rows(self, rows: Sequence[PersonRow], chips: dict[int, QPixmap]) -> None:
        """Replace every row (after a change in the gallery)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._chips = dict(chips)
        self.endResetModel()

    def person(self, row: int) -> Person:
        """The person on ``row``."""
        return self._rows[row].person

    def row_of(self, person_id: int) -> int:
        """The row showing ``person_id`` (-1 when absent)."""
        return next((n for n, r in enumerate(self._rows) if r.person.id == person_id), -1)

    def rows(self) -> list[PersonRow]:
        """All rows."""
        return list(self._rows)


class ChipListModel(QAbstractListModel):
    """Face chips captured for enrolment, each with its quality figures, removable before saving."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._chips: list[np.ndarray] = []
        self._quality: list[dict[str, float]] = []
        self._pixmaps: list[QPixmap] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._chips)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._chips):
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmaps[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            q = self._quality[index.row()]
            return ", ".join(f"{k} {v:.0f}" for k, v in q.items() if k in ("size", "blur", "yaw", "brightness"))
        return None

    def add(self, chip: np.ndarray, quality: dict[str, float]) -> None:
        """Append one captured chip."""
        row = len(self._chips)
        self.beginInsertRows(QModelIndex(), row, row)
        self._chips.append(np.array(chip, np.uint8))
        self._quality.append(dict(quality))
        self._pixmaps.append(bgr_pixmap(chip, 72))
        self.endInsertRows()

    def remove(self, row: int) -> None:
        """Drop the chip on ``row``."""
        if not 0 <= row < len(self._chips):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._chips[row], self._quality[row], self._pixmaps[row]
        self.endRemoveRows()

    def clear(self) -> None:
        """Drop every chip."""
        self.beginResetModel()
        self._chips, self._quality, self._pixmaps = [], [], []
        self.endResetModel()

    def chips(self) -> tuple[np.ndarray, list[dict[str, float]]]:
        """(N, H, W, 3) chips and their quality figures."""
        if not self._chips:
            return np.zeros((0, 112, 112, 3), np.uint8), []
        return np.stack(self._chips), [dict(q) for q in self._quality]
