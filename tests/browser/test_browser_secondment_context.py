"""Secondment rounds in context, in a real browser (issue 15 item 9): the plan page starts at the
reviewer's organisation department; the posts are a table with add/remove rows; switching the
unit keeps what was typed; the round starts with the posts of the table; the nominating unit's
page marks its cadres eligible or not before one is picked.

Same browser and demo world as test_browser_workspace.py (the live server runs in real time, so
the plan's dates are counted from today). Screenshots: test-artifacts/screenshots/secondment-*.png.
"""

import datetime
import re

import pytest

from tests.browser.test_browser_workspace import SHANGHAI, Session, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rows(page):
    return page.locator("[data-positions] tbody tr[data-post-row]")


def test_a_reviewer_plans_a_round_in_the_posts_table_and_keeps_it_across_a_unit_switch(browser, live_server, world, screenshots):  # noqa: F811
    from permissions.models import Unit
    from secondments.models import Round

    zzb, committee = Unit.objects.get(code="HA-PDS-ZZB"), Unit.objects.get(code="HA-PDS")
    today = datetime.datetime.now(SHANGHAI).date()
    deadline, start = today + datetime.timedelta(days=14), today + datetime.timedelta(days=45)

    reviewer = Session(browser, live_server.url, "pds_sh")
    page = reviewer.page
    page.goto(f"{live_server.url}/start/secondment_selection/")
    # The organisation department, not the city committee that comes first by path.
    expect(page.locator("select[name=unit]")).to_have_value(str(zzb.pk))
    plan = page.locator("form.task-form")
    expect(plan.locator("input[type=hidden][name=unit]")).to_have_value(str(zzb.pk))

    plan.get_by_label("选派计划名称").fill("浏览器测试挂职锻炼")
    # Three blank rows to begin with; the buttons appear with the script.
    expect(_rows(page)).to_have_count(3)
    rows = _rows(page)
    rows.nth(0).get_by_label("第1行挂职单位").fill("HA-PDS-LS-ZGY")
    rows.nth(0).get_by_label("第1行挂职岗位").fill("党委委员、副镇长（挂职）")
    rows.nth(0).get_by_label("第1行名额").fill("2")
    rows.nth(0).get_by_label("第1行岗位要求").fill("熟悉乡村振兴工作")
    page.get_by_role("button", name="增加一行").click()
    expect(_rows(page)).to_have_count(4)
    fourth = _rows(page).nth(3)
    expect(fourth.locator("input").first).to_be_focused()
    fourth.locator("input[name$='-host_unit']").fill("平顶山市应急管理局")
    fourth.locator("input[name$='-title']").fill("应急指挥科副科长（挂职）")
    fourth.locator("input[name$='-places']").fill("1")
    # Remove the two empty rows between them: the numbers follow.
    _rows(page).nth(1).get_by_role("button", name=re.compile("^删除")).click()
    _rows(page).nth(1).get_by_role("button", name=re.compile("^删除")).click()
    expect(_rows(page)).to_have_count(2)
    expect(page.locator("[data-positions] [data-post-number]")).to_have_text(["1", "2"])

    plan.get_by_label("选派名额").fill("3")
    plan.get_by_label("挂职期限（月）").fill("12")
    plan.get_by_label("挂职开始日期").fill(start.isoformat())
    plan.get_by_label("推荐截止日期").fill(deadline.isoformat())
    plan.get_by_label("鲁山县琴台街道", exact=True).check()
    plan.get_by_label("宝丰县铁路街道", exact=True).check()
    plan.get_by_label("意见").fill("经部务会研究")

    # Switch to the city committee and back: nothing typed is lost, the page is not reloaded.
    page.evaluate("window.__notReloaded = true")
    page.locator("select[name=unit]").select_option(str(committee.pk))
    expect(plan.locator("input[type=hidden][name=unit]")).to_have_value(str(committee.pk))
    expect(page.locator("[data-unit-status]")).to_contain_text("已填写的内容均保留")
    assert page.evaluate("window.__notReloaded") is True
    assert f"unit={committee.pk}" in page.url
    expect(plan.get_by_label("选派计划名称")).to_have_value("浏览器测试挂职锻炼")
    expect(_rows(page).nth(1).locator("input[name$='-title']")).to_have_value("应急指挥科副科长（挂职）")
    expect(plan.get_by_label("选派名额")).to_have_value("3")
    expect(plan.get_by_label("鲁山县琴台街道", exact=True)).to_be_checked()
    page.screenshot(path=str(screenshots / "secondment-plan-switched.png"), full_page=True)
    page.locator("select[name=unit]").select_option(str(zzb.pk))
    expect(plan.locator("input[type=hidden][name=unit]")).to_have_value(str(zzb.pk))
    expect(plan.get_by_label("宝丰县铁路街道", exact=True)).to_be_checked()
    expect(plan.get_by_label("推荐截止日期")).to_have_value(deadline.isoformat())
    assert page.evaluate("window.__notReloaded") is True

    page.get_by_role("button", name="增加一行").click()  # added and left blank: ignored
    expect(_rows(page)).to_have_count(3)
    plan.get_by_role("button", name="提交").click()
    reviewer.expect_message("已发起")
    round_ = Round.objects.get(title="浏览器测试挂职锻炼")
    assert round_.organiser == zzb
    assert [(p.host_unit.code, p.title, p.places, p.requirements) for p in round_.positions.order_by("pk")] == [
        ("HA-PDS-LS-ZGY", "党委委员、副镇长（挂职）", 2, "熟悉乡村振兴工作"),
        ("HA-PDS-YJJ", "应急指挥科副科长（挂职）", 1, ""),
    ]
    assert sorted(round_.invitations.values_list("unit__code", flat=True)) == ["HA-PDS-BF-TL", "HA-PDS-LS-QT"]
    reviewer.close()

    # The nominating unit's page: its cadres marked before one is picked.
    from workflows.models import HumanTask

    task = HumanTask.objects.get(instance=round_.instance, unit__code="HA-PDS-LS-QT")
    nominator = Session(browser, live_server.url, "ls_qt_jbr")
    page = nominator.page
    page.goto(f"{live_server.url}/cases/{round_.instance_id}/tasks/{task.pk}/")
    table = page.locator(".candidate-table")
    expect(table).to_be_visible()
    expect(page.locator("[data-eligibility-summary]")).to_contain_text("符合条件")
    eligible = table.locator("tr[data-eligible=yes]")
    ineligible = table.locator("tr[data-eligible=no]")
    assert eligible.count() + ineligible.count() == table.locator("tbody tr").count()
    if ineligible.count():
        expect(ineligible.first.locator("input[type=checkbox]")).to_be_disabled()
        expect(ineligible.first).to_contain_text("不符合条件")
    if eligible.count():
        expect(eligible.first.locator("input[type=checkbox]")).to_be_enabled()
    page.screenshot(path=str(screenshots / "secondment-nomination-marks.png"), full_page=True)
    nominator.close()


