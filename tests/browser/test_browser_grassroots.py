"""The grassroots priority list in a real browser (issue 16 item 6; seed 004 art. 8(四)): the county
organisation department's reviewer opens the year's list from the start page, ranks two township
principals on the 拟定名单 page (the candidates' table beside the field), and — once the integrity
opinion, the notice and the approval are through — the case page shows the ranked list and the
county team's township-principal share, at the office PC's 1366×768 and on a 390×844 phone (the
cadre page's line is tested in tests/test_grassroots.py). Screenshots: test-artifacts/screenshots/grassroots-*.png.
"""

import re

import pytest

from tests.browser.test_browser_phone import MEASURE, PHONE
from tests.browser.test_browser_workspace import PASSWORD, Session, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rankable():
    from django.contrib.auth import get_user_model

    from grassroots import rules
    from permissions import policy
    from permissions.models import Unit

    related = set()
    for username in ("ls_sh", "ls_jw", "ls_gs", "ls_sp"):
        related |= policy.related_cadre_ids(get_user_model().objects.get(username=username))
    names = {}
    for cadre in rules.candidates(Unit.objects.get(code="HA-PDS-LS")):
        names.setdefault(cadre.name, []).append(cadre)
    return [c for c in rules.candidates(Unit.objects.get(code="HA-PDS-LS")) if c.pk not in related and len(names[c.name]) == 1][:2]


def _through_to_approval(case):
    from django.contrib.auth import get_user_model

    from workflows import services

    def person(username):
        return get_user_model().objects.get(username=username)

    def task(bpmn_id):
        return case.tasks.get(bpmn_id=bpmn_id).pk

    services.complete_task(person("ls_jw"), task("Task_integrity"), opinion="未发现影响列入的廉政问题")
    services.complete_task(
        person("ls_gs"),
        task("Task_notice"),
        data={"notice_start": "2026-11-03", "notice_end": "2026-11-09", "notice_result": "公示期间未收到反映"},
    )
    services.complete_task(person("ls_sp"), task("Task_approve"), action="approve", opinion="同意")


def test_the_reviewer_draws_up_the_list_and_the_case_page_shows_it(browser, live_server, world, screenshots):  # noqa: F811
    from grassroots.models import ListStatus, PriorityList
    from workflows.models import ProcessInstance

    first, second = _rankable()
    reviewer = Session(browser, live_server.url, "ls_sh")
    page = reviewer.page
    page.get_by_role("link", name="发起新流程").click()
    page.get_by_role("link", name="发起“基层优先提拔名单”").click()
    page.get_by_label("年度").fill("2026")
    page.get_by_role("button", name="提交", exact=True).click()
    reviewer.expect_message("已发起")
    business_key = page.locator("h1").inner_text().split()[0]
    assert business_key.startswith("JC-")

    page.goto(f"{live_server.url}/")  # the workbench's 待办
    row = page.locator("#results tbody tr", has_text=business_key).filter(has_text="拟定名单")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("^办理")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("拟定名单")
    page.locator("details.candidates summary").click()  # the candidates' table opens
    expect(page.locator("details.candidates tbody")).to_contain_text(first.name)
    page.get_by_label("优先提拔人选（按排序）").fill(f"{first.name}｜2026年度目标责任考核第一名\n{second.name}｜党建考核优秀")
    page.screenshot(path=str(screenshots / "grassroots-propose.png"), full_page=True)
    page.get_by_role("button", name="提交", exact=True).click()
    reviewer.expect_message("已办理“拟定名单”")

    case = ProcessInstance.objects.get(business_key=business_key)
    _through_to_approval(case)
    assert PriorityList.objects.get(instance=case).status == ListStatus.APPROVED

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    ranked = page.locator("ol.priority-ranked li")
    expect(ranked).to_have_count(2)
    assert [t.strip() for t in page.locator("ol.priority-ranked li .name").all_inner_texts()] == [first.name, second.name]
    expect(ranked.first).to_contain_text("2026年度目标责任考核第一名")
    expect(page.locator(".share-table")).to_contain_text("鲁山县委")
    page.screenshot(path=str(screenshots / "grassroots-case.png"), full_page=True)
    reviewer.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("ls_sh")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#priority-title")).to_be_visible()
    page.screenshot(path=str(screenshots / "grassroots-case-phone.png"), full_page=True)
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= PHONE["width"], f"the list's case page scrolls sideways: {measured}"
    phone.close()
