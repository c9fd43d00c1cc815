"""Exceptional promotion, issue 12 wave 2: who moves it, the grounds and breakable qualifications
as data, a reason per broken item, the probation only where it applies, and the 任前公示 and
documents stating the exceptional circumstances (DOMAIN.md §4.1–4.3; seed 004 art. 8(三); seed 000 #4)."""

import datetime

import pytest

from notices import desk
from promotions import grounds, issuing
from promotions.forms import ProposalForm
from promotions.models import ProbationRule, PromotionGround, Proposal, ProposedBy, Qualification
from promotions.notice_profile import notice_row
from records.models import Promotion
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh, task_of, unit
from tests.promotion_helpers import PROCESS, consent, meeting, proposal, propose, recommend_inspect
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
TWO_REASONS = {
    "broken_items": ["tenure", "education"],
    "broken_qualifications": "",
    "reason_tenure": "任现职级2年",
    "reason_education": "大专学历",
}


@pytest.fixture
def world():
    load_world()


def capture_documents(monkeypatch):
    """The text of every document the promotion issues, by kind (the PDFs are not read back)."""
    issued = {}
    real = issuing.issue_document

    def spy(kind, **kwargs):
        issued[kind] = str(kwargs.get("context"))
        return real(kind, **kwargs)

    monkeypatch.setattr(issuing, "issue_document", spy)
    return issued


def appoint(subject, **extra):
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(propose(subject, **extra))
        consent(case, "Task_consent_late")
        case = meeting(case)
    with clock.frozen_at(at("2026-09-29 08:30")):
        desk.publish_notice(person("ls_gs"), [task_of(case, "Task_publish").pk], contact="鲁山县委组织部干部监督室")
    services.fire_due_timers(now=at("2026-10-11 00:01"))
    return refresh(case)


# --- §4.3 step 1: 动议 by the unit's party committee or the organisation department ------------


def test_the_organisation_department_may_move_a_proposal(world):
    """DOMAIN.md §4.3 step 1 "动议 (proposal): by the unit's party committee or the organisation department"."""
    with clock.frozen_at(MONDAY):
        case = services.start_and_submit(
            person("ls_sh"), PROCESS, unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]), data=proposal(), opinion="部务会动议"
        )
    record = Proposal.objects.get(instance=case)
    assert record.proposed_by_kind == ProposedBy.ORGANISATION_DEPT and record.proposed_by_unit == unit("HA-PDS-LS-ZZB")
    assert case.tasks.filter(bpmn_id="Task_recommend").exists()  # the 动议 was the department's own step


def test_the_party_committee_moves_as_before(world):
    """DOMAIN.md §4.3 step 1: the unit's party committee (unit-leader role) still moves, recorded as such."""
    with clock.frozen_at(MONDAY):
        case = propose(cadre(QT_CLEAN[0]))
    record = Proposal.objects.get(instance=case)
    assert record.proposed_by_kind == ProposedBy.PARTY_COMMITTEE and record.proposed_by_unit == unit("HA-PDS-LS-QT")


def test_another_areas_organisation_department_may_not_move(world):
    """DOMAIN.md §4.3 step 1: only the organisation department of the unit's own area moves for its cadres."""
    with pytest.raises(ActionNotAllowed):
        services.start_process(person("bf_sh"), PROCESS, unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))


def test_the_request_for_consent_names_the_department_that_moved(world, monkeypatch):
    """DOMAIN.md §4.3 steps 1–2: the 请示 says who moved the proposal."""
    issued = capture_documents(monkeypatch)
    with clock.frozen_at(MONDAY):
        case = services.start_and_submit(
            person("ls_sh"), PROCESS, unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]), data=proposal(from_recommendation=False)
        )
    assert case.documents.filter(kind="request_for_consent").exists()
    assert "经中共鲁山县委组织部动议" in issued["request_for_consent"]


# --- §4.1 grounds, kept as data ----------------------------------------------------------------


