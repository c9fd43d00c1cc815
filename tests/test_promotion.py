"""Exceptional promotion (破格提拔) end to end and its rules (issue 6; DOMAIN.md §4)."""

import datetime

import pytest

from notices import desk
from records.models import Investigation, Promotion, Sanction
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, unit
from tests.promotion_helpers import consent, meeting, proposal, propose, recommend_inspect
from workflows import clock, engine, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import HumanTask, InstanceStatus, RuleCheck

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def data_of(case, bpmn_id):
    case = refresh(case)
    task = HumanTask.objects.get(instance=case, bpmn_id=bpmn_id)
    return engine.load_workflow(case.definition, case.state).get_task_from_id(task.task_uuid).data


def to_appointment(subject):
    """Proposal → limits → recommendation → inspection → consent → meeting → notice → timer."""
    with clock.frozen_at(MONDAY):
        case = propose(subject)
        assert task_of(case, "Task_recommend").unit == unit("HA-PDS-LS-ZZB")
        case = recommend_inspect(case)
        consent_task = task_of(case, "Task_consent_late")  # consent before the decision (§4.3 step 2)
        assert consent_task.unit == unit("HA-PDS-ZZB")
        with pytest.raises(ActionNotAllowed):
            services.complete_task(person("ls_sh"), consent_task.pk, action="agree")  # the county cannot consent for the city
        assert case.documents.filter(kind="request_for_consent").exists()
        consent(case, "Task_consent_late")
        case = meeting(case)
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    return refresh(case)


def test_promotion_runs_to_confirmation_after_probation(world):
    subject = cadre(QT_CLEAN[0])
    case = to_appointment(subject)
    subject.refresh_from_db()
    assert subject.rank_level == "township_principal" and subject.current_post == "鲁山县琴台街道党工委书记"
    promotion = Promotion.objects.get(cadre=subject)
    assert promotion.exceptional and promotion.previous_post == "鲁山县琴台街道党工委副书记"
    assert promotion.probation_end == datetime.date(2027, 10, 10)  # a 1-year probation (§4.3 step 7)
    kinds = set(case.documents.values_list("kind", flat=True))
    assert {"request_for_consent", "appointment_notice", "appointment_form"} <= kinds
    assert case.documents.get(kind="appointment_notice").number.startswith("鲁组〔2026〕")
    assert case.next_timer_due == at("2027-10-11 00:00")

    services.fire_due_timers(now=at("2027-10-11 09:00"))
    review = task_of(case, "Task_probation_review")
    services.complete_task(person("ls_sh"), review.pk, action="competent", data={"assessment": "试用期内表现优秀，胜任"})
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_confirmed"
    assert Promotion.objects.get(cadre=subject).probation_result == "confirmed"


def test_probation_not_passed_restores_the_previous_level(world):
    """DOMAIN.md §4.3 step 7: not competent → the probationary post is removed, previous level restored."""
    subject = cadre(QT_CLEAN[0])
    case = to_appointment(subject)
    services.fire_due_timers(now=at("2027-10-11 09:00"))
    with pytest.raises(FormInvalid):
        services.complete_task(
            person("ls_sh"), task_of(case, "Task_probation_review").pk, action="not_competent", data={"assessment": "未能胜任"}
        )  # an opinion is required
    services.complete_task(
        person("ls_sh"),
        task_of(case, "Task_probation_review").pk,
        action="not_competent",
        data={"assessment": "未能胜任"},
        opinion="试用期满考核不胜任",
    )
    subject.refresh_from_db()
    assert subject.rank_level == "township_deputy" and subject.current_post == "鲁山县琴台街道党工委副书记"
    assert refresh(case).outcome == "End_reverted"


def test_failed_vote_allows_one_reconsideration_then_ends(world):
    """DOMAIN.md §4.3 step 5: adopted only if votes for > half of those who should attend."""
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])))
        consent(case, "Task_consent_late")
        case = meeting(case, should=9, present=7, votes_for=4, against=3)
        services.complete_task(person("ls_sp"), task_of(case, "Task_reconsider").pk, action="reconsider", opinion="补充材料后复议")
        case = meeting(refresh(case), should=9, present=8, votes_for=4, against=4)
        assert not HumanTask.objects.filter(instance=case, bpmn_id="Task_reconsider").exists()
    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_vote_failed"
    assert not Promotion.objects.filter(cadre=case.subject_cadre).exists()


def test_refused_consent_ends_the_case(world):
    """DOMAIN.md §4.3 step 2: without the higher department's consent the case cannot proceed."""
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])))
        consent(case, "Task_consent_late", agree=False)
    case = refresh(case)
    assert case.outcome == "End_consent_refused" and not case.tasks.exists()


def test_skip_level_or_not_recommended_needs_consent_before_inspection(world):
    """DOMAIN.md §4.3 step 2: skip-level cases and candidates not produced by democratic
    recommendation need the consent before the inspection."""
    with clock.frozen_at(MONDAY):
        skip = propose(cadre(QT_CLEAN[0]), target_level="county_deputy", target_post="鲁山县副县长")
        assert task_of(skip, "Task_consent_early") and not skip.tasks.filter(bpmn_id="Task_recommend").exists()
        not_recommended = propose(cadre(QT_CLEAN[1]), from_recommendation=False)
        assert task_of(not_recommended, "Task_consent_early")
        consent(not_recommended, "Task_consent_early")
        case = recommend_inspect(refresh(not_recommended))
        assert task_of(case, "Task_meeting")  # no second consent before the decision


