"""Eligibility rules and approval authority of the merit citation, each through the deployed
DMN tables and the engine (issue 3). Every test names its DOMAIN.md line."""

import datetime

import pytest

from records.models import AnnualAssessment, Award, FaultToleranceExcuse, Investigation, Sanction
from tests.merit_helpers import (
    QT_CLEAN,
    at,
    cadre,
    load_world,
    nomination,
    person,
    refresh,
    start_and_nominate,
    task_of,
    unit,
    unit_decides,
)
from workflows import clock, engine, services
from workflows.models import HumanTask, InstanceStatus, RuleCheck

pytestmark = pytest.mark.django_db
TODAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def nominate_and_decide(subject, **fields):
    with clock.frozen_at(TODAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject, **fields)
        return unit_decides("ls_qt_ld", case)


def data_of(case, bpmn_id):
    case = refresh(case)
    task = HumanTask.objects.get(instance=case, bpmn_id=bpmn_id)
    return engine.load_workflow(case.definition, case.state).get_task_from_id(task.task_uuid).data


def assert_refused(case, rule):
    """An ineligible case goes back to the nominator with every failed rule and its reason,
    recorded as the case's rule check (not read back from the engine's task data)."""
    assert HumanTask.objects.filter(instance=case, bpmn_id="Task_nominate").exists()
    check = RuleCheck.objects.filter(instance=case, checkpoint="nomination").latest("checked_at", "id")
    assert not check.passed
    data = {"eligibility_rules_failed": [f["rule"] for f in check.failures], "eligibility_failures": check.reasons}
    assert rule in data["eligibility_rules_failed"]
    assert len(data["eligibility_failures"]) == len(data["eligibility_rules_failed"])
    assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_integrity").exists()
    return data


def assert_eligible(case):
    assert HumanTask.objects.filter(instance=case, bpmn_id="Task_integrity").exists()


def sanction(subject, kind, decided, excuse=FaultToleranceExcuse.NONE):
    return Sanction.objects.create(cadre=subject, kind=kind, decision_date=decided, excuse=excuse)


# --- DOMAIN.md §1.4 / §3: sanction effect periods ------------------------------------------


def test_running_sanction_effect_period_refuses(world):
    """DOMAIN.md §1.4 "During a sanction's effect period no promotion … the same is applied to awards";
    §3: 警告 6 months from the decision date."""
    subject = cadre(QT_CLEAN[0])
    sanction(subject, "warning", datetime.date(2026, 5, 1))  # runs through 2026-10-31
    data = assert_refused(nominate_and_decide(subject), "sanction_effect_period")
    # Issue 12 "Dates": the effect period ends the day before its anniversary (was 2026年11月1日).
    assert "警告" in data["eligibility_failures"][0] and "2026年10月31日" in data["eligibility_failures"][0]


def test_sanction_whose_effect_period_is_over_passes(world):
    """DOMAIN.md §3: 警告 affects 6 months; decided 2026-03-01, it is over by 2026-09-28."""
    subject = cadre(QT_CLEAN[0])
    sanction(subject, "warning", datetime.date(2026, 3, 1))
    assert_eligible(nominate_and_decide(subject))


def test_fault_excused_in_full_does_not_disqualify(world):
    """DOMAIN.md §1.4 fault tolerance (seed 000 #10): excused in full (免予追究) must not count."""
    subject = cadre(QT_CLEAN[0])
    sanction(subject, "demerit", datetime.date(2026, 5, 1), FaultToleranceExcuse.EXEMPT)
    assert_eligible(nominate_and_decide(subject))


def test_reduced_liability_still_disqualifies(world):
    """DOMAIN.md §1.4: "reduced liability still counts"."""
    subject = cadre(QT_CLEAN[0])
    sanction(subject, "demerit", datetime.date(2026, 5, 1), FaultToleranceExcuse.REDUCED)
    assert_refused(nominate_and_decide(subject), "sanction_effect_period")


