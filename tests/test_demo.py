"""Demo data: ``manage.py load_demo`` and ``manage.py demo_logins`` (README: "one command runs
the app with demo data").

The data set must exercise the rules of DOMAIN.md: a unit tree where the approving authority
is found by walking up (§1.2), every role of the lanes held at some unit (§9), five years of
annual grades with ~18% 优秀 and award candidates (§1.5, §2), sanctions inside and outside
their effect period on the reference date (§3), excused faults (§1.4, seed 000 #10), one open
investigation (§1.4), rare-character names (§8.1) and recusal links (§9).
"""

import datetime
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permissions.models import Grant, Unit, UnitKind, UnitLevel
from permissions.roles import Role
from records.models import (
    AnnualAssessment,
    AssessmentGrade,
    Award,
    Cadre,
    FamilyMember,
    FaultToleranceExcuse,
    Investigation,
    Promotion,
    Sanction,
    Secondment,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 21)
RARE_NAMES = ["王䶮", "李堃", "张喆", "刘赟"]
MODELS = [Unit, get_user_model(), Grant, Cadre, FamilyMember, AnnualAssessment, Sanction, Investigation, Award, Promotion, Secondment]


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def approving_unit(unit):
    """DOMAIN.md §1.2 routing: nearest unit at county level or above that is a party committee or government."""
    for candidate in unit.ancestors():
        if candidate.level != UnitLevel.TOWNSHIP and candidate.kind in (UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT):
            return candidate
    return None


# --- the unit tree ---


def test_tree_runs_province_city_county_township(demo):
    township = Unit.objects.get(code="HA-PDS-LS-QT")
    path = township.ancestors()
    assert [u.code for u in path] == ["HA-PDS-LS-QT", "HA-PDS-LS", "HA-PDS", "HA"]
    assert [u.level for u in path] == [UnitLevel.TOWNSHIP, UnitLevel.COUNTY, UnitLevel.CITY, UnitLevel.PROVINCE]
    assert [u.name for u in path] == ["鲁山县琴台街道", "中共鲁山县委", "中共平顶山市委", "中共河南省委"]
    assert township.is_within(Unit.objects.get(code="HA"))


def test_tree_has_the_bodies_of_each_area(demo):
    areas = Unit.objects.filter(kind=UnitKind.PARTY_COMMITTEE)
    assert areas.filter(level=UnitLevel.PROVINCE).count() == 1
    assert areas.filter(level=UnitLevel.CITY).count() == 1
    counties = areas.filter(level=UnitLevel.COUNTY)
    assert counties.count() >= 4
    for area in areas:
        kinds = Counter(area.children.values_list("kind", flat=True))
        for kind in (UnitKind.GOVERNMENT, UnitKind.ORGANISATION_DEPT, UnitKind.DISCIPLINE, UnitKind.HR_BUREAU):
            assert kinds[kind] == 1, (area.code, kind)
    for county in counties:
        kinds = Counter(county.children.values_list("kind", flat=True))
        assert 2 <= kinds[UnitKind.TOWNSHIP] <= 4, county.code
        assert 2 <= kinds[UnitKind.DEPARTMENT] <= 3, county.code
    city = Unit.objects.get(code="HA-PDS")
    assert city.children.filter(kind=UnitKind.DEPARTMENT).count() >= 5
    assert Unit.objects.get(code="HA-PDS-ZZB").short_name == "平组"
    assert Unit.objects.count() < 200


def test_routing_finds_the_authority_and_its_organisation_department(demo):
    cases = {
        "HA-PDS-LS-QT": "HA-PDS-LS",
        "HA-PDS-BF-TL": "HA-PDS-BF",
        "HA-PDS-LS-JYJ": "HA-PDS-LS",
        "HA-PDS-JYJ": "HA-PDS",
        "HA-PDS-ZZB": "HA-PDS",
        "HA-RST": "HA",
        "HA-PDS-LS-GOV": "HA-PDS-LS-GOV",
    }
    for nominating, expected in cases.items():
        authority = approving_unit(Unit.objects.get(code=nominating))
        assert authority.code == expected, nominating
        committee = authority if authority.kind == UnitKind.PARTY_COMMITTEE else authority.parent
        assert committee.children.filter(kind=UnitKind.ORGANISATION_DEPT).count() == 1


def test_unit_codes_are_stable_and_structured(demo):
    for unit in Unit.objects.select_related("parent"):
        if unit.parent is None:
            assert unit.code == "HA"
        else:
            assert unit.code.startswith(unit.parent.code + "-"), unit.code
            assert unit.code.count("-") == unit.parent.code.count("-") + 1


# --- logins ---


