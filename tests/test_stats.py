"""统计分析 (issue 16 item 7): the numbers of /stats/ against the database, its scope (a person sees
the units they hold a role on), the Excel export, and a query count that does not grow with the data."""

import datetime
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from permissions.models import UnitKind, UnitLevel
from permissions.roles import Role
from records.models import (
    AnnualAssessment,
    Award,
    Cadre,
    Collective,
    ExcellentShareAllowance,
    ExcellentShareLimit,
    Promotion,
    Secondment,
)
from supervision import alerts
from tests import factories as f
from workflows.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance

pytestmark = pytest.mark.django_db

THIS = timezone.localdate().year
LAST = THIS - 1


def day(year, month=6, dd=1):
    return datetime.date(year, month, dd)


def add_case(definition, unit, status=InstanceStatus.RUNNING):
    return ProcessInstance.objects.create(
        definition=definition,
        business_key=f"T{uuid.uuid4().hex[:12]}",
        state="{}",
        nominating_unit=unit,
        started_by=_starter(),
        status=status,
    )


def _starter():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="qt_stats")


def add_task(case, unit, name="审批", due_at=None, closed=False):
    now = timezone.now()
    return HumanTask.all_objects.create(
        instance=case,
        definition=case.definition,
        task_uuid=uuid.uuid4(),
        bpmn_id="Task_approve",
        name=name,
        lane=Role.APPROVER,
        role=Role.APPROVER,
        unit=unit,
        unit_path=unit.path,
        created_at=now,
        due_at=due_at,
        closed_at=now if closed else None,
    )


@pytest.fixture
def world():
    """鲁山县委 (C-LS) with 琴台街道 (C-LS-QT) below it; 宝丰县委 (C-BF) with 城关镇 beside them."""
    t = f.small_tree()
    county, qt, bf, cg = t["county"], t["township"], t["other_county"], t["other_township"]
    people = {
        "ls": f.user("ls_stats", (Role.REVIEWER, county, True)),
        "bf": f.user("bf_stats", (Role.REVIEWER, bf, True)),
        "qt": f.user("qt_stats", (Role.NOMINATOR, qt)),
        "none": f.user("nobody_stats"),
        "admin": f.user("admin_stats", is_superuser=True, is_staff=True),
    }
    qt_cadres = [f.cadre(f"琴台{i}", qt, id_number=f"41042319900101{i:04d}") for i in range(6)]
    ls_cadre = f.cadre("县委甲", county, id_number="410423198001010011")
    bf_cadre = f.cadre("宝丰甲", cg, id_number="410421198001010022")

    # Awards: 琴台 2 嘉奖 this year (one nominated by the county), 1 last year, 1 revoked; a
    # collective 嘉奖; the county 1 记三等功; 宝丰 1 嘉奖.
    Award.objects.create(cadre=qt_cadres[0], kind="commendation", awarded_on=day(THIS, 3))
    Award.objects.create(cadre=qt_cadres[1], kind="commendation", awarded_on=day(THIS, 4), nominating_unit=qt)
    Award.objects.create(cadre=qt_cadres[2], kind="commendation", awarded_on=day(LAST, 4))
    Award.objects.create(cadre=qt_cadres[3], kind="merit_3", awarded_on=day(THIS, 5), revoked=True)
    team = Collective.objects.create(kind="unit", unit=qt, name="琴台街道")
    Award.objects.create(collective=team, kind="commendation", awarded_on=day(THIS, 2))
    Award.objects.create(cadre=ls_cadre, kind="merit_3", awarded_on=day(THIS, 1, 15))
    Award.objects.create(cadre=bf_cadre, kind="commendation", awarded_on=day(THIS, 7))

    # This year's grades: 琴台 1 优秀, 4 称职, 1 不定等次 → 5 graded, cap 20% → 1, within it;
    # the county 1 优秀 of 1 graded → cap 0, over it.
    grades = ["excellent", "competent", "competent", "competent", "competent", "not_graded"]
    for cadre, grade in zip(qt_cadres, grades, strict=True):
        AnnualAssessment.objects.create(cadre=cadre, year=THIS, grade=grade)
    AnnualAssessment.objects.create(cadre=ls_cadre, year=THIS, grade="excellent")
    AnnualAssessment.objects.create(cadre=bf_cadre, year=THIS, grade="excellent")
    AnnualAssessment.objects.create(cadre=qt_cadres[0], year=LAST, grade="excellent")

    Promotion.objects.create(cadre=qt_cadres[0], promoted_on=day(THIS), from_level="none", to_level="none", post="副镇长", exceptional=True)
    Promotion.objects.create(cadre=qt_cadres[1], promoted_on=day(THIS), from_level="none", to_level="none", post="副主任")
    Promotion.objects.create(cadre=ls_cadre, promoted_on=day(THIS - 2), from_level="none", to_level="none", post="副部长")
    Promotion.objects.create(cadre=bf_cadre, promoted_on=day(THIS), from_level="none", to_level="none", post="镇长", exceptional=True)

    Secondment.objects.create(cadre=qt_cadres[4], host_unit=bf, position="副镇长", start=day(LAST, 3), planned_end=day(THIS + 1, 3))
    Secondment.objects.create(
        cadre=ls_cadre,
        host_unit=cg,
        position="副书记",
        start=day(THIS, 2),
        planned_end=day(THIS, 11),
        ended_on=day(THIS, 11),
        assessment_grade="excellent",
    )
    Secondment.objects.create(cadre=bf_cadre, host_unit=qt, position="副主任", start=day(THIS, 3), planned_end=day(THIS + 1, 3))

    # Alerts (supervision.alerts): 琴台 one cadre 10+ years in post, one 5+; 宝丰 one 10+.
    Cadre.objects.filter(pk=qt_cadres[0].pk).update(post_since=day(THIS - 11, 1))
    Cadre.objects.filter(pk=qt_cadres[1].pk).update(post_since=day(THIS - 6, 1))
    Cadre.objects.filter(pk=bf_cadre.pk).update(post_since=day(THIS - 12, 1))

    definition = _definition()
    now = timezone.now()
    qt_open = [add_case(definition, qt) for _ in range(2)]
    add_case(definition, qt, status=InstanceStatus.COMPLETED)
    bf_open = add_case(definition, cg)
    add_task(qt_open[0], qt, name="审批", due_at=now - datetime.timedelta(days=2))  # overdue
    add_task(qt_open[1], qt, name="审批", due_at=now + datetime.timedelta(days=2))
    add_task(qt_open[1], county, name="审核")
    add_task(qt_open[0], county, name="审核", closed=True)  # done: not counted
    add_task(bf_open, cg, name="审批", due_at=now - datetime.timedelta(days=1))
    return {"tree": t, "people": people, "definition": definition, "qt_cadres": qt_cadres}


