"""Classified merit citations skip the notice only with the approver's recorded consent
(DOMAIN.md §1.3 item 4: "Classified cases may skip it with the approver's consent")."""

import pytest

from awards.models import Nomination
from notices.models import Notice
from records.models import Award
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, person, refresh, start_and_nominate, task_of, unit, unit_decides
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import HumanTask, RuleCheck

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def reviewed_as_classified(subject, reason="涉及国家秘密的专项任务"):
    with clock.frozen_at(MONDAY):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject))
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(
            person("ls_sh"),
            task_of(case, "Task_review").pk,
            action="classified",
            data={"classified_reason": reason, **REVIEW},
            opinion="涉密",
        )
    return refresh(case)


def test_the_reviewer_must_say_why_the_case_is_classified(world):
    with clock.frozen_at(MONDAY):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        with pytest.raises(FormInvalid) as caught:
            services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="classified", data={})
    assert "classified_reason" in caught.value.errors
    assert task_of(case, "Task_review")  # nothing moved


def test_with_the_approvers_consent_the_case_skips_the_notice_and_records_who_consented(world):
    subject = cadre(QT_CLEAN[0])
    case = reviewed_as_classified(subject)
    waiver = task_of(case, "Task_waive_notice")
    assert waiver.unit == unit("HA-PDS-LS") and waiver.role == "approver"
    with pytest.raises(ActionNotAllowed):
        services.complete_task(person("ls_sh"), waiver.pk, action="agree")  # the reviewer cannot consent for the approver
    with clock.frozen_at(at("2026-09-29 10:00")):
        services.complete_task(person("ls_sp"), waiver.pk, action="agree", opinion="同意免予公示")
    case = refresh(case)
    record = Nomination.objects.get(instance=case)
    assert record.classified and record.classified_reason == "涉及国家秘密的专项任务"
    assert record.notice_waived_by == person("ls_sp") and record.notice_waived_at is not None
    assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_publish").exists()
    assert RuleCheck.objects.get(instance=case, checkpoint="approval").passed  # still rechecked before approval
    with clock.frozen_at(at("2026-09-30 10:00")):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    case = refresh(case)
    assert case.outcome == "End_awarded" and Award.objects.filter(cadre=subject).exists()
    assert not Notice.objects.filter(cases=case).exists()
    assert _form_mentions_waiver(case)  # the 审批表 says why there was no notice


def _form_mentions_waiver(case):
    from awards.issuing import _notice_text

    return "经审批机关同意免予公示" in _notice_text(case, Nomination.objects.get(instance=case))


def test_without_consent_the_classified_case_is_published(world):
    case = reviewed_as_classified(cadre(QT_CLEAN[0]))
    with clock.frozen_at(at("2026-09-29 10:00")):
        with pytest.raises(FormInvalid):
            services.complete_task(person("ls_sp"), task_of(case, "Task_waive_notice").pk, action="disagree")  # a reason is required
        services.complete_task(person("ls_sp"), task_of(case, "Task_waive_notice").pk, action="disagree", opinion="不属于涉密事项，应公示")
    case = refresh(case)
    assert task_of(case, "Task_publish")
    assert Nomination.objects.get(instance=case).notice_waived_at is None
