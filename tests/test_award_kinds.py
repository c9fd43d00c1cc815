"""Awards of issue 12 (DOMAIN.md §1.1–1.5): 授予称号 nominable and routed to the province, a
certificate for every award and a medal for 记三等功 and above, posthumous awards with their
wording, revocation by the approving authority as well, 优秀 windows that restart after a 记三等功."""

import datetime

import pytest

from awards import candidates
from awards.models import Nomination, RevocationRequest
from awards.wording import wording
from records.models import AnnualAssessment, AssessmentGrade, Award
from tests.merit_helpers import (
    QT_CLEAN,
    approve_through,
    at,
    cadre,
    load_world,
    person,
    refresh,
    start_and_nominate,
    task_of,
    unit,
    unit_decides,
)
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
TITLE = "人民满意的公务员"


@pytest.fixture
def world():
    load_world()


def nominate(subject, **fields):
    with clock.frozen_at(MONDAY):
        return unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject, **fields))


def to_issue(case, area):
    return approve_through(case, area)


# --- DOMAIN.md §1.1/§1.2: 授予称号 -------------------------------------------------------------


def test_a_title_needs_its_name(world):
    """DOMAIN.md §1.1 "授予称号 … (e.g. 人民满意的公务员)": the nomination names the title."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
        with pytest.raises(FormInvalid) as refused:
            services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=_nomination("title"))
    assert "title_name" in refused.value.errors


def _nomination(kind, **extra):
    from tests.merit_helpers import nomination

    return nomination(award_kind=kind, **extra)


def test_a_title_from_a_township_is_approved_by_the_province(world):
    """DOMAIN.md §1.2 "授予称号: party committee/government at provincial level or above": from the
    township 琴台街道 the nomination climbs to 中共河南省委 (HA); the decision reads "授予…称号"."""
    subject = cadre(QT_CLEAN[0])
    case = nominate(subject, award_kind="title", title_name=f"“{TITLE}”")
    record = Nomination.objects.get(instance=case)
    assert record.approving_unit == unit("HA") and record.title_name == TITLE
    assert task_of(case, "Task_integrity").unit == unit("HA-JW")
    case = to_issue(case, "province")
    decision = case.documents.get(kind="award_decision")
    assert decision.title == f"关于授予{subject.name}同志“{TITLE}”称号的决定"
    assert decision.number.startswith("豫组〔2026〕")
    award = Award.objects.get(cadre=subject, kind="title")
    assert award.approving_unit == unit("HA") and award.medal and not award.posthumous


# --- DOMAIN.md §1.1 [practice]: certificate and medal ------------------------------------------


def test_every_award_has_a_numbered_certificate_and_medals_from_merit_3(world):
    """DOMAIN.md §1.1 "记三等功 and above also come with a medal (奖章); every award with a
    certificate (证书)": a 嘉奖 gets a certificate and no medal, a 记三等功 both; certificate numbers
    of one issuer and year are never given twice."""
    commendation = to_issue(nominate(cadre(QT_CLEAN[0]), award_kind="commendation"), "county")
    merit = to_issue(nominate(cadre(QT_CLEAN[1]), award_kind="merit_3"), "county")
    first, second = (Award.objects.get(nomination__instance=c) for c in (commendation, merit))
    assert (first.medal, second.medal) == (False, True)
    assert (first.certificate_number, second.certificate_number) == ("鲁组奖证〔2026〕1号", "鲁组奖证〔2026〕2号")
    certificate = merit.documents.get(kind="award_certificate")
    assert certificate.number is None and "鲁组奖证〔2026〕2号" in certificate.title
    assert certificate.pdf and certificate.sha256


# --- DOMAIN.md §1.1 [practice]: 追授 -----------------------------------------------------------


@pytest.mark.parametrize(
    "kind, title, phrase",
    [
        ("merit_1", "", "追记一等功"),
        ("merit_3", "", "追记三等功"),
        ("commendation", "", "追授嘉奖"),
        ("title", TITLE, f"追授“{TITLE}”称号"),
    ],
)
def test_posthumous_wording(kind, title, phrase):
    """DOMAIN.md §1.1 "Awards may be given posthumously (追授)": 追记…等功, 追授嘉奖, 追授…称号."""
    assert wording(kind, title, posthumous=True).phrase == phrase
    assert not wording(kind, title).phrase.startswith("追")


def test_a_posthumous_award_is_worded_and_recorded_as_such(world):
    """DOMAIN.md §1.1 (追授): the flag is carried from the nomination to the award and the decision
    reads "追记…三等功"; every check still ran (the eligibility check passed at nomination)."""
    subject = cadre(QT_CLEAN[0])
    case = nominate(subject, award_kind="merit_3", posthumous=True)
    assert Nomination.objects.get(instance=case).posthumous
    case = to_issue(case, "county")
    assert case.rule_checks.filter(checkpoint="nomination", passed=True).exists()
    assert case.documents.get(kind="award_decision").title == f"关于追记{subject.name}同志三等功的决定"
    assert Award.objects.get(cadre=subject, kind="merit_3").posthumous


# --- DOMAIN.md §1.4: revocation by the approver as well, certificate and medal recovered --------


def city_award(subject, approving="HA-PDS"):
    return Award.objects.create(
        cadre=subject,
        kind="merit_2",
        awarded_on=datetime.date(2026, 3, 1),
        decision_number="平组〔2026〕3号",
        approving_unit=unit(approving),
        approving_level=unit(approving).level,
        nominating_unit=unit("HA-PDS-LS-QT"),
        medal=True,
        certificate_number="平组奖证〔2026〕1号",
    )


def test_the_approving_authority_starts_a_revocation(world):
    """DOMAIN.md §1.4 "Revocation is applied for by the original nominating body or done by the
    approver … recovers the certificate/medal": the city's organisation department starts it for the
    township's cadre, its application step is its own, the decision goes to the nominating unit, and
    what was recovered is recorded."""
    subject = cadre(QT_CLEAN[0])
    award = city_award(subject)
    with clock.frozen_at(at("2026-10-12 09:00")):
        case = services.start_process(person("pds_sh"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
        apply = task_of(case, "Task_apply")
        assert (apply.role, apply.unit) == ("reviewer", unit("HA-PDS"))
        services.complete_task(person("pds_sh"), apply.pk, data={"award_id": award.pk, "ground": "fraud", "facts": "经查，事迹材料虚报。"})
        review = task_of(case, "Task_review")
        with pytest.raises(ActionNotAllowed):  # who started it does not judge it (DOMAIN.md §9)
            services.complete_task(person("pds_sh"), review.pk, action="approve", opinion="同意")
        services.complete_task(person("pds_sh2"), review.pk, action="approve", opinion="建议撤销")
        services.complete_task(person("pds_sp"), task_of(case, "Task_approve").pk, action="approve", opinion="同意撤销")
    case = refresh(case)
    assert case.outcome == "End_revoked", case.error_message
    award.refresh_from_db()
    assert award.revoked
    request = RevocationRequest.objects.get(instance=case)
    assert (request.certificate_recovered, request.medal_recovered, request.insignia_recovered_on) == (
        True,
        True,
        datetime.date(2026, 10, 12),
    )
    decision = case.documents.get(kind="revocation_decision")
    assert decision.number.startswith("平组〔2026〕")


def test_only_the_authority_that_approved_the_award_may_revoke_it(world):
    """DOMAIN.md §1.4 "done by the approver": another county's reviewer may not start a revocation
    for 鲁山's cadre, and the city may not name an award the county approved."""
    subject = cadre(QT_CLEAN[0])
    county_award = city_award(subject, approving="HA-PDS-LS")
    with pytest.raises(ActionNotAllowed):
        services.start_process(person("bf_sh"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
    case = services.start_process(person("pds_sh"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
    with pytest.raises(FormInvalid):
        services.complete_task(
            person("pds_sh"), task_of(case, "Task_apply").pk, data={"award_id": county_award.pk, "ground": "fraud", "facts": "x"}
        )


# --- DOMAIN.md §1.5: windows restart after a 记三等功 -----------------------------------------


def excellent(subject, *years):
    for year in years:
        AnnualAssessment.objects.update_or_create(cadre=subject, year=year, defaults={"grade": AssessmentGrade.EXCELLENT})


def kind_for(subject, year):
    found = [c for c in candidates.annual_candidates(subject.unit, year) if c.cadre.pk == subject.pk]
    return found[0].award_kind if found else None


def test_three_new_years_after_a_merit_3(world):
    """DOMAIN.md §1.5 "three consecutive years 优秀 → 记三等功", windows not overlapping: 2023–2025 →
    记三等功, then 2026 and 2027 → 嘉奖 (their windows reach back into 2025), 2026–2028 → 记三等功."""
    subject = cadre(QT_CLEAN[0])
    excellent(subject, 2023, 2024, 2025, 2026, 2027, 2028)
    assert kind_for(subject, 2025) == "merit_3"
    Award.objects.create(
        cadre=subject, kind="merit_3", awarded_on=datetime.date(2026, 3, 1), deed_reference=candidates.deed_reference("merit_3", 2025)
    )
    assert kind_for(subject, 2026) == "commendation"
    assert kind_for(subject, 2027) == "commendation"  # 2025 already counted: one year short
    assert kind_for(subject, 2028) == "merit_3"  # 2026 is the first new year


def test_a_window_restarts_only_after_its_merit_3(world):
    """DOMAIN.md §1.5: without a 记三等功 for 2023–2025 (or once it is revoked), 2024–2026 is a window."""
    subject = cadre(QT_CLEAN[0])
    excellent(subject, 2024, 2025, 2026)
    assert kind_for(subject, 2026) == "merit_3"
    award = Award.objects.create(
        cadre=subject, kind="merit_3", awarded_on=datetime.date(2026, 3, 1), deed_reference="年度考核2023-2025连续优秀"
    )
    assert kind_for(subject, 2026) == "commendation"
    award.revoked = True
    award.save()
    assert kind_for(subject, 2026) == "merit_3"
