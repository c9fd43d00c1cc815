"""委托, 转办, 委派, 加签 and 抄送 in a real browser (issue 15 acceptance): demo users set them up and
act on them through the pages only; the database then says who did what for whom.

Same browser and demo world as test_browser_workspace.py. The case is brought to the county's
审核 step through the services (the steps before are not what is tested here)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model

from permissions.models import Grant, Unit
from permissions.roles import Role
from tests.browser.test_browser_workspace import PASSWORD, Session, browser, screenshots, world  # noqa: F401 (fixtures)
from tests.merit_helpers import DEED_SUMMARY, QT_CLEAN, cadre, person, refresh, start_and_nominate, task_of, unit_decides
from workflows import services
from workflows.models import CaseCopy, HistoryAction, HumanTask

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(world):  # noqa: F811
    """A merit case of 琴台街道 waiting at 审核 for 鲁山县委组织部 (ls_sh)."""
    case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    return refresh(case)


def review_in_page(page, opinion):
    page.get_by_label("事迹概述").fill(DEED_SUMMARY)
    page.get_by_label("意见", exact=True).fill(opinion)
    page.get_by_role("button", name="同意公示").click()


def test_a_delegate_does_the_delegators_review_for_them(browser, live_server, case, screenshots):  # noqa: F811
    sh = Session(browser, live_server.url, "ls_sh")
    page = sh.page
    page.get_by_role("link", name="委托", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("委托办理")
    page.get_by_label("受托人").select_option("ls_gs")
    ends = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    page.get_by_label("结束日期").fill(ends)
    page.get_by_label("事由").fill("参加集中培训")
    page.get_by_role("button", name="委托", exact=True).click()
    sh.expect_message("已委托")
    expect(page.locator("#given-title + div")).to_contain_text("生效中")
    page.screenshot(path=str(screenshots / "delegation-page.png"), full_page=True)
    sh.close()

    gs = Session(browser, live_server.url, "ls_gs")
    row = gs.page.locator("#results tbody tr", has_text=case.business_key)
    expect(row).to_contain_text(re.compile("代.+办理"))
    page = gs.open_task(case.business_key, "审核")
    expect(page.locator(".alert.info").first).to_contain_text("您正在代")
    review_in_page(page, "同意公示（代办）")
    gs.expect_message("已办理")
    gs.close()

    done = HumanTask.all_objects.get(instance=case, bpmn_id="Task_review")
    assert done.completed_by == person("ls_gs") and done.completed_for == person("ls_sh")
    event = case.history.get(action=HistoryAction.COMPLETE, task_bpmn_id="Task_review")
    assert event.actor == person("ls_gs") and event.on_behalf_of == person("ls_sh")


def test_transfer_then_delegate_and_countersign_a_review_through_the_pages(browser, live_server, case, screenshots):  # noqa: F811
    second = get_user_model().objects.create_user("ls_sh2", password=PASSWORD, first_name="第二审核人")
    for code in ("HA-PDS-LS-ZZB", "HA-PDS-LS"):
        Grant.objects.create(user=second, unit=Unit.objects.get(code=code), role=Role.REVIEWER)

    # 转办: ls_sh gives the review to the county's second reviewer.
    sh = Session(browser, live_server.url, "ls_sh")
    page = sh.open_task(case.business_key, "审核")
    page.locator("#transfer summary").click()
    page.get_by_label("转办给").select_option("ls_sh2")
    page.locator("#transfer").get_by_role("button", name="转办").click()
    sh.expect_message("已转办")
    expect(page.locator("#results tbody tr", has_text=case.business_key)).to_have_count(0)
    sh.close()
    assert HumanTask.objects.get(instance=case, bpmn_id="Task_review").claimed_by == second

    # 委派: ls_sh2 asks the publicity officer to check the deeds first.
    sh2 = Session(browser, live_server.url, "ls_sh2")
    page = sh2.open_task(case.business_key, "审核")
    page.locator("#delegate summary").click()
    page.get_by_label("委派给").select_option("ls_gs")
    page.get_by_label("委派说明").fill("请核实事迹材料")
    page.locator("#delegate").get_by_role("button", name="委派").click()
    sh2.expect_message("已委派")
    expect(page.locator("#results tbody tr", has_text=case.business_key)).to_contain_text("已委派")

    gs = Session(browser, live_server.url, "ls_gs")
    expect(gs.page.locator("#results tbody tr", has_text=case.business_key)).to_contain_text("委派")
    page = gs.open_task(case.business_key, "审核")
    expect(page.locator("main")).to_contain_text("请核实事迹材料")
    page.get_by_label("处理意见").fill("事迹材料已核实无误")
    page.get_by_role("button", name="交回委派人").click()
    gs.expect_message("已交回")
    gs.close()

    # 加签 before: the county secretary signs before ls_sh2 may decide.
    sh2.page.goto(live_server.url + "/")
    page = sh2.open_task(case.business_key, "审核")
    page.locator("#countersign summary").click()
    page.get_by_label("加签人").select_option("ls_sp")
    page.get_by_label("在我之前").check()
    page.locator("#countersign").get_by_role("button", name="加签").click()
    sh2.expect_message("已加签")
    expect(page.locator(".alert.warn")).to_contain_text("须待加签人")
    page.screenshot(path=str(screenshots / "countersign-waiting.png"), full_page=True)

    sp = Session(browser, live_server.url, "ls_sp")
    expect(sp.page.locator("#results tbody tr", has_text=case.business_key)).to_contain_text("加签")
    page = sp.open_task(case.business_key, "审核")
    page.get_by_label("加签意见").fill("同意")
    page.get_by_role("button", name="同意", exact=True).click()
    sp.expect_message("已签署")
    sp.close()

    sh2.page.goto(live_server.url + "/")
    page = sh2.open_task(case.business_key, "审核")
    expect(page.locator(".alert.warn")).to_have_count(0)
    expect(page.locator("#countersigns-title + ul")).to_contain_text("同意")
    review_in_page(page, "同意公示")
    sh2.expect_message("已办理")
    sh2.close()

    actions = list(case.history.filter(task_bpmn_id="Task_review").order_by("at", "id").values_list("action", "actor__username"))
    assert actions == [
        (HistoryAction.TRANSFER, "ls_sh"),
        (HistoryAction.DELEGATE, "ls_sh2"),
        (HistoryAction.DELEGATE_RETURN, "ls_gs"),
        (HistoryAction.COUNTERSIGN_ADD, "ls_sh2"),
        (HistoryAction.COUNTERSIGN, "ls_sp"),
        (HistoryAction.COMPLETE, "ls_sh2"),
    ]


def test_cc_gives_the_reader_the_case_and_the_sender_a_read_receipt(browser, live_server, case, screenshots):  # noqa: F811
    sh = Session(browser, live_server.url, "ls_sh")
    page = sh.page
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#copy-form summary").click()
    page.get_by_label("或填写用户名（逗号分隔）").fill("pds_sh")
    page.get_by_label("附言").fill("供参阅")
    page.locator("#copy-form").get_by_role("button", name="抄送").click()
    sh.expect_message("已抄送")
    expect(page.locator(".copies")).to_contain_text("未读")

    reader = Session(browser, live_server.url, "pds_sh")
    reader.page.locator(".bell").click()
    reader.page.get_by_role("button", name=re.compile("抄送给您")).first.click()
    expect(reader.page.get_by_role("heading", level=1)).to_contain_text(case.business_key)
    expect(reader.page.locator("#copy-form")).to_have_count(1)  # may pass it on
    expect(reader.page.get_by_role("link", name=re.compile("^办理"))).to_have_count(0)  # read only
    reader.close()

    page.reload()
    expect(page.locator(".copies")).to_contain_text("已读")
    page.locator(".copies-card").screenshot(path=str(screenshots / "cc-read-receipt.png"))
    sh.close()
    assert CaseCopy.objects.get(instance=case).read_at is not None
