"""Rule parameters kept as data (issue 12 "Rules as data"): declared once with the DOMAIN.md
default, changed by an administrator as a dated row, read by the rule that uses them."""

import datetime

import pytest
from django.core.exceptions import ValidationError

import rulebook
from permissions import routing
from permissions.models import UnitKind, UnitLevel
from rulebook.models import RuleParameter
from tests import factories as f

pytestmark = pytest.mark.django_db


def set_parameter(key, value, effective_from=datetime.date(2020, 1, 1), basis="测试"):
    row = RuleParameter(key=key, value=value, effective_from=effective_from, basis=basis)
    row.full_clean()
    row.save()
    return row


def test_a_parameter_reads_its_default_until_a_row_says_otherwise():
    """DOMAIN.md §1.2 [practice]: the unit kinds that approve as a "work department" default to
    department, organisation department and HR bureau."""
    assert routing.department_kinds() == {"department", "organisation_dept", "hr_bureau"}
    set_parameter("routing.department_kinds", ["organisation_dept"])
    assert routing.department_kinds() == {"organisation_dept"}  # the saving server sees it at once


def test_a_dated_row_applies_from_its_effective_date_only():
    set_parameter("routing.committee_kinds", ["party_committee"], effective_from=datetime.date(2027, 1, 1))
    assert routing.committee_kinds() == {"party_committee", "government"}  # not yet in force
    assert rulebook.value("routing.committee_kinds", on=datetime.date(2027, 1, 1)) == ["party_committee"]
    assert rulebook.value("routing.committee_kinds", on=datetime.date(2026, 12, 31)) == ["government", "party_committee"]


def test_editing_the_approving_unit_kinds_changes_the_route():
    """DOMAIN.md §1.2: "a work department of a city-level … party committee/government" approves
    嘉奖/记三等功 for its own staff; with work departments taken out of the approving kinds (an
    administrator's edit), the same nomination climbs to the city committee."""
    tree = f.small_tree()
    department = f.unit("C-JYJ", "平顶山市教育局", UnitLevel.CITY, UnitKind.DEPARTMENT, tree["city"])
    assert routing.approving_unit(department, "county", "city") == department
    set_parameter("routing.department_kinds", ["organisation_dept", "hr_bureau"])
    assert routing.approving_unit(department, "county", "city") == tree["city"]


def test_editing_the_level_order_changes_which_level_suffices():
    """DOMAIN.md §1.2: the approving unit is the nearest that satisfies the table, by level order."""
    tree = f.small_tree()
    township = tree["township"]
    assert routing.approving_unit(township, "city", "city") == tree["city"]
    # An administrator who ranked county above city (a wrong edit still obeyed, to show the data rules):
    set_parameter("routing.level_order", ["township", "city", "county", "province", "central"])
    assert routing.approving_unit(township, "city", "city") == tree["county"]


@pytest.mark.parametrize(
    "key, bad, message",
    [
        ("routing.department_kinds", ["ministry"], "单位类别代码"),
        ("routing.department_kinds", "department", "取值类型"),
        ("routing.level_order", ["township", "county"], "全部层级代码"),
        ("no.such.parameter", [], "没有这个规则参数"),
    ],
)
def test_bad_values_are_refused_with_a_translated_reason(key, bad, message):
    """Bad input gets a clear error and changes nothing."""
    with pytest.raises(ValidationError) as caught:
        set_parameter(key, bad)
    assert message in str(caught.value)
    assert not RuleParameter.objects.exists()


def test_a_stored_row_naming_no_declared_parameter_is_reported_by_the_system_check():
    from django.core import checks

    RuleParameter.objects.create(key="routing.renamed_kinds", value=[], effective_from=datetime.date(2020, 1, 1))
    found = [m for m in checks.run_checks() if m.id == "rulebook.W001"]
    assert [m.obj for m in found] == ["routing.renamed_kinds"]


# --- the other parameters: each edit changes the outcome of the rule that reads it -------------