def test_the_commendation_ground_of_seed_004_is_offered_and_stated(world):
    """Seed 004 art. 8(三): commended by the Party Central Committee/State Council or the provincial
    committee/government … "按程序报经批准" may be promoted exceptionally."""
    assert "commended" in dict(ProposalForm(instance=None).fields["ground"].choices)
    with clock.frozen_at(MONDAY):
        case = propose(cadre(QT_CLEAN[0]), ground="commended")
    text = notice_row(case)["proposal"]
    assert "党中央、国务院或省委、省政府表彰奖励" in text and "按程序报经批准" in text


def test_a_ground_withdrawn_from_the_table_is_refused(world):
    """Issue 12 "Rules as data" (promotion grounds, DOMAIN.md §4.1): an administrator's edit of the table changes the outcome."""
    PromotionGround.objects.filter(code="special_c").update(active=False)
    with clock.frozen_at(MONDAY), pytest.raises(FormInvalid) as refused:
        propose(cadre(QT_CLEAN[0]), ground="special_c")
    assert "ground" in refused.value.errors


def test_grounds_and_qualifications_carry_their_source(world):
    """Issue 12 "Rules as data": each row names its DOMAIN.md line or seed item."""
    assert PromotionGround.objects.get(code="commended").source.startswith("seed 004 art. 8(三)")
    assert PromotionGround.objects.get(code="poverty_secretary").source.startswith("seed 000 #4")
    assert all(q.source for q in Qualification.objects.all()) and ProbationRule.objects.get().source == "DOMAIN.md §4.3 step 7"


# --- §4.2 only the allowed qualifications, each with its reason ---------------------------------


def test_each_broken_qualification_needs_its_own_reason(world):
    """DOMAIN.md §4.2 "record which ones are broken and why": one text for two items is refused."""
    with clock.frozen_at(MONDAY), pytest.raises(FormInvalid) as refused:
        propose(cadre(QT_CLEAN[0]), broken_items=["tenure", "education"], broken_qualifications="任职年限、学历不够")
    assert {"reason_tenure", "reason_education"} <= set(refused.value.errors)


def test_the_reasons_are_stored_per_item(world):
    """DOMAIN.md §4.2: {item: reason} on the proposal; broken_items stays the list of codes (read by the limits)."""
    with clock.frozen_at(MONDAY):
        case = propose(cadre(QT_CLEAN[0]), **TWO_REASONS)
    record = Proposal.objects.get(instance=case)
    assert record.broken_items == ["tenure", "education"]
    assert record.broken_reasons == {"tenure": "任现职级2年", "education": "大专学历"}
    assert record.broken_qualifications == "任职年限：任现职级2年；学历：大专学历"


@pytest.mark.parametrize("item, label", [("political", "政治标准"), ("age", "年龄"), ("probation", "任职试用期")])
def test_a_qualification_the_regulation_does_not_allow_is_refused(world, item, label):
    """DOMAIN.md §4.2 "may be broken only on the items that the regulation allows" (and §4.1 政治过硬)."""
    with clock.frozen_at(MONDAY), pytest.raises(FormInvalid) as refused:
        propose(cadre(QT_CLEAN[0]), broken_items=[item], broken_qualifications="理由")
    assert any(label in m and "不能突破" in m for m in refused.value.errors["broken_items"])


def test_the_breakable_list_is_data(world):
    """Issue 12 "Rules as data" (breakable qualifications, DOMAIN.md §4.2): marking 学历 unbreakable refuses it."""
    Qualification.objects.filter(code="education").update(breakable=False)
    with clock.frozen_at(MONDAY), pytest.raises(FormInvalid):
        propose(cadre(QT_CLEAN[0]), broken_items=["education"], broken_qualifications="大专学历")


# --- §4.3 step 7: the probation ------------------------------------------------------------------


