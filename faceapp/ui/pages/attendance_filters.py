"""The Attendance page's filters as plain values, and the choice boxes they are read from."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QComboBox

from faceapp.errors import FaceAppError
from faceapp.records import Event, EventKind
from faceapp.store.db import Database
from faceapp.store.events import distinct_origins

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filters:
    """The page's filters, as plain values.

    ``site`` and ``desk`` keep only the events recorded there (exact names, as stamped on the
    events); None keeps every site's and desk's.
    """

    start: date
    end: date
    person: str = ""
    department: str = ""
    kind: EventKind | None = None
    spoof: bool = False  # only events the liveness stage judged spoofed
    site: str | None = None
    desk: str | None = None

    def keeps(self, event: Event) -> bool:
        """Whether ``event`` passes the person and department filters (dates, kind, site and desk are queried)."""
        needle = self.person.strip().casefold()
        if needle and not any(needle in (v or "").casefold() for v in (event.name, event.employee_no)):
            return False
        return not self.department or (event.department or "") == self.department


def fill_choices(box: QComboBox, everything: str, values: Iterable[str]) -> None:
    """``everything`` (data ``""``) then ``values``; keeps the current choice when it is still there.

    Signals are blocked while refilling, so a refill never looks like a new choice.
    """
    current = box.currentData() or ""
    box.blockSignals(True)
    box.clear()
    box.addItem(everything, "")
    for value in values:
        box.addItem(value, value)
    box.setCurrentIndex(max(box.findData(current), 0))
    box.blockSignals(False)


def fill_origin_choices(database: Database, site_box: QComboBox, desk_box: QComboBox,
                        all_sites: str, all_desks: str) -> None:
    """The sites and desks that recorded events as choices (other desks add some while a page is open)."""
    try:
        sites, desks = distinct_origins(database)
    except FaceAppError as exc:
        log.warning("cannot read the sites and desks: %s", exc)
        return
    fill_choices(site_box, all_sites, sites)
    fill_choices(desk_box, all_desks, desks)


def chosen(box: QComboBox) -> str | None:
    """The chosen value, or None for the "all" entry."""
    return box.currentData() or None
