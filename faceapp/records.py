"""Plain records shared by the store, the attendance rules, the reports, the CLI and the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class EventKind(str, Enum):
    """What an attendance event records."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    UNKNOWN = "unknown"
    UNCERTAIN = "uncertain"
    REJECTED = "rejected"


class Verdict(str, Enum):
    """Open-set decision for one face against the gallery."""

    ACCEPT = "accept"  # score >= accept threshold: this person
    UNCERTAIN = "uncertain"  # between the thresholds: do not act, maybe ask
    UNKNOWN = "unknown"  # score < unknown threshold: not enrolled


@dataclass(frozen=True)
class Person:
    """An enrolled person."""

    id: int
    name: str
    employee_no: str | None = None
    department: str = ""
    title: str = ""
    contact: str = ""
    active: bool = True
    notes: str = ""


@dataclass(frozen=True)
class Identification:
    """Best gallery match for one face.

    ``person_id``/``name`` are the best candidate even when the verdict is not ACCEPT;
    ``margin`` is the best score minus the runner-up person's score (1.0 when there is none).
    """

    person_id: int | None
    name: str | None
    score: float
    margin: float
    verdict: Verdict


@dataclass(frozen=True)
class Event:
    """One attendance event as stored and reported. ``time`` is timezone-aware UTC."""

    id: int | None
    time: datetime
    tz: str  # IANA zone of the desk where it happened, e.g. "Europe/Berlin"
    kind: EventKind
    person_id: int | None
    name: str | None
    employee_no: str | None
    department: str | None
    score: float | None
    margin: float | None
    camera: str
    operator: str | None = None
    snapshot: str | None = None  # path of the evidence image, relative to the data folder
    note: str = ""
    uid: str | None = None  # unique id (UUID): delivering the same event twice stores it once
    site: str = ""  # where it was recorded (see faceapp.store.origin)
    desk: str = ""
