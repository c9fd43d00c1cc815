"""Filters for the official-document templates (DOMAIN.md §8.1)."""

import datetime

from django import template

register = template.Library()


@register.filter
def cn_date(value):
    """``2026年3月1日``: Arabic numerals, no zero padding (DOMAIN.md §8.1)."""
    if not isinstance(value, datetime.date):
        return value or ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def year_month(value):
    """``1985.05``, the form fields' month format (出生年月, 参加工作时间)."""
    if not isinstance(value, datetime.date):
        return value or ""
    return f"{value.year}.{value.month:02d}"


@register.filter
def mark_size(text, width_pt=440):
    """Font size (pt) of the issuer mark: as large as fits the 156 mm text block on one line,
    at most 42 pt (15 mm wide characters)."""
    length = max(len(text or ""), 1)
    return f"{min(42.0, width_pt / length):.1f}"
