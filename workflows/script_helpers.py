"""The helpers diagrams may call (registered with the sandbox at start-up).

Working-day arithmetic on the database calendar (DOMAIN.md §7). Dates may be passed as
``date`` objects or ISO strings, because task data coming from forms holds strings.
"""

import datetime

import rulebook
from workdays import calendar

from .clock import now
from .sandbox import register_helper


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(calendar.SHANGHAI).date() if value.tzinfo else value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value)
    return datetime.datetime.fromisoformat(text).astimezone(calendar.SHANGHAI).date() if "T" in text else datetime.date.fromisoformat(text)


@register_helper
def today():
    """Today in Asia/Shanghai (honours the worker's --now override)."""
    return now().astimezone(calendar.SHANGHAI).date()


@register_helper
def deadline_iso(start, working_days):
    """ISO time stamp (with +08:00) at 24:00 of the last day of an N-working-day period from ``start``."""
    return calendar.deadline_iso(_as_date(start), int(working_days))


@register_helper
def working_period_end(start, working_days):
    return calendar.working_period_end(_as_date(start), int(working_days)).isoformat()


@register_helper
def add_working_days(start, working_days):
    return calendar.add_working_days(_as_date(start), int(working_days)).isoformat()


@register_helper
def working_days_between(start, end):
    return calendar.working_days_between(_as_date(start), _as_date(end))


@register_helper
def rule_parameter(key):
    """The value in force today of a rule parameter (``rulebook``): a diagram reads a [practice]
    or [default] number an administrator may change, e.g. the days allowed for a reply. The
    step contracts refuse a diagram naming an undeclared parameter."""
    return rulebook.value(str(key), on=today())
