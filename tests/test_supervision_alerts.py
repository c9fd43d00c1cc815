"""预警提醒 (issue 16 item 1; DOMAIN.md §10): each alert kind with a cadre just inside and just
outside its threshold, the scope of the dashboard, the counts per unit and the Excel export.

Dates are frozen through the alert functions' ``today`` parameter, not the system clock.
"""

import datetime
import io

import openpyxl
import pytest

from permissions.models import UnitKind, UnitLevel
from permissions.roles import Role
from records.models import (
    AnnualAssessment,
    HealthCheck,
    PostHistory,
    Promotion,
    RankLevel,
    Sanction,
    Training,
    add_months,
    add_years,
)
from supervision import alerts
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def tree():
    return factories.small_tree()


def names(kind, cadres=None):
    from records.models import Cadre

    query = alerts.QUERIES[kind]
    return sorted(c.name for c in query(cadres if cadres is not None else Cadre.objects.all(), TODAY))


# --------------------------------------------------------------------------- rotation


def test_rotation_five_and_ten_years_in_the_same_post(tree):
    """DOMAIN.md §10 "Rotation" (seed 000 #15): 满5年原则上应进行轮岗，满10年必须进行轮岗, counted from
    the date the cadre took the current post."""
    township = tree["township"]
    factories.cadre("五年整", township, post_since=add_years(TODAY, -5))
    factories.cadre("差一天五年", township, post_since=add_years(TODAY, -5) + DAY)
    factories.cadre("十年整", township, post_since=add_years(TODAY, -10))
    factories.cadre("差一天十年", township, post_since=add_years(TODAY, -10) + DAY)
    factories.cadre("无任职时间", township)
    assert names(alerts.ROTATION_SHOULD) == ["五年整", "差一天十年"]
    assert names(alerts.ROTATION_MUST) == ["十年整"]


# --------------------------------------------------------------------------- probation


def test_probation_ending_within_sixty_days(tree):
    """DOMAIN.md §4.3 step 7, §10: the probation's end 60 days ahead — on the record, or on a
    promotion whose end-of-probation assessment is still open."""
    township = tree["township"]
    factories.cadre("六十天", township, probation_end=TODAY + datetime.timedelta(days=60))
    factories.cadre("六十一天", township, probation_end=TODAY + datetime.timedelta(days=61))
    factories.cadre("昨天已满", township, probation_end=TODAY - DAY)
    factories.cadre("今天届满", township, probation_end=TODAY)
    open_one = factories.cadre("晋升试用", township)
    closed = factories.cadre("已考核", township)
    for cadre, result in ((open_one, ""), (closed, "confirmed")):
        Promotion.objects.create(
            cadre=cadre,
            promoted_on=TODAY - datetime.timedelta(days=300),
            from_level=RankLevel.TOWNSHIP_DEPUTY,
            to_level=RankLevel.TOWNSHIP_PRINCIPAL,
            post="镇长",
            probation_end=TODAY + datetime.timedelta(days=10),
            probation_result=result,
        )
    rows = {c.name: c.alert_date for c in alerts.probation_ending(factories.Cadre.objects.all(), TODAY)}
    assert sorted(rows) == ["今天届满", "六十天", "晋升试用"]
    assert rows["晋升试用"] == TODAY + datetime.timedelta(days=10)


# --------------------------------------------------------------------------- retirement


