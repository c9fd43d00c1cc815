"""预警提醒 in a real browser (issue 16 item 1; DOMAIN.md §10): /supervision/alerts/ at the office
PC's 1366×768 and on a 390×844 phone — the counts of 鲁山县委 checked against the database
(queried here without supervision.alerts), a count's link to its list, the Excel export, and no
sideways scrolling on the phone.

Same browser and demo world as test_browser_workspace.py. Screenshots:
test-artifacts/screenshots/supervision-*.png.
"""

import datetime
import io

import pytest

from tests.browser.test_browser_phone import MEASURE, PHONE, SMALLEST_FONT
from tests.browser.test_browser_workspace import PASSWORD, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LS = "HA-PDS-LS"
USER = "ls_sh"  # 鲁山县委组织部干部股股长: reviewer on the county's organisation department and party committee


def _records(today):
    """Time in current post on two of 鲁山县委's cadres (one of them in a hardship post, without a
    health check), and a professional course this year for one county leader."""
    from records.models import Cadre, HealthCheck, Training, add_years

    cadres = list(Cadre.objects.filter(unit__code=LS).order_by("pk"))
    must, should = cadres[0], cadres[1]
    Cadre.objects.filter(pk=must.pk).update(post_since=add_years(today, -11))
    Cadre.objects.filter(pk=should.pk).update(post_since=add_years(today, -6), hardship_post=True)
    HealthCheck.objects.filter(cadre=should).delete()  # the demo's yearly round checked everyone: this one missed it
    leader = Cadre.objects.filter(unit__code=LS, rank_level__in=["county_deputy", "county_principal"]).order_by("pk").first()
    Training.objects.create(cadre=leader, course="数字经济专题研讨班", start=today, end=today, hours=8, professional=True)
    return must, should


def _expected(today):
    """鲁山县委's counts of three kinds, from the database (DOMAIN.md §10)."""
    from records.models import Cadre, HealthCheck, Training, add_months, add_years

    cadres = Cadre.objects.filter(unit__code=LS)
    year = (datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    trained = Training.objects.filter(professional=True, start__lte=year[1], end__gte=year[0]).values("cadre")
    checked = HealthCheck.objects.filter(date__gte=add_months(today, -12)).values("cadre")
    return {
        "rotation_must": cadres.filter(post_since__lte=add_years(today, -10)).count(),
        "rotation_should": cadres.filter(post_since__lte=add_years(today, -5), post_since__gt=add_years(today, -10)).count(),
        "training": cadres.filter(rank_level__in=["county_deputy", "county_principal"]).exclude(pk__in=trained).count(),
        "health_check": cadres.filter(hardship_post=True).exclude(pk__in=checked).count(),
    }


def _login(chromium, base_url, viewport, **extra):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True, **extra)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    return context, page


def _count(page, unit_pk, kind):
    cell = page.locator(f'#alert-counts tr[data-unit="{unit_pk}"] td[data-kind="{kind}"]')
    expect(cell).to_have_count(1)
    return int(cell.inner_text().strip())


def test_the_alerts_dashboard_at_the_desk_and_on_a_phone(browser, live_server, world, screenshots):  # noqa: F811
    from django.contrib.auth import get_user_model

    from permissions.models import Unit
    from records.models import Cadre, HealthCheck
    from supervision import register
    from supervision.views import today as engine_today

    today = engine_today()
    must, should = _records(today)
    register.rebuild(today)  # the worker's upkeep: the page reads the alert register, as in production
    expected = _expected(today)
    assert expected["rotation_must"] >= 1 and expected["rotation_should"] >= 1 and expected["health_check"] >= 1
    county = Unit.objects.get(code=LS)
    visible = Cadre.objects.visible_to(get_user_model().objects.get(username=USER))

    context, page = _login(browser, live_server.url, {"width": 1366, "height": 768})
    assert page.goto(f"{live_server.url}/supervision/alerts/").status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("预警提醒")
    for kind, number in expected.items():
        assert _count(page, county.pk, kind) == number, kind
    # The totals row is the sum of the unit rows; every unit shown is one the person may see.
    shown_units = {int(u) for u in page.locator("#alert-counts tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")}
    assert shown_units <= set(visible.values_list("unit_id", flat=True))
    total = int(page.locator('#alert-counts tfoot td[data-kind="total"]').inner_text())
    rows_total = sum(int(t) for t in page.locator('#alert-counts tbody td[data-kind="total"]').all_inner_texts())
    assert total == rows_total
    page.screenshot(path=str(screenshots / "supervision-desk.png"), full_page=True)

    # A count links to its list; each alert links to the cadre's record.
    page.locator(f'#alert-counts tr[data-unit="{county.pk}"] td[data-kind="rotation_must"] a').click()
    expect(page.locator("#alert-list tbody tr")).to_have_count(expected["rotation_must"])
    expect(page.locator(f'#alert-list tr[data-cadre="{must.pk}"]')).to_contain_text("必须轮岗")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    names = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] and r[3]]
    assert names.count(must.name) == 1 and len(names) == expected["rotation_must"]
    page.locator(f'#alert-list tr[data-cadre="{must.pk}"] td').first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(must.name)
    context.close()

    # A health check recorded meanwhile (through the admin or an import: the cadre is marked and
    # computed live until the register catches up) shows at once.
    HealthCheck.objects.create(cadre=should, date=today)
    expected["health_check"] -= 1
    context, page = _login(browser, live_server.url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    page.goto(f"{live_server.url}/supervision/alerts/")
    assert _count(page, county.pk, "health_check") == expected["health_check"] == _expected(today)["health_check"]
    assert _count(page, county.pk, "rotation_should") == expected["rotation_should"]
    expect(page.locator(f'#alert-list tr[data-cadre="{should.pk}"][data-kind="rotation_should"]')).to_have_count(1)
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= PHONE["width"], f"the alerts page scrolls sideways: {measured}"
    font = page.evaluate(SMALLEST_FONT)
    assert font["min"] >= 12, font
    page.screenshot(path=str(screenshots / "supervision-phone.png"), full_page=True)
    context.close()