def test_probation_applies_to_non_elected_posts_at_bureau_level_and_below(world):
    """DOMAIN.md §4.3 step 7 "1-year probation for non-elected posts at 厅局级 and below"."""
    day = datetime.date(2026, 10, 12)
    assert grounds.probation_months("bureau_principal", elected=False, as_of=day) == 12
    assert grounds.probation_months("minister_deputy", elected=False, as_of=day) == 0
    assert grounds.probation_months("township_principal", elected=True, as_of=day) == 0


def test_probation_length_is_data(world):
    """Issue 12 "Rules as data" (probation length, DOMAIN.md §4.3 step 7): a rule dated later applies from its date."""
    ProbationRule.objects.create(valid_from=datetime.date(2027, 1, 1), months=6, source="test")
    assert grounds.probation_months("township_principal", elected=False, as_of=datetime.date(2026, 12, 31)) == 12
    assert grounds.probation_months("township_principal", elected=False, as_of=datetime.date(2027, 1, 1)) == 6


def test_an_elected_post_is_appointed_without_probation(world):
    """DOMAIN.md §4.3 step 7: no probation for an elected (选任制) post; the appointment says none."""
    subject = cadre(QT_CLEAN[0])
    case = appoint(subject, elected_post=True)
    promotion = Promotion.objects.get(cadre=subject)
    subject.refresh_from_db()
    assert promotion.probation_end is None and subject.probation_end is None
    # The diagram ends at once: no probation timer, no end-of-probation review to answer.
    assert case.status == "completed" and case.outcome == "End_appointed"
    assert not case.tasks.filter(bpmn_id="Task_probation_review").exists()


def test_a_non_elected_post_keeps_its_probation(world, monkeypatch):
    """DOMAIN.md §4.3 step 7: the 1-year probation, stated in the 任职通知."""
    issued = capture_documents(monkeypatch)
    subject = cadre(QT_CLEAN[0])
    appoint(subject)
    assert Promotion.objects.get(cadre=subject).probation_end == datetime.date(2027, 10, 10)
    assert "试用期一年" in issued["appointment_notice"]


# --- seed 000 #4: keeps the original post --------------------------------------------------------


def test_the_poverty_county_ground_requires_keeping_the_post(world):
    """Seed 000 #4: a poverty county's party secretary is promoted "但要继续兼任原任职务"."""
    with clock.frozen_at(MONDAY), pytest.raises(FormInvalid) as refused:
        propose(cadre(QT_CLEAN[0]), ground="poverty_secretary")
    assert "keeps_post" in refused.value.errors


def test_keeping_the_post_raises_the_level_only(world, monkeypatch):
    """Seed 000 #4: promoted with priority while keeping the post — the level rises, the post stays, the documents say so."""
    issued = capture_documents(monkeypatch)
    subject = cadre(QT_CLEAN[0])
    before = subject.current_post
    appoint(subject, ground="poverty_secretary", keeps_post=True)
    subject.refresh_from_db()
    assert subject.current_post == before and subject.rank_level == "township_principal"
    assert f"继续兼任{before}" in issued["appointment_notice"]


# --- §4.3 step 6: the 任前公示 states the circumstances and reasons -------------------------------


def test_the_notice_states_the_circumstances_and_each_reason(world, monkeypatch):
    """DOMAIN.md §4.3 step 6 "stating the specific exceptional circumstances and reasons", not only the ground's label."""
    issued = capture_documents(monkeypatch)
    with clock.frozen_at(MONDAY):
        case = propose(cadre(QT_CLEAN[0]), **TWO_REASONS)
    text = notice_row(case)["proposal"]
    assert "政治过硬、特别优秀" in text  # the ground as stated, not its short label
    assert "特大暴雨" in text  # the facts
    assert "任职年限：任现职级2年" in text and "学历：大专学历" in text
    with clock.frozen_at(MONDAY):
        case = recommend_inspect(case)
    assert "任职年限：任现职级2年；学历：大专学历" in issued["request_for_consent"]
