"""Working-day calendar — DOMAIN.md §7 (and the notice periods of §6 that count on it).

§7: the official schedule lives in the database, pre-filled from chinesecalendar for
2004–2026; a year without data is refused with a message naming the year; a period of N
working days starts on the publication day if that is a working day and ends at 24:00 of
the N-th working day.
"""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from workdays import calendar
from workdays.calendar import (
    CalendarYearMissing,
    add_working_days,
    deadline_at,
    deadline_iso,
    is_working_day,
    working_days_between,
    working_period_end,
)
from workdays.models import CalendarDay, CalendarYear, DayKind, Source

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    # A rolled-back test transaction sends no signals, so the in-process cache must not
    # carry one test's calendar rows into the next.
    calendar.clear_cache()
    yield
    calendar.clear_cache()


# --- pre-filled data (§7: pre-filled from the package for the years it covers) ---


def test_migration_prefills_2004_to_2026_with_exceptions_only():
    """§7: every package year has a complete CalendarYear row; only exceptions are stored."""
    years = list(CalendarYear.objects.order_by("year").values_list("year", "complete", "source"))
    assert years == [(y, True, Source.CHINESECALENDAR) for y in range(2004, 2027)]
    national_day = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (DayKind.HOLIDAY, "国庆节")
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == DayKind.WORKDAY
    # 2026-10-03 is a Saturday inside the holiday: a rest day anyway, so not stored.
    assert not CalendarDay.objects.filter(date=date(2026, 10, 3)).exists()
    for row in CalendarDay.objects.all():
        assert (row.date.weekday() >= 5) == (row.kind == DayKind.WORKDAY), row


# --- single days ---


def test_national_day_is_a_holiday():
    """§7: 2026-10-01 (Thursday, 国庆节) is not a working day."""
    assert is_working_day(date(2026, 10, 1)) is False


def test_make_up_saturday_is_a_working_day():
    """§7: 2026-10-10 is a Saturday make-up working day (调休上班)."""
    assert date(2026, 10, 10).weekday() == 5
    assert is_working_day(date(2026, 10, 10)) is True


def test_ordinary_days():
    """§7: an ordinary Monday works, an ordinary Saturday does not."""
    assert is_working_day(date(2026, 11, 16)) is True
    assert is_working_day(date(2026, 11, 21)) is False


# --- periods (§7 counting convention) ---


def test_period_across_national_day_ends_on_make_up_saturday():
    """§7: 5 working days from Tue 2026-09-29: 9-29, 9-30, (10-1..7 off), 10-8, 10-9, 10-10."""
    assert working_period_end(date(2026, 9, 29), 5) == date(2026, 10, 10)


def test_start_on_a_working_day_counts_as_day_one():
    """§7: the publication day counts when it is a working day."""
    assert working_period_end(date(2026, 11, 16), 1) == date(2026, 11, 16)
    assert working_period_end(date(2026, 10, 10), 1) == date(2026, 10, 10)


def test_start_on_a_non_working_day_counts_from_the_next_working_day():
    """§7: a notice published on a holiday or weekend starts counting at the next working day."""
    assert working_period_end(date(2026, 10, 1), 1) == date(2026, 10, 8)
    assert working_period_end(date(2026, 10, 1), 3) == date(2026, 10, 10)
    assert working_period_end(date(2026, 11, 21), 1) == date(2026, 11, 23)  # Saturday -> Monday


def test_period_needs_at_least_one_day():
    with pytest.raises(ValueError):
        working_period_end(date(2026, 11, 16), 0)


def test_add_working_days_across_a_weekend():
    """§7: the next working day after Friday 2026-11-20 is Monday 2026-11-23."""
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 20), 3) == date(2026, 11, 25)
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_add_working_days_skips_holidays_both_ways():
    """§7: 9-30 + 1 working day is 10-8 (holiday week); going back from 10-8 gives 9-30."""
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)


def test_working_days_between_is_the_inverse_of_add():
    """§7: (9-30, 10-10] holds 10-8, 10-9 and the make-up Saturday 10-10."""
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert working_days_between(date(2026, 9, 30), date(2026, 9, 30)) == 0
    end = add_working_days(date(2026, 1, 5), 40)
    assert working_days_between(date(2026, 1, 5), end) == 40


def test_deadline_is_midnight_after_the_last_day_in_shanghai():
    """§7: the period ends at 24:00 of the N-th working day, i.e. 00:00 of the next day, +08:00."""
    assert deadline_iso(date(2026, 9, 29), 5) == "2026-10-11T00:00:00+08:00"
    at = deadline_at(date(2026, 9, 29), 5)
    assert at.utcoffset() == timedelta(hours=8)
    assert (at.year, at.month, at.day, at.hour, at.minute) == (2026, 10, 11, 0, 0)
    assert datetime.fromisoformat(deadline_iso(date(2026, 9, 29), 5)) == at


def test_aware_datetime_uses_the_chinese_calendar_day():
    """§7: 2026-09-30 20:00 UTC is already 10-01 (a holiday) in Beijing."""

    assert is_working_day(datetime(2026, 9, 30, 20, 0, tzinfo=UTC)) is False


# --- unknown years (§7: refuse, naming the year) ---