def test_every_role_is_held_by_some_demo_user(demo):
    held = set(Grant.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    for role in (Role.NOMINATOR, Role.UNIT_LEADER):
        levels = Counter(Grant.objects.filter(role=role).values_list("unit__level", flat=True))
        assert levels[UnitLevel.TOWNSHIP] >= 2 and levels[UnitLevel.CITY] >= 2, role
    for role in (Role.DISCIPLINE, Role.REVIEWER, Role.PUBLICITY_OFFICER, Role.APPROVER):
        levels = Counter(Grant.objects.filter(role=role).values_list("unit__level", flat=True))
        assert levels[UnitLevel.COUNTY] >= 2 and levels[UnitLevel.CITY] >= 1 and levels[UnitLevel.PROVINCE] >= 1, role
    # The binding is to the unit itself: no county review-side grant reaches the townships.
    assert not Grant.objects.exclude(role=Role.ADMIN).filter(include_subordinates=True).exists()
    for user in get_user_model().objects.filter(grants__isnull=False).distinct():
        assert user.first_name, user.username


def test_demo_users_log_in_with_the_demo_password(demo):
    user = authenticate(username="ls_qt_jbr", password="demo12345")
    assert user is not None and user.grants.get().role == Role.NOMINATOR
    admin = authenticate(username="admin", password="demo12345")
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert authenticate(username="ls_sp", password="wrong") is None


def test_recusal_links(demo):
    nominator = Cadre.objects.get(user__username="ls_qt_jbr")
    assert nominator.unit.code == "HA-PDS-LS-QT"
    approver = Cadre.objects.get(user__username="ls_sp")
    county = Unit.objects.get(code="HA-PDS-LS")
    relatives = [m.relative_cadre for m in approver.family.filter(relative_cadre__isnull=False)]
    assert any(r.unit.level == UnitLevel.TOWNSHIP and r.unit.is_within(county) for r in relatives)
    relative = relatives[0]
    assert relative.family.filter(relative_cadre=approver).exists()


def test_demo_logins_prints_the_table(demo):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "demo12345" in text
    for username in ("ls_qt_jbr", "ls_qt_ld", "pds_jyj_jbr", "ls_sp", "pds_sh", "ha_sp", "admin"):
        assert re.search(rf"^{username}\s", text, re.M), username
    name = get_user_model().objects.get(username="ls_qt_jbr").first_name
    assert name in text and "推荐单位经办人" in text and "鲁山县琴台街道" in text


def test_demo_logins_without_demo_data_says_what_to_run():
    with pytest.raises(CommandError, match="load_demo"):
        call_command("demo_logins", stdout=StringIO())


# --- cadres and their records ---


def test_about_300_cadres_with_five_years_of_assessments(demo):
    cadres = Cadre.objects.count()
    assert 280 <= cadres <= 330
    years = defaultdict(set)
    for cadre_id, year in AnnualAssessment.objects.values_list("cadre_id", "year"):
        years[cadre_id].add(year)
    assert len(years) == cadres
    full = sum(1 for ys in years.values() if ys == {2021, 2022, 2023, 2024, 2025})
    assert full >= 0.95 * cadres
    assert all(2025 in ys for ys in years.values())
    grades = Counter(AnnualAssessment.objects.values_list("grade", flat=True))
    total = sum(grades.values())
    assert 0.12 <= grades[AssessmentGrade.EXCELLENT] / total <= 0.22
    assert grades[AssessmentGrade.COMPETENT] / total > 0.7
    assert grades[AssessmentGrade.BASIC] >= 3
    assert 1 <= grades[AssessmentGrade.INCOMPETENT] <= 3
    assert grades[AssessmentGrade.NOT_GRADED] >= 3


def test_award_candidates_exist(demo):
    """DOMAIN.md §1.5: 优秀 in 2025 → 嘉奖; 2023–2025 all 优秀 → 记三等功."""
    excellent = defaultdict(set)
    for cadre_id, year in AnnualAssessment.objects.filter(grade=AssessmentGrade.EXCELLENT).values_list("cadre_id", "year"):
        excellent[cadre_id].add(year)
    assert sum(1 for ys in excellent.values() if {2023, 2024, 2025} <= ys) >= 5
    assert sum(1 for ys in excellent.values() if 2025 in ys) >= 40


def test_rare_character_names_exist(demo):
    assert set(Cadre.objects.filter(name__in=RARE_NAMES).values_list("name", flat=True)) == set(RARE_NAMES)


def test_cadre_facts_are_consistent(demo):
    ranks_by_level = defaultdict(set)
    for cadre in Cadre.objects.select_related("unit"):
        age = cadre.age_on(DAY)
        assert 25 <= age <= 58, cadre.name
        assert cadre.age_on(cadre.work_start_date) >= 18, cadre.name
        if cadre.party_join_date:
            assert cadre.age_on(cadre.party_join_date) >= 18, cadre.name
            assert cadre.political_status in ("中共党员", "中共预备党员")
        assert cadre.work_start_date <= cadre.current_rank_since <= DAY
        assert cadre.native_place.startswith("河南")
        assert cadre.current_post and cadre.resume and cadre.id_number
        ranks_by_level[cadre.unit.level].add(cadre.rank_level)
    assert "township_principal" in ranks_by_level[UnitLevel.TOWNSHIP]
    assert not ranks_by_level[UnitLevel.TOWNSHIP] & {"county_deputy", "county_principal", "bureau_deputy"}
    assert "county_principal" in ranks_by_level[UnitLevel.COUNTY]
    assert "county_principal" in ranks_by_level[UnitLevel.CITY]
    assert Cadre.objects.exclude(ethnicity="汉族").count() < 0.1 * Cadre.objects.count()
    assert FamilyMember.objects.count() > Cadre.objects.count()


def test_sanctions_investigations_awards_promotions(demo):
    sanctions = list(Sanction.objects.all())
    running = [s for s in sanctions if s.in_effect_on(DAY)]
    assert running and any(not s.in_effect_on(DAY) for s in sanctions)
    assert {s.kind for s in sanctions} >= {"warning", "demerit", "admonishment"}
    for s in sanctions:
        assert s.effect_end == s.computed_effect_end()
    exempt = [s for s in sanctions if s.excuse == FaultToleranceExcuse.EXEMPT]
    assert len(exempt) == 1 and exempt[0].excuse_decision and not exempt[0].counts_as_disqualifier
    # A 警告/诫勉 or worse in a year excludes 优秀 that year (DOMAIN.md §2).
    for s in sanctions:
        assert not AnnualAssessment.objects.filter(cadre=s.cadre, year=s.decision_date.year, grade="excellent").exists()

    assert Investigation.objects.filter(closed_on__isnull=True).count() == 1
    assert Investigation.objects.filter(closed_on__isnull=False).exists()

    awards = Award.objects.all()
    assert awards.filter(kind="commendation").exists() and awards.filter(kind="merit_3").exists()
    assert awards.filter(decision_number="平组〔2024〕15号").exists()
    for award in awards:
        assert re.fullmatch(r"\w+〔20\d\d〕[1-9]\d*号", award.decision_number), award.decision_number
        assert award.approving_unit.kind == UnitKind.PARTY_COMMITTEE

    assert Promotion.objects.count() >= 3 and Promotion.objects.filter(exceptional=True).exists()
    assert Cadre.objects.filter(probation_end__gt=DAY).count() >= 3
    assert Secondment.objects.count() == 1


# --- idempotency ---


def test_second_run_changes_nothing_and_writes_nothing(demo):
    before = counts()
    snapshot = list(Cadre.objects.order_by("id_number").values_list("id_number", "name", "unit__code", "user__username"))
    with CaptureQueriesContext(connection) as queries:
        call_command("load_demo", verbosity=0)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert counts() == before
    assert list(Cadre.objects.order_by("id_number").values_list("id_number", "name", "unit__code", "user__username")) == snapshot


def test_rerun_repairs_a_damaged_demo(demo):
    before = counts()
    AnnualAssessment.objects.filter(year=2023).delete()
    Unit.objects.filter(code="HA-PDS-ZZB").update(short_name="x")
    get_user_model().objects.get(username="pds_sh").set_password("changed")
    get_user_model().objects.filter(username="pds_sh").update(password="!")
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == before
    assert Unit.objects.get(code="HA-PDS-ZZB").short_name == "平组"
    assert authenticate(username="pds_sh", password="demo12345") is not None
    assert "已加载" in out.getvalue()


def test_the_demo_shows_every_alert_kind_it_is_meant_to_and_a_full_quota(demo):
    """Issue 16: the demo's cadre records reach the alerts dashboard (time in post, township
    years, health checks on the front line, courses of county leaders) and 琴台街道's deputies'
    quota is full."""
    from django.contrib.auth import get_user_model

    from records.models import Cadre, HealthCheck, PostHistory
    from supervision import alerts

    admin = get_user_model().objects.get(username="admin")
    found = {}
    for row in alerts.alerts(Cadre.objects.visible_to(admin), demo_data_reference()):
        found[row.kind.code] = found.get(row.kind.code, 0) + 1
    for code in (alerts.HEALTH_CHECK, alerts.TRAINING, alerts.TOWNSHIP, alerts.RETIREMENT_DUE):
        assert found.get(code), (code, found)
    assert found.get(alerts.ROTATION_SHOULD) or found.get(alerts.ROTATION_MUST), found
    assert PostHistory.objects.filter(end__isnull=True).count() == Cadre.objects.count()
    assert HealthCheck.objects.filter(cadre__hardship_post=True).exists()
    from quotas.models import PostQuota

    assert PostQuota.objects.filter(unit__code="HA-PDS-LS-QT").count() == 2


def demo_data_reference():
    from demo.data import REFERENCE_DATE

    return REFERENCE_DATE
