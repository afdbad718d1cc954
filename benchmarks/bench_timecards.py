"""Day-status throughput, printed as JSON.

``person_days_per_s``: person-days evaluated against shifts (window, duplicates, breaks, grace, overtime)
by :func:`faceapp.attendance.schedule.person_days`, over synthetic punches of N people for D days;
``baseline_person_days_per_s``: the first-in/last-out day rows of :func:`faceapp.attendance.build_report`
on the same punches, measured in the same run (what a report cost before shifts existed).

Run: ``python benchmarks/bench_timecards.py [--people 200] [--days 366]``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from zoneinfo import ZoneInfo

from faceapp.attendance import build_report
from faceapp.attendance.daystatus import Punch
from faceapp.attendance.schedule import Assignment, Rules, days_between, person_days
from faceapp.attendance.shifts import Shift
from faceapp.records import Event, EventKind

ZONE = ZoneInfo("Europe/Berlin")


def synthetic(people: int, days: list[date], seed: int = 0) -> dict[int, list[Punch]]:
    rng = random.Random(seed)
    punches: dict[int, list[Punch]] = {}
    for person in range(1, people + 1):
        for day in days:
            if day.weekday() < 5 and rng.random() > 0.05:
                start = datetime.combine(day, clock(9), ZONE) + timedelta(minutes=rng.randrange(-20, 40))
                end = datetime.combine(day, clock(17), ZONE) + timedelta(minutes=rng.randrange(-30, 90))
                punches.setdefault(person, []).extend([Punch(start, "in"), Punch(end, "out")])
    return punches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--days", type=int, default=366)
    args = parser.parse_args()
    days = days_between(date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=args.days - 1))
    punches = synthetic(args.people, days)
    rules = Rules.of([Shift("Office", clock(9), clock(17), grace_late=5, break_minutes=60, overtime_unit=15)],
                     assignments=[Assignment("Office", date(2025, 1, 1), department="Ops")])
    t0 = time.perf_counter()
    count = sum(len(person_days(p, "Ops", days[0], days[-1], rules, punches.get(p, []), ZONE))
                for p in range(1, args.people + 1))
    shifts_s = time.perf_counter() - t0
    events = [Event(None, x.time.astimezone(timezone.utc), "Europe/Berlin",
                    EventKind.CHECK_IN if x.kind == "in" else EventKind.CHECK_OUT, p, f"P{p}", None, "Ops",
                    None, None, "bench") for p, xs in punches.items() for x in xs]
    t0 = time.perf_counter()
    report = build_report(events, ZONE)
    baseline_s = time.perf_counter() - t0
    print(json.dumps({"people": args.people, "days": args.days, "punches": len(events), "person_days": count,
                      "seconds": round(shifts_s, 3), "person_days_per_s": round(count / shifts_s),
                      "baseline_day_rows": len(report.days), "baseline_seconds": round(baseline_s, 3),
                      "baseline_person_days_per_s": round(len(report.days) / baseline_s)}))


if __name__ == "__main__":
    main()