def test_without_scripts_the_posts_table_still_works_and_a_bad_row_comes_back_marked(browser, live_server, world, screenshots):  # noqa: F811
    from secondments.models import Round

    today = datetime.datetime.now(SHANGHAI).date()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("pds_sh")
    page.get_by_label("密码").fill("demo12345")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/start/secondment_selection/")
    plan = page.locator("form.task-form")
    # Blank rows to fill; the script's buttons stay hidden.
    expect(_rows(page)).to_have_count(3)
    expect(page.get_by_role("button", name="增加一行")).to_be_hidden()
    plan.get_by_label("选派计划名称").fill("无脚本挂职锻炼")
    plan.get_by_label("第1行挂职单位").fill("HA-PDS-LS-ZGY")
    plan.get_by_label("第1行挂职岗位").fill("副镇长（挂职）")
    plan.get_by_label("第1行名额").fill("1")
    plan.get_by_label("第2行挂职单位").fill("没有这个单位")
    plan.get_by_label("第2行挂职岗位").fill("副局长（挂职）")
    plan.get_by_label("选派名额").fill("1")
    plan.get_by_label("挂职开始日期").fill((today + datetime.timedelta(days=40)).isoformat())
    plan.get_by_label("推荐截止日期").fill((today + datetime.timedelta(days=10)).isoformat())
    plan.get_by_label("鲁山县琴台街道", exact=True).check()
    plan.get_by_role("button", name="提交").click()

    expect(page.locator(".alert.error")).to_contain_text("提交的内容有误")
    expect(page.locator("tr.row-error")).to_have_count(1)
    expect(page.locator("tr.row-error")).to_contain_text("第2个岗位：找不到挂职单位“没有这个单位”")
    expect(plan.get_by_label("第1行挂职岗位")).to_have_value("副镇长（挂职）")
    expect(plan.get_by_label("第2行挂职单位")).to_have_value("没有这个单位")
    expect(plan.get_by_label("选派计划名称")).to_have_value("无脚本挂职锻炼")
    assert not Round.objects.exists()
    page.screenshot(path=str(screenshots / "secondment-plan-row-error.png"), full_page=True)

    plan.get_by_label("第2行挂职单位").fill("平顶山市应急管理局")
    plan.get_by_role("button", name="提交").click()
    expect(page.locator(".messages")).to_contain_text("已发起")
    round_ = Round.objects.get(title="无脚本挂职锻炼")
    assert [(p.host_unit.code, p.title) for p in round_.positions.order_by("pk")] == [
        ("HA-PDS-LS-ZGY", "副镇长（挂职）"),
        ("HA-PDS-YJJ", "副局长（挂职）"),
    ]
    context.close()
