"""The eligibility table of secondment rounds, rule by rule, pass and fail
(``bpmn/dmn/secondment_eligibility.dmn``; DOMAIN.md §5 default exclusions and plan parameters,
§2 grades, §3 effect periods, seed 000 #10 容错)."""

import datetime
from pathlib import Path

import pytest
from lxml import etree

from records.models import FaultToleranceExcuse, Promotion, RankLevel, Sanction, SanctionKind
from secondments import eligibility
from tests.test_secondment_helpers import PROCESS, candidate, investigated, load_world
from workflows import decisions
from workflows.models import ProcessDefinition

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 9, 16)
DMN = Path(__file__).resolve().parent.parent / "bpmn" / "dmn" / "secondment_eligibility.dmn"
QT = "HA-PDS-LS-QT"


@pytest.fixture
def world():
    load_world()


def criteria(**overrides):
    values = dict(
        age_limits=dict(eligibility.DEFAULT_AGE_LIMITS),
        rank_min=RankLevel.NONE,
        rank_max=RankLevel.COUNTY_PRINCIPAL,
        min_work_years=3,
        min_grade="competent",
        age_as_of=datetime.date(2026, 9, 15),
    )
    values.update(overrides)
    return eligibility.build_criteria(**values)


def rules(cadre, **overrides):
    definition = ProcessDefinition.latest(PROCESS)
    return [f["rule"] for f in eligibility.check(definition, cadre, criteria(**overrides), AS_OF)]


def reasons(cadre, **overrides):
    definition = ProcessDefinition.latest(PROCESS)
    return [f["reason"] for f in eligibility.check(definition, cadre, criteria(**overrides), AS_OF)]


def test_a_cadre_meeting_every_condition_passes_the_catch_all_only(world):
    assert rules(candidate("赵青山", QT, born="1992-03-01")) == []


def test_under_investigation(world):
    """DOMAIN.md §5 default exclusions: under investigation (not closed)."""
    cadre = investigated(candidate("吴振华", QT))
    assert reasons(cadre) == ["正在接受立案审查调查，尚未结案"]
    cadre.investigations.update(closed_on=datetime.date(2026, 9, 1))
    assert rules(cadre) == []


def test_effect_period_not_over_unless_excused_in_full(world):
    """DOMAIN.md §5 and §3 (警告: 6 months); seed 000 #10: 免予追究 does not count, reduced liability does."""
    cadre = candidate("郑国强", QT)
    sanction = Sanction.objects.create(cadre=cadre, kind=SanctionKind.WARNING, decision_date=datetime.date(2026, 6, 1))
    # Issue 12 "Dates": the effect period ends the day before its anniversary (was 2026年12月1日).
    assert reasons(cadre) == ["处分或组织处理影响期未满：警告（2026年6月1日决定，影响期至2026年11月30日）"]
    Sanction.objects.filter(pk=sanction.pk).update(excuse=FaultToleranceExcuse.REDUCED)
    assert rules(cadre) == ["sanction_effect_period"]
    Sanction.objects.filter(pk=sanction.pk).update(excuse=FaultToleranceExcuse.EXEMPT)
    assert rules(cadre) == []
    Sanction.objects.filter(pk=sanction.pk).update(
        excuse=FaultToleranceExcuse.NONE, decision_date=datetime.date(2025, 9, 1), effect_end=datetime.date(2026, 3, 1)
    )
    assert rules(cadre) == []


def test_probation_and_promotion_within_a_year(world):
    """DOMAIN.md §5 default exclusions: in probation, or promoted less than 1 year ago."""
    cadre = candidate("冯志远", QT, rank="township_deputy")
    Promotion.objects.create(
        cadre=cadre,
        promoted_on=datetime.date(2026, 1, 10),
        from_level="none",
        to_level="township_deputy",
        post="副镇长",
        probation_end=datetime.date(2027, 1, 10),
    )
    assert reasons(cadre) == ["任职试用期未满（2027年1月10日期满）", "距上次提拔不满1年（2026年1月10日任副镇长）"]
    Promotion.objects.filter(cadre=cadre).update(promoted_on=datetime.date(2025, 9, 1), probation_end=datetime.date(2026, 9, 1))
    assert rules(cadre) == []  # probation over, and 380 days since
    Promotion.objects.filter(cadre=cadre).update(promoted_on=datetime.date(2025, 9, 17), probation_end=datetime.date(2026, 9, 1))
    assert rules(cadre) == ["recently_promoted"]  # 364 days