# --- DOMAIN.md §1.4: investigations -----------------------------------------------------------


def test_open_investigation_refuses(world):
    """DOMAIN.md §1.4 "Under investigation (立案审查调查, not closed): no award"."""
    subject = cadre(QT_CLEAN[0])
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 8, 1))
    assert_refused(nominate_and_decide(subject), "open_investigation")


def test_closed_investigation_passes(world):
    """DOMAIN.md §1.4: only an investigation that is not closed disqualifies."""
    subject = cadre(QT_CLEAN[0])
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 3, 1), closed_on=datetime.date(2026, 6, 1))
    assert_eligible(nominate_and_decide(subject))


# --- DOMAIN.md §2: assessment grades ----------------------------------------------------------


@pytest.mark.parametrize("grade", ["basic", "incompetent"])
def test_basic_or_incompetent_grade_refuses(world, grade):
    """DOMAIN.md §2 (seed 004 art. 6): 基本称职 / 不称职 in the latest year bars the award."""
    subject = cadre(QT_CLEAN[0])
    AnnualAssessment.objects.update_or_create(cadre=subject, year=2025, defaults={"grade": grade})
    data = assert_refused(nominate_and_decide(subject), "assessment_grade")
    assert "2025年度考核为" in data["eligibility_failures"][0]


def test_competent_grade_passes(world):
    """DOMAIN.md §2: 称职 is no obstacle."""
    subject = cadre(QT_CLEAN[0])
    AnnualAssessment.objects.update_or_create(cadre=subject, year=2025, defaults={"grade": "competent"})
    assert_eligible(nominate_and_decide(subject))


# --- DOMAIN.md §1.4: one deed, one reward -----------------------------------------------------


def test_deed_already_rewarded_at_the_same_or_a_higher_level_refuses(world):
    """DOMAIN.md §1.4 "A deed already rewarded by a higher level may not be rewarded again by a lower level"
    (the level comparison and the bonus difference are covered in tests/test_award_fidelity.py)."""
    subject = cadre(QT_CLEAN[0])
    Award.objects.create(
        cadre=subject,
        kind="merit_3",
        awarded_on=datetime.date(2026, 9, 1),
        decision_number="平组〔2026〕9号",
        deed_reference="2026防汛",
        approving_level="city",
    )
    data = assert_refused(nominate_and_decide(subject, award_kind="commendation", deed_reference="2026防汛"), "deed_rewarded_at_level")
    assert "平组〔2026〕9号" in data["eligibility_failures"][0]


def test_deed_rewarded_lower_may_be_raised_by_a_higher_level(world):
    """DOMAIN.md §1.4: a county 嘉奖 does not block a 记二等功 approved by the city (§1.2)."""
    subject = cadre(QT_CLEAN[0])
    Award.objects.create(
        cadre=subject, kind="commendation", awarded_on=datetime.date(2026, 9, 1), deed_reference="2026防汛", approving_level="county"
    )
    assert_eligible(nominate_and_decide(subject, award_kind="merit_2", deed_reference="2026防汛"))


def test_revoked_award_does_not_block(world):
    """DOMAIN.md §1.4 revocation: a revoked award no longer counts for the deed."""
    subject = cadre(QT_CLEAN[0])
    Award.objects.create(cadre=subject, kind="commendation", awarded_on=datetime.date(2026, 9, 1), deed_reference="2026防汛", revoked=True)
    assert_eligible(nominate_and_decide(subject, deed_reference="2026防汛"))


def test_every_failed_rule_is_listed(world):
    """DOMAIN.md §1.4: the outcome lists every failed rule, not just the first."""
    subject = cadre(QT_CLEAN[0])
    sanction(subject, "admonishment", datetime.date(2026, 7, 1))
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 8, 1))
    AnnualAssessment.objects.update_or_create(cadre=subject, year=2025, defaults={"grade": "basic"})
    data = assert_refused(nominate_and_decide(subject), "open_investigation")
    assert set(data["eligibility_rules_failed"]) == {"sanction_effect_period", "open_investigation", "assessment_grade"}


