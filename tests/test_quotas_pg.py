"""On PostgreSQL: two proposals for the last vacancy of a post quota, moved at the same moment —
exactly one passes (DOMAIN.md §10 "Post quotas"; the quota row in force is locked at the check,
so the second proposal is counted after the first has committed)."""

import datetime

import pytest

from promotions.models import Proposal
from quotas.models import PostQuota
from tests.merit_helpers import QT_CLEAN, cadre, person, task_of, unit
from tests.promotion_helpers import PROCESS, proposal
from tests.test_case_records_pg import MONDAY, run_together, world  # noqa: F401  (world: the fixture)
from workflows import clock, services
from workflows.errors import FormInvalid

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_proposals_for_the_last_vacancy_cannot_both_pass(world):  # noqa: F811  (the fixture)
    qt = unit("HA-PDS-LS-QT")
    PostQuota.objects.all().delete()  # not the demo's quotas, if any
    PostQuota.objects.create(unit=qt, level="township_principal", posts=3, valid_from=datetime.date(2026, 1, 1), basis="鲁编〔2025〕8号")
    with clock.frozen_at(MONDAY):
        cases = [services.start_process(person("ls_qt_ld"), PROCESS, unit=qt, subject_cadre=cadre(id_number)) for id_number in QT_CLEAN[:2]]
    tasks = [task_of(case, "Task_propose").pk for case in cases]
    results, errors = run_together(
        *[lambda task=task: services.complete_task(person("ls_qt_ld"), task, data=proposal(), opinion="动议") for task in tasks]
    )
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    assert isinstance(errors[0], FormInvalid) and "另有在办的提拔动议1件" in str(errors[0].message)
    assert Proposal.objects.filter(is_open=True, target_level="township_principal").count() == 1
