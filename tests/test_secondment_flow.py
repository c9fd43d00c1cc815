"""Secondment round: the branches around the main path (issue 7) — the unit leadership sends a
nomination back, a unit has nobody, the integrity opinion sends the selection back, a round
without a notice, objections during the notice (DOMAIN.md §6, seed 000 #12), rejection, early
recall and the end-of-term assessment (DOMAIN.md §5)."""

import datetime

import pytest

from documents.models import IssuedDocument
from notices import desk
from notices.models import Objection
from records.models import Secondment
from secondments import actions
from secondments.models import CandidateStatus, InvitationStatus
from secondments.queries import candidates, nomination_status
from tests.test_secondment_helpers import (
    OWNER,
    SELECTOR,
    at,
    call_task,
    candidate,
    confirm,
    integrity,
    load_world,
    nominate,
    open_round,
    person,
    publish,
    refresh,
    select,
    task,
    to_selection,
    unit,
)
from workflows import clock, engine, services
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.models import HumanTask, InstanceStatus

pytestmark = pytest.mark.django_db
QT, TL, JYJ = "HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ"


@pytest.fixture
def world():
    load_world()


def status_of(case, code):
    return next(u for u in nomination_status(refresh(case))["units"] if u["unit"].code == code)


def approve(case, when="2026-09-18 10:00"):
    with clock.frozen_at(at(when)):
        services.complete_task(person("pds_sp"), task(case, "Task_approve").pk, action="approve", opinion="同意选派")
    return refresh(case)


def test_the_leadership_sends_a_nomination_back_and_units_without_candidates_say_so(world):
    """Issue 7 steps 2–3. With every invited unit answered, the call closes before the deadline."""
    first, second = candidate("赵青山", QT, born="1992-03-01"), candidate("王一鸣", QT, born="1994-08-08")
    case = open_round(invited_unit_ids=[str(unit(code).pk) for code in (QT, TL, JYJ)])
    nominate(case, QT, [first, second])
    assert status_of(case, QT)["status"] == InvitationStatus.NOMINATED and status_of(case, QT)["waiting_on"] == "单位党组织确认"
    confirm_task = call_task(case, QT, "Task_unit_confirm")
    with clock.frozen_at(at("2026-09-08 10:00")):
        with pytest.raises(FormInvalid) as caught:  # a return needs its reason
            services.complete_task(person("ls_qt_ld"), confirm_task.pk, action="send_back")
        assert "opinion" in caught.value.errors
        with pytest.raises(FormInvalid) as caught:  # a confirmation needs the meeting
            services.complete_task(person("ls_qt_ld"), confirm_task.pk, action="confirm")
        assert set(caught.value.errors) == {"meeting_date", "attendees"}
        services.complete_task(person("ls_qt_ld"), confirm_task.pk, action="send_back", opinion="只推荐一名")
    assert status_of(case, QT)["status"] == InvitationStatus.RETURNED
    nominate(case, QT, [second], when="2026-09-09 10:00")
    assert [c["cadre"] for c in status_of(case, QT)["candidates"]] == [second]  # the resubmission replaced the first
    confirm(case, QT, when="2026-09-10 10:00")
    with clock.frozen_at(at("2026-09-10 11:00")):
        services.complete_task(person("bf_tl_jbr"), call_task(case, TL).pk, action="none", opinion="本单位暂无符合条件的人选")
    assert status_of(case, TL)["label"] == "本单位无人选"
    nominate(case, JYJ, [candidate("孙立德", JYJ, born="1987-06-01", rank="county_deputy")])
    assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_select").exists()
    confirm(case, JYJ)
    assert task(case, "Task_select")  # every unit answered: no waiting for 15 September
    assert nomination_status(refresh(case))["closed"]


def test_an_integrity_objection_sends_the_selection_back(world):
    """Issue 7 step 5: the discipline body's objection takes the cadre out; the reviewer selects again."""
    case, people = to_selection()
    select(case, [(people["jyj"], "P1"), (people["qt"], "P2"), (people["tl"], "P1")])
    with clock.frozen_at(at("2026-09-17 10:00")):
        with pytest.raises(FormInvalid) as caught:
            integrity_form = {
                f"integrity_{c.pk}": "objection" if c.cadre == people["tl"] else "no_objection"
                for c in candidates(case)
                if c.status == CandidateStatus.SELECTED
            }
            services.complete_task(person("pds_jw"), task(case, "Task_integrity").pk, data=integrity_form)
        assert caught.value.errors["opinion"] == ["有不同意见时须说明理由"]
    integrity(case, {people["tl"]: "objection"}, opinion="钱晓岚同志有信访举报正在初核")
    by_cadre = {c.cadre: c for c in candidates(case)}
    assert by_cadre[people["tl"]].status == CandidateStatus.EXCLUDED and by_cadre[people["tl"]].integrity == "objection"
    again = task(case, "Task_select")
    from secondments.forms import SelectionForm

    form = SelectionForm(instance=refresh(case), task=again, user=person(SELECTOR))
    assert f"rank_{by_cadre[people['tl']].pk}" not in form.fields
    select(case, [(people["jyj"], "P1"), (people["qt"], "P2")], when="2026-09-18 10:00")
    integrity(case, when="2026-09-18 15:00")
    assert task(case, "Task_publish")