def test_retirement_dates_follow_the_gradual_raise():
    """DOMAIN.md §10 "Retirement" [practice]: the national ages as a rule parameter — men 60 → 63,
    women cadres 55 → 58, one month later for every four months of birth from 1965 / 1970."""
    date = datetime.date
    assert alerts.retirement_date(date(1964, 12, 31), "male") == date(2024, 12, 31)
    assert alerts.retirement_date(date(1965, 1, 10), "male") == date(2025, 2, 10)  # 60 years 1 month
    assert alerts.retirement_date(date(1965, 5, 10), "male") == date(2025, 7, 10)  # 60 years 2 months
    assert alerts.retirement_date(date(1976, 9, 1), "male") == date(2039, 9, 1)  # 63
    assert alerts.retirement_date(date(1990, 3, 1), "male") == date(2053, 3, 1)  # 63
    assert alerts.retirement_date(date(1969, 12, 1), "female") == date(2024, 12, 1)
    assert alerts.retirement_date(date(1970, 1, 1), "female") == date(2025, 2, 1)  # 55 years 1 month
    assert alerts.retirement_date(date(1981, 9, 1), "female") == date(2039, 9, 1)  # 58


@pytest.mark.parametrize("sex", ["male", "female"])
def test_retirement_within_twelve_months(tree, sex):
    """DOMAIN.md §10 "Retirement": alert 12 months ahead (and while past the age on the record)."""
    limit = add_months(TODAY, alerts.RETIREMENT_NOTICE_MONTHS)
    birth = datetime.date(1950, 1, 1)
    while alerts.retirement_date(birth + DAY, sex) <= limit:  # the last birth date retiring by the limit
        birth += DAY
    assert alerts.retirement_date(birth, sex) <= limit < alerts.retirement_date(birth + DAY, sex)
    township = tree["township"]
    factories.cadre("最后一个", township, sex=sex, birth_date=birth)
    factories.cadre("晚一天出生", township, sex=sex, birth_date=birth + DAY)
    factories.cadre("已到龄", township, sex=sex, birth_date=birth - datetime.timedelta(days=800))
    assert names(alerts.RETIREMENT_DUE) == ["已到龄", "最后一个"]


def test_retirement_ages_are_a_rule_parameter(tree):
    """DOMAIN.md §10 "Retirement" [practice]: an administrator's dated row changes the ages."""
    from rulebook.models import RuleParameter

    rule = {"male": {"age": 65, "raised_from": 2100, "target_age": 65}, "female": {"age": 55, "raised_from": 1970, "target_age": 58}}
    row = RuleParameter(key=alerts.RETIREMENT.key, value=rule, effective_from=datetime.date(2026, 1, 1), basis="测试")
    row.full_clean()
    row.save()
    factories.cadre("六十一岁", tree["township"], birth_date=datetime.date(1965, 6, 1))
    assert alerts.retirement_date(datetime.date(1965, 6, 1), "male", TODAY) == datetime.date(2030, 6, 1)
    assert names(alerts.RETIREMENT_DUE) == []
    bad = RuleParameter(key=alerts.RETIREMENT.key, value={"male": {"age": 60}}, effective_from=datetime.date(2027, 1, 1))
    with pytest.raises(Exception, match="age"):
        bad.full_clean()


# --------------------------------------------------------------------------- township service


def _served(cadre, unit, start, end=None):
    PostHistory.objects.create(cadre=cadre, post_unit=unit, post="乡镇干部", start=start, end=end)


def test_township_service_twenty_years_with_excellent_grades(tree):
    """DOMAIN.md §10 "Township service" (seed 000 #20): 在乡镇工作累计满20年且表现优秀 — summed over
    the post history in township-level units; 表现优秀 = a 优秀 grade in the last 5 years [default]."""
    township, county = tree["township"], tree["county"]
    full = factories.cadre("满二十年", township)
    short = factories.cadre("差一天", township)
    split = factories.cadre("分段累计", township)
    not_excellent = factories.cadre("无优秀", township)
    _served(full, township, add_years(TODAY, -20))
    _served(short, township, add_years(TODAY, -20) + DAY)
    # 12 years in one township, 4 in the county (not counted), then 8 years to today in another.
    _served(split, tree["other_township"], add_years(TODAY, -24), add_years(TODAY, -12))
    _served(split, county, add_years(TODAY, -12), add_years(TODAY, -8))
    _served(split, township, add_years(TODAY, -8))
    _served(not_excellent, township, add_years(TODAY, -25))
    for cadre in (full, short, split):
        AnnualAssessment.objects.create(cadre=cadre, year=TODAY.year - 1, grade="excellent")
    AnnualAssessment.objects.create(cadre=not_excellent, year=TODAY.year - 6, grade="excellent")  # too long ago
    assert names(alerts.TOWNSHIP) == ["分段累计", "满二十年"]


