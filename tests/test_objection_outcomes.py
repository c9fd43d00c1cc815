"""Objections during a notice, issue 12 (DOMAIN.md §6; seed 000 #12): every verification outcome
with its path, the malicious-false-accusation flag referred to the discipline body, the 暂缓 path of
the merit citation and of the exceptional promotion, and objections refused outside the notice."""

import pytest

from notices import desk
from notices.models import Objection
from records.models import Award, Promotion
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, to_publish, unit
from tests.promotion_helpers import consent, meeting, propose, recommend_inspect
from workflows import clock, services
from workflows.errors import FormInvalid, InvalidAction
from workflows.models import HistoryEvent, HumanTask, InstanceStatus, Notification

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
DURING = at("2026-09-30 10:00")  # inside the notice published on 2026-09-29 (5 working days → 2026-10-10)
AFTER = at("2026-10-11 00:01")


@pytest.fixture
def world():
    load_world()


def merit_under_notice():
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    return refresh(case)


def promotion_under_notice():
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])))
        consent(case, "Task_consent_late")
        case = meeting(refresh(case))
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部")
    return refresh(case)


UNDER_NOTICE = {"merit_citation": merit_under_notice, "exceptional_promotion": promotion_under_notice}


def verify(case, outcome, *, malicious=False, finding="经调阅台账、个别谈话核查。"):
    objection = desk.record_objection(person("ls_gs"), case.pk, content="反映其在防汛中虚报转移人数", contact="匿名")
    services.complete_task(
        person("ls_sh"),
        task_of(case, "Task_verify").pk,
        data={
            "objection_id": objection.pk,
            "verification_outcome": outcome,
            "verification_finding": finding,
            "verification_malicious": malicious,
        },
    )
    objection.refresh_from_db()
    return objection


def open_steps(case):
    return set(HumanTask.objects.filter(instance=case).values_list("bpmn_id", flat=True))


# --- outcomes and their paths -------------------------------------------------------------


@pytest.mark.parametrize("process", sorted(UNDER_NOTICE))
def test_unverifiable_continues_with_the_clarification_letter(world, process):
    """Seed 000 #12: objections found untrue **or unverifiable** (查无实据) are closed with written
    feedback to the cadre's unit (澄清); DOMAIN.md §6: the process continues."""
    case = UNDER_NOTICE[process]()
    with clock.frozen_at(DURING):
        objection = verify(case, "unverifiable", finding="反映问题无具体线索，查无实据。")
    assert objection.outcome == "unverifiable" and objection.get_outcome_display() == "查无实据"
    letter = objection.clarification
    assert letter is not None and letter.kind == "clarification_letter" and letter.instance_id == case.pk
    assert "Task_objection_decision" not in open_steps(case)
    case = refresh(case)
    assert case.status == InstanceStatus.WAITING and case.next_timer_due == at("2026-10-11 00:00")
    services.fire_due_timers(now=AFTER)
    if process == "merit_citation":
        assert task_of(case, "Task_approve")
    else:
        assert Promotion.objects.filter(cadre=case.subject_cadre, exceptional=True).exists()


@pytest.mark.parametrize("outcome", ["partly_true", "true"])
def test_promotion_objection_found_true_goes_to_the_approver_with_continue_suspend_terminate(world, outcome):
    """DOMAIN.md §6: 部分属实 / 属实 → the approver decides; for a promotion: continue, suspend or terminate."""
    from promotions.forms import ObjectionDecisionForm

    case = promotion_under_notice()
    with clock.frozen_at(DURING):
        objection = verify(case, outcome)
    assert objection.clarification is None and not objection.malicious
    decision = task_of(case, "Task_objection_decision")
    assert decision.unit == unit("HA-PDS-LS")
    assert [a.code for a in ObjectionDecisionForm.actions] == ["continue", "suspend", "terminate"]


# --- malicious false accusation (seed 000 #12) ---------------------------------------------


@pytest.mark.parametrize("outcome", ["untrue", "unverifiable"])
def test_malicious_accusation_is_referred_to_the_areas_discipline_body(world, outcome):
    """Seed 000 #12: "malicious false accusations are flagged for the discipline body": the flag is
    recorded on the objection with the body it went to, and that body's discipline officers are notified."""
    case = merit_under_notice()
    with clock.frozen_at(DURING):
        objection = verify(case, outcome, malicious=True)
    assert objection.malicious and objection.referred_to == unit("HA-PDS-LS-JW") and objection.referred_at is not None
    assert objection.clarification is not None
    to_county = Notification.objects.filter(user=person("ls_jw"), instance=case, text__contains="恶意诬告")
    assert to_county.count() == 1 and case.business_key in to_county.get().text
    assert not Notification.objects.filter(user=person("pds_jw"), text__contains="恶意诬告").exists()


def test_an_objection_not_flagged_is_not_referred(world):
    case = merit_under_notice()
    with clock.frozen_at(DURING):
        objection = verify(case, "untrue")
    assert not objection.malicious and objection.referred_to is None
    assert not Notification.objects.filter(text__contains="恶意诬告").exists()


@pytest.mark.parametrize("outcome", ["partly_true", "true"])
def test_malicious_flag_is_refused_unless_untrue_or_unverifiable(world, outcome):
    """Seed 000 #12: only an objection found untrue or unverifiable can be a false accusation; the
    submission is refused with the reason and nothing changes."""
    case = merit_under_notice()
    with clock.frozen_at(DURING), pytest.raises(FormInvalid) as caught:
        verify(case, outcome, malicious=True)
    assert "不属实" in str(caught.value.errors["verification_malicious"])
    objection = Objection.objects.get(instance=case)
    assert objection.outcome == "pending" and not objection.malicious and objection.referred_to is None
    assert task_of(case, "Task_verify") and not Notification.objects.filter(text__contains="恶意诬告").exists()