def test_no_reply_reminds_and_never_counts_as_consent(world):
    """DOMAIN.md §4.3 step 2: no reply → the case cannot proceed; the deadline only reminds."""
    from workflows.models import Notification

    with clock.frozen_at(MONDAY):
        case = propose(cadre(QT_CLEAN[0]), from_recommendation=False)
    services.fire_due_timers(now=at("2026-10-20 09:00"))  # 10 working days after 28 September
    case = refresh(case)
    assert task_of(case, "Task_consent_early")  # still waiting for the answer
    assert Notification.objects.filter(user=person("pds_sh"), text__contains="答复期限").exists()
    assert not case.tasks.filter(bpmn_id="Task_recommend").exists()


def test_low_recommendation_rate_blocks(world):
    """DOMAIN.md §4.2 "low public approval (群众公认度不高, judged from the democratic recommendation)"."""
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(cadre(QT_CLEAN[0])), votes=12, participants=30)
    case = refresh(case)
    assert case.outcome == "End_low_approval"


# --- hard limits (DOMAIN.md §4.2) ---------------------------------------------------------------


def refused_with(case, rule):
    """Refused at 动议: the case waits at Task_propose with every failed limit, recorded as its rule check."""
    assert case.tasks.filter(bpmn_id="Task_propose").exists()
    check = RuleCheck.objects.filter(instance=case, checkpoint="proposal").latest("checked_at", "id")
    data = {"limit_rules_failed": [f["rule"] for f in check.failures], "limit_failures": check.reasons}
    assert rule in data["limit_rules_failed"], data.get("limit_failures")
    assert not case.tasks.filter(bpmn_id__in=["Task_recommend", "Task_consent_early"]).exists()
    return data


def limits_case(subject, **extra):
    with clock.frozen_at(MONDAY):
        return propose(subject, **extra)


def test_limit_probation(world):
    """§4.2: no exceptional promotion while in a probation period."""
    subject = cadre(QT_CLEAN[0])
    subject.probation_end = datetime.date(2026, 12, 31)
    subject.save()
    refused_with(limits_case(subject), "in_probation")


def test_limit_promoted_within_a_year(world):
    """§4.2: less than 1 year after the last promotion."""
    subject = cadre(QT_CLEAN[0])
    Promotion.objects.create(cadre=subject, promoted_on=datetime.date(2026, 1, 5), from_level="none", to_level="township_deputy", post="x")
    refused_with(limits_case(subject), "promoted_within_year")


def test_limit_consecutive_exceptional(world):
    """§4.2: no consecutive exceptional promotions on tenure years — the last one broke tenure years
    and this one would again (the finer cases are in tests/test_promotion_fidelity.py)."""
    subject = cadre(QT_CLEAN[0])
    Promotion.objects.create(
        cadre=subject,
        promoted_on=datetime.date(2023, 1, 5),
        from_level="none",
        to_level="township_deputy",
        post="x",
        exceptional=True,
        broken_items=["tenure"],
    )
    refused_with(limits_case(subject, broken_items=["tenure"], broken_qualifications="任职年限不满"), "consecutive_exceptional")


def test_limit_skipping_two_levels(world):
    """§4.2: no skipping two levels — 乡科级副职 → 县处级正职 is refused, → 县处级副职 is a skip-level case."""
    refused_with(limits_case(cadre(QT_CLEAN[0]), target_level="county_principal"), "skips_two_levels")


def test_limit_previous_grade(world):
    """§4.2: previous year's assessment 基本称职 or below."""
    subject = cadre(QT_CLEAN[0])
    subject.assessments.filter(year=2025).update(grade="basic")
    refused_with(limits_case(subject), "previous_grade")


def test_limit_effect_period(world):
    """§4.2 and §3: an effect period (诫勉 6 months) not over."""
    subject = cadre(QT_CLEAN[0])
    Sanction.objects.create(cadre=subject, kind="admonishment", decision_date=datetime.date(2026, 6, 1))
    refused_with(limits_case(subject), "effect_period")


def test_limit_investigation(world):
    """§4.2: under investigation."""
    subject = cadre(QT_CLEAN[0])
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 8, 1))
    refused_with(limits_case(subject), "open_investigation")


def test_limit_canvassing(world):
    """§4.2: canvassing or vote buying (跑官拉票)."""
    subject = cadre(QT_CLEAN[0])
    subject.canvassing_flag = True
    subject.save()
    refused_with(limits_case(subject), "canvassing")


def test_limit_naked_official_unless_special_post(world):
    """§4.2: 裸官 may not be promoted, except to special posts."""
    subject = cadre(QT_CLEAN[0])
    subject.naked_official_flag = True
    subject.save()
    case = limits_case(subject)
    refused_with(case, "naked_official")
    with clock.frozen_at(MONDAY):
        # The refused proposal waits at 动议 for a fix: the same case, now for a special post.
        services.complete_task(person("ls_qt_ld"), task_of(case, "Task_propose").pk, data=proposal(special_post=True), opinion="特殊岗位")
    assert task_of(case, "Task_recommend")


def test_every_failed_limit_is_listed_and_the_case_waits_for_a_fix(world):
    subject = cadre(QT_CLEAN[0])
    subject.canvassing_flag = True
    subject.save()
    Investigation.objects.create(cadre=subject, opened_on=datetime.date(2026, 8, 1))
    data = refused_with(limits_case(subject, target_level="county_principal"), "canvassing")
    assert set(data["limit_rules_failed"]) == {"canvassing", "open_investigation", "skips_two_levels"}
    assert len(data["limit_failures"]) == 3
