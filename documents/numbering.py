"""The document-number register: 发文字号 unique and gapless per issuer and year (DOMAIN.md §8.1)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DocumentNumberSequence


class DocumentNumberError(ValueError):
    pass


def format_number(prefix, year, serial):
    """``平组〔2026〕12号``: year in 六角括号, serial without leading zeros and without 第."""
    return f"{prefix}〔{year}〕{serial}号"


def allocate_number(issuer, year=None):
    """Take the next number of ``issuer`` for ``year`` (default: this year); return ``(text, serial)``.

    Must run inside the caller's transaction, the one that stores the document: the sequence
    row stays locked until it commits, so numbers are unique, and a rollback returns the
    number, so they are gapless.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_number() must be called inside transaction.atomic()")
    prefix = (issuer.document_prefix or "").strip()
    if not prefix:
        raise DocumentNumberError(_("单位“%(unit)s”未设置发文字号代字，不能编号发文，请在单位管理中填写") % {"unit": issuer.name})
    year = year or timezone.localdate().year
    # INSERT ... ON CONFLICT DO NOTHING: concurrent first allocations of a year cannot fail
    # on the unique constraint; on PostgreSQL the loser waits for the winner's row.
    DocumentNumberSequence.objects.bulk_create([DocumentNumberSequence(issuer=issuer, year=year, last_number=0)], ignore_conflicts=True)
    sequence = DocumentNumberSequence.objects.select_for_update().get(issuer=issuer, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return format_number(prefix, year, sequence.last_number), sequence.last_number