# --------------------------------------------------------------------------- health checks


def test_health_check_for_hardship_posts_at_least_yearly(tree):
    """DOMAIN.md §10 "Health checks" (seed 004 art. 11 每年体检不少于1次; seed 000 #19): a front-line,
    hardship or high-risk post without a check in the last 12 months."""
    township = tree["township"]
    on_time = factories.cadre("一年整", township, hardship_post=True)
    late = factories.cadre("超一天", township, hardship_post=True)
    factories.cadre("从未体检", township, hardship_post=True)
    ordinary = factories.cadre("普通岗位", township)
    HealthCheck.objects.create(cadre=on_time, date=add_months(TODAY, -12), standard="higher")
    HealthCheck.objects.create(cadre=late, date=add_months(TODAY, -12) - DAY, standard="higher")
    HealthCheck.objects.create(cadre=ordinary, date=datetime.date(2020, 1, 1))
    rows = {c.name: c.alert_date for c in alerts.health_check_missing(factories.Cadre.objects.all(), TODAY)}
    assert rows == {"超一天": add_months(TODAY, -12) - DAY, "从未体检": None}


# --------------------------------------------------------------------------- training


def test_city_and_county_leaders_need_a_professional_course_each_year(tree):
    """DOMAIN.md §10 "Training" (seed 000 #13): 市县党政领导班子成员每年至少参加1次强化专业能力的专题培训.
    Leaders: 县处级 in a county unit, 厅局级 in a city unit."""
    county, city = tree["county"], tree["city"]
    city_department = factories.unit("C-FG", "平顶山市发改委", UnitLevel.CITY, UnitKind.DEPARTMENT, city)
    trained = factories.cadre("一月一日结业", county, rank_level=RankLevel.COUNTY_DEPUTY)
    last_year = factories.cadre("去年年末结业", county, rank_level=RankLevel.COUNTY_PRINCIPAL)
    general = factories.cadre("非专业培训", city, rank_level=RankLevel.BUREAU_DEPUTY)
    factories.cadre("市领导未培训", city, rank_level=RankLevel.BUREAU_PRINCIPAL)
    factories.cadre("市直部门处长", city_department, rank_level=RankLevel.COUNTY_PRINCIPAL)
    factories.cadre("县里科员", county)
    Training.objects.create(
        cadre=trained, course="数字经济专题", start=datetime.date(2025, 12, 28), end=datetime.date(2026, 1, 1), hours=30, professional=True
    )
    december = (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    Training.objects.create(cadre=last_year, course="乡村振兴专题", start=december[0], end=december[1], hours=30, professional=True)
    Training.objects.create(
        cadre=general, course="理论学习", start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 5), hours=20, professional=False
    )
    assert names(alerts.TRAINING) == ["去年年末结业", "市领导未培训", "非专业培训"]


# --------------------------------------------------------------------------- sanctions


def test_sanction_effect_period_ending_within_thirty_days(tree):
    """DOMAIN.md §3: ``effect_end`` is the last day in effect; announced 30 days ahead."""
    township = tree["township"]
    decided = TODAY - datetime.timedelta(days=200)
    for name, days in (("三十天", 30), ("三十一天", 31), ("已过", -1)):
        cadre = factories.cadre(name, township)
        end = TODAY + datetime.timedelta(days=days)
        Sanction.objects.create(cadre=cadre, kind="warning", decision_date=decided, effect_end=end, effect_end_override_reason="测试")
    assert names(alerts.SANCTION_ENDING) == ["三十天"]