def _definition():
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    return ProcessDefinition.objects.get(process_id="test_two_lanes")


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("stats:index"), params)
    assert response.status_code == 200
    return response


def tables(response):
    return {table.key: table for section in response.context["sections"] for table in section.tables}


def rows(table):
    return {row.label: row.values for row in table.rows}


# --- the numbers ------------------------------------------------------------------------------


def test_county_page_counts_match_the_database(client, world):
    t = world["tree"]
    response = page(client, world["people"]["ls"], year=THIS)
    found = tables(response)
    county_self = "鲁山县委（本级）"

    # Awards by unit (this year), columns 嘉奖, 三等功, 二等功, 一等功, 称号, 合计.
    assert rows(found["awards-by-unit"]) == {county_self: [0, 1, 0, 0, 0, 1], "琴台街道": [3, 0, 0, 0, 0, 3]}
    qt_awards = Award.objects.filter(revoked=False, awarded_on__year=THIS, cadre__unit=t["township"]).count()
    qt_awards += Award.objects.filter(revoked=False, awarded_on__year=THIS, collective__unit=t["township"]).count()
    assert rows(found["awards-by-unit"])["琴台街道"][-1] == qt_awards == 3
    assert found["awards-by-unit"].total == [3, 1, 0, 0, 0, 4]
    # By year: the last five years, this one last; revoked and other counties' awards left out.
    by_year = rows(found["awards-by-year"])
    assert list(by_year) == [str(y) for y in range(THIS - 4, THIS + 1)]
    assert by_year[str(THIS)] == [3, 1, 0, 0, 0, 4]
    assert by_year[str(LAST)] == [1, 0, 0, 0, 0, 1]

    # 优秀 share: graded, 优秀, share %, cap, units over the cap.
    limit = ExcellentShareLimit.in_force(THIS)
    assert limit.share == 20
    assert rows(found["excellent-share"]) == {county_self: [1, 1, 100.0, 0, 1], "琴台街道": [5, 1, 20.0, 1, 0]}
    assert found["excellent-share"].total == [6, 1 + 1, 33.3, 1, 1]

    # Promotions: 一般, 破格, 合计.
    assert rows(found["promotions-by-unit"]) == {"琴台街道": [1, 1, 2]}
    assert rows(found["promotions-by-year"])[str(THIS - 2)] == [1, 0, 1]

    # Secondments: new this year, serving at the year's end, ended this year, of them 优秀.
    assert rows(found["secondments"]) == {county_self: [1, 0, 1, 1], "琴台街道": [0, 1, 0, 0]}

    # Open cases (the completed one and 宝丰's left out) and open steps (the closed one left out).
    open_cases = rows(found["open-cases"])
    assert list(open_cases.values()) == [[2, 2]]
    assert ProcessInstance.objects.filter(status="running", nominating_unit=t["township"]).count() == 2
    steps = rows(found["open-steps"])
    assert sorted(steps.values()) == [[1, 0, 1], [1, 1, 2]]  # 审核: 1 in time; 审批: 1 in time, 1 overdue
    assert rows(found["open-steps-by-unit"]) == {county_self: [1, 0, 1], "琴台街道": [1, 1, 2]}


