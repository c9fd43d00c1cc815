"""统计分析 in a real browser (issue 16 item 7 acceptance): /stats/ at the office PC's 1366×768 and
on a 390×844 phone — the charts drawn by the vendored Chart.js (no request leaves the app), the
tables' numbers checked against the database, no sideways scrolling of the page on the phone.

Same browser and demo world as test_browser_workspace.py; a county-wide reviewer of 鲁山县 is added
(the demo's review-side users hold their roles on single units). Screenshots:
test-artifacts/screenshots/stats-*.png.
"""

import datetime
import io
import uuid

import pytest
from django.db.models import Q
from django.utils import timezone

from tests.browser.test_browser_phone import MEASURE, PHONE, SMALLEST_FONT
from tests.browser.test_browser_workspace import PASSWORD, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2026


def _county_reviewer():
    """A reviewer of 中共鲁山县委 with its subordinate units, and a few facts of this year at 琴台街道."""
    from django.contrib.auth import get_user_model

    from permissions.models import Grant, Unit
    from permissions.roles import Role
    from records.models import Award, Cadre
    from workflows.models import HumanTask, ProcessDefinition, ProcessInstance

    county = Unit.objects.get(code="HA-PDS-LS")
    qt = Unit.objects.get(code="HA-PDS-LS-QT")
    person = get_user_model().objects.create_user("ls_stats", password=PASSWORD, first_name="统计员")
    Grant.objects.create(user=person, unit=county, role=Role.REVIEWER, include_subordinates=True)
    cadres = list(Cadre.objects.filter(unit=qt).order_by("pk")[:3])
    for index, (cadre, kind) in enumerate(zip(cadres, ["commendation", "merit_3", "commendation"], strict=True)):
        Award.objects.create(cadre=cadre, kind=kind, awarded_on=datetime.date(YEAR, 2, 1 + index))
    case = ProcessInstance.objects.create(  # an open case of 琴台街道 with an overdue step there
        definition=ProcessDefinition.objects.filter(process_id="merit_citation").latest("version"),
        business_key=f"TS{uuid.uuid4().hex[:10]}",
        state="{}",
        nominating_unit=qt,
        started_by=get_user_model().objects.get(username="ls_qt_jbr"),
    )
    HumanTask.all_objects.create(
        instance=case,
        definition=case.definition,
        task_uuid=uuid.uuid4(),
        bpmn_id="Task_stats",
        name="审核",
        lane=Role.NOMINATOR,
        role=Role.NOMINATOR,
        unit=qt,
        unit_path=qt.path,
        created_at=timezone.now(),
        due_at=timezone.now() - datetime.timedelta(days=3),
    )
    return county, qt


def _expected(county, qt):
    """The database's own counts for 琴台街道 and the county, written without stats.queries."""
    from records.models import AnnualAssessment, Award
    from workflows.models import HumanTask

    awards = Award.objects.filter(revoked=False, awarded_on__year=YEAR).filter(
        Q(nominating_unit__path__startswith=qt.path)
        | Q(nominating_unit__isnull=True, cadre__unit__path__startswith=qt.path)
        | Q(nominating_unit__isnull=True, collective__unit__path__startswith=qt.path)
    )
    grades = AnnualAssessment.objects.filter(year=YEAR).filter(
        Q(unit__path__startswith=qt.path) | Q(unit__isnull=True, cadre__unit__path__startswith=qt.path)
    )
    steps = HumanTask.objects.filter(unit_path__startswith=county.path)
    return {
        "awards": awards.count(),
        "commendations": awards.filter(kind="commendation").count(),
        "graded": grades.exclude(grade="not_graded").count(),
        "excellent": grades.filter(grade="excellent").count(),
        "steps": steps.count(),
        "overdue": steps.filter(due_at__lt=timezone.now()).count(),
    }


def _cells(page, table_id, row_label):
    row = page.locator(f"#{table_id} tr", has=page.locator("th", has_text=row_label))
    expect(row).to_have_count(1)
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def _login(chromium, base_url, username, viewport, **extra):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True, **extra)
    context.set_default_timeout(15_000)
    page = context.new_page()
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((base_url, "data:", "blob:")) else None)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    return context, page, foreign


def _charts_drawn(page):
    """Keys of the figures whose canvas holds a Chart.js chart with data."""
    return page.evaluate(
        """() => [...document.querySelectorAll("figure[data-chart]")]
             .filter(f => !f.hidden && window.Chart && Chart.getChart(f.querySelector("canvas")))
             .map(f => f.dataset.chart)"""
    )


