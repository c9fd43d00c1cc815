"""Filters for the official-document templates (DOMAIN.md §8.1), and the date and sentence helpers
the document contexts use so that every document prints dates and joins sentences the same way."""

import datetime
import re

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


def cn_date_range(start, end):
    """A period in the body of a document, in the dates of DOMAIN.md §8.1 ("2026年3月1日"): the year
    written once when both ends fall in the same year, the month always written, as official
    documents do: ``2026年12月6日至12月11日``, ``2026年12月28日至2027年1月8日``. One end missing:
    that end alone."""
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        return cn_date(start) or cn_date(end)
    if start.year == end.year:
        return f"{cn_date(start)}至{end.month}月{end.day}日"
    return f"{cn_date(start)}至{cn_date(end)}"


@register.filter
def date_range(start, end):
    """``{{ period_start|date_range:period_end }}``: :func:`cn_date_range` in a template."""
    return cn_date_range(start, end)


# Punctuation that ends a sentence or clause: a following sentence needs no 。 of its own.
_ENDS = "。！？；：，、.!?;:,"
_TRAILING = re.compile(r"[。.]+$")


def sentence(text):
    """``text`` as one sentence: trimmed, ending in exactly one 。 (an existing ！？ kept, a run of
    full stops "。。" or "." reduced). Empty stays empty."""
    text = (text or "").strip()
    if not text:
        return ""
    if text[-1] in "！？!?":
        return text
    if text[-1] in _ENDS:
        return _TRAILING.sub("", text[:-1] if text[-1] not in "。." else text) + "。"
    return text + "。"


def join_sentences(*parts):
    """Sentences joined as one paragraph, each ending in exactly one 。: never "。。" where an opinion
    that already ends in a full stop meets the next text ("同意公示。" + "…公示5个工作日" →
    "同意公示。…公示5个工作日。"). Empty parts are skipped."""
    return "".join(sentence(part) for part in parts if (part or "").strip())
