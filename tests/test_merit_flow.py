"""Merit citation: return and resubmission, withdraw, objections, quota, recusal, annual
candidates (issue 3; DOMAIN.md §1.3, §1.5, §6, §9)."""

import pytest

from awards import candidates
from awards.models import AwardQuota, Nomination
from documents.models import IssuedDocument
from notices import desk as notices
from notices.models import Objection
from records.models import Award
from tests.merit_helpers import (
    QT_CLEAN,
    REVIEW,
    at,
    cadre,
    load_world,
    nomination,
    person,
    refresh,
    start_and_nominate,
    task_of,
    to_publish,
    unit,
    unit_decides,
)
from workflows import clock, engine, services
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.models import HistoryAction, HumanTask, InstanceStatus, ProcessInstance

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def test_review_returns_to_the_nominator_and_the_resubmitted_case_keeps_its_history(world):
    """DOMAIN.md §1.3: return loops go back to the nominator with the reason visible."""
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        unit_decides("ls_qt_ld", case)
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        review = task_of(case, "Task_review")
        with pytest.raises(FormInvalid) as caught:
            services.complete_task(person("ls_sh"), review.pk, action="return")  # a reason is required
        assert "opinion" in caught.value.errors
        services.complete_task(person("ls_sh"), review.pk, action="return", opinion="事迹材料缺少单位证明")
        nominate = task_of(case, "Task_nominate")
        data = engine.load_workflow(refresh(case).definition, refresh(case).state).get_task_from_id(nominate.task_uuid).data
        assert data["return_reason"] == "事迹材料缺少单位证明" and data["returned_from_name"] == "审核"
        assert data["deeds"].startswith("在2026年汛期")  # the earlier nomination is kept for correction
        services.complete_task(person("ls_qt_jbr"), nominate.pk, data=nomination(deed_reference="补充材料后"))
        unit_decides("ls_qt_ld", case)
    actions = list(refresh(case).history.values_list("action", "task_bpmn_id"))
    assert (HistoryAction.RETURN, "Task_review") in actions
    assert actions.count((HistoryAction.COMPLETE, "Task_nominate")) == 2
    assert task_of(case, "Task_integrity")


def test_invalid_nomination_changes_nothing(world):
    """Bad input gets a clear error and changes nothing."""
    case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
    before = refresh(case)
    with pytest.raises(FormInvalid) as caught:
        services.complete_task(
            person("ls_qt_jbr"),
            task_of(case, "Task_nominate").pk,
            # 授予称号 is nominable since issue 12 (DOMAIN.md §1.1); an unknown kind is still refused.
            data=nomination(award_kind="honour", deeds="太短", period_from="2026-09-01", period_to="2026-08-01"),
        )
    assert set(caught.value.errors) >= {"award_kind", "deeds", "period_to"}
    after = refresh(case)
    assert (after.version, after.state) == (before.version, before.state)
    assert task_of(case, "Task_nominate")


def test_starter_withdraws_before_the_unit_leader_acts(world):
    """撤回 by the starter while the next step has not acted (issue 3)."""
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        services.withdraw(person("ls_qt_jbr"), case.pk, opinion="补充附件")
        assert task_of(case, "Task_nominate") and not HumanTask.objects.filter(instance=case, bpmn_id="Task_unit_decision").exists()
        services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=nomination())
        unit_decides("ls_qt_ld", case)
        with pytest.raises(InvalidAction):
            services.withdraw(person("ls_qt_jbr"), case.pk)  # the leader has acted


def publish(cases, on="2026-09-29 08:30"):
    with clock.frozen_at(at(on)):
        return notices.publish_notice(person("ls_gs"), [task_of(c, "Task_publish").pk for c in cases], contact="鲁山县委组织部")


