"""Exceptional-promotion limits of issue 12 (DOMAIN.md §4.2): read from the record's dates whatever
their source, a calendar year, consecutive breaks of tenure years only, and rechecked before the
decision meeting and before appointment, a failure stopping the case with its reason."""

import datetime

import pytest

from notices import desk
from records.models import Investigation, Promotion, Sanction, full_months_between
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of
from tests.promotion_helpers import consent, meeting, propose, recommend_inspect
from workflows import clock, services
from workflows.models import InstanceStatus, RuleCheck

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def limits(case, checkpoint="proposal"):
    check = RuleCheck.objects.filter(instance=case, checkpoint=checkpoint).latest("checked_at", "id")
    return [f["rule"] for f in check.failures], check.reasons


def proposed(subject, **extra):
    with clock.frozen_at(MONDAY):
        return propose(subject, **extra)


def earlier_promotion(subject, on, *, exceptional=False, broken=(), probation_result="confirmed"):
    return Promotion.objects.create(
        cadre=subject,
        promoted_on=on,
        from_level="none",
        to_level="township_deputy",
        post="副镇长",
        exceptional=exceptional,
        broken_items=list(broken),
        probation_result=probation_result,
    )


# --- dates from the record, whatever their source --------------------------------------------


def test_imported_current_rank_date_counts_as_the_last_promotion(world):
    """DOMAIN.md §4.2 "less than 1 year after the last promotion": a cadre whose imported 任现职级时间
    is 4 months ago is refused although no Promotion row exists."""
    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    subject.current_rank_since = datetime.date(2026, 5, 28)
    subject.save()
    rules, reasons = limits(proposed(subject))
    assert "promoted_within_year" in rules
    assert any("2026-05-28" in r for r in reasons)


@pytest.mark.parametrize(
    "since, refused",
    [
        (datetime.date(2025, 9, 29), True),  # one day short of a calendar year on 2026-09-28
        (datetime.date(2025, 9, 28), False),  # exactly a calendar year
        (datetime.date(2025, 9, 27), False),
    ],
)
def test_one_year_is_a_calendar_year(world, since, refused):
    """Issue 12 "Dates": "one year" is a calendar year (12 whole months), not 365 days."""
    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    subject.current_rank_since = since
    subject.save()
    rules, _ = limits(proposed(subject))
    assert ("promoted_within_year" in rules) is refused


def test_full_months_between_counts_calendar_months():
    """The month count behind "one year": 2024-02-29 → 2025-02-28 is 11 months, → 2025-03-01 is 12."""
    assert full_months_between(datetime.date(2025, 9, 28), datetime.date(2026, 9, 28)) == 12
    assert full_months_between(datetime.date(2025, 9, 29), datetime.date(2026, 9, 28)) == 11
    assert full_months_between(datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)) == 11
    assert full_months_between(datetime.date(2024, 2, 29), datetime.date(2025, 3, 1)) == 12


def test_an_imported_probation_end_counts(world):
    """DOMAIN.md §4.2 "no exceptional promotion while in a probation period": the record's
    probation end, however it was entered."""
    subject = cadre(QT_CLEAN[0])
    subject.probation_end = datetime.date(2026, 9, 28)  # the last day of probation is still probation
    subject.save()
    rules, reasons = limits(proposed(subject))
    assert "in_probation" in rules and "2026-09-28" in reasons[rules.index("in_probation")]


@pytest.mark.parametrize(
    "probation_end, result, in_probation",
    [
        (datetime.date(2026, 12, 31), "", True),  # the end-of-term assessment is still open
        (datetime.date(2026, 2, 28), "", False),  # ended before the proposal
        (datetime.date(2026, 12, 31), "confirmed", False),  # already confirmed
    ],
)
def test_the_open_probation_of_the_last_promotion_counts(world, probation_end, result, in_probation):
    """DOMAIN.md §4.2 / §4.3 step 7: the probation of the last promotion while it is open."""
    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    promotion = earlier_promotion(subject, datetime.date(2025, 3, 1), probation_result=result)
    promotion.probation_end = probation_end
    promotion.save()
    subject.probation_end = None
    subject.current_rank_since = None
    subject.save()
    rules, _ = limits(proposed(subject))
    assert ("in_probation" in rules) is in_probation


# --- 不得在任职年限上连续破格 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "last_breaks, this_breaks, refused",
    [
        (["tenure"], ["tenure"], True),  # tenure years broken twice in a row
        (["tenure"], ["education"], False),  # this one breaks something else
        (["education"], ["tenure"], False),  # the last one broke something else
        ([], ["tenure"], True),  # an old record that never said what it broke: the safe reading
    ],
)
def test_consecutive_break_of_tenure_years_only(world, last_breaks, this_breaks, refused):
    """DOMAIN.md §4.2 "No consecutive exceptional promotions on tenure years (不得在任职年限上连续破格)"."""
    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    earlier_promotion(subject, datetime.date(2023, 1, 5), exceptional=True, broken=last_breaks)
    rules, _ = limits(proposed(subject, broken_items=this_breaks, broken_qualifications="理由"))
    assert ("consecutive_exceptional" in rules) is refused


