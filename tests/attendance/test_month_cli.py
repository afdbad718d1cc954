"""A month of synthetic punches for 20 people through ``faceapp events import``; the time cards'
figures are recomputed here independently from the generated ground truth (plain arithmetic on the
generated instants, not the library's functions), and the PDF/XLSX files are opened and checked."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from faceapp.cli import main
from faceapp.config import Paths
from faceapp.store.db import Database
from faceapp.store.people import People

ZONE = ZoneInfo("Europe/Berlin")
MARCH = [date(2026, 3, 1) + timedelta(days=i) for i in range(31)]
HOLIDAY = date(2026, 3, 6)  # a Friday
NIGHT_PERSON = "E020"


@dataclass
class Expected:
    status: str
    worked: int = 0
    late: int = 0
    early: int = 0
    overtime: int = 0
    punches: list[tuple[datetime, str]] = field(default_factory=list)


def floor15(minutes: int) -> int:
    return minutes // 15 * 15


def mins(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60


def office_day(rng: random.Random, day: date, no: str) -> Expected:
    """Office: 09:00-17:00 Mon-Fri, 60 min fixed break, grace 5/5, overtime from 30 min in 15-min steps."""
    if day.weekday() >= 5:
        if day.weekday() == 5 and rng.random() < 0.15:  # some Saturday work: rest-day overtime
            a = datetime.combine(day, time(10), ZONE)
            b = a + timedelta(minutes=rng.randrange(60, 241))
            return Expected("rest_day", mins(b - a), overtime=floor15(mins(b - a)), punches=[(a, "in"), (b, "out")])
        return Expected("rest_day")
    if day == HOLIDAY:
        return Expected("holiday")
    roll = rng.random()
    if roll < 0.05:
        return Expected("absent")
    a = datetime.combine(day, time(9), ZONE) + timedelta(minutes=rng.randrange(-15, 41))
    late = mins(a - datetime.combine(day, time(9), ZONE))
    late = late if late > 5 else 0
    if roll < 0.10:
        return Expected("missing_punch", late=late, punches=[(a, "in")])
    b = datetime.combine(day, time(17), ZONE) + timedelta(minutes=rng.randrange(-40, 101))
    span = mins(b - a)
    early = mins(datetime.combine(day, time(17), ZONE) - b)
    early = early if early > 5 else 0
    extra = mins(b - datetime.combine(day, time(17), ZONE))
    status = {(True, True): "late_and_early", (True, False): "late", (False, True): "early_leave"}.get(
        (late > 0, early > 0), "present")
    kinds = ("auto", "auto") if no in ("E005", "E006") else ("in", "out")
    punches = [(a, kinds[0]), (b, kinds[1])]
    if roll > 0.9:  # a second scan of the same face 20 s later
        punches.append((a + timedelta(seconds=20), kinds[0]))
    return Expected(status, span - 60 if span > 240 else span, late, early,
                    floor15(extra) if extra >= 30 else 0, punches)


def night_day(rng: random.Random, day: date) -> Expected:
    """Night: 22:00-06:00 every day, 30 min fixed break; the night belongs to the day it starts."""
    if day == HOLIDAY:
        return Expected("holiday")
    a = datetime.combine(day, time(22), ZONE) + timedelta(minutes=rng.randrange(-10, 4))
    b = datetime.combine(day + timedelta(days=1), time(6), ZONE) + timedelta(minutes=rng.randrange(0, 10))
    real = mins(b.astimezone(timezone.utc) - a.astimezone(timezone.utc))  # 1 h shorter across the DST change
    late = max(mins(a - datetime.combine(day, time(22), ZONE)), 0)  # no grace
    overtime = mins(b - datetime.combine(day + timedelta(days=1), time(6), ZONE))  # no threshold, 1-min unit
    return Expected("late" if late else "present", real - 30, late, 0, overtime, [(a, "in"), (b, "out")])


def run_cli(*args: str) -> None:
    assert main(list(args)) == 0, args


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("month") / "home"
    paths = Paths.resolve(home).ensure()
    with Database.open(paths) as db:
        people = People(db)
        for i in range(1, 21):
            people.add(f"Person {i:02d}" if i != 7 else "张伟", employee_no=f"E{i:03d}",
                       department="Ops" if i <= 12 else "Lab")
    base = ["--basedir", str(home)]
    run_cli("shift", "add", "Office", "--start", "09:00", "--end", "17:00", "--grace-late", "5", "--grace-early",
            "5", "--break", "60", "--days", "mon-fri", "--overtime-after", "30", "--overtime-unit", "15", *base)
    run_cli("shift", "add", "Night", "--start", "22:00", "--end", "06:00", "--break", "30", "--days", "all", *base)
    run_cli("shift", "assign", "--department", "Ops", "Office", "--from", "2026-01-01", *base)
    run_cli("shift", "assign", "--department", "Lab", "Office", "--from", "2026-01-01", *base)
    run_cli("shift", "assign", NIGHT_PERSON, "Night", "--from", "2026-03-01", "--until", "2026-03-31", *base)
    run_cli("holiday", "add", HOLIDAY.isoformat(), "Founders' day", *base)
    rng = random.Random(13)
    truth: dict[tuple[str, date], Expected] = {}
    lines = ["person,time,kind"]
    for i in range(1, 21):
        no = f"E{i:03d}"
        for day in MARCH:
            e = night_day(rng, day) if no == NIGHT_PERSON else office_day(rng, day, no)
            truth[(no, day)] = e
            for moment, kind in e.punches:
                who = "张伟" if no == "E007" else no
                text = moment.isoformat() if i % 2 else moment.replace(tzinfo=None).isoformat()  # with/without offset
                lines.append(f"{who},{text},{kind}")
    # Leave: a full day for E003 and an afternoon's work with half a day's leave for E004.
    run_cli("leave", "add", "E003", "2026-03-10", "--kind", "sick", *base)
    run_cli("leave", "add", "E004", "2026-03-11", "--half", *base)
    truth[("E003", date(2026, 3, 10))] = Expected("on_leave")
    lines = [ln for ln in lines if not (ln.startswith("E003,2026-03-10") or ln.startswith("E004,2026-03-11"))]
    a = datetime.combine(date(2026, 3, 11), time(13), ZONE)
    lines += [f"E004,{a.isoformat()},in", f"E004,{(a + timedelta(hours=4)).isoformat()},out"]
    truth[("E004", date(2026, 3, 11))] = Expected("on_leave", 240)
    lines += ["nobody,2026-03-02T09:00:00,in", "E001,not-a-time,in", "E001,2026-03-02T09:00:00,sideways"]
    csv_path = home.parent / "punches.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"home": home, "base": base, "truth": truth, "csv": csv_path, "lines": len(lines) - 4}


def test_import_is_idempotent_and_reports_rejected_lines(month: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "import", str(month["csv"]), "--zone", "Europe/Berlin", "--json", *month["base"]]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["added"] == month["lines"] and first["existing"] == 0
    assert [r["line"] for r in first["rejected"]] == [month["lines"] + 2, month["lines"] + 3, month["lines"] + 4]
    assert "nobody" in first["rejected"][0]["reason"] and "ISO 8601" in first["rejected"][1]["reason"]
    assert main(["events", "import", str(month["csv"]), "--zone", "Europe/Berlin", "--json", *month["base"]]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["added"], second["existing"]) == (0, month["lines"])
    bad = month["csv"].with_name("bad.csv")
    bad.write_text("person,time,kind\nnobody,2026-03-02T09:00:00,in\n", encoding="utf-8")
    assert main(["events", "import", str(bad), "--json", *month["base"]]) == 1  # nothing usable: a failure


def test_time_cards_match_an_independent_recomputation(month: dict, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    main(["events", "import", str(month["csv"]), "--zone", "Europe/Berlin", *month["base"]])  # no-op if imported
    capsys.readouterr()
    run_cli("report", "--kind", "timecard", "--from", "2026-03-01", "--to", "2026-03-31", "--zone", "Europe/Berlin",
            "--json", *month["base"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 20 * 31
    mismatches = []
    for row in rows:
        e = month["truth"][(row["employee_no"], date.fromisoformat(row["date"]))]
        got = (row["status"], row["worked_minutes"], row["late_minutes"], row["early_minutes"], row["overtime_minutes"])
        if got != (e.status, e.worked, e.late, e.early, e.overtime):
            mismatches.append((row["employee_no"], row["date"], got, e))
    assert mismatches == []
    statuses = {r["status"] for r in rows}
    assert statuses >= {"present", "late", "early_leave", "late_and_early", "absent", "missing_punch", "on_leave",
                        "holiday", "rest_day"}


def test_timecard_pdf_and_xlsx_and_summary_totals(month: dict, tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    main(["events", "import", str(month["csv"]), "--zone", "Europe/Berlin", *month["base"]])
    span = ["--from", "2026-03-01", "--to", "2026-03-31", "--zone", "Europe/Berlin", *month["base"]]
    pdf, xlsx, summary = tmp_path / "cards.pdf", tmp_path / "cards.xlsx", tmp_path / "summary.xlsx"
    run_cli("report", "--kind", "timecard", "--out", str(pdf), "--language", "zh_CN", *span)
    run_cli("report", "--kind", "timecard", "--out", str(xlsx), *span)
    run_cli("report", "--kind", "summary", "--out", str(summary), *span)
    reader = PdfReader(pdf)
    assert len(reader.pages) == 20  # one page per person
    pages = [page.extract_text() for page in reader.pages]
    assert sum("E007" in text for text in pages) == 1
    text = next(text for text in pages if "E007" in text)
    assert "张伟" in text and "月度考勤卡" in text and "员工签名" in text and "主管签名" in text
    book = load_workbook(xlsx)
    assert len(book.sheetnames) == 20 and book.sheetnames[:2] == ["E013", "E014"]  # by department, then name
    sheet = load_workbook(summary).active
    header = [c.value for c in sheet[2]]
    worked_col = header.index("Worked (minutes)")
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1]}
    truth = month["truth"]
    for no, row in rows.items():
        assert row[worked_col] == sum(e.worked for (n, _), e in truth.items() if n == no), no
    grand = list(sheet.iter_rows(values_only=True))[-1]
    assert grand[0] == "Totals" and grand[worked_col] == sum(e.worked for e in truth.values())
    late_col = header.index("Late (minutes)") if "Late (minutes)" in header else header.index("Times late") + 1
    assert grand[late_col] == sum(e.late for e in truth.values())