def test_objection_found_untrue_continues_with_a_clarification_letter(world):
    """DOMAIN.md §6; seed 000 #12: untrue → the process continues, written feedback (澄清) to the unit."""
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    publish([case])
    with clock.frozen_at(at("2026-09-30 10:00")):
        with pytest.raises(ActionNotAllowed):
            notices.record_objection(person("bf_gs"), case.pk, content="x")
        objection = notices.record_objection(person("ls_gs"), case.pk, content="反映其在防汛中虚报转移人数", contact="匿名")
        verify = task_of(case, "Task_verify")
        assert verify.unit == unit("HA-PDS-LS-ZZB")
        # a second objection while the first is being verified waits in the queue
        second = notices.record_objection(person("ls_gs"), case.pk, content="反映同一问题")
        services.complete_task(
            person("ls_sh"),
            verify.pk,
            data={"objection_id": objection.pk, "verification_outcome": "untrue", "verification_finding": "经核查转移台账，人数属实。"},
        )
        objection.refresh_from_db()
        assert objection.outcome == "untrue" and objection.clarification.kind == "clarification_letter"
        verify_again = task_of(case, "Task_verify")  # the queued objection is picked up next
        services.complete_task(
            person("ls_sh"),
            verify_again.pk,
            data={"objection_id": second.pk, "verification_outcome": "untrue", "verification_finding": "同上，不属实。"},
        )
    case = refresh(case)
    assert case.status == InstanceStatus.WAITING and case.next_timer_due == at("2026-10-11 00:00")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    assert task_of(case, "Task_approve")


def test_objection_found_true_lets_the_approver_terminate(world):
    """DOMAIN.md §6: 属实 → the approver decides (lower, suspend or terminate)."""
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
    publish([case])
    with clock.frozen_at(at("2026-09-30 10:00")):
        objection = notices.record_objection(person("ls_gs"), case.pk, content="反映其存在违规发放补贴问题")
        services.complete_task(
            person("ls_sh"),
            task_of(case, "Task_verify").pk,
            data={"objection_id": objection.pk, "verification_outcome": "true", "verification_finding": "经核查情况属实。"},
        )
        decision = task_of(case, "Task_objection_decision")
        assert decision.unit == unit("HA-PDS-LS")
        with pytest.raises(FormInvalid):
            services.complete_task(person("ls_sp"), decision.pk, action="terminate")  # opinion required
        services.complete_task(person("ls_sp"), decision.pk, action="terminate", opinion="反映问题属实，不予奖励")
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_terminated"
    assert not Award.objects.filter(cadre=case.subject_cadre, awarded_on__year=2026).exists()
    assert Objection.objects.get(pk=objection.pk).clarification is None


def test_objection_partly_true_lowers_the_award(world):
    """DOMAIN.md §6: 部分属实 → the approver may lower the award kind."""
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]), award_kind="merit_3")
    publish([case])
    with clock.frozen_at(at("2026-09-30 10:00")):
        objection = notices.record_objection(person("ls_gs"), case.pk, content="反映事迹有夸大")
        services.complete_task(
            person("ls_sh"),
            task_of(case, "Task_verify").pk,
            data={"objection_id": objection.pk, "verification_outcome": "partly_true", "verification_finding": "部分夸大。"},
        )
        decision = task_of(case, "Task_objection_decision")
        with pytest.raises(FormInvalid):
            services.complete_task(person("ls_sp"), decision.pk, action="lower", data={"lowered_kind": "merit_2"}, opinion="x")
        services.complete_task(person("ls_sp"), decision.pk, action="lower", data={"lowered_kind": "commendation"}, opinion="调整为嘉奖")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    assert Award.objects.get(cadre=case.subject_cadre, awarded_on__year=2026).kind == "commendation"


def test_objection_outside_the_notice_period_is_refused(world):
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
        with pytest.raises(InvalidAction, match="公示期"):
            notices.record_objection(person("ls_gs"), case.pk, content="x")


def test_notice_period_below_five_working_days_is_refused(world):
    """DOMAIN.md §1.3 step 4: not less than 5 working days."""
    with clock.frozen_at(MONDAY):
        case = to_publish(cadre(QT_CLEAN[0]))
        with pytest.raises(InvalidAction, match="5"):
            notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], working_days=3, contact="x")
    assert task_of(case, "Task_publish")