def test_the_roles_a_nominator_may_not_hold_are_data():
    """DOMAIN.md §9 [default] "The person who nominated may not also review or approve the same
    case": the judging roles barred to the nominator are a parameter."""
    from permissions import policy

    assert policy.lanes_barred_by("publicity_officer") == policy.NOMINATING_LANES
    set_parameter("policy.judging_roles", ["reviewer", "approver", "discipline"])
    assert policy.lanes_barred_by("publicity_officer") == ()
    assert policy.lanes_barred_by("approver") == policy.NOMINATING_LANES
    with pytest.raises(ValidationError, match="不含推荐单位的角色"):
        set_parameter("policy.judging_roles", ["nominator"], effective_from=datetime.date(2021, 1, 1))


def test_the_meeting_quorum_and_majority_are_data():
    """DOMAIN.md §4.3 step 5 [law]: ≥ 2/3 present, adopted by more than half of those who should
    attend — kept as parameters so a changed regulation is an admin edit."""
    from promotions import rules

    assert (rules.quorum(9), rules.is_quorate(9, 5), rules.is_adopted(9, 5), rules.quorum_text()) == (6, False, True, "三分之二")
    set_parameter("promotions.meeting_quorum", [1, 2])
    set_parameter("promotions.meeting_majority", [2, 3])
    assert (rules.quorum(9), rules.is_quorate(9, 5), rules.is_adopted(9, 6), rules.quorum_text()) == (5, True, False, "二分之一")
    with pytest.raises(ValidationError, match="分子不大于分母"):
        set_parameter("promotions.meeting_quorum", [3, 2], effective_from=datetime.date(2021, 1, 1))


def test_the_secondment_plan_defaults_are_data():
    """DOMAIN.md §5 [default]: term 1–2 years, age limits and years of work are plan parameters;
    the plan form starts from the administrator's values and checks the term against them."""
    from secondments.plan import PlanForm

    form = PlanForm(organiser=None)
    assert form.fields["term_months"].initial == 12 and form.fields["min_work_years"].initial == 3
    assert form.fields["age_limit_county_deputy"].initial == 40
    set_parameter("secondments.term_months", [6, 36])
    set_parameter("secondments.min_work_years", 5)
    set_parameter("secondments.age_limits", {"county_deputy": 45})
    form = PlanForm(organiser=None)
    assert form.fields["term_months"].initial == 6 and form.fields["min_work_years"].initial == 5
    assert form.fields["age_limit_county_deputy"].initial == 45
    bound = PlanForm({"term_months": 30}, organiser=None)
    bound.is_valid()
    assert "term_months" not in bound.errors  # 30 months is within 6–36 now


def test_the_nominable_award_kinds_are_data():
    """DOMAIN.md §1.1: the kinds a unit may nominate for; an administrator who withdraws 授予称号
    sees it leave the form and a nomination for it refused."""
    from awards.forms import NominationForm

    assert [code for code, _label in NominationForm().fields["award_kind"].choices][-1] == "title"
    set_parameter("awards.nominable_kinds", ["commendation", "merit_3", "merit_2", "merit_1"])
    form = NominationForm({"award_kind": "title", "title_name": "人民满意的公务员"})
    assert not form.is_valid() and "award_kind" in form.errors
    assert "title" not in [code for code, _label in form.fields["award_kind"].choices]


def test_the_consecutive_excellent_years_for_a_merit_are_data():
    """DOMAIN.md §1.5 [practice]: three consecutive years 优秀 → 记三等功; with the parameter at 2,
    two years suffice and the deed reference names the two-year window."""
    from awards import candidates
    from records.models import AnnualAssessment

    tree = f.small_tree()
    subject = f.cadre("王喆", tree["township"])
    for year in (2024, 2025):
        AnnualAssessment.objects.create(cadre=subject, year=year, grade="excellent")
    assert [c.award_kind for c in candidates.annual_candidates(tree["township"], 2025)] == ["commendation"]
    set_parameter("awards.consecutive_excellent_years", 2)
    (candidate,) = candidates.annual_candidates(tree["township"], 2025)
    assert candidate.award_kind == "merit_3" and candidate.deed_reference == "年度考核2024-2025连续优秀"