def test_an_old_exceptional_promotion_followed_by_an_ordinary_one_does_not_block(world):
    """DOMAIN.md §4.2: "consecutive" — a 2015 exceptional promotion, then an ordinary one in 2020."""
    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    earlier_promotion(subject, datetime.date(2015, 6, 1), exceptional=True, broken=["tenure"])
    earlier_promotion(subject, datetime.date(2020, 6, 1))
    rules, _ = limits(proposed(subject))
    assert "consecutive_exceptional" not in rules


def test_an_appointment_records_what_the_promotion_broke(world):
    """DOMAIN.md §4.2 "record which ones are broken": the Promotion keeps the proposal's broken items."""
    subject = cadre(QT_CLEAN[0])
    case = to_notice_end(subject)
    assert case.outcome == "" and case.status == InstanceStatus.WAITING
    promotion = Promotion.objects.filter(cadre=subject).latest("promoted_on")
    assert promotion.exceptional and promotion.broken_items == ["tenure"]


# --- rechecks before the decision meeting and before appointment ------------------------------


def to_meeting(subject):
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(subject))
        consent(case, "Task_consent_late")
    return refresh(case)


def to_notice_end(subject):
    case = to_meeting(subject)
    with clock.frozen_at(MONDAY):
        case = meeting(case)
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="组织部")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    return refresh(case)


def test_a_sanction_before_the_meeting_stops_the_case_with_the_reason(world):
    """DOMAIN.md §4.2 (effect period not over), rechecked before 讨论决定: the consent arrives after
    an 诫勉 was recorded; the meeting never opens and the case ends with the reason."""
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(subject))
        assert RuleCheck.objects.get(instance=case, checkpoint="proposal").passed
        Sanction.objects.create(cadre=subject, kind="admonishment", decision_date=datetime.date(2026, 9, 27))
        consent(case, "Task_consent_late")
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_recheck_failed"
    assert not case.tasks.filter(bpmn_id="Task_meeting").exists()
    rules, reasons = limits(case, "meeting")
    assert rules == ["effect_period"] and "诫勉" in reasons[0]
    assert not subject.promotion_proposals.filter(is_open=True).exists()


def test_an_investigation_during_the_notice_stops_the_appointment(world):
    """DOMAIN.md §4.2 (under investigation), rechecked before 任职: nothing is appointed or issued."""
    subject = cadre(QT_CLEAN[0])
    case = to_meeting(subject)
    with clock.frozen_at(MONDAY):
        case = meeting(case)
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="组织部")
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 10, 9))
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    case = refresh(case)
    assert case.outcome == "End_recheck_failed"
    assert limits(case, "appointment")[0] == ["open_investigation"]
    assert not Promotion.objects.filter(cadre=subject, promoted_on__gte=datetime.date(2026, 10, 1)).exists()
    assert not case.documents.filter(kind="appointment_notice").exists()
    subject.refresh_from_db()
    assert subject.rank_level == "township_deputy"


def test_promotion_refusals_are_shown_through_the_api(world, client):
    """Issue 12: "promotion refusals are not shown through the API today" — the case detail lists
    the rule checks, and the waiting 动议 step carries the refusal in its notes."""
    subject = cadre(QT_CLEAN[0])
    subject.canvassing_flag = True
    subject.save()
    case = proposed(subject)
    client.force_login(person("ls_qt_ld"))
    body = client.get(f"/api/v1/processes/{case.pk}/").json()
    assert body["rule_checks"][-1]["checkpoint"] == "proposal" and body["rule_checks"][-1]["passed"] is False
    step = next(s for s in body["current_steps"] if s["bpmn_id"] == "Task_propose")
    assert step["notes"]["rule_checkpoint"] == "动议限制条件审查"
    assert any("跑官拉票" in r for r in step["notes"]["eligibility_failures"])
    task = client.get(f"/api/v1/tasks/{task_of(case, 'Task_propose').pk}/").json()
    assert any("跑官拉票" in r for r in task["notes"]["eligibility_failures"])
    page = client.get(f"/cases/{case.pk}/tasks/{task_of(case, 'Task_propose').pk}/").content.decode()
    assert "动议限制条件审查未通过" in page and "跑官拉票" in page


def test_key_targets_missed_last_year_refuses_the_proposal(world):
    """DOMAIN.md §2 (seed 004 art. 6): key targets missed without special reason → no promotion for
    one year; the fact is read from the cadre's annual assessment."""
    subject = cadre(QT_CLEAN[0])
    subject.assessments.filter(year=2025).update(key_targets_missed=True)
    rules, reasons = limits(proposed(subject))
    assert "key_targets_missed" in rules and "2025年度重点目标任务未完成" in reasons[rules.index("key_targets_missed")]


def test_a_secondment_candidate_reads_the_imported_rank_date_in_calendar_months(world):
    """DOMAIN.md §5 default exclusion "promoted less than 1 year ago", read like §4.2: the later of the
    recorded promotion and the imported 任现职级时间, in whole calendar months."""
    from secondments.eligibility import candidate_facts

    subject = cadre(QT_CLEAN[0])
    subject.promotions.all().delete()
    subject.current_rank_since = datetime.date(2025, 9, 29)
    subject.save()
    criteria = {"age_as_of": "2026-09-28"}
    facts = candidate_facts(subject, criteria, as_of=datetime.date(2026, 9, 28))
    assert facts["months_since_promotion"] == 11 and "2025年9月29日" in facts["last_promotion_label"]
    assert candidate_facts(subject, criteria, as_of=datetime.date(2026, 9, 29))["months_since_promotion"] == 12