# --------------------------------------------------------------------------- the page


@pytest.fixture
def county_world(tree):
    """Alerts in 鲁山县 (county and township) and one in 宝丰县."""
    county, township, other = tree["county"], tree["township"], tree["other_township"]
    factories.cadre("鲁山甲", township, post_since=add_years(TODAY, -11))
    factories.cadre("鲁山乙", township, post_since=add_years(TODAY, -6), hardship_post=True)
    factories.cadre("鲁山县领导", county, rank_level=RankLevel.COUNTY_DEPUTY)
    factories.cadre("宝丰丙", other, post_since=add_years(TODAY, -12))
    # This year's check for every post but the front line's (its own alert above; the yearly one
    # of every cadre is tests/test_supervision_health.py's).
    for cadre in factories.Cadre.objects.filter(hardship_post=False):
        HealthCheck.objects.create(cadre=cadre, date=TODAY - datetime.timedelta(days=30))
    supervisor = factories.user("ls_supervisor", (Role.REVIEWER, county, True))
    outsider = factories.user("bf_supervisor", (Role.REVIEWER, tree["other_county"], True))
    return {**tree, "supervisor": supervisor, "outsider": outsider}


@pytest.fixture
def frozen(monkeypatch):
    from supervision import views

    monkeypatch.setattr(views, "today", lambda: TODAY)


def test_dashboard_counts_per_unit_and_kind(client, county_world, frozen):
    """Issue 16 item 1: counts per unit and kind; each alert links to the cadre's record."""
    client.force_login(county_world["supervisor"])
    page = client.get("/supervision/alerts/")
    assert page.status_code == 200
    counts = {(r["unit"].name, k.code): n for r in page.context["count_rows"] for k, n in r["cells"] if n}
    assert counts == {
        ("琴台街道", alerts.ROTATION_MUST): 1,
        ("琴台街道", alerts.ROTATION_SHOULD): 1,
        ("琴台街道", alerts.HEALTH_CHECK): 1,
        ("鲁山县委", alerts.TRAINING): 1,
    }
    assert page.context["total"] == 4
    html = page.content.decode()
    assert "宝丰丙" not in html
    from records.models import Cadre

    assert f'href="/records/{Cadre.objects.get(name="鲁山甲").pk}/"' in html


def test_dashboard_filters_by_kind_and_unit(client, county_world, frozen):
    client.force_login(county_world["supervisor"])
    page = client.get("/supervision/alerts/", {"kind": alerts.ROTATION_MUST})
    assert [a.cadre.name for a in page.context["page"].object_list] == ["鲁山甲"]
    page = client.get("/supervision/alerts/", {"unit": county_world["township"].pk})
    assert sorted({a.cadre.name for a in page.context["page"].object_list}) == ["鲁山乙", "鲁山甲"]
    assert [r["unit"].name for r in page.context["count_rows"]] == ["琴台街道"]