# --- 暂缓 (suspend) -------------------------------------------------------------------------


def suspend(case, process):
    with clock.frozen_at(DURING):
        verify(case, "partly_true")
        services.complete_task(person("ls_sp"), task_of(case, "Task_objection_decision").pk, action="suspend", opinion="待进一步核实后再定")
    suspended = task_of(case, "Task_suspended")
    assert suspended.unit == unit("HA-PDS-LS") and suspended.role == "approver"
    return suspended


@pytest.mark.parametrize("process", sorted(UNDER_NOTICE))
def test_suspended_case_resumes_and_goes_on_after_the_notice(world, process):
    """DOMAIN.md §6: "the approver decides: lower the award, suspend, or terminate" — 暂缓 then 恢复办理."""
    case = UNDER_NOTICE[process]()
    suspended = suspend(case, process)
    services.fire_due_timers(now=AFTER)  # nothing waits on the notice timer while the case is suspended
    assert task_of(case, "Task_suspended") and refresh(case).status != InstanceStatus.COMPLETED
    with clock.frozen_at(at("2026-10-12 09:00")):
        with pytest.raises(FormInvalid):
            services.complete_task(person("ls_sp"), suspended.pk, action="resume")  # the reason is required
        services.complete_task(person("ls_sp"), suspended.pk, action="resume", opinion="经进一步核实，不影响，恢复办理")
    services.fire_due_timers(now=at("2026-10-12 09:01"))
    if process == "merit_citation":
        with clock.frozen_at(at("2026-10-12 10:00")):
            services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
        assert Award.objects.filter(cadre=case.subject_cadre, awarded_on__year=2026).exists()
    else:
        assert Promotion.objects.filter(cadre=case.subject_cadre, exceptional=True).exists()


@pytest.mark.parametrize("process", sorted(UNDER_NOTICE))
def test_suspended_case_can_be_terminated(world, process):
    """DOMAIN.md §6: a suspended case may end (不予奖励 / 终止任用), with the reason, and nothing is recorded."""
    case = UNDER_NOTICE[process]()
    suspended = suspend(case, process)
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person("ls_sp"), suspended.pk, action="terminate", opinion="问题属实，终止")
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_terminated"
    assert not Award.objects.filter(cadre=case.subject_cadre, awarded_on__year=2026).exists()
    assert not Promotion.objects.filter(cadre=case.subject_cadre, exceptional=True).exists()


# --- objections refused outside the notice --------------------------------------------------


def refused(case, match, **kwargs):
    before = (Objection.objects.count(), HistoryEvent.objects.filter(instance=case).count(), open_steps(case))
    with pytest.raises(InvalidAction, match=match):
        desk.record_objection(person("ls_gs"), case.pk, content="反映其有问题", **kwargs)
    assert before == (Objection.objects.count(), HistoryEvent.objects.filter(instance=case).count(), open_steps(case))


def test_objection_on_a_completed_case_is_refused(world):
    """DOMAIN.md §6: objections are raised during the notice; a case already ended takes none,
    even on a day inside its notice."""
    case = merit_under_notice()
    with clock.frozen_at(DURING):
        verify(case, "true")
        services.complete_task(person("ls_sp"), task_of(case, "Task_objection_decision").pk, action="terminate", opinion="不予奖励")
        assert refresh(case).status == InstanceStatus.COMPLETED
        refused(case, "已办结")


def test_objection_on_a_case_past_its_notice_is_refused_even_if_dated_inside_it(world):
    """DOMAIN.md §6: a case whose notice has ended (now at 审批) takes no objection, also when the
    objection says it was received during the notice."""
    case = merit_under_notice()
    services.fire_due_timers(now=AFTER)
    assert task_of(case, "Task_approve")
    with clock.frozen_at(at("2026-10-12 09:00")):
        refused(case, "不在公示")
        refused(case, "已不在公示阶段", received_on=at("2026-10-09 10:00").date())


def test_objection_received_before_the_notice_started_is_refused(world):
    """DOMAIN.md §6: the objection's date is recorded; one dated before the notice began is not an
    objection to this notice."""
    case = merit_under_notice()
    with clock.frozen_at(DURING):
        refused(case, "早于公示开始日期", received_on=at("2026-09-28 10:00").date())
        refused(case, "晚于今天", received_on=at("2026-10-01 10:00").date())
        assert desk.record_objection(person("ls_gs"), case.pk, content="反映其有问题", received_on=at("2026-09-29 10:00").date())


def test_the_referral_shows_on_the_case_page_and_in_the_api(world, client):
    """Seed 000 #12: the flag and the body it went to are visible where the case is read."""
    case = merit_under_notice()
    with clock.frozen_at(DURING):
        verify(case, "untrue", malicious=True)
    client.force_login(person("ls_sh"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "疑似恶意诬告" in page and "已移交" + unit("HA-PDS-LS-JW").name in page
    body = client.get(f"/api/v1/processes/{case.pk}/").json()
    flagged = [o for o in body["objections"] if o["malicious"]]
    assert flagged and flagged[0]["referred_to"]["name"] == unit("HA-PDS-LS-JW").name and flagged[0]["referred_at"]