def test_a_round_without_a_notice_goes_from_the_integrity_opinion_to_approval(world):
    """Issue 7 step 6: a notice "when the plan says so"."""
    people = {"qt": candidate("赵青山", QT, born="1992-03-01")}
    case = open_round(notice_required=False, places=1, invited_unit_ids=[str(unit(QT).pk)])
    nominate(case, QT, [people["qt"]])
    confirm(case, QT)
    select(case, [(people["qt"], "P2")], when="2026-09-09 10:00")
    integrity(case, when="2026-09-10 10:00")
    assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_publish").exists()
    case = approve(case, when="2026-09-11 10:00")
    assert not case.notices.exists()
    assert Secondment.objects.get(cadre=people["qt"]).host_unit == unit("HA-PDS-YJJ")


def test_objections_during_the_notice_are_verified_per_person(world):
    """DOMAIN.md §6: an untrue objection is closed with a clarification letter to that cadre's unit
    (seed 000 #12); a true one lets the approver take that cadre out and continue."""
    case, people = to_selection()
    select(case, [(people["jyj"], "P1"), (people["qt"], "P2"), (people["tl"], "P1")])
    integrity(case)
    publish(case)
    by_cadre = {c.cadre: c for c in candidates(case)}
    with clock.frozen_at(at("2026-09-21 10:00")):
        first = desk.record_objection(person("pds_gs"), case.pk, content="反映其在任职期间存在工作作风问题", contact="匿名")
        verify = task(case, "Task_verify")
        assert verify.unit == unit("HA-PDS-ZZB")
        second = desk.record_objection(person("pds_gs"), case.pk, content="反映其违规经商办企业")  # queued
        services.complete_task(
            person(SELECTOR),
            verify.pk,
            data={
                "objection_id": first.pk,
                "objection_candidate_id": by_cadre[people["qt"]].pk,
                "verification_outcome": "untrue",
                "verification_finding": "经调阅考勤和走访群众，反映问题不属实。",
            },
        )
        first.refresh_from_db()
        assert first.outcome == "untrue" and first.clarification.kind == "clarification_letter"
        letter = IssuedDocument.objects.get(pk=first.clarification_id)
        assert letter.title == "关于赵青山同志有关问题反映的澄清反馈函" and letter.number.startswith("平组〔2026〕")
        services.complete_task(
            person(SELECTOR),
            task(case, "Task_verify").pk,
            data={
                "objection_id": second.pk,
                "objection_candidate_id": by_cadre[people["tl"]].pk,
                "verification_outcome": "true",
                "verification_finding": "经核查，其配偶名下企业与辖区项目存在关联，情况属实。",
            },
        )
        decision = task(case, "Task_objection_decision")
        assert decision.unit == unit("HA-PDS")
        services.complete_task(person("pds_sp"), decision.pk, action="drop", opinion="取消钱晓岚同志人选，其余继续公示")
    assert Objection.objects.get(pk=second.pk).outcome == "true"
    assert {c.cadre: c.status for c in candidates(case)}[people["tl"]] == CandidateStatus.DROPPED
    services.fire_due_timers(now=at("2026-09-24 00:01"))
    case = approve(case, when="2026-09-24 10:00")
    assert set(Secondment.objects.filter(candidacy__round__instance=case).values_list("cadre__name", flat=True)) == {"赵青山", "孙立德"}


def test_the_approver_may_reject_and_the_reviewer_may_end_a_round(world):
    case, people = to_selection()
    with clock.frozen_at(at("2026-09-16 10:00")):
        with pytest.raises(FormInvalid):  # ending a round needs a reason
            services.complete_task(person(SELECTOR), task(case, "Task_select").pk, action="terminate")
        services.complete_task(person(SELECTOR), task(case, "Task_select").pk, action="terminate", opinion="岗位调整，本轮暂停")
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_cancelled"

    case, people = to_selection()
    select(case, [(people["qt"], "P2"), (people["jyj"], ""), (people["tl"], "")])
    integrity(case)
    publish(case)
    services.fire_due_timers(now=at("2026-09-24 00:01"))
    with clock.frozen_at(at("2026-09-24 10:00")):
        services.complete_task(person("pds_sp"), task(case, "Task_approve").pk, action="reject", opinion="暂缓选派")
    case = refresh(case)
    assert case.outcome == "End_not_approved" and not Secondment.objects.filter(cadre=people["qt"]).exists()


def dispatched(notice=False):
    case, people = to_selection()
    select(case, [(people["jyj"], "P1"), (people["qt"], "P2"), (people["tl"], "P1")])
    integrity(case)
    publish(case)
    services.fire_due_timers(now=at("2026-09-24 00:01"))
    return approve(case, when="2026-09-24 10:00"), people


