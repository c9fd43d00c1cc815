"""On PostgreSQL: the alert register under concurrent workers and requests (``supervision.register``):
a catch-up after a request's commit never waits behind a rebuild, and a mark written while a
rebuild runs survives it."""

import datetime
import threading

import pytest
from django.db import connection, transaction

from records.models import Cadre, HealthCheck, add_years
from supervision import alerts, register
from supervision.models import AlertRegister, StaleCadre, StandingAlert
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date(2026, 6, 15)


def holding_the_register(until):
    """A thread holding the register's lock (as a rebuild does) until ``until`` is set."""
    locked = threading.Event()

    def hold():
        try:
            with transaction.atomic():
                AlertRegister.objects.select_for_update().get(pk=register.REGISTER_PK)
                locked.set()
                until.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(30)
    return thread


def test_a_catch_up_does_not_wait_behind_a_rebuild_and_the_mark_survives():
    assert connection.vendor == "postgresql"
    tree = factories.small_tree()
    front_line = factories.cadre("一线", tree["township"], post_since=add_years(TODAY, -6), hardship_post=True)
    register.rebuild(TODAY)
    assert StandingAlert.objects.filter(cadre=front_line, kind=alerts.HEALTH_CHECK).exists()

    release = threading.Event()
    thread = holding_the_register(release)
    try:
        # A request records the check: its commit's catch-up finds the register locked and leaves
        # the mark, at once (no waiting); the page computes the cadre live meanwhile.
        HealthCheck.objects.create(cadre=front_line, date=TODAY)
        assert list(StaleCadre.objects.values_list("cadre_id", flat=True)) == [front_line.pk]
        assert register.catch_up() == 0
        assert (alerts.HEALTH_CHECK, "一线") not in {(a.kind.code, a.cadre.name) for a in alerts.alerts(Cadre.objects.all(), TODAY)}
    finally:
        release.set()
        thread.join(30)
    assert register.catch_up() == 1
    assert not StaleCadre.objects.exists()
    assert not StandingAlert.objects.filter(cadre=front_line, kind=alerts.HEALTH_CHECK).exists()


def test_workers_meeting_at_the_turn_of_the_day_rebuild_once():
    tree = factories.small_tree()
    factories.cadre("十一年", tree["township"], post_since=add_years(TODAY, -11))
    results = [None, None]
    barrier = threading.Barrier(2)

    def worker(index):
        try:
            barrier.wait()
            results[index] = register.keep_current(TODAY)["rebuilt"]
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # One rebuilt (its alert count), the other found it current once it had the lock.
    assert sorted(results, key=lambda r: r is None) == [StandingAlert.objects.count(), None]
    assert AlertRegister.objects.count() == 1 and register.usable(TODAY)
