"""Provisional working-day calendar years for the demo, so it works whatever today's date is.

The calendar knows the years of the official schedule (the ``chinesecalendar`` package, 管理后台 →
工作日历); a period that reaches a later year parks its case in the error state until an
administrator adds that year. A demo run in late December (a notice period crossing into January)
or in a year the package does not cover yet would stop there. ``load_demo --provisional-calendar``
(``scripts/run`` passes it) therefore adds every missing year after the last known one, up to next
year, as Monday–Friday without holidays, with a note saying so. Never used outside the demo:
production adds each year from the State Council's notice.
"""

import datetime

from django.db import transaction

from workdays.calendar import clear_cache
from workdays.models import CalendarYear, Source

NOTE = "演示用临时安排：未录入国务院节假日安排，暂按周一至周五计算（正式使用前须按通知录入）"


@transaction.atomic
def add_provisional_years(today=None):
    """Add the missing years after the last complete one through ``today.year + 1``; return them."""
    today = today or datetime.date.today()
    last = CalendarYear.objects.filter(complete=True).order_by("-year").values_list("year", flat=True).first()
    first = (last + 1) if last else today.year
    missing = [year for year in range(first, today.year + 2) if not CalendarYear.objects.filter(year=year).exists()]
    CalendarYear.objects.bulk_create([CalendarYear(year=year, source=Source.MANUAL, complete=True, note=NOTE) for year in missing])
    if missing:
        clear_cache()
    return missing