def test_alerts_by_unit_and_kind(client, world):
    from supervision.alerts import KINDS, ROTATION_MUST, ROTATION_SHOULD

    codes = [kind.code for kind in KINDS]
    found = tables(page(client, world["people"]["ls"], year=THIS))
    qt_row = rows(found["alerts"])["琴台街道"]
    assert qt_row[codes.index(ROTATION_MUST)] == 1 and qt_row[codes.index(ROTATION_SHOULD)] == 1
    assert qt_row[-1] == sum(qt_row[:-1])
    bf = tables(page(client, world["people"]["bf"], year=THIS))
    assert rows(bf["alerts"])["城关镇"][codes.index(ROTATION_MUST)] == 1
    assert "琴台街道" not in rows(bf["alerts"])


def test_the_page_shows_the_tables_and_the_chart_data(client, world):
    response = page(client, world["people"]["ls"], year=THIS)
    html = response.content.decode()
    assert 'id="awards-by-unit-table"' in html
    assert 'data-chart="excellent-share"' in html
    assert "stats/vendor/chart.umd.min.js" in html
    charts = {chart["key"]: chart for chart in response.context["charts"]}
    assert charts["awards-by-unit"]["labels"] == ["鲁山县委（本级）", "琴台街道"]
    assert charts["awards-by-unit"]["datasets"][0] == {"label": "嘉奖", "data": [0, 3]}
    assert [d["label"] for d in charts["excellent-share"]["datasets"]] == ["优秀人数", "优秀上限人数"]
    # A unit row links to the page narrowed to it.
    qt = world["tree"]["township"]
    assert f"?year={THIS}&amp;unit={qt.pk}" in html


def test_narrowing_to_a_unit_counts_only_its_subtree(client, world):
    qt = world["tree"]["township"]
    found = tables(page(client, world["people"]["ls"], year=THIS, unit=qt.pk))
    assert rows(found["awards-by-unit"]) == {"琴台街道（本级）": [3, 0, 0, 0, 0, 3]}
    assert rows(found["excellent-share"]) == {"琴台街道（本级）": [5, 1, 20.0, 1, 0]}
    assert found["open-steps"].total == [1, 1, 2]


def test_a_units_cap_counts_its_grades_with_and_without_the_assessed_unit_together(client, world):
    """The grades recorded with their assessed unit and those without one (counted for the cadre's
    unit) are one unit's graded staff: 3 + 2 graded at 20% is a cap of 1, not 0 + 0."""
    qt = world["tree"]["township"]
    assessed = AnnualAssessment.objects.filter(cadre__unit=qt, year=THIS).exclude(grade="not_graded").order_by("pk")[:3]
    AnnualAssessment.objects.filter(pk__in=[a.pk for a in assessed]).update(unit=qt)
    found = tables(page(client, world["people"]["ls"], year=THIS, unit=qt.pk))
    assert rows(found["excellent-share"]) == {"琴台街道（本级）": [5, 1, 20.0, 1, 0]}


