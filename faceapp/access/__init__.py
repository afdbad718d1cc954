"""Access control: doors, areas, access levels with weekly schedules, holidays, validity, visitors.

Qt-free and torch-free. :func:`~faceapp.access.decide.decide` is pure logic (time comes with the
request); :class:`~faceapp.access.store.AccessStore` keeps the configuration,
:class:`~faceapp.access.journal.Journal` records decisions (anti-passback inside ``BEGIN
IMMEDIATE``), :mod:`faceapp.access.outputs` drives the relays off the recognition thread, and
:mod:`faceapp.access.report` writes the access events as CSV, XLSX or PDF. The live service's door
stage is :mod:`faceapp.live.access_stage`.
"""

from faceapp.access.decide import Request, Site, decide
from faceapp.access.model import (
    DENY_REASONS,
    AntiPassback,
    Area,
    Decision,
    Direction,
    Door,
    DoorState,
    Grant,
    Level,
    Reason,
    Subject,
)
from faceapp.access.schedule import Schedule

__all__ = [
    "DENY_REASONS",
    "AntiPassback",
    "Area",
    "Decision",
    "Direction",
    "Door",
    "DoorState",
    "Grant",
    "Level",
    "Reason",
    "Request",
    "Schedule",
    "Site",
    "Subject",
    "decide",
]
