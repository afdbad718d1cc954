"""Report files: CSV (BOM, sections), XLSX (typed cells, layout) and PDF (embedded CJK font)."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from pypdf import PdfReader

from faceapp.attendance import Report, ReportQuery, build_report, write_report
from faceapp.attendance.report_csv import read_csv_sections
from faceapp.records import Event, EventKind

ZONE = "Asia/Shanghai"  # UTC+8: 01:00 UTC is 09:00 local
UTC = timezone.utc
IN, OUT = EventKind.CHECK_IN, EventKind.CHECK_OUT


def ev(day: int, hour: float, kind: EventKind, person: int | None, name: str | None, dept: str | None) -> Event:
    moment = datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)
    number = None if person is None else f"E{person:03d}"
    return Event(None, moment, ZONE, kind, person, name, number, dept, 0.8125, 0.25, "gate-1", note="")


@pytest.fixture()
def report() -> Report:
    events = [
        ev(10, 1, IN, 1, "张伟", "研发部"),
        ev(10, 4, OUT, 1, "张伟", "研发部"),
        ev(10, 5, IN, 1, "张伟", "研发部"),
        ev(10, 10, OUT, 1, "张伟", "研发部"),
        ev(11, 1.5, IN, 1, "张伟", "研发部"),  # no out
        ev(10, 0.5, IN, 2, "=HYPERLINK(1)", "Sales"),
        ev(10, 9.25, OUT, 2, "=HYPERLINK(1)", "Sales"),
        ev(10, 2, EventKind.UNKNOWN, None, None, None),
    ]
    query = ReportQuery(start=date(2026, 3, 1), end=date(2026, 3, 31))
    return build_report(events, ZONE, query, generated=datetime(2026, 4, 1, 2, tzinfo=UTC))


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_has_a_bom_and_three_readable_sections(report: Report, tmp_path: Path) -> None:
    path = write_report(report, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "张伟".encode() in raw
    sections = read_csv_sections(path)
    assert set(sections) == {"days", "summary", "events"}
    days = sections["days"]
    zhang = [r for r in days if r["person_id"] == "1"]
    assert [(r["date"], r["first_in"], r["last_out"], r["worked"], r["status"]) for r in zhang] == [
        ("2026-03-10", "09:00:00", "18:00:00", "8:00:00", "ok"),
        ("2026-03-11", "09:30:00", "", "0:00:00", "missing out"),
    ]
    assert zhang[0]["name"] == "张伟" and zhang[0]["department"] == "研发部"
    summary = {r["person_id"]: r for r in sections["summary"]}
    assert (summary["1"]["days_present"], summary["1"]["worked_hours"]) == ("2", "8.00")
    assert summary["2"]["worked"] == "8:45:00"
    assert summary["2"]["name"] == "'=HYPERLINK(1)"  # would run as a formula in Excel otherwise
    events = sections["events"]
    assert len(events) == 8
    assert events[0]["local_time"] == "2026-03-10 08:30:00"
    assert events[0]["utc_time"] == "2026-03-10T00:30:00+00:00"
    assert [e["kind"] for e in events].count("unknown") == 1


# --- XLSX -----------------------------------------------------------------------------------------


def test_xlsx_cells_are_typed(report: Report, tmp_path: Path) -> None:
    book = load_workbook(write_report(report, tmp_path / "r.xlsx"))
    assert book.sheetnames == ["Days", "Summary", "Events"]
    days = book["Days"]
    header = [c.value for c in days[1]]
    assert header[5] == f"First in ({ZONE})"
    rows = list(days.iter_rows(min_row=2))
    zhang = next(r for r in rows if r[1].value == 1)
    assert zhang[0].value == datetime(2026, 3, 10) and zhang[0].is_date  # a real date
    assert zhang[5].value == time(9, 0) and zhang[6].value == time(18, 0)  # real times
    assert zhang[7].value == timedelta(hours=8)  # a real duration
    assert zhang[7].number_format == "[h]:mm:ss"
    assert isinstance(zhang[8].value, int) and zhang[8].value == 4
    assert zhang[3].value == "张伟"
    open_day = next(r for r in rows if r[1].value == 1 and r[0].value == datetime(2026, 3, 11))
    assert open_day[6].value is None and open_day[9].value == "missing out"


def test_xlsx_summary_and_events(report: Report, tmp_path: Path) -> None:
    book = load_workbook(write_report(report, tmp_path / "r.xlsx"))
    summary = {r[0].value: r for r in book["Summary"].iter_rows(min_row=2)}
    assert summary[1][5].value == timedelta(hours=8)
    assert summary[2][5].value == timedelta(hours=8, minutes=45)
    assert summary[1][7].value == datetime(2026, 3, 10) and summary[1][7].number_format == "yyyy-mm-dd"
    events = list(book["Events"].iter_rows(min_row=2))
    assert len(events) == 8
    first = events[0]
    assert first[0].value == datetime(2026, 3, 10, 8, 30) and first[1].value == datetime(2026, 3, 10, 0, 30)
    assert isinstance(first[7].value, float) and first[7].number_format == "0.000"


def test_xlsx_layout(report: Report, tmp_path: Path) -> None:
    book = load_workbook(write_report(report, tmp_path / "r.xlsx"))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(c.font.bold for c in sheet[1])
    days = book["Days"]
    widths = {c: days.column_dimensions[c].width for c in "ABDF"}
    assert widths["A"] >= len("2026-03-10")
    assert widths["F"] >= len(f"First in ({ZONE})")
    assert widths["D"] >= len("=HYPERLINK(1)")


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_embeds_a_subset_cjk_font_and_keeps_text_extractable(report: Report, tmp_path: Path) -> None:
    path = write_report(report, tmp_path / "r.pdf")
    assert path.stat().st_size < 200_000  # a subset: the whole font is 5 MB
    reader = PdfReader(path)
    text = reader.pages[0].extract_text()
    for expected in ("张伟", "研发部", "Asia/Shanghai", "missing out", "8:00:00"):
        assert expected in text
    font = _embedded_font(reader)
    names = font["name"].getDebugName(4) or ""
    assert "WenQuanYi" in names or "MicroHei" in names.replace(" ", "")
    cmap = font.getBestCmap()
    glyphs = font.getGlyphSet()
    for char in "张伟研":
        pen = BoundsPen(glyphs)
        glyphs[cmap[ord(char)]].draw(pen)  # composite glyphs resolve through their components
        assert pen.bounds is not None
        x0, y0, x1, y1 = pen.bounds
        assert (x1 - x0) > 100 and (y1 - y0) > 100  # a real outline, not an empty box


def _embedded_font(reader: PdfReader) -> TTFont:
    page: Any = reader.pages[0]  # pypdf's objects are loosely typed
    fonts = page["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        if font["/Subtype"] == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            return TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
    raise AssertionError("no embedded Type0 (CID) font on page 1")


def test_pdf_of_an_empty_report(tmp_path: Path) -> None:
    empty = build_report([], "UTC", generated=datetime(2026, 4, 1, tzinfo=UTC))
    reader = PdfReader(write_report(empty, tmp_path / "empty.pdf"))
    text = reader.pages[0].extract_text()
    assert "Days (0)" in text and "(none)" in text
