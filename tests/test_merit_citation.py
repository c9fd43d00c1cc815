"""Merit citation end to end through the service layer with the demo users (issue 3).

Rules: DOMAIN.md §1.2 (who approves), §1.3 (procedure), §1.4 (disqualifiers), §6–§7 (notice,
objections, working days), §9 (recusal)."""

import pytest
from django.core.management import call_command

from notices import desk as notices
from notices.models import Notice
from records.models import Award
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, person, refresh, start_and_nominate, task_of, unit, unit_decides
from workflows import clock, services
from workflows.errors import ActionNotAllowed
from workflows.models import InstanceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    load_world()


def refused(username, task, **kwargs):
    with pytest.raises(ActionNotAllowed):
        services.complete_task(person(username), task.pk, **kwargs)


def test_township_commendation_runs_to_an_issued_decision(world):
    with clock.frozen_at(at("2026-09-28 09:00")):
        first = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        second = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[1]))
        for case in (first, second):
            refused("bf_tl_ld", task_of(case, "Task_unit_decision"))  # a leader of another unit
            refused("ls_qt_jbr", task_of(case, "Task_unit_decision"))  # the nominator is not the leader
            unit_decides("ls_qt_ld", case)
            # eligible (DOMAIN.md §1.4) → 嘉奖 from a township goes to the county (§1.2)
            integrity = task_of(case, "Task_integrity")
            assert integrity.unit == unit("HA-PDS-LS-JW")
            refused("bf_jw", integrity)  # discipline body of another county
            services.complete_task(person("ls_jw"), integrity.pk, data={"integrity_opinion": "no_objection"}, opinion="未发现廉政问题")
            review = task_of(case, "Task_review")
            assert review.unit == unit("HA-PDS-LS-ZZB")
            refused("ls_jw", review)
            services.complete_task(person("ls_sh"), review.pk, action="approve", data=REVIEW, opinion="材料齐全，同意公示")
        publish_tasks = [task_of(c, "Task_publish") for c in (first, second)]
        with pytest.raises(ActionNotAllowed):
            notices.publish_notice(person("bf_gs"), [t.pk for t in publish_tasks], contact="x")

    # The notice starts on Tuesday 29 September; 5 working days skip the National Day holiday
    # (1–7 October) and end on Saturday 10 October, a make-up working day (DOMAIN.md §7).
    with clock.frozen_at(at("2026-09-29 08:30")):
        notice = notices.publish_notice(person("ls_gs"), [t.pk for t in publish_tasks], contact="鲁山县委组织部，电话 0375-5051234")
    assert notice.end_date.isoformat() == "2026-10-10"
    assert set(notice.cases.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert refresh(first).status == InstanceStatus.WAITING

    call_command("run_worker", "--once", "--now", "2026-10-10T18:00+08:00")
    assert refresh(first).status == InstanceStatus.WAITING  # the last day runs to 24:00
    call_command("run_worker", "--once", "--now", "2026-10-11T00:05+08:00")
    approve = task_of(first, "Task_approve")
    assert approve.unit == unit("HA-PDS-LS")

    with clock.frozen_at(at("2026-10-12 10:00")):
        refused("pds_sp", approve)  # the city approver is not this case's authority
        services.complete_task(person("ls_sp"), approve.pk, action="approve", opinion="同意给予嘉奖")
    first = refresh(first)
    assert first.status == InstanceStatus.COMPLETED and first.outcome == "End_awarded"
    award = Award.objects.get(cadre=first.subject_cadre)
    assert award.kind == "commendation" and award.approving_unit == unit("HA-PDS-LS")
    assert award.decision_number == "鲁组〔2026〕1号"
    assert str(award.bonus) == "1500.00"
    kinds = set(first.documents.values_list("kind", flat=True)) | set(
        Notice.objects.filter(cases=first).values_list("document__kind", flat=True)
    )
    assert {"award_decision", "award_form", "notice"} <= kinds
    for document in first.documents.all():
        assert len(document.sha256) == 64
