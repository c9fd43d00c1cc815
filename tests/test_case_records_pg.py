"""On PostgreSQL: the case records' invariants hold under real concurrency (issue 11).

- two approvals of the last place in a unit's quota: exactly one passes ("used 2 of 1" before);
- two start-and-submits of one cadre's deed at the same moment: exactly one case remains.
"""

import threading

import pytest
from django.db import connection

from awards.models import AwardQuota, Nomination
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, nomination, person, start_and_nominate, task_of, unit
from workflows import clock, services
from workflows.errors import FormInvalid, InvalidAction
from workflows.models import ProcessInstance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MONDAY = at("2026-09-28 09:00")


def run_together(*calls):
    """Run the calls in threads released at once; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            with clock.frozen_at(MONDAY):
                results.append(call())
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@pytest.fixture
def world():
    f.ensure_reference_data()
    load_world()


def test_two_approvals_of_the_last_quota_place_cannot_both_pass(world):
    AwardQuota.objects.create(unit=unit("HA-PDS-LS-QT"), year=2026, limit=1)
    cases = []
    with clock.frozen_at(MONDAY):
        for id_number in QT_CLEAN[:2]:
            case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(id_number))
            services.complete_task(
                person("ls_qt_ld"),
                task_of(case, "Task_unit_decision").pk,
                data={"meeting_date": "2026-09-01", "attendees": "班子成员7人"},
                opinion="同意推荐",
            )
            services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
            cases.append(case)
    reviews = [task_of(case, "Task_review").pk for case in cases]
    results, errors = run_together(
        *[(lambda pk=pk: services.complete_task(person("ls_sh"), pk, action="approve", data=REVIEW, opinion="同意公示")) for pk in reviews]
    )
    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], FormInvalid) and "名额为1个，已使用1个" in str(errors[0].message)
    assert Nomination.objects.filter(unit=unit("HA-PDS-LS-QT"), quota_counted=True).count() == 1


def test_two_simultaneous_starts_of_one_deed_leave_one_case(world):
    subject = cadre(QT_CLEAN[0])
    fields = nomination(deed_reference="防汛2026-07")

    def start():
        return services.start_and_submit(
            person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject, data=fields
        )

    results, errors = run_together(start, start)
    assert len(results) == 1 and len(errors) == 1, errors
    # Refused by the check (the other start committed first) or by the constraint (both were in flight).
    assert isinstance(errors[0], InvalidAction) and "防汛2026-07" in f"{errors[0].message} {getattr(errors[0], 'errors', '')}"
    assert ProcessInstance.objects.count() == 1
    assert Nomination.objects.filter(cadre=subject, is_open=True).count() == 1
