"""Working-day arithmetic at its edges, on a year the tests write themselves (issue 12 "Tests
that bite"; DOMAIN.md §7 "Working-day calendar" and §6 "Period counted in working days").

2030 is beyond the chinesecalendar package, so its schedule here is only what these tests put
in the database: Tuesday 1 October 2030 to Friday 4 October are holidays, Saturday 28
September and Saturday 12 October are make-up working days (调休上班).
"""

import datetime as dt

import pytest

from workdays import calendar
from workdays.calendar import (
    CalendarYearMissing,
    add_working_days,
    deadline_at,
    deadline_iso,
    is_working_day,
    is_year_known,
    working_days_between,
    working_period_end,
)
from workdays.models import CalendarDay, CalendarYear, DayKind

pytestmark = pytest.mark.django_db
D = dt.date
HOLIDAYS = [D(2030, 10, 1), D(2030, 10, 2), D(2030, 10, 3), D(2030, 10, 4)]
MAKE_UP = [D(2030, 9, 28), D(2030, 10, 12)]


@pytest.fixture(autouse=True)
def year_2030():
    calendar.clear_cache()
    CalendarYear.objects.create(year=2030, complete=True)
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=DayKind.HOLIDAY) for d in HOLIDAYS] + [CalendarDay(date=d, kind=DayKind.WORKDAY) for d in MAKE_UP]
    )
    yield
    calendar.clear_cache()


def test_each_kind_of_day():
    """DOMAIN.md §7: weekends, public holidays and make-up working days (调休) on weekends."""
    assert [is_working_day(D(2030, 9, d)) for d in range(23, 30)] == [
        True,
        True,
        True,
        True,
        True,
        True,
        False,
    ]  # Mon … Sun; Sat 28 made up
    assert [is_working_day(d) for d in HOLIDAYS] == [False] * 4
    assert is_working_day(D(2030, 10, 5)) is False and is_working_day(D(2030, 10, 6)) is False  # plain weekend
    assert is_working_day(D(2030, 10, 7)) is True  # Monday after the holidays
    assert is_working_day(D(2030, 10, 12)) is True and is_working_day(D(2030, 10, 13)) is False
    assert is_working_day(D(2030, 10, 11)) is True  # a Friday


def test_a_period_starts_on_its_first_working_day():
    """DOMAIN.md §7 "the notice starts on the day it is published if that is a working day, and ends
    at 24:00 of the N-th working day counted from the start day"."""
    assert working_period_end(D(2030, 9, 27), 1) == D(2030, 9, 27)  # Friday: day 1 is the start day
    assert working_period_end(D(2030, 9, 27), 2) == D(2030, 9, 28)  # the make-up Saturday counts
    assert working_period_end(D(2030, 9, 29), 1) == D(2030, 9, 30)  # a Sunday start counts from Monday
    assert working_period_end(D(2030, 9, 30), 2) == D(2030, 10, 7)  # across the holidays and the weekend
    assert working_period_end(D(2030, 9, 30), 5) == D(2030, 10, 10)
    for n in (0, -1):
        with pytest.raises(ValueError, match="at least one working day"):
            working_period_end(D(2030, 9, 30), n)


def test_deadline_is_midnight_after_the_last_day():
    """DOMAIN.md §7: "ends at 24:00 of the N-th working day" — 00:00 Asia/Shanghai of the next day."""
    deadline = deadline_at(D(2030, 9, 30), 2)
    assert deadline == dt.datetime(2030, 10, 8, 0, 0, tzinfo=calendar.SHANGHAI)
    assert deadline_iso(D(2030, 9, 30), 2) == "2030-10-08T00:00:00+08:00"


def test_adding_working_days_both_ways():
    """DOMAIN.md §6/§7: counting in working days skips holidays and weekends, forwards and backwards."""
    assert add_working_days(D(2030, 9, 30), 0) == D(2030, 9, 30)
    assert add_working_days(D(2030, 9, 30), 1) == D(2030, 10, 7)
    assert add_working_days(D(2030, 9, 30), 3) == D(2030, 10, 9)
    assert add_working_days(D(2030, 10, 7), -1) == D(2030, 9, 30)
    assert add_working_days(D(2030, 10, 7), -2) == D(2030, 9, 28)  # the make-up Saturday
    assert add_working_days(D(2030, 10, 6), -1) == D(2030, 9, 30)
    assert add_working_days(D(2030, 10, 11), 1) == D(2030, 10, 12)