def test_ineligible_case_can_be_corrected_or_withdrawn(world):
    """Never silently dropped: back to the nominator, who corrects (resubmits) or withdraws (撤销)."""
    subject = cadre(QT_CLEAN[0])
    investigation = Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 8, 1))
    case = nominate_and_decide(subject)
    assert_refused(case, "open_investigation")
    investigation.closed_on = datetime.date(2026, 9, 20)  # the investigation closes meanwhile
    investigation.save()
    with clock.frozen_at(TODAY):
        services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=nomination())
        unit_decides("ls_qt_ld", case)
    assert_eligible(case)

    other = nominate_and_decide(cadre(QT_CLEAN[1]))
    Investigation.objects.create(cadre=cadre(QT_CLEAN[2]), opened_on=datetime.date(2026, 8, 1))
    blocked = nominate_and_decide(cadre(QT_CLEAN[2]))
    assert_refused(blocked, "open_investigation")
    with clock.frozen_at(TODAY):
        services.complete_task(person("ls_qt_jbr"), task_of(blocked, "Task_nominate").pk, action="cancel", opinion="不再推荐")
    blocked = refresh(blocked)
    assert blocked.status == InstanceStatus.COMPLETED and blocked.outcome == "End_cancelled"
    assert_eligible(other)


# --- DOMAIN.md §1.2: approving authority ------------------------------------------------------


def route_of(case):
    return data_of(case, "Task_integrity")["route"]


@pytest.mark.parametrize(
    "kind, approver",
    [
        ("commendation", "HA-PDS-LS"),  # 嘉奖 from a township → its county
        ("merit_2", "HA-PDS"),  # 记二等功 → the city
        ("merit_1", "HA"),  # 记一等功 → the province
    ],
)
def test_authority_from_a_township(world, kind, approver):
    """DOMAIN.md §1.2 routing consequence: 嘉奖 → county; 记二等功 climbs to the city; 记一等功 to the province."""
    case = nominate_and_decide(cadre(QT_CLEAN[0]), award_kind=kind)
    route = route_of(case)
    assert route["approving_unit_id"] == unit(approver).pk
    assert HumanTask.objects.get(instance=case, bpmn_id="Task_integrity").unit.parent == unit(approver)


def test_city_department_approves_merit_3_for_its_own_staff(world):
    """DOMAIN.md §1.2: "A city-level department may approve 嘉奖/记三等功 for its own staff"."""
    department = unit("HA-PDS-JYJ")
    subject = department.cadres.exclude(user__isnull=False).filter(investigations__isnull=True).first()
    with clock.frozen_at(TODAY):
        case = start_and_nominate("pds_jyj_jbr", "HA-PDS-JYJ", subject, award_kind="merit_3")
        services.complete_task(
            person("pds_jyj_ld"), task_of(case, "Task_unit_decision").pk, data={"meeting_date": "2026-09-01", "attendees": "局党组成员"}
        )
    data = data_of(case, "Task_integrity")
    if data.get("eligibility_failures"):
        pytest.fail(f"demo cadre unexpectedly ineligible: {data['eligibility_failures']}")
    route = data["route"]
    assert route["approving_unit_id"] == department.pk
    assert route["review_unit_id"] == department.pk
    assert HumanTask.objects.get(instance=case, bpmn_id="Task_integrity").unit == unit("HA-PDS-JW")


def test_county_department_commendation_goes_to_the_county(world):
    """DOMAIN.md §1.2: a county bureau is a work department below city level, so its 嘉奖 goes to the county."""
    from permissions.routing import approving_unit

    assert approving_unit(unit("HA-PDS-LS-JYJ"), "county", "city") == unit("HA-PDS-LS")
