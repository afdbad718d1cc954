"""Attendance: the desk's rules (consensus, cooldown, in/out, unknown faces) and the reports.

Qt-free and torch-free. The desk returns decisions and the reports return plain rows; storing
events and choosing files is the caller's business.
"""

from faceapp.attendance.desk import Decision, Desk, Observation
from faceapp.attendance.reports import (
    FORMATS,
    DayRow,
    PersonSummary,
    Report,
    ReportQuery,
    build_report,
    cjk_font_path,
    fonts_dir,
    format_duration,
    write_report,
)
from faceapp.attendance.rules import DeskRules, InOutMode, zone_info

__all__ = [
    "FORMATS",
    "DayRow",
    "Decision",
    "Desk",
    "DeskRules",
    "InOutMode",
    "Observation",
    "PersonSummary",
    "Report",
    "ReportQuery",
    "build_report",
    "cjk_font_path",
    "fonts_dir",
    "format_duration",
    "write_report",
    "zone_info",
]
