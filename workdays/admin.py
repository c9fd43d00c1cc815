"""Administrators keep the calendar current: each new year's schedule is entered here.

Saving or deleting through the admin fires the model signals, which clear the cached years.
"""

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, CalendarYear, DayKind, Source


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = {d.year for d in CalendarDay.objects.dates("date", "year")}
        years.update(CalendarYear.objects.values_list("year", flat=True))
        return [(str(y), str(y)) for y in sorted(years, reverse=True)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = [YearFilter, "kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source"]
    fields = ["date", "kind", "name", "source"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        # Anything touched by hand is a manual record, so sync_holidays keeps it.
        obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)


def _day_count(kind):
    days = CalendarDay.objects.filter(date__year=OuterRef("year"), kind=kind).order_by().values("kind").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(days, output_field=IntegerField()), 0)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "complete", "holiday_count", "workday_count", "source", "note", "updated_at"]
    list_filter = ["complete", "source"]
    search_fields = ["year", "note"]
    readonly_fields = ["source", "updated_at"]
    fields = ["year", "complete", "note", "source", "updated_at"]

    def get_queryset(self, request):
        # One query for the whole list instead of two counts per row.
        return super().get_queryset(request).annotate(holiday_count=_day_count(DayKind.HOLIDAY), workday_count=_day_count(DayKind.WORKDAY))

    def _days_link(self, obj, kind, count):
        url = reverse("admin:workdays_calendarday_changelist")
        return format_html('<a href="{}?year={}&kind__exact={}">{}</a>', url, obj.year, kind, count)

    @admin.display(description=_("工作日放假天数"), ordering="holiday_count")
    def holiday_count(self, obj):
        return self._days_link(obj, DayKind.HOLIDAY.value, obj.holiday_count)

    @admin.display(description=_("周末调休上班天数"), ordering="workday_count")
    def workday_count(self, obj):
        return self._days_link(obj, DayKind.WORKDAY.value, obj.workday_count)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = Source.MANUAL
        super().save_model(request, obj, form, change)