def test_which_awards_carry_a_medal_is_data():
    """DOMAIN.md §1.1 [practice]: 记三等功 and above carry a medal — the bonus table's column."""
    import datetime as dt

    from awards.models import AwardBonus

    # The migration's rows (人社厅发〔2018〕1号): no medal for 嘉奖; an administrator's later row gives one.
    assert AwardBonus.objects.filter(kind="commendation", effective_from=dt.date(2018, 1, 1), medal=False).exists()
    AwardBonus.objects.create(kind="commendation", amount=1800, effective_from=dt.date(2026, 1, 1), medal=True)
    assert not AwardBonus.standard_for("commendation", dt.date(2025, 6, 1)).medal
    assert AwardBonus.standard_for("commendation", dt.date(2026, 6, 1)).medal


def test_the_admin_lists_each_default_with_its_source_and_refuses_a_bad_value(admin_client):
    """An administrator sees every parameter's default (as stored, JSON) with its DOMAIN.md source;
    a bad value is refused with the reason and nothing is saved."""
    page = admin_client.get("/admin/rulebook/ruleparameter/add/").content.decode()
    assert "routing.department_kinds" in page and "DOMAIN.md §1.2" in page
    assert "&quot;organisation_dept&quot;" in page and "UnitKind." not in page
    response = admin_client.post(
        "/admin/rulebook/ruleparameter/add/",
        {"key": "promotions.meeting_quorum", "value": "[3, 2]", "effective_from": "2027-01-01", "basis": "测试"},
    )
    assert response.status_code == 200 and "分子不大于分母" in response.content.decode()
    assert not RuleParameter.objects.exists()


@pytest.mark.parametrize("days, reminded", [(10, False), (3, True)])
def test_the_consent_reply_period_is_data(days, reminded):
    """DOMAIN.md §4.3 step 2 [default]: the higher department is reminded when its reply period ends
    (never counting as consent); the diagram reads the period as a rule parameter."""
    from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, refresh
    from tests.promotion_helpers import propose
    from workflows import clock, services
    from workflows.models import Notification

    load_world()
    if days != 10:
        set_parameter("promotions.consent_reply_working_days", days)
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = propose(cadre(QT_CLEAN[0]), from_recommendation=False)
    services.fire_due_timers(now=at("2026-10-02 09:00"))  # 3 working days after 28 September have passed
    assert Notification.objects.filter(user=person("pds_sh"), text__contains="答复期限").exists() is reminded
    assert refresh(case).tasks.filter(bpmn_id="Task_consent_early").exists()  # still waiting: no reply is no consent


def test_a_diagram_naming_an_undeclared_rule_parameter_is_refused(tmp_path):
    """Bindings checked: a parameter a diagram reads must be declared, or deployment fails with file and line."""
    import shutil
    from pathlib import Path

    from workflows.deploy import DeployError, deploy_directory

    folder = tmp_path / "bpmn"
    shutil.copytree(Path(__file__).resolve().parent.parent / "bpmn", folder)
    diagram = folder / "exceptional_promotion.bpmn"
    source = diagram.read_text(encoding="utf-8").replace("promotions.consent_reply_working_days", "promotions.reply_days", 1)
    diagram.write_text(source, encoding="utf-8")
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "promotions.reply_days" in text)
    with pytest.raises(DeployError) as refused:
        deploy_directory(folder)
    assert (refused.value.file_name, refused.value.line) == ("exceptional_promotion.bpmn", line)
    assert "promotions.reply_days" in refused.value.reason


@pytest.mark.parametrize("gap, early", [(2, True), (3, False)])
def test_the_skip_level_gap_for_early_consent_is_data(gap, early):
    """DOMAIN.md §4.2/§4.3 step 2 [law]: two grades up skips a level and needs the higher department's
    consent before the inspection; the gap is a rule parameter the diagram reads."""
    from tests.merit_helpers import QT_CLEAN, at, cadre, load_world
    from tests.promotion_helpers import propose
    from workflows import clock

    load_world()
    if gap != 2:
        set_parameter("promotions.early_consent_step_gap", gap)
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = propose(cadre(QT_CLEAN[0]), target_level="county_deputy", target_post="鲁山县副县长")
    assert case.tasks.filter(bpmn_id="Task_consent_early").exists() is early
    assert case.tasks.filter(bpmn_id="Task_recommend").exists() is not early
