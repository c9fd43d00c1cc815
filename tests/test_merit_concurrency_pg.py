"""On PostgreSQL: 50 approvals at once in one issuer → 50 distinct, consecutive decision numbers,
allocated in the approval's own transaction (issue 3)."""

import threading

import pytest
from django.db import connection

from notices import desk as notices
from records.models import Award
from tests import factories as f
from tests.merit_helpers import at, load_world, person, task_of, to_publish, unit
from workflows import clock, services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CASES = 50


def test_fifty_simultaneous_approvals_get_fifty_consecutive_numbers():
    f.ensure_reference_data()  # the calendar and bonus rows of the data migrations (flushed by earlier tests)
    load_world()
    township = unit("HA-PDS-LS-QT")
    subjects = [f.cadre(f"测试干部{i:02d}", township) for i in range(CASES)]
    with clock.frozen_at(at("2026-09-28 09:00")):
        cases = [to_publish(s) for s in subjects]
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person("ls_gs"), [task_of(c, "Task_publish").pk for c in cases], contact="x")
    services.fire_due_timers(now=at("2026-10-11 00:01"), limit=CASES)
    task_ids = [task_of(c, "Task_approve").pk for c in cases]

    barrier = threading.Barrier(CASES)
    errors = []

    def approve(task_id):
        try:
            barrier.wait()
            with clock.frozen_at(at("2026-10-12 09:00")):
                services.complete_task(person("ls_sp"), task_id, action="approve", opinion="同意")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(t,)) for t in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    numbers = sorted(
        Award.objects.filter(awarded_on="2026-10-12").values_list("decision_number", flat=True),
        key=lambda n: int(n.split("〕")[1].rstrip("号")),
    )
    assert numbers == [f"鲁组〔2026〕{i}号" for i in range(1, CASES + 1)]