def test_working_days_between_counts_the_half_open_interval():
    """DOMAIN.md §7: the working days in (a, b]; negative when b is before a; zero for the same day."""
    assert working_days_between(D(2030, 9, 30), D(2030, 10, 7)) == 1
    assert working_days_between(D(2030, 9, 27), D(2030, 10, 7)) == 3
    assert working_days_between(D(2030, 10, 7), D(2030, 9, 27)) == -3
    assert working_days_between(D(2030, 10, 7), D(2030, 10, 7)) == 0
    assert working_days_between(D(2030, 10, 6), D(2030, 10, 7)) == 1
    assert working_days_between(D(2030, 10, 1), D(2030, 10, 6)) == 0


def test_datetimes_are_read_as_the_day_in_china():
    """DOMAIN.md §7 (the Chinese official calendar): an aware datetime counts as its calendar day in
    Asia/Shanghai; a naive one as its own date; anything else is refused."""
    late_utc = dt.datetime(2030, 9, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 October in China: a holiday
    assert is_working_day(late_utc) is False
    assert is_working_day(dt.datetime(2030, 9, 30, 17, 0)) is True  # naive: 30 September
    assert working_period_end(late_utc, 1) == D(2030, 10, 7)
    with pytest.raises(TypeError, match="expected datetime.date, got str"):
        is_working_day("2030-09-30")


def test_unknown_and_incomplete_years_are_refused_by_name():
    """DOMAIN.md §7 "when a deadline falls in a year with no data, refuse with a clear message naming
    the year — never silently count holidays as working days"; an incomplete year likewise."""
    assert CalendarYearMissing(2031).incomplete is False and "2031年的节假日安排尚未录入" in str(CalendarYearMissing(2031))
    assert is_year_known(2030) is True
    assert is_year_known(2031) is False
    with pytest.raises(CalendarYearMissing) as missing:
        is_working_day(D(2031, 1, 6))
    assert missing.value.year == 2031 and missing.value.incomplete is False and "2031年的节假日安排尚未录入" in str(missing.value)
    CalendarYear.objects.create(year=2032, complete=False)
    with pytest.raises(CalendarYearMissing) as incomplete:
        add_working_days(D(2031, 12, 31), 1)  # the start day is not looked up, the next one is
    assert incomplete.value.year == 2032
    with pytest.raises(CalendarYearMissing) as incomplete:
        is_working_day(D(2032, 3, 1))
    assert incomplete.value.incomplete is True and "2032年" in str(incomplete.value) and "已完整录入" in str(incomplete.value)
    assert is_year_known(2032) is False
    with pytest.raises(CalendarYearMissing):
        working_period_end(D(2030, 12, 31), 3)  # runs into 2031


def test_the_cache_keeps_a_year_for_its_time_to_live(monkeypatch):
    """DOMAIN.md §7 "keep the calendar in the database … editable by an administrator": other
    processes see an edit within CACHE_TTL seconds; within it, the loaded year is reused."""
    clock = [1000.0]
    monkeypatch.setattr(calendar.time, "monotonic", lambda: clock[0])
    assert is_working_day(D(2030, 10, 8)) is True
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2030, 10, 8), kind=DayKind.HOLIDAY)])  # no signal: another process's edit
    clock[0] += calendar.CACHE_TTL - 1
    assert is_working_day(D(2030, 10, 8)) is True  # still the cached year
    clock[0] += 1
    assert is_working_day(D(2030, 10, 8)) is False  # TTL reached: reloaded
    assert calendar.CACHE_TTL == 300.0


def test_clearing_the_cache_reloads_and_an_edit_during_a_load_is_not_kept(monkeypatch):
    """DOMAIN.md §7: an administrator's edit is seen at once in the editing process (the model
    signals clear the cache); a load that an edit overtook is used once but not cached."""
    assert is_working_day(D(2030, 10, 9)) is True
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2030, 10, 9), kind=DayKind.HOLIDAY)])
    assert is_working_day(D(2030, 10, 9)) is True  # cached
    calendar.clear_cache()
    assert is_working_day(D(2030, 10, 9)) is False

    calendar.clear_cache()
    real_filter = CalendarDay.objects.filter

    def edit_while_loading(*args, **kwargs):
        calendar.clear_cache()  # an edit arrives in the middle of the load
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(CalendarDay.objects, "filter", edit_while_loading)
    assert is_working_day(D(2030, 10, 9)) is False
    monkeypatch.undo()
    assert 2030 not in calendar._cache
    assert is_working_day(D(2030, 10, 9)) is False
    assert 2030 in calendar._cache
