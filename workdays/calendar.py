"""Working-day arithmetic on the official Chinese calendar (DOMAIN.md §7).

A day is a working day when it is Monday–Friday and not a holiday, or a weekend make-up
day (调休上班). The exceptions come from the database (``CalendarDay``), one year at a time;
a year without a complete ``CalendarYear`` row raises ``CalendarYearMissing`` — an unknown
year is never treated as "weekends only".

Each year's exceptions are loaded once and cached in-process. Model signals clear the cache
in the process that edits the calendar; other processes (web workers, the timer worker)
reload after ``CACHE_TTL`` seconds. Missing years are not cached, so a year an administrator
has just added is picked up everywhere on the next call.
"""

import datetime as dt
import operator
import threading
import time
from zoneinfo import ZoneInfo

from django.utils.translation import gettext

__all__ = [
    "CalendarYearMissing",
    "SHANGHAI",
    "add_working_days",
    "clear_cache",
    "deadline_at",
    "deadline_iso",
    "is_working_day",
    "is_year_known",
    "working_days_between",
    "working_period_end",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
CACHE_TTL = 300.0
ONE_DAY = dt.timedelta(days=1)


class CalendarYearMissing(ValueError):
    """The calendar has no (complete) official schedule for ``year``."""

    def __init__(self, year, *, incomplete=False):
        self.year = year
        self.incomplete = incomplete
        if incomplete:
            message = gettext(
                "%(year)s年的节假日安排在工作日历中尚未标记为“已完整录入”，无法计算工作日。"
                "请系统管理员在“管理后台 → 工作日历”中核对该年的放假和调休安排，并勾选“已完整录入”。"
            )
        else:
            message = gettext(
                "%(year)s年的节假日安排尚未录入工作日历，无法计算工作日。"
                "请系统管理员在“管理后台 → 工作日历”中录入该年的放假和调休安排"
                "（国务院办公厅通知通常于前一年11—12月发布）。"
            )
        super().__init__(message % {"year": year})


# year -> (loaded_at, holidays, make-up workdays)
_cache = {}
_lock = threading.Lock()
_generation = 0


def clear_cache():
    """Forget every cached year (called by the model signals; tests may call it too)."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


def _exceptions(year):
    now = time.monotonic()
    entry = _cache.get(year)
    if entry is not None and now - entry[0] < CACHE_TTL:
        return entry[1], entry[2]

    from .models import CalendarDay, CalendarYear, DayKind

    generation = _generation
    row = CalendarYear.objects.filter(year=year).values_list("complete", flat=True).first()
    if not row:
        raise CalendarYearMissing(year, incomplete=row is False)
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.filter(date__year=year).values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    with _lock:
        # An edit that arrived while we were reading makes this result stale: don't keep it.
        if generation == _generation:
            _cache[year] = (now, holidays, workdays)
    return holidays, workdays


def _as_date(value):
    if isinstance(value, dt.datetime):
        # An aware datetime means the calendar day in China, whatever zone it was given in.
        if value.tzinfo is not None:
            value = value.astimezone(SHANGHAI)
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected datetime.date, got {type(value).__name__}")


def is_year_known(year):
    """True if working days can be computed for ``year``."""
    try:
        _exceptions(year)
    except CalendarYearMissing:
        return False
    return True


def is_working_day(day):
    day = _as_date(day)
    holidays, workdays = _exceptions(day.year)
    if day in holidays:
        return False
    if day in workdays:
        return True
    return day.weekday() < 5


def working_period_end(start, n):
    """Last day of a period of ``n`` working days beginning on ``start``.

    DOMAIN.md §7: ``start`` is day 1 if it is a working day; otherwise counting begins at the
    next working day. ``n`` must be at least 1.
    """
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"a period needs at least one working day, got {n}")
    day = _as_date(start)
    while True:
        if is_working_day(day):
            n -= 1
            if n == 0:
                return day
        day += ONE_DAY


def add_working_days(start, n):
    """The ``n``-th working day strictly after ``start`` (before it if ``n`` < 0); ``start`` if 0."""
    n = operator.index(n)
    day = _as_date(start)
    step = ONE_DAY if n > 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a, b):
    """Number of working days in (a, b] — the inverse of ``add_working_days``; negative if b < a."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += ONE_DAY
        count += is_working_day(day)
    return count


def deadline_at(start, n):
    """Aware datetime at 24:00 Asia/Shanghai (next day 00:00) of ``working_period_end(start, n)``."""
    end = working_period_end(start, n)
    return dt.datetime.combine(end + ONE_DAY, dt.time(0), tzinfo=SHANGHAI)


def deadline_iso(start, n):
    """``deadline_at`` as an ISO 8601 string with offset, e.g. ``2026-10-11T00:00:00+08:00``."""
    return deadline_at(start, n).isoformat()
