"""PDF report (fpdf2): landscape A4 with the Days, Summary and Events tables.

All text is set in the bundled WenQuanYi Micro Hei font (Latin and CJK in one face), embedded as a
subset holding only the glyphs used, so Chinese names render and stay searchable/extractable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from faceapp.attendance.reports import Report, cjk_font_path, format_duration

log = logging.getLogger(__name__)

FONT = "cjk"
_HEADINGS = FontFace(emphasis="", fill_color=(225, 229, 235))
_DAY_WIDTHS = (22, 16, 24, 40, 36, 22, 22, 20, 14, 30)
_SUMMARY_WIDTHS = (16, 24, 44, 40, 22, 24, 24, 24, 24)
_EVENT_WIDTHS = (32, 18, 10, 20, 32, 26, 13, 13, 24, 26, 26, 36)


class _ReportPDF(FPDF):
    """FPDF with a page footer."""

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(110)
        self.cell(0, 5, f"faceapp attendance report - page {self.page_no()}/{{nb}}", align="C")


def write_pdf(report: Report, path: Path, include_events: bool = True) -> None:
    """Write ``report`` as a PDF; ``include_events=False`` leaves out the (long) event list."""
    pdf = _ReportPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=14)
    pdf.add_font(FONT, "", str(cjk_font_path()), collection_font_number=0)
    pdf.set_title(f"Attendance {report.period}")
    pdf.set_creator("faceapp")
    pdf.set_creation_date(report.generated)
    pdf.add_page()
    _title(pdf, report)
    _section(pdf, "Days", _DAY_HEADER, _day_rows(report), _DAY_WIDTHS)
    _section(pdf, "Summary", _SUMMARY_HEADER, _summary_rows(report), _SUMMARY_WIDTHS)
    if include_events:
        _section(pdf, "Events", _EVENT_HEADER, _event_rows(report), _EVENT_WIDTHS)
    pdf.output(str(path))
    log.debug("PDF report with %d pages written to %s", pdf.page_no(), path)


def _title(pdf: FPDF, report: Report) -> None:
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, "Attendance report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    generated = report.local(report.generated).strftime("%Y-%m-%d %H:%M")
    lines = [f"Period: {report.period}", f"Time zone: {report.zone}", f"Generated: {generated}"]
    if report.query.persons:
        lines.append("People: " + ", ".join(report.query.persons))
    if report.query.departments:
        lines.append("Departments: " + ", ".join(report.query.departments))
    if report.query.site is not None:
        lines.append(f"Site: {report.query.site or '(none)'}")
    if report.query.desk is not None:
        lines.append(f"Desk: {report.query.desk or '(none)'}")
    for line in lines:
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")


def _section(pdf: FPDF, title: str, header: Sequence[str], rows: list[list[str]], widths: Sequence[float]) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, size=12)
    pdf.cell(0, 7, f"{title} ({len(rows)})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=8)
    if not rows:
        pdf.cell(0, 5, "(none)", new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",
        headings_style=_HEADINGS,
        line_height=4.5,
        repeat_headings=1,
    ) as table:
        for values in [list(header), *rows]:
            row = table.row()
            for value in values:
                row.cell(value)


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S") if moment is not None else "-"


_DAY_HEADER = ["Date", "Id", "Employee no", "Name", "Department", "First in", "Last out", "Worked", "Events", "Status"]


def _day_rows(report: Report) -> list[list[str]]:
    return [
        [
            r.day.isoformat(),
            str(r.person_id),
            r.employee_no,
            r.name,
            r.department,
            _clock(r.first_in),
            _clock(r.last_out),
            format_duration(r.worked),
            str(r.events),
            r.status,
        ]
        for r in report.days
    ]


_SUMMARY_HEADER = ["Id", "Employee no", "Name", "Department", "Days", "Worked", "Incomplete", "First", "Last"]


def _summary_rows(report: Report) -> list[list[str]]:
    return [
        [
            str(p.person_id),
            p.employee_no,
            p.name,
            p.department,
            str(p.days_present),
            format_duration(p.worked),
            str(p.incomplete_days),
            p.first_day.isoformat(),
            p.last_day.isoformat(),
        ]
        for p in report.people
    ]


_EVENT_HEADER = ["Time", "Kind", "Id", "Employee no", "Name", "Department", "Score", "Margin", "Camera", "Site",
                 "Desk", "Note"]


def _event_rows(report: Report) -> list[list[str]]:
    return [
        [
            report.local(e.time).strftime("%Y-%m-%d %H:%M:%S"),
            e.kind.value,
            "" if e.person_id is None else str(e.person_id),
            e.employee_no or "",
            e.name or "",
            e.department or "",
            "" if e.score is None else f"{e.score:.3f}",
            "" if e.margin is None else f"{e.margin:.3f}",
            e.camera,
            e.site,
            e.desk,
            e.note,
        ]
        for e in report.events
    ]
