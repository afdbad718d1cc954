"""Monthly time cards: one A4 PDF page, or one worksheet, per person, with totals and signature lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from faceapp.attendance.hr_reports import _DAY_KEYS, ReportSpec, day_cells
from faceapp.attendance.reports import cjk_font_path
from faceapp.attendance.timecard import PersonDay, Totals, hours, totals

FONT = "cjk"
_HEAD = FontFace(emphasis="", fill_color=(225, 229, 235))
_WIDTHS = (21, 10, 18, 13, 13, 16, 14, 16, 22, 41)


class _CardPDF(FPDF):
    """FPDF with the report's heading and a page footer."""

    footer_text = ""

    def heading(self, title: str, spec: ReportSpec) -> None:
        words = spec.labels
        self.set_font(FONT, size=15)
        self.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=8.5)
        generated = (spec.generated or datetime.now(timezone.utc)).astimezone(timezone.utc)
        self.cell(0, 4.5, f"{words['period']}: {spec.start} - {spec.end}    {words['zone']}: {spec.zone}    "
                          f"{words['generated']}: {generated:%Y-%m-%d %H:%M} UTC", new_x="LMARGIN", new_y="NEXT")
        if spec.where():  # counted only one site's or desk's punches
            self.cell(0, 4.5, spec.where(), new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(110)
        self.cell(0, 5, f"faceapp - {self.footer_text} - {self.page_no()}/{{nb}}", align="C")


def new_pdf(spec: ReportSpec, title: str) -> _CardPDF:
    """An A4 PDF with the CJK font registered."""
    pdf = _CardPDF(orientation="P", unit="mm", format="A4")
    pdf.footer_text = title
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FONT, "", str(cjk_font_path()), collection_font_number=0)
    pdf.set_title(f"{title} {spec.start} - {spec.end}")
    pdf.set_creator("faceapp")
    if spec.generated is not None:
        pdf.set_creation_date(spec.generated)
    return pdf


def table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
          size: float = 7.5) -> None:
    """A bordered table with a shaded header."""
    pdf.set_font(FONT, size=size)
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", text_align="LEFT", headings_style=_HEAD,
                   line_height=4.6, repeat_headings=1) as grid:
        for values in [list(header), *rows]:
            row = grid.row()
            for value in values:
                row.cell(str(value))


def _totals_lines(t: Totals, spec: ReportSpec) -> list[str]:
    w = spec.labels
    return [
        f"{w['workdays']}: {t.workdays}   {w['attended']}: {t.attended}   {w['absent_days']}: {t.absent_days:g}   "
        f"{w['leave_days']}: {t.leave_days:g}   {w['holidays']}: {t.holidays}   {w['rest_days']}: {t.rest_days}",
        f"{w['worked']}: {hours(t.worked_minutes)}   {w['late_count']}: {t.late_count} ({hours(t.late_minutes)})   "
        f"{w['early_count']}: {t.early_count} ({hours(t.early_minutes)})   {w['missing_punches']}: {t.missing_punches}",
        f"{w['overtime_normal']}: {hours(t.overtime_normal)}   {w['overtime_rest_day']}: {hours(t.overtime_rest_day)}"
        f"   {w['overtime_holiday']}: {hours(t.overtime_holiday)}   {w['overtime_weighted']}: "
        f"{hours(t.overtime_weighted)}",
    ]


def _by_person(days: Sequence[PersonDay]) -> list[list[PersonDay]]:
    return [list(group) for _, group in groupby(days, key=lambda d: d.person_id)]


def write_pdf(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    """One page per person: heading, the days, the totals, two signature lines."""
    words = spec.labels
    pdf = new_pdf(spec, words["timecard"])
    for person_days in _by_person(days) or [[]]:
        pdf.add_page()
        pdf.heading(words["timecard"], spec)
        if not person_days:
            pdf.cell(0, 6, words["none"])
            continue
        first = person_days[0]
        pdf.set_font(FONT, size=10)
        pdf.cell(0, 6, f"{words['person']}: {first.name}    {words['employee_no']}: {first.employee_no or '-'}    "
                       f"{words['department']}: {first.department or '-'}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        table(pdf, [words[k] for k in _DAY_KEYS], [day_cells(d, spec) for d in person_days], _WIDTHS)
        pdf.ln(2)
        pdf.set_font(FONT, size=8.5)
        for line in _totals_lines(totals(person_days)[0], spec):
            pdf.cell(0, 4.8, line, new_x="LMARGIN", new_y="NEXT")
        _signatures(pdf, spec)
    pdf.output(str(path))


def _signatures(pdf: FPDF, spec: ReportSpec) -> None:
    words = spec.labels
    pdf.ln(8)
    pdf.set_font(FONT, size=9)
    y = pdf.get_y()
    for x, who in ((12, words["sign_employee"]), (110, words["sign_manager"])):
        pdf.set_xy(x, y)
        pdf.cell(0, 5, f"{who}:")
        pdf.line(x, y + 12, x + 60, y + 12)
        pdf.set_xy(x, y + 13)
        pdf.cell(0, 5, f"{words['sign_date']}: ______________")


def write_xlsx(days: Sequence[PersonDay], spec: ReportSpec, path: Path) -> None:
    """One worksheet per person (named after employee number or name) with the same content as the PDF."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    words = spec.labels
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for person_days in _by_person(days):
        first = person_days[0]
        title = _sheet_title(first.employee_no or first.name, used)
        sheet = book.create_sheet(title)
        sheet.append([words["timecard"], f"{spec.start} - {spec.end}", spec.zone, *filter(None, [spec.where()])])
        sheet.append([words["person"], first.name, words["employee_no"], first.employee_no,
                      words["department"], first.department])
        sheet.append([])
        sheet.append([*(words[k] for k in _DAY_KEYS), f"{words['worked']} ({words['minutes']})",
                      f"{words['overtime']} ({words['minutes']})"])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for day in person_days:
            sheet.append([*day_cells(day, spec), day.result.worked_minutes, day.result.overtime_minutes])
        sheet.append([])
        t = totals(person_days)[0]
        for line in _totals_lines(t, spec):
            sheet.append([line])
        sheet.append([words["worked"], t.worked_minutes, words["overtime_weighted"], t.overtime_weighted])
        sheet.append([])
        sheet.append([f"{words['sign_employee']}: ____________", "", "", f"{words['sign_manager']}: ____________"])
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["J"].width = 22
    if not book.worksheets:
        book.create_sheet(words["timecard"][:31]).append([words["none"]])
    book.save(path)


def _sheet_title(text: str, used: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" else c for c in text)[:28] or "person"
    title, n = base, 2
    while title.casefold() in used:
        title, n = f"{base[:25]}-{n}", n + 1
    used.add(title.casefold())
    return title