def test_2027_is_refused_with_the_year_in_the_message():
    """§7: 2027 is not in the package; never count it as weekends-only."""
    with pytest.raises(CalendarYearMissing) as excinfo:
        is_working_day(date(2027, 3, 1))
    assert excinfo.value.year == 2027
    assert isinstance(excinfo.value, ValueError)
    message = str(excinfo.value)
    assert "2027年" in message and "管理后台" in message and "工作日历" in message


def test_period_running_into_an_unknown_year_is_refused():
    """§7: a deadline that falls in 2027 is refused even though the start is in 2026."""
    with pytest.raises(CalendarYearMissing) as excinfo:
        working_period_end(date(2026, 12, 28), 5)
    assert excinfo.value.year == 2027
    with pytest.raises(CalendarYearMissing):
        deadline_iso(date(2026, 12, 28), 5)


def test_incomplete_year_is_refused():
    """§7: a year whose schedule is still being entered does not count as known."""
    CalendarYear.objects.create(year=2027, complete=False)
    with pytest.raises(CalendarYearMissing) as excinfo:
        is_working_day(date(2027, 3, 1))
    assert excinfo.value.incomplete is True
    assert "2027年" in str(excinfo.value)


def test_admin_adds_2027_and_the_cache_follows(admin_client):
    """§7: an administrator enters 2027 in the admin; the calculation then uses it at once."""
    with pytest.raises(CalendarYearMissing):
        working_period_end(date(2026, 12, 31), 2)

    response = admin_client.post("/admin/workdays/calendaryear/add/", {"year": "2027", "complete": "on", "note": "国办发明电〔2026〕"})
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.source == Source.MANUAL
    # Known now, with no exceptions yet: 2027-01-01 (Friday) is cached as a working day.
    assert is_working_day(date(2027, 1, 1)) is True
    assert working_period_end(date(2026, 12, 31), 2) == date(2027, 1, 1)

    response = admin_client.post("/admin/workdays/calendarday/add/", {"date": "2027-01-01", "kind": DayKind.HOLIDAY, "name": "元旦"})
    assert response.status_code == 302, response.content.decode()
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).source == Source.MANUAL
    # The save cleared the cache: New Year's Day is skipped, the weekend too.
    assert is_working_day(date(2027, 1, 1)) is False
    assert working_period_end(date(2026, 12, 31), 2) == date(2027, 1, 4)

    day = CalendarDay.objects.get(date=date(2027, 1, 1))
    response = admin_client.post(f"/admin/workdays/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert is_working_day(date(2027, 1, 1)) is True


def test_admin_pages_render(admin_client):
    """§7: the calendar is editable by an administrator (list, filters, counts)."""
    response = admin_client.get("/admin/workdays/calendaryear/")
    assert response.status_code == 200
    assert "2026" in response.content.decode()
    response = admin_client.get("/admin/workdays/calendarday/?year=2026&kind__exact=workday")
    assert response.status_code == 200
    assert "2026年10月10日" in response.content.decode() or "Oct. 10, 2026" in response.content.decode()


def test_admin_rejects_redundant_rows():
    """§7: only exceptions are stored; a holiday on a Saturday is a data-entry mistake."""
    with pytest.raises(ValidationError):
        CalendarDay(date=date(2027, 1, 2), kind=DayKind.HOLIDAY).full_clean()
    with pytest.raises(ValidationError):
        CalendarDay(date=date(2027, 1, 4), kind=DayKind.WORKDAY).full_clean()


# --- efficiency (§7 calculations run in timer expressions and request paths) ---


def test_a_year_is_loaded_once(django_assert_max_num_queries, django_assert_num_queries):
    """§7: a year's exceptions come from at most two queries, then from the cache."""
    with django_assert_max_num_queries(2):
        assert working_days_between(date(2026, 1, 1), date(2026, 12, 31)) > 200
    with django_assert_num_queries(0):
        working_period_end(date(2026, 9, 29), 5)


# --- re-sync after a package upgrade ---


def test_sync_holidays_is_idempotent_and_keeps_manual_rows():
    """§7: sync_holidays re-reads the package; an administrator's correction survives it."""
    before = CalendarDay.objects.count()
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(source=Source.MANUAL, name="国庆节（手工）")
    out, err = StringIO(), StringIO()
    call_command("sync_holidays", stdout=out, stderr=err)
    assert CalendarDay.objects.count() == before
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节（手工）"
    assert "2004—2026" in out.getvalue() and "新增或变更 0 条，移除 0 条" in out.getvalue()

    # A manual row that contradicts the package is reported, and replaced on request.
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(kind=DayKind.WORKDAY)
    call_command("sync_holidays", stdout=StringIO(), stderr=err)
    assert "2026-10-01" in err.getvalue()
    out = StringIO()
    call_command("sync_holidays", "--overwrite-manual", stdout=out, stderr=StringIO())
    assert "+ 2026-10-01" in out.getvalue()
    row = CalendarDay.objects.get(date=date(2026, 10, 1))
    assert (row.kind, row.source) == (DayKind.HOLIDAY, Source.CHINESECALENDAR)
    assert is_working_day(date(2026, 10, 1)) is False