def test_a_special_case_allowance_raises_the_cap(client, world):
    qt = world["tree"]["township"]
    ExcellentShareAllowance.objects.create(unit=qt, year=THIS, share=25, reason="班子考核优秀")
    ExcellentShareAllowance.objects.create(unit=world["tree"]["county"], year=THIS, share=25, reason="班子考核优秀")
    found = tables(page(client, world["people"]["ls"], year=THIS))
    assert rows(found["excellent-share"])["琴台街道"] == [5, 1, 20.0, 1, 0]  # 5 × 25% = 1.25 → 1
    assert rows(found["excellent-share"])["鲁山县委（本级）"] == [1, 1, 100.0, 0, 1]


def test_another_year(client, world):
    found = tables(page(client, world["people"]["ls"], year=LAST))
    assert rows(found["awards-by-unit"]) == {"琴台街道": [1, 0, 0, 0, 0, 1]}
    assert rows(found["excellent-share"]) == {"琴台街道": [1, 1, 100.0, 0, 1]}
    assert rows(found["secondments"]) == {"琴台街道": [1, 1, 0, 0]}


# --- scope ------------------------------------------------------------------------------------


def test_another_countys_user_sees_none_of_this_countys_numbers(client, world):
    qt = world["tree"]["township"]
    response = page(client, world["people"]["bf"], year=THIS)
    found = tables(response)
    html = response.content.decode()
    assert "琴台街道" not in html and "鲁山县委" not in html
    assert rows(found["awards-by-unit"]) == {"城关镇": [1, 0, 0, 0, 0, 1]}
    assert rows(found["excellent-share"]) == {"城关镇": [1, 1, 100.0, 0, 1]}
    assert rows(found["promotions-by-unit"]) == {"城关镇": [0, 1, 1]}
    assert rows(found["open-cases"]) == {"城关镇": [1, 1]}
    assert found["open-steps"].total == [0, 1, 1]
    # Asking for a unit of the other county is ignored: still 宝丰's numbers only.
    response = page(client, world["people"]["bf"], year=THIS, unit=qt.pk)
    assert response.context["unit"] is None
    assert "琴台街道" not in response.content.decode()


def test_a_role_on_one_unit_alone_sees_that_unit(client, world):
    found = tables(page(client, world["people"]["qt"], year=THIS))
    assert rows(found["awards-by-unit"]) == {"琴台街道（本级）": [3, 0, 0, 0, 0, 3]}
    assert found["open-steps"].total == [1, 1, 2]


def test_a_superuser_sees_every_unit(client, world):
    found = tables(page(client, world["people"]["admin"], year=THIS))
    # The single root (the city) broken down by county.
    assert rows(found["awards-by-unit"]) == {"鲁山县委": [3, 1, 0, 0, 0, 4], "宝丰县委": [1, 0, 0, 0, 0, 1]}
    assert found["open-steps"].total == [2, 2, 4]


