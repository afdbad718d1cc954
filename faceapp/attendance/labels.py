"""Words of the attendance reports in English and Simplified Chinese (reports are written without Qt)."""

from __future__ import annotations

from faceapp.errors import ConfigError

LANGUAGES = ("en", "zh_CN")

_TEXT: dict[str, tuple[str, str]] = {
    "timecard": ("Monthly time card", "月度考勤卡"),
    "summary": ("Department summary", "部门考勤汇总"),
    "daily": ("Daily attendance", "每日考勤"),
    "exceptions": ("Attendance exceptions", "考勤异常"),
    "period": ("Period", "期间"),
    "zone": ("Time zone", "时区"),
    "generated": ("Generated", "生成时间"),
    "site": ("Site", "站点"),
    "desk": ("Desk", "考勤台"),
    "person": ("Name", "姓名"),
    "employee_no": ("Employee no.", "工号"),
    "department": ("Department", "部门"),
    "date": ("Date", "日期"),
    "weekday": ("Day", "星期"),
    "shift": ("Shift", "班次"),
    "first_in": ("In", "签到"),
    "last_out": ("Out", "签退"),
    "worked": ("Worked", "工作时长"),
    "late": ("Late", "迟到"),
    "early": ("Early leave", "早退"),
    "overtime": ("Overtime", "加班"),
    "status": ("Status", "状态"),
    "workdays": ("Workdays", "应出勤天数"),
    "attended": ("Attended", "实出勤天数"),
    "late_count": ("Times late", "迟到次数"),
    "late_minutes": ("Late (minutes)", "迟到(分钟)"),
    "early_minutes": ("Early leave (minutes)", "早退(分钟)"),
    "worked_minutes": ("Worked", "工作时长"),
    "early_count": ("Times early", "早退次数"),
    "absent_days": ("Absent days", "旷工天数"),
    "leave_days": ("Leave days", "请假天数"),
    "missing_punches": ("Missing punches", "缺卡次数"),
    "holidays": ("Holidays", "节假日"),
    "rest_days": ("Rest days", "休息日"),
    "overtime_normal": ("Overtime (workday)", "工作日加班"),
    "overtime_rest_day": ("Overtime (rest day)", "休息日加班"),
    "overtime_holiday": ("Overtime (holiday)", "节假日加班"),
    "overtime_weighted": ("Overtime × rate", "加班(折算)"),
    "totals": ("Totals", "合计"),
    "minutes": ("minutes", "分钟"),
    "hours": ("h:mm", "时:分"),
    "sign_employee": ("Employee signature", "员工签名"),
    "sign_manager": ("Manager signature", "主管签名"),
    "sign_date": ("Date", "日期"),
    "page": ("page", "页"),
    "present": ("Present", "正常"),
    "late_status": ("Late", "迟到"),
    "early_leave": ("Early leave", "早退"),
    "late_and_early": ("Late and early", "迟到且早退"),
    "half_day": ("Half day", "半天"),
    "absent": ("Absent", "旷工"),
    "on_leave": ("On leave", "请假"),
    "holiday": ("Holiday", "节假日"),
    "rest_day": ("Rest day", "休息"),
    "missing_punch": ("Missing punch", "缺卡"),
    "pending": ("Pending", "未结束"),
    "none": ("(none)", "(无)"),
}
_WEEKDAYS = (("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), ("一", "二", "三", "四", "五", "六", "日"))


class Labels:
    """``labels["worked"]`` in the chosen language."""

    def __init__(self, language: str = "en") -> None:
        if language not in LANGUAGES:
            raise ConfigError(f"report language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        self.language = language
        self._index = LANGUAGES.index(language)

    def __getitem__(self, key: str) -> str:
        return _TEXT[key][self._index]

    def status(self, value: str) -> str:
        """A day status (``late``, ``on_leave``...) in words."""
        return self["late_status" if value == "late" else value]

    def weekday(self, number: int) -> str:
        return _WEEKDAYS[self._index][number]
