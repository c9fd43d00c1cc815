"""Award rules of issue 12: one deed, one reward per cadre and approving level (DOMAIN.md §1.4),
and eligibility checked again before approval and before issue, stopping the case with the
reason in the pages and the API."""

import datetime
from decimal import Decimal

import pytest

from awards.models import Nomination
from documents.models import IssuedDocument
from notices import desk as notices
from records.models import Award, Investigation, Sanction
from tests.merit_helpers import QT_CLEAN, REVIEW, at, cadre, load_world, person, refresh, start_and_nominate, task_of, unit, unit_decides
from workflows import clock, services
from workflows.models import HumanTask, InstanceStatus, RuleCheck

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
# Who acts where: a township 嘉奖/记三等功 goes to the county (鲁山), a 记二等功 to the city (平顶山), DOMAIN.md §1.2.
AREA = {"county": ("ls_jw", "ls_sh", "ls_gs", "ls_sp"), "city": ("pds_jw", "pds_sh", "pds_gs", "pds_sp")}


@pytest.fixture
def world():
    load_world()


def nominate(subject, **fields):
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject, **fields)
        return unit_decides("ls_qt_ld", case)


def to_approval(case, area):
    discipline, reviewer, publicity, _approver = AREA[area]
    with clock.frozen_at(MONDAY):
        services.complete_task(person(discipline), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(person(reviewer), task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示")
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person(publicity), [task_of(case, "Task_publish").pk], contact="组织部")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    return refresh(case)


def approve(case, area):
    with clock.frozen_at(at("2026-10-12 09:00")):
        services.complete_task(person(AREA[area][3]), task_of(case, "Task_approve").pk, action="approve", opinion="同意")
    return refresh(case)


def prior_award(subject, kind, level, reference="2026防汛", bonus=None, number="鲁组〔2026〕9号"):
    return Award.objects.create(
        cadre=subject,
        kind=kind,
        awarded_on=datetime.date(2026, 9, 1),
        decision_number=number,
        deed_reference=reference,
        approving_level=level,
        bonus=bonus,
    )


def failed_rules(case, checkpoint="nomination"):
    check = RuleCheck.objects.filter(instance=case, checkpoint=checkpoint).latest("checked_at", "id")
    return [f["rule"] for f in check.failures], check.reasons


# --- DOMAIN.md §1.4 one deed, one reward ------------------------------------------------------


def test_another_cadres_award_for_the_same_reference_does_not_refuse(world):
    """DOMAIN.md §1.4 and §1.5: the batch gives every cadre the reference "年度考核2025优秀"; one
    cadre's award must not block the others (the rule is per cadre)."""
    other = cadre(QT_CLEAN[1])
    prior_award(other, "commendation", "county", reference="年度考核2025优秀")
    case = nominate(cadre(QT_CLEAN[0]), deed_reference="年度考核2025优秀")
    assert HumanTask.objects.filter(instance=case, bpmn_id="Task_integrity").exists()
    assert RuleCheck.objects.get(instance=case, checkpoint="nomination").passed


@pytest.mark.parametrize("prior_level", ["county", "city"])
def test_a_deed_rewarded_at_the_same_or_a_higher_level_is_refused(world, prior_level):
    """DOMAIN.md §1.4 "A deed already rewarded by a higher level may not be rewarded again by a
    lower level": a 嘉奖 approved by the county (§1.2) after a county or city award is refused."""
    subject = cadre(QT_CLEAN[0])
    prior_award(subject, "commendation", prior_level)
    case = nominate(subject, award_kind="merit_3", deed_reference="2026防汛")
    rules, reasons = failed_rules(case)
    assert rules == ["deed_rewarded_at_level"]
    assert "鲁组〔2026〕9号" in reasons[0] and "县级审批机关不得再次奖励" in reasons[0]
    assert HumanTask.objects.filter(instance=case, bpmn_id="Task_nominate").exists()


def test_an_imported_award_without_its_level_counts_as_the_highest(world):
    """DOMAIN.md §1.4, read safely: an award whose approving level was never recorded blocks the deed."""
    subject = cadre(QT_CLEAN[0])
    prior_award(subject, "commendation", "")
    rules, reasons = failed_rules(nominate(subject, award_kind="merit_2", deed_reference="2026防汛"))
    assert rules == ["deed_rewarded_at_level"] and "未记录层级" in reasons[0]


def test_a_higher_level_must_raise_the_award(world):
    """DOMAIN.md §1.4 "no repeated bonus for one deed": the city may not give the same or a lower kind again."""
    subject = cadre(QT_CLEAN[0])
    prior_award(subject, "merit_2", "county")
    rules, reasons = failed_rules(nominate(subject, award_kind="merit_2", deed_reference="2026防汛"))
    assert rules == ["deed_not_raised"] and "须高于原奖励等次" in reasons[0]


def test_a_higher_level_raises_the_award_and_pays_only_the_bonus_difference(world):
    """DOMAIN.md §1.4: county 嘉奖 (1,500) then city 记二等功 (6,000) for the same deed pays 4,500;
    the award records its level, the nominating unit and the medal of §1.1."""
    subject = cadre(QT_CLEAN[0])
    prior_award(subject, "commendation", "county", bonus=Decimal("1500"))
    case = nominate(subject, award_kind="merit_2", deed_reference="2026防汛")
    assert task_of(case, "Task_integrity").unit == unit("HA-PDS-JW")  # routed to the city
    case = approve(to_approval(case, "city"), "city")
    assert case.outcome == "End_awarded", case.error_message
    award = Award.objects.get(cadre=subject, kind="merit_2")
    assert award.bonus == Decimal("4500.00")
    assert award.approving_level == "city" and award.nominating_unit == unit("HA-PDS-LS-QT") and award.medal


def test_the_bonus_difference_is_never_negative(world):
    """DOMAIN.md §1.4: a raised award pays nothing more when the earlier bonus was larger."""
    subject = cadre(QT_CLEAN[0])
    prior_award(subject, "commendation", "county", bonus=Decimal("9000"))
    case = approve(to_approval(nominate(subject, award_kind="merit_2", deed_reference="2026防汛"), "city"), "city")
    assert Award.objects.get(cadre=subject, kind="merit_2").bonus == Decimal("0")
    assert case.outcome == "End_awarded"


def test_a_commendation_carries_no_medal_and_its_full_bonus(world):
    """DOMAIN.md §1.1: 嘉奖 1,500 and a certificate only; 记三等功 and above a medal too."""
    subject = cadre(QT_CLEAN[0])
    approve(to_approval(nominate(subject), "county"), "county")
    award = Award.objects.get(cadre=subject)
    assert award.bonus == Decimal("1500.00") and not award.medal and award.approving_level == "county"


# --- rechecks before approval and before issue ------------------------------------------------


def test_a_sanction_recorded_during_the_notice_stops_the_case_before_approval(world):
    """DOMAIN.md §1.4 (no award during an effect period), rechecked when the notice ends: the case
    stops with the reason; no approval task, no quota place, no document."""
    subject = cadre(QT_CLEAN[0])
    case = nominate(subject)
    discipline, reviewer, publicity, _ = AREA["county"]
    with clock.frozen_at(MONDAY):
        services.complete_task(person(discipline), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        services.complete_task(person(reviewer), task_of(case, "Task_review").pk, action="approve", data=REVIEW, opinion="同意公示")
    with clock.frozen_at(at("2026-09-29 08:30")):
        notices.publish_notice(person(publicity), [task_of(case, "Task_publish").pk], contact="组织部")
    Sanction.objects.create(cadre=subject, kind="warning", decision_date=datetime.date(2026, 10, 8))
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_recheck_failed"
    assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_approve").exists()
    rules, reasons = failed_rules(case, "approval")
    assert rules == ["sanction_effect_period"] and "警告" in reasons[0]
    record = Nomination.objects.get(instance=case)
    assert not record.is_open and not record.quota_counted and record.award is None
    assert not IssuedDocument.objects.filter(kind="award_decision").exists()


def test_an_investigation_opened_before_the_approver_acts_stops_the_case_before_issue(world):
    """DOMAIN.md §1.4 (under investigation: no award), rechecked after approval and before issue."""
    subject = cadre(QT_CLEAN[0])
    case = to_approval(nominate(subject), "county")
    assert RuleCheck.objects.get(instance=case, checkpoint="approval").passed
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 10, 11))
    case = approve(case, "county")
    assert case.outcome == "End_recheck_failed"
    rules, _ = failed_rules(case, "issue")
    assert rules == ["open_investigation"]
    assert not Award.objects.filter(cadre=subject).exists()
    assert not IssuedDocument.objects.filter(kind="award_decision").exists()


def test_the_stop_reason_is_shown_on_the_case_page_and_in_the_api(world, client):
    """Issue 12: "A failure at a recheck stops the case with the reason, shown in the pages and the API"."""
    subject = cadre(QT_CLEAN[0])
    case = to_approval(nominate(subject), "county")
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 10, 11))
    case = approve(case, "county")
    client.force_login(person("ls_qt_jbr"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "发文前资格复核" in page and "正在接受立案审查调查" in page
    body = client.get(f"/api/v1/processes/{case.pk}/").json()
    issue_checks = [c for c in body["rule_checks"] if c["checkpoint"] == "issue"]
    assert issue_checks and issue_checks[0]["passed"] is False
    assert issue_checks[0]["checkpoint_label"] == "发文前资格复核"
    assert issue_checks[0]["failures"][0]["rule"] == "open_investigation"
    assert "正在接受立案审查调查" in issue_checks[0]["failures"][0]["reason"]
