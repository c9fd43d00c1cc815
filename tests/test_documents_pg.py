"""On PostgreSQL: the document-number register under concurrency (DOMAIN.md §8.1) — 50 issuers'
clerks taking a number at the same moment get 50 distinct, consecutive numbers."""

import threading

import pytest
from django.db import connection, transaction

from documents.models import DocumentNumberSequence
from documents.numbering import allocate_number
from permissions.models import Unit, UnitKind, UnitLevel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


def test_fifty_concurrent_allocations_are_distinct_and_consecutive():
    assert connection.vendor == "postgresql"
    issuer = Unit.objects.create(
        code="PDS-ZZB", name="中共平顶山市委组织部", level=UnitLevel.CITY, kind=UnitKind.ORGANISATION_DEPT, document_prefix="平组"
    )
    # No sequence row yet: the first allocations race on creating it as well.
    assert not DocumentNumberSequence.objects.exists()
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def allocate(index):
        try:
            barrier.wait()
            with transaction.atomic():
                results[index] = allocate_number(issuer, 2026)
        except Exception as exc:  # noqa: BLE001 - reported below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, errors
    assert sorted(serial for _, serial in results) == list(range(1, THREADS + 1))
    assert {text for text, _ in results} == {f"平组〔2026〕{n}号" for n in range(1, THREADS + 1)}
    assert DocumentNumberSequence.objects.get(issuer=issuer, year=2026).last_number == THREADS