def test_a_person_of_another_county_sees_nothing_of_this_one(client, county_world, frozen):
    """Scope: the units the person holds a role on (records.models.Cadre.objects.visible_to)."""
    client.force_login(county_world["outsider"])
    page = client.get("/supervision/alerts/")
    assert [a.cadre.name for a in page.context["page"].object_list] == ["宝丰丙"]
    # Naming another county's unit in the filter shows nothing of it.
    page = client.get("/supervision/alerts/", {"unit": county_world["township"].pk})
    assert "鲁山" not in page.content.decode()
    export = client.get("/supervision/alerts/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, max_row=2, values_only=True)] == ["宝丰丙"]


def test_a_person_without_a_role_is_refused(client, tree):
    client.force_login(factories.user("nobody"))
    assert client.get("/supervision/alerts/").status_code == 403


def test_excel_export_has_the_rows_of_the_page(client, county_world, frozen):
    """Issue 16 item 1: Excel export of the same rows, and the counts per unit."""
    from supervision.views import export_rows

    client.force_login(county_world["supervisor"])
    response = client.get("/supervision/alerts/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True) if r[1]]
    page = client.get("/supervision/alerts/")
    expected = export_rows(page.context["page"].object_list)
    for row in expected:
        row[5] = datetime.datetime.combine(row[5], datetime.time()) if row[5] else None  # openpyxl reads dates back as datetimes
    assert rows == expected
    assert sheet.cell(row=1, column=4).value == "预警类型"
    counts = {r[0]: r[-1] for r in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert counts == {"鲁山县委": 1, "琴台街道": 3}
    only_must = openpyxl.load_workbook(io.BytesIO(client.get("/supervision/alerts/export.xlsx", {"kind": alerts.ROTATION_MUST}).content))
    assert [r[1] for r in only_must.active.iter_rows(min_row=2, values_only=True) if r[1]] == ["鲁山甲"]


def test_one_query_per_alert_kind(county_world, django_assert_max_num_queries):
    """Issue 16 acceptance (≤ 200 ms at a province-sized base): no query per cadre."""
    from records.models import Cadre

    for index in range(30):
        factories.cadre(f"批量{index}", county_world["township"], post_since=add_years(TODAY, -7), hardship_post=True)
    alerts.alerts(Cadre.objects.all(), TODAY)  # warm the rule-parameter cache
    with django_assert_max_num_queries(len(alerts.KINDS) + 2):
        rows = alerts.alerts(Cadre.objects.all(), TODAY)
    assert len(rows) > 60


def test_the_cadre_page_sections(tree, frozen):
    """The partial the cadre page includes: post history, health checks, training and the alerts."""
    from django.template import Context, Template

    cadre = factories.cadre("鲁山甲", tree["township"], post_since=add_years(TODAY, -11), hardship_post=True)
    PostHistory.objects.create(cadre=cadre, post_unit=tree["township"], post="副镇长", start=add_years(TODAY, -11))
    Training.objects.create(cadre=cadre, course="乡村振兴专题", start=TODAY, end=TODAY, hours=8, professional=True)
    html = Template("{% load supervision_records %}{% cadre_supervision_records cadre %}").render(Context({"cadre": cadre}))
    assert "任职经历" in html and "副镇长" in html and "至今" in html
    assert "乡村振兴专题" in html and "专业能力" in html
    assert 'data-kind="rotation_must"' in html and 'data-kind="health_check"' in html
    assert "无体检记录" in html


def test_the_record_keeper_can_record_the_missing_check_from_the_alert(client, county_world, frozen):
    """The alert links to what it calls for: the cadre's record, and for whoever keeps the records
    the form that records the missing health check."""
    from django.contrib.auth.models import Permission

    from records.models import Cadre

    supervisor = county_world["supervisor"]
    client.force_login(supervisor)
    cadre = Cadre.objects.get(name="鲁山乙")
    add_url = f"/admin/records/healthcheck/add/?cadre={cadre.pk}"
    assert add_url not in client.get("/supervision/alerts/").content.decode()
    supervisor.user_permissions.add(Permission.objects.get(codename="add_healthcheck"))
    assert add_url in client.get("/supervision/alerts/").content.decode()


def test_what_counts_as_excellent_township_service_is_a_rule_parameter(tree):
    """DOMAIN.md §10 "Township service" [default]: 表现优秀 as a rule parameter an administrator edits."""
    from rulebook.models import RuleParameter

    township = tree["township"]
    cadre = factories.cadre("满二十年", township)
    _served(cadre, township, add_years(TODAY, -21))
    AnnualAssessment.objects.create(cadre=cadre, year=TODAY.year - 1, grade="excellent")
    assert names(alerts.TOWNSHIP) == ["满二十年"]
    RuleParameter.objects.create(key=alerts.TOWNSHIP_EXCELLENT.key, value={"years": 5, "grades": 2}, effective_from=TODAY)
    assert names(alerts.TOWNSHIP) == []