def test_early_recall_opens_that_secondee_s_assessment_at_once(world):
    """Issue 7 step 9: "early recall is possible as an action"; the others keep their term."""
    case, people = dispatched()
    record = Secondment.objects.get(cadre=people["qt"])
    with clock.frozen_at(at("2027-03-01 10:00")):
        with pytest.raises(ActionNotAllowed):
            actions.recall(person("ls_qt_jbr"), record.pk, reason="工作需要")
        with pytest.raises(InvalidAction):
            actions.recall(person(OWNER), record.pk, reason=" ")
        actions.recall(person(OWNER), record.pk, reason="原单位承担防汛重点任务，提前召回")
    record.refresh_from_db()
    assert record.ended_on == datetime.date(2027, 3, 1)
    open_tasks = list(HumanTask.objects.filter(instance=case, bpmn_id="Task_term_assessment"))
    assert [t.unit.code for t in open_tasks] == ["HA-PDS-YJJ"]  # only his, at his host unit
    candidacy = next(c for c in candidates(case) if c.cadre == people["qt"])
    assert candidacy.recalled_on == datetime.date(2027, 3, 1) and "防汛" in candidacy.recall_reason
    with clock.frozen_at(at("2027-03-02 10:00")):
        with pytest.raises(InvalidAction):
            actions.recall(person(OWNER), record.pk, reason="重复召回")
        services.complete_task(
            person("pds_yjj_ld"),
            open_tasks[0].pk,
            data={"term_grade": "competent", "term_comments": "挂职期间工作认真负责，按要求完成了阶段性任务。"},
        )
    record.refresh_from_db()
    assert (record.assessment_grade, record.ended_on) == ("competent", datetime.date(2027, 3, 1))
    case = refresh(case)
    assert case.status == InstanceStatus.WAITING and case.next_timer_due == at("2027-10-15 00:00")
    services.fire_due_timers(now=at("2027-10-15 00:01"))
    assert sorted(t.unit.code for t in HumanTask.objects.filter(instance=case, bpmn_id="Task_term_assessment")) == [
        "HA-PDS-LS-ZGY",
        "HA-PDS-LS-ZGY",
    ]


def test_the_term_assessment_is_checked_and_reaches_the_home_unit(world):
    """DOMAIN.md §5: "the host unit assesses the secondee; the result goes back to the home unit's record"."""
    from workflows.models import Notification

    case, people = dispatched()
    services.fire_due_timers(now=at("2027-10-15 00:01"))
    workflow = engine.load_workflow(case.definition, refresh(case).state)
    own = next(
        t
        for t in HumanTask.objects.filter(instance=case, bpmn_id="Task_term_assessment")
        if workflow.get_task_from_id(t.task_uuid).data["secondment"]["cadre_id"] == people["qt"].pk
    )
    with clock.frozen_at(at("2027-10-18 10:00")):
        with pytest.raises(FormInvalid) as caught:
            services.complete_task(person("pds_yjj_ld"), own.pk, data={"term_grade": "excellent", "term_comments": "好"})
        assert caught.value.errors["term_comments"] == ["请具体填写考核评语（至少10字）"]
        services.complete_task(
            person("pds_yjj_ld"),
            own.pk,
            data={"term_grade": "excellent", "term_comments": "挂职期间主动作为，牵头完成应急预案修订，成效明显。"},
        )
    assert Secondment.objects.get(cadre=people["qt"]).assessment_grade == "excellent"
    assert Notification.objects.filter(user=person("ls_qt_jbr"), text__contains="赵青山同志在平顶山市应急管理局挂职期满考核为优秀").exists()


def test_an_administrator_can_terminate_a_round_during_the_call(world):
    """services.terminate on a round whose units are still nominating (parallel sub-processes)."""
    case = open_round()
    nominate(case, QT, [candidate("赵青山", QT)])
    services.terminate(person("admin"), case.pk, reason="计划调整，本轮取消")
    case = refresh(case)
    assert case.status == InstanceStatus.TERMINATED and not HumanTask.objects.filter(instance=case).exists()


def test_steps_can_be_saved_as_drafts(world):
    """暂存 (services.save_draft) on the round's steps: incomplete input is kept, not judged."""
    case = open_round()
    step = call_task(case, QT)
    with clock.frozen_at(at("2026-09-02 10:00")):
        services.save_draft(person("ls_qt_jbr"), step.pk, data={"recommendation": "初稿"})
    case, people = to_selection()
    with clock.frozen_at(at("2026-09-16 10:00")):
        services.save_draft(person(SELECTOR), task(case, "Task_select").pk, data={})
    data = engine.load_workflow(refresh(case).definition, refresh(case).state).get_task_from_id(task(case, "Task_select").task_uuid).data
    assert "draft_opinion" in data and task(case, "Task_select")
