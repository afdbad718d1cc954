"""Access-event reports: CSV, XLSX and PDF, filtered by the caller (door, person, decision, period, site, desk).

The table layout helpers of the attendance reports are reused (Excel sheet filling with typed
columns and widths, the PDF table with the embedded CJK font, the CSV formula guard).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from faceapp.access.journal import AccessEvent
from faceapp.errors import ConfigError

COLUMNS = ("time", "door", "kind", "person_id", "name", "decision", "reason", "score", "liveness", "camera",
           "operator", "note", "attendance_event_id", "snapshot", "site", "desk")
FORMATS = ("csv", "xlsx", "pdf")


def event_row(event: AccessEvent, zone: ZoneInfo) -> dict[str, Any]:
    """One event as plain values; ``time`` in the site's local time (ISO, seconds)."""
    return {"time": event.time.astimezone(zone).isoformat(timespec="seconds"), "door": event.door,
            "kind": event.kind, "person_id": event.person_id, "name": event.name, "decision": event.decision,
            "reason": event.reason, "score": None if event.score is None else round(event.score, 4),
            "liveness": event.liveness, "camera": event.camera, "operator": event.operator, "note": event.note,
            "attendance_event_id": event.attendance_event_id, "snapshot": event.snapshot, "site": event.site,
            "desk": event.desk}


def write_access_report(events: Sequence[AccessEvent], path: str | Path, zone: ZoneInfo,
                        title: str = "Access events", fmt: str | None = None) -> Path:
    """Write the events as CSV, XLSX or PDF (by ``fmt`` or the file's extension)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ConfigError(f"report format must be one of {', '.join(FORMATS)} (from the file name), not {fmt!r}")
    rows = [event_row(e, zone) for e in events]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        {"csv": _csv, "xlsx": _xlsx, "pdf": _pdf}[fmt](rows, path, zone, title)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
    return path


def _csv(rows: list[dict[str, Any]], path: Path, zone: ZoneInfo, title: str) -> None:
    from faceapp.attendance.report_csv import _text

    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([title])
        writer.writerow(["zone", zone.key])
        writer.writerow(["generated", datetime.now(timezone.utc).isoformat(timespec="seconds")])
        writer.writerow([])
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_text(v) if isinstance(v, str) else ("" if v is None else v)
                             for v in (row[c] for c in COLUMNS)])


def _xlsx(rows: list[dict[str, Any]], path: Path, zone: ZoneInfo, title: str) -> None:
    from openpyxl import Workbook

    from faceapp.attendance.report_xlsx import SCORE_FORMAT, _fill

    book = Workbook()
    sheet = book.active
    sheet.title = "Access events"
    columns = [(f"time ({zone.key})", "yyyy-mm-dd hh:mm:ss"), *((c, SCORE_FORMAT if c in ("score", "liveness")
                                                                 else None) for c in COLUMNS[1:])]
    values = [[datetime.fromisoformat(r["time"]).replace(tzinfo=None), *(r[c] for c in COLUMNS[1:])] for r in rows]
    _fill(sheet, columns, values)
    book.properties.title = title
    book.save(path)


_PDF_COLUMNS = ("time", "door", "name", "decision", "reason", "score", "camera", "site", "desk", "note")
_PDF_WIDTHS = (36, 28, 38, 18, 32, 14, 26, 26, 26, 33)


def _pdf(rows: list[dict[str, Any]], path: Path, zone: ZoneInfo, title: str) -> None:
    from fpdf import FPDF

    from faceapp.attendance.report_pdf import FONT, _section
    from faceapp.attendance.reports import cjk_font_path

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_font(FONT, "", str(cjk_font_path()), collection_font_number=0)
    pdf.set_title(title)
    pdf.set_creator("faceapp")
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 5, f"Time zone: {zone.key}    Generated: {datetime.now(zone):%Y-%m-%d %H:%M}",
             new_x="LMARGIN", new_y="NEXT")
    table = [[_pdf_text(r[c], c) for c in _PDF_COLUMNS] for r in rows]
    _section(pdf, "Events", [c.capitalize() for c in _PDF_COLUMNS], table, _PDF_WIDTHS)
    pdf.output(str(path))


def _pdf_text(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if column == "time":
        return str(value)[:19].replace("T", " ")
    if column == "score":
        return f"{value:.3f}"
    return str(value)