def test_without_any_role_the_page_is_refused(client, world):
    client.force_login(world["people"]["none"])
    assert client.get(reverse("stats:index")).status_code == 403
    assert client.get(reverse("stats:export")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get(reverse("stats:index"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- Excel ------------------------------------------------------------------------------------


def test_excel_export_holds_the_same_tables(client, world):
    client.force_login(world["people"]["ls"])
    response = client.get(reverse("stats:export"), {"year": THIS})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 10
    assert all(len(name) <= 31 for name in book.sheetnames)
    sheet = book[book.sheetnames[1]]  # awards by unit
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == f"{THIS}年奖励：按单位和种类"
    assert values[3] == ("单位", "嘉奖", "记三等功", "记二等功", "记一等功", "授予称号", "合计")
    assert values[4] == ("鲁山县委（本级）", 0, 1, 0, 0, 0, 1)
    assert values[5] == ("琴台街道", 3, 0, 0, 0, 0, 3)
    assert values[6] == ("合计", 3, 1, 0, 0, 0, 4)
    share = book[book.sheetnames[2]]
    assert [c.value for c in share[6]] == ["琴台街道", 5, 1, 20.0, 1, 0]
    # Narrowed to a unit, as the page is.
    response = client.get(reverse("stats:export"), {"year": THIS, "unit": world["tree"]["township"].pk})
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book[book.sheetnames[1]][5]][:2] == ["琴台街道（本级）", 3]


def test_excel_export_of_another_county_has_none_of_these_numbers(client, world):
    client.force_login(world["people"]["bf"])
    book = load_workbook(io.BytesIO(client.get(reverse("stats:export"), {"year": THIS}).content))
    text = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert "琴台" not in text and "鲁山" not in text


# --- cost -------------------------------------------------------------------------------------


def _grow(world, times):
    """More of everything in the same county, including a new township and its cadres."""
    t = world["tree"]
    extra = f.unit(f"C-LS-X{times}", f"新街道{times}", UnitLevel.TOWNSHIP, UnitKind.TOWNSHIP, t["county"])
    definition = world["definition"]
    for i in range(times):
        for unit in (t["township"], extra):
            c = f.cadre(f"加{times}-{i}-{unit.code}", unit, id_number=f"4104{times:02d}{unit.pk:04d}{i:08d}")
            Award.objects.create(cadre=c, kind="merit_2", awarded_on=day(THIS, 8))
            AnnualAssessment.objects.create(cadre=c, year=THIS, grade="competent")
            Promotion.objects.create(cadre=c, promoted_on=day(THIS), from_level="none", to_level="none", post="x")
            Secondment.objects.create(cadre=c, host_unit=t["other_county"], position="x", start=day(THIS), planned_end=day(THIS + 1))
            case = add_case(definition, unit)
            add_task(case, unit, name=f"环节{i % 3}", due_at=timezone.now() - datetime.timedelta(hours=1))


def _count(client, user, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("stats:index"), params).status_code == 200
    return len(queries.captured_queries)


def test_the_page_costs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    from supervision import register

    user = world["people"]["ls"]
    _count(client, user, year=THIS)  # the first request after logging in also saves the session
    live = _count(client, user, year=THIS)
    register.rebuild()  # the worker's upkeep: the alert counts come from the alert register
    small = _count(client, user, year=THIS)
    assert small == live - len(alerts.KINDS) + 2, (live, small)  # the register and its stale marks, not a query per kind
    _grow(world, 12)
    register.catch_up()  # what the commit of the growth would have run
    with django_assert_num_queries(small):
        client.get(reverse("stats:index"), {"year": THIS})
    found = tables(client.get(reverse("stats:index"), {"year": THIS}))
    assert rows(found["awards-by-unit"])["新街道12"] == [0, 0, 12, 0, 0, 12]
    qt = world["tree"]["township"]
    narrowed = _count(client, user, year=THIS, unit=qt.pk)
    _grow(world, 20)
    register.catch_up()
    assert _count(client, user, year=THIS) == small
    assert _count(client, user, year=THIS, unit=qt.pk) == narrowed
    # 9 tables (the awards' two and the grades' in two statements each, the promotions' two in one), the alert
    # register (3), the grassroots share, the grants, the session
    assert small <= 27, small


def test_the_county_teams_township_principal_share_against_the_aim(client, world):
    """Seed 004 art. 8(四) (DOMAIN.md §4.4): members of the county team (县处级 in the county
    committee) with township-principal experience, against ~50%: one of three here."""
    from records.models import PostHistory

    t = world["tree"]
    members = [f.cadre(f"班子{i}", t["county"], id_number=f"41042319750101{i:04d}", rank_level="county_deputy") for i in range(3)]
    PostHistory.objects.create(
        cadre=members[0], post_unit=t["township"], post="琴台街道党工委书记", start=day(THIS - 9, 1), end=day(THIS - 4, 1)
    )
    PostHistory.objects.create(
        cadre=members[1], post_unit=t["township"], post="琴台街道党工委副书记", start=day(THIS - 9, 1), end=day(THIS - 4, 1)
    )
    response = page(client, world["people"]["ls"], year=THIS)
    html = response.content.decode()
    assert response.context["share_area"] == t["county"]
    assert "县级党政班子成员具有乡（镇、街道）党政正职经历的比例" in html and "目标50%左右" in html
    assert '<td>鲁山县委</td><td class="num">3</td><td class="num">1</td><td class="num">33.3%（未达目标）</td>' in html
