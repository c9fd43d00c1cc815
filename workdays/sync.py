"""Copy the official schedule from the ``chinesecalendar`` package into the calendar tables.

Used by the data migration (with historical models) and by ``manage.py sync_holidays``
(with the real ones), so both receive the model classes as arguments.
"""

from dataclasses import dataclass, field

from .models import DayKind, Source


@dataclass
class SyncResult:
    years: list = field(default_factory=list)
    # Net change of the package rows: dates that became, or stopped being, an exception
    # (or changed kind or name) compared with the previous sync.
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # Manual rows in a package year that disagree with the package: (date, manual kind, package kind or None).
    conflicts: list = field(default_factory=list)


def package_schedule():
    """Return ``(years, {date: (kind, name)})`` for every year the installed package covers."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    def chinese(value):
        try:
            return Holiday(value).chinese
        except ValueError:
            return str(value)

    # The package lists whole holiday spans, weekends included; only weekday holidays and
    # weekend make-up days differ from the Monday–Friday rule.
    days = {d: (DayKind.HOLIDAY.value, chinese(v)) for d, v in holidays.items() if d.weekday() < 5}
    days.update({d: (DayKind.WORKDAY.value, chinese(v)) for d, v in workdays.items() if d.weekday() >= 5})
    known = {d.year for d in holidays}
    years = list(range(min(known), max(known) + 1))
    return years, days


def sync_from_package(CalendarYear, CalendarDay, *, overwrite_manual=False, using="default"):
    """Make the package years match the package; manual rows win unless ``overwrite_manual``.

    Idempotent: package rows of the covered years are replaced wholesale (one delete, one
    bulk insert), which is fast enough to run in every test database setup.
    """
    years, package_days = package_schedule()
    first, last = years[0], years[-1]
    days_qs = CalendarDay.objects.using(using).filter(date__year__gte=first, date__year__lte=last)
    result = SyncResult(years=years)

    manual = {row.date: row for row in days_qs.filter(source=Source.MANUAL)}
    for day, row in sorted(manual.items()):
        official = package_days.get(day)
        if official is None or official[0] != row.kind:
            result.conflicts.append((day, row.kind, official[0] if official else None))
    if overwrite_manual and manual:
        days_qs.filter(source=Source.MANUAL).delete()
        manual = {}

    package_qs = days_qs.filter(source=Source.CHINESECALENDAR)
    old = set(package_qs.values_list("date", "kind", "name"))
    package_qs.delete()
    new_rows = [
        CalendarDay(date=day, kind=kind, name=name, source=Source.CHINESECALENDAR)
        for day, (kind, name) in sorted(package_days.items())
        if day not in manual
    ]
    CalendarDay.objects.using(using).bulk_create(new_rows)
    new = {(row.date, row.kind, row.name) for row in new_rows}
    result.added, result.removed = sorted(new - old), sorted(old - new)

    existing = set(CalendarYear.objects.using(using).filter(year__in=years).values_list("year", flat=True))
    # The package holds each covered year's full schedule, so those years are complete.
    CalendarYear.objects.using(using).filter(year__in=existing).update(complete=True)
    CalendarYear.objects.using(using).bulk_create(
        [CalendarYear(year=y, source=Source.CHINESECALENDAR, complete=True) for y in years if y not in existing]
    )
    # Bulk operations send no model signals, so drop this process's cached years here.
    from .calendar import clear_cache

    clear_cache()
    return result
