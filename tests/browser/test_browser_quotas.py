"""领导职数 in a real browser (issue 16 item 5; DOMAIN.md §10 "Post quotas"): /quotas/ at the
office PC's 1366×768 and on a 390×844 phone — each line's quota, filled, pending, vacancies and
excess checked against the database, the Excel export, no sideways scrolling on the phone.

Same browser and demo world as test_browser_workspace.py. Screenshots:
test-artifacts/screenshots/quotas-*.png.
"""

import datetime
import io

import pytest

from tests.browser.test_browser_phone import MEASURE, PHONE, SMALLEST_FONT
from tests.browser.test_browser_workspace import PASSWORD, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QT = "HA-PDS-LS-QT"


def _quotas_and_a_proposal():
    """琴台街道: 4 乡科级正职 posts (2 held) and 2 乡科级副职 posts (3 held: one in excess), and an
    open proposal of one of its deputies to 乡科级正职."""
    from django.contrib.auth import get_user_model

    from permissions.models import Unit
    from quotas.models import PostQuota
    from records.models import Cadre
    from workflows import services

    qt = Unit.objects.get(code=QT)
    PostQuota.objects.all().delete()  # not the demo's quotas, if any
    for level, posts in (("township_principal", 4), ("township_deputy", 2)):
        PostQuota.objects.create(unit=qt, level=level, posts=posts, valid_from=datetime.date(2026, 1, 1), basis="鲁编〔2025〕8号")
    subject = Cadre.objects.filter(unit=qt, rank_level="township_deputy").order_by("pk").first()
    services.start_process(
        get_user_model().objects.get(username="ls_qt_ld"),
        "exceptional_promotion",
        unit=qt,
        subject_cadre=subject,
        data={"target_post": "鲁山县琴台街道党工委书记", "target_level": "township_principal"},
    )


def _expected(level):
    """The line's numbers from the database, written without quotas.counting."""
    from promotions.models import Proposal
    from quotas.models import PostQuota
    from records.models import Cadre

    posts = PostQuota.objects.get(unit__code=QT, level=level).posts
    filled = Cadre.objects.filter(unit__code=QT, rank_level=level).count()
    pending = Proposal.objects.filter(is_open=True, promotion__isnull=True, cadre__unit__code=QT, target_level=level).count()
    return [posts, filled, pending, max(posts - filled, 0), max(filled - posts, 0)]


def _cells(page, level):
    row = page.locator(f'#quota-lines tr[data-unit="{QT}"][data-level="{level}"]')
    expect(row).to_have_count(1)
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def _login(chromium, base_url, viewport, **extra):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True, **extra)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill("ls_qt_ld")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    return context, page


def test_the_quotas_page_at_the_desk_and_on_a_phone(browser, live_server, world, screenshots):  # noqa: F811
    _quotas_and_a_proposal()
    principal, deputy = _expected("township_principal"), _expected("township_deputy")
    assert principal == [4, 2, 1, 2, 0] and deputy == [2, 3, 0, 0, 1]

    context, page = _login(browser, live_server.url, {"width": 1366, "height": 768})
    assert page.goto(f"{live_server.url}/quotas/").status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("领导职数")
    cells = _cells(page, "township_principal")
    assert cells[0] == "鲁山县琴台街道" and cells[1] == "乡科级正职"
    assert [int(c) for c in cells[2:7]] == principal
    assert cells[7] == "1"  # 尚可动议
    cells = _cells(page, "township_deputy")
    assert [int(c) for c in cells[2:7]] == deputy and cells[7] == "已无空缺"
    page.screenshot(path=str(screenshots / "quotas-desk.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = {(r[0], r[1]): list(r[2:7]) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[("鲁山县琴台街道", "乡科级正职")] == principal
    assert rows[("鲁山县琴台街道", "乡科级副职")] == deputy
    context.close()

    context, page = _login(browser, live_server.url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    page.goto(f"{live_server.url}/quotas/")
    assert [int(c) for c in _cells(page, "township_principal")[2:7]] == principal
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= PHONE["width"], f"the quotas page scrolls sideways: {measured}"
    font = page.evaluate(SMALLEST_FONT)
    assert font["min"] >= 12, font
    page.screenshot(path=str(screenshots / "quotas-phone.png"), full_page=True)
    context.close()