def test_quota_warns_at_the_limit_and_refuses_above(world):
    """Review shows the unit's annual quota: warn at the limit, refuse above it (issue 3)."""
    from awards.quota import quota_usage

    AwardQuota.objects.create(unit=unit("HA-PDS-LS-QT"), year=2026, limit=1)
    with clock.frozen_at(MONDAY):
        first = to_publish(cadre(QT_CLEAN[0]))
        second = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[1]))
        unit_decides("ls_qt_ld", second)
        services.complete_task(person("ls_jw"), task_of(second, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        usage = quota_usage(Nomination.objects.get(instance=second))
        assert (usage.used, usage.limit, usage.at_limit) == (1, 1, True)
        with pytest.raises(FormInvalid, match="名额"):
            services.complete_task(person("ls_sh"), task_of(second, "Task_review").pk, action="approve", data=REVIEW)
        services.complete_task(person("ls_sh"), task_of(second, "Task_review").pk, action="reject", opinion="名额已满")
    assert refresh(second).outcome == "End_review_rejected"
    assert refresh(first).status == InstanceStatus.RUNNING


def test_approver_recuses_from_a_relatives_case(world):
    """DOMAIN.md §9: nobody acts on a task about a listed relative (ls_sp's brother at 张官营镇)."""
    brother = unit("HA-PDS-LS-ZGY").cadres.get(relative_of__cadre__user__username="ls_sp")
    with clock.frozen_at(MONDAY):
        case = to_publish(brother, nominator="ls_zgy_jbr", unit_code="HA-PDS-LS-ZGY", leader="ls_zgy_ld")
        notices.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], start_date=at("2026-09-29 00:00").date(), contact="x")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    with pytest.raises(ActionNotAllowed, match="回避"):
        services.complete_task(person("ls_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意")


def test_annual_candidates_started_in_one_batch(world):
    """DOMAIN.md §1.5: one year 优秀 → 嘉奖; three consecutive years 优秀 → 记三等功."""
    township = unit("HA-PDS-LS-QT")
    for id_number in QT_CLEAN[:2]:  # two more 优秀 in 2025 beside the nominator himself
        cadre(id_number).assessments.filter(year=2025).update(grade="excellent")
    found = {c.cadre.id_number: c for c in candidates.annual_candidates(township, 2025)}
    assert set(QT_CLEAN[:2]) <= set(found)
    self_nominee = person("ls_qt_jbr").cadre  # 优秀 2023–2025 in the demo data
    assert found[self_nominee.id_number].award_kind == "merit_3"
    for candidate in found.values():
        grades = dict(candidate.cadre.assessments.values_list("year", "grade"))
        assert grades[2025] == "excellent"
        three = all(grades.get(y) == "excellent" for y in (2023, 2024, 2025))
        assert candidate.award_kind == ("merit_3" if three else "commendation")
    others = [c.cadre.pk for c in found.values() if c.cadre != self_nominee]
    with pytest.raises(ActionNotAllowed):  # DOMAIN.md §9: not for himself; the whole batch changes nothing
        candidates.start_batch(person("ls_qt_jbr"), township, 2025, others + [self_nominee.pk])
    assert not ProcessInstance.objects.exists()
    started = candidates.start_batch(person("ls_qt_jbr"), township, 2025, others)
    assert len(started) == len(found) - 1
    nominate = task_of(started[0], "Task_nominate")
    data = engine.load_workflow(refresh(started[0]).definition, refresh(started[0]).state).get_task_from_id(nominate.task_uuid).data
    assert data["deed_reference"].startswith("年度考核")
    with pytest.raises(InvalidAction):
        candidates.start_batch(person("ls_qt_jbr"), township, 2025, [cadre(QT_CLEAN[2]).pk])  # not a candidate
    assert IssuedDocument.objects.count() == 0