def test_the_statistics_page_at_the_desk_and_on_a_phone(browser, live_server, world, screenshots):  # noqa: F811
    county, qt = _county_reviewer()
    expected = _expected(county, qt)
    assert expected["awards"] >= 3 and expected["overdue"] >= 1

    context, page, foreign = _login(browser, live_server.url, "ls_stats", {"width": 1366, "height": 768})
    response = page.goto(f"{live_server.url}/stats/?year={YEAR}")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计分析")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('figure[data-chart]:not([hidden])').length > 0")
    drawn = _charts_drawn(page)
    assert {"awards-by-year", "awards-by-unit", "open-steps"} <= set(drawn), drawn
    assert page.evaluate("() => Chart.version") == "4.6.2"
    # The chart and the table say the same: 琴台街道's 嘉奖 bar.
    chart_value = page.evaluate(
        """() => { const c = Chart.getChart(document.querySelector('[data-chart="awards-by-unit"] canvas'));
                   return c.data.datasets[0].data[c.data.labels.indexOf("鲁山县琴台街道")]; }"""
    )
    assert chart_value == expected["commendations"]

    awards = _cells(page, "awards-by-unit-table", "鲁山县琴台街道")
    assert int(awards[0]) == expected["commendations"] and int(awards[-1]) == expected["awards"]
    if expected["graded"]:
        share = _cells(page, "excellent-share-table", "鲁山县琴台街道")
        assert [int(share[0]), int(share[1])] == [expected["graded"], expected["excellent"]]
    total = page.locator("#open-steps-table tfoot td").all_inner_texts()
    assert [int(total[1]), int(total[2])] == [expected["overdue"], expected["steps"]]
    page.screenshot(path=str(screenshots / "stats-desk.png"), full_page=True)

    # Following a unit narrows the page to it; the Excel export keeps the filters.
    page.locator("#awards-by-unit-table").get_by_role("link", name="鲁山县琴台街道").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("鲁山县琴台街道")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == f"stats-{YEAR}.xlsx"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book[book.sheetnames[1]]
    assert sheet.cell(row=5, column=1).value == "鲁山县琴台街道（本级）"
    assert sheet.cell(row=5, column=7).value == expected["awards"]
    assert foreign == [], foreign
    context.close()

    # The phone: no sideways scrolling of the page; the charts still drawn, the tables scroll in their boxes.
    context, page, foreign = _login(browser, live_server.url, "ls_stats", PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    page.goto(f"{live_server.url}/stats/?year={YEAR}")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('figure[data-chart]:not([hidden])').length > 0")
    assert "awards-by-unit" in _charts_drawn(page)
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= PHONE["width"], f"the statistics page scrolls sideways: {measured}"
    font = page.evaluate(SMALLEST_FONT)
    assert font["min"] >= 12, font
    widths = page.evaluate("() => [...document.querySelectorAll('figure[data-chart] canvas')].map(c => c.getBoundingClientRect().right)")
    assert widths and max(widths) <= PHONE["width"], widths
    page.screenshot(path=str(screenshots / "stats-phone.png"), full_page=True)
    assert foreign == [], foreign
    context.close()


def test_without_javascript_the_tables_are_all_there(browser, live_server, world):  # noqa: F811
    county, qt = _county_reviewer()
    expected = _expected(county, qt)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("ls_stats")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/stats/?year={YEAR}")
    expect(page.locator("figure[data-chart]").first).to_be_hidden()
    awards = _cells(page, "awards-by-unit-table", "鲁山县琴台街道")
    assert int(awards[-1]) == expected["awards"]
    context.close()


def test_a_superuser_sees_the_whole_province_by_city(browser, live_server, world, screenshots):  # noqa: F811
    from records.models import Award
    from workflows.models import OPEN_STATUSES, ProcessInstance

    _county_reviewer()
    context, page, foreign = _login(browser, live_server.url, "admin", {"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/stats/?year={YEAR}")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('figure[data-chart]:not([hidden])').length > 0")
    total = page.locator("#awards-by-unit-table tfoot td").all_inner_texts()
    assert int(total[-1]) == Award.objects.filter(revoked=False, awarded_on__year=YEAR).count()
    cases = page.locator("#open-cases-table tfoot td").all_inner_texts()
    assert int(cases[-1]) == ProcessInstance.objects.filter(status__in=OPEN_STATUSES).count()
    assert "awards-by-unit" in _charts_drawn(page)
    page.screenshot(path=str(screenshots / "stats-province.png"), full_page=True)
    assert foreign == [], foreign
    context.close()