def test_last_annual_grade_below_competent_or_missing(world):
    """DOMAIN.md §5: last annual grade below 称职 (grades: §2); the round may require 优秀."""
    assert reasons(candidate("陈思远", QT, grade="basic")) == ["2025年度考核为基本称职，本轮要求最近一次年度考核为称职及以上"]
    assert rules(candidate("陈思齐", QT, grade="not_graded")) == ["assessment_grade"]
    assert reasons(candidate("陈思源", QT, grade=None)) == ["无年度考核结果，本轮要求最近一次年度考核为称职及以上"]
    competent = candidate("陈思雨", QT, grade="competent")
    assert rules(competent) == [] and rules(competent, min_grade="excellent") == ["assessment_grade"]
    assert rules(candidate("陈思明", QT, grade="excellent"), min_grade="excellent") == []


def test_age_limit_per_rank_level(world):
    """DOMAIN.md §5 [default, plan parameter]: "≤ 40 for 县处级, ≤ 35 below", on the deadline."""
    assert rules(candidate("杨一", QT, born="1986-09-15", rank="county_deputy")) == []  # 40 on 15 September
    assert reasons(candidate("杨三", QT, born="1985-09-15", rank="county_deputy")) == ["年龄41岁，超过本轮县处级副职年龄上限（40岁）"]
    assert rules(candidate("杨四", QT, born="1991-09-15")) == []  # 35, 其他人员
    assert rules(candidate("杨五", QT, born="1990-09-15")) == ["age_limit"]  # 36
    older = candidate("杨六", QT, born="1972-01-01", rank="bureau_deputy")
    assert rules(older, rank_max=RankLevel.BUREAU_DEPUTY) == []  # no limit set for 厅局级
    assert rules(older, rank_max=RankLevel.BUREAU_DEPUTY, age_limits={RankLevel.BUREAU_DEPUTY: 50}) == ["age_limit"]


def test_rank_range_and_years_of_work(world):
    """DOMAIN.md §5 [default, plan parameters]: the rank range and the minimum years of work."""
    deputy = candidate("何一", QT, rank="township_deputy")
    assert rules(deputy, rank_min=RankLevel.TOWNSHIP_DEPUTY, rank_max=RankLevel.TOWNSHIP_DEPUTY) == []
    assert reasons(deputy, rank_min=RankLevel.TOWNSHIP_PRINCIPAL, rank_max=RankLevel.COUNTY_DEPUTY) == [
        "职级层次为乡科级副职，不在本轮选派范围（乡科级正职至县处级副职）内"
    ]
    staff = candidate("何二", QT, rank="none", work_start="2024-07-01")
    assert reasons(staff) == ["参加工作2年，不满本轮要求的3年"]
    assert rules(staff, min_work_years=2) == []
    assert rules(staff, rank_min=RankLevel.TOWNSHIP_DEPUTY) == ["rank_range", "work_years"]


def test_every_failed_rule_is_listed(world):
    """Hit policy COLLECT: all reasons at once, in the table's order."""
    cadre = investigated(candidate("马多", QT, born="1980-01-01", grade="basic", work_start="2025-01-01"))
    assert rules(cadre) == ["open_investigation", "assessment_grade", "age_limit", "work_years"]


def test_the_table_cites_the_rule_book_and_ends_with_a_catch_all():
    ns = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
    tree = etree.parse(str(DMN))
    table = tree.find(".//dmn:decisionTable", ns)
    assert table.get("hitPolicy") == "COLLECT"
    rows = table.findall("dmn:rule", ns)
    for row in rows[:-1]:
        assert "DOMAIN.md §5" in row.find("dmn:description", ns).text
    assert [e.find("dmn:text", ns).text for e in rows[-1].findall("dmn:inputEntry", ns)] == ["-"] * 8
    assert rows[-1].find("dmn:outputEntry/dmn:text", ns).text == '"ok"'


def test_the_decision_is_read_from_the_deployed_version(world):
    """workflows.decisions: a running round keeps the rules of the version it started with."""
    definition = ProcessDefinition.latest(PROCESS)
    assert "dmn/secondment_eligibility.dmn" in definition.deployed_files()
    engine_a, file_name = decisions.decision_engine(definition, "secondment_eligibility")
    assert file_name == "dmn/secondment_eligibility.dmn" and decisions.decision_engine(definition, "secondment_eligibility")[0] is engine_a
    with pytest.raises(decisions.DecisionNotFound):
        decisions.evaluate(definition, "no_such_table", {})
