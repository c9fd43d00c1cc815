"""Acceptance in a real browser (issue 4): four demo users take a merit citation from the
nomination to the issued decision through the pages only, then the starter downloads the
decision PDF; a user of another county cannot open the case by URL.

Playwright (sync API) drives Debian's headless chromium against pytest-django's live server.
The live server runs in another thread, so the engine clock cannot be frozen for it: the
dates are chosen to work in real time (the notice starts on the next working day), and the
end of the notice period is fast-forwarded in the test with ``fire_due_timers(now=…)``, as
``run_worker --once --now …`` does in the demo.
"""

import datetime
import io
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tests.factories import ensure_reference_data

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUBJECT_ID = "410423198912254396"  # a clean cadre of 鲁山县琴台街道 in the demo data
PASSWORD = "demo12345"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test installs it)", pytrace=False)
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary synchronous code (the pages are served by the live server's thread).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def world():
    # Transactional tests flush the tables data migrations filled (calendar, bonuses).
    ensure_reference_data()
    call_command("deploy_processes", verbosity=0)
    call_command("load_demo", verbosity=0)


@pytest.fixture
def screenshots(artifacts_dir):
    folder = artifacts_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Session:
    """One demo user in their own browser context (own cookies), at the office PC's 1366×768."""

    def __init__(self, browser, base_url, username):
        self.context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()

    def open_task(self, business_key, step):
        """From the workbench's 待办, open the step of the case."""
        page = self.page
        page.get_by_role("link", name="工作台", exact=True).click()
        row = page.locator("#results tbody tr", has_text=business_key).filter(has_text=step)
        expect(row).to_have_count(1)
        row.get_by_role("link", name=re.compile("^办理")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(step)
        return page

    def expect_message(self, text):
        expect(self.page.locator(".messages")).to_contain_text(text)

    def close(self):
        self.context.close()


def _notice_dates():
    """The next working day from today and the end of a 5-working-day notice starting then."""
    from workdays.calendar import CalendarYearMissing, is_working_day, working_period_end

    today = datetime.datetime.now(SHANGHAI).date()
    try:
        start = today + datetime.timedelta(days=1)
        while not is_working_day(start):
            start += datetime.timedelta(days=1)
        return start, working_period_end(start, 5)
    except CalendarYearMissing as exc:  # late December: next year's schedule is not published yet
        pytest.skip(f"the working-day calendar has no data for {exc.year}")


def test_four_users_take_a_merit_citation_to_the_decision_through_the_pages(browser, live_server, world, screenshots):
    from documents.models import IssuedDocument
    from workflows.models import InstanceStatus, ProcessInstance
    from workflows.services import fire_due_timers

    notice_start, notice_end = _notice_dates()
    today = datetime.datetime.now(SHANGHAI).date()

    # 1. The nominator (推荐单位经办人) starts and submits the nomination.
    nominator = Session(browser, live_server.url, "ls_qt_jbr")
    page = nominator.page
    page.get_by_role("link", name="发起新流程").click()
    page.get_by_role("link", name="发起“奖励审批（嘉奖、记功）”").click()
    page.get_by_label("查找干部").fill(SUBJECT_ID)
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#cadre-results tbody tr")).to_have_count(1)
    page.locator("#cadre-results").get_by_role("link", name=re.compile("^选择")).click()
    page.get_by_label("嘉奖").check()
    page.get_by_label("主要事迹").fill("在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，无一伤亡，表现突出。")
    page.get_by_label("事迹起始日期").fill("2026-07-01")
    page.get_by_label("事迹截止日期").fill("2026-08-31")
    page.get_by_role("button", name="提交", exact=True).click()
    nominator.expect_message("已发起")
    business_key = page.locator("h1").inner_text().split()[0]
    case = ProcessInstance.objects.get(business_key=business_key)
    assert case.started_by.username == "ls_qt_jbr" and case.subject_cadre.id_number == SUBJECT_ID

    # 2. The unit's party organisation (单位党组织) confirms the collective decision.
    leader = Session(browser, live_server.url, "ls_qt_ld")
    leader.page.screenshot(path=str(screenshots / "workbench.png"), full_page=True)
    page = leader.open_task(business_key, "单位集体研究")
    page.get_by_label("会议日期").fill(today.isoformat())
    page.get_by_label("参会人员").fill("党工委书记、办事处主任等7人")
    page.get_by_label("意见", exact=True).fill("经党工委会议集体研究，同意推荐。")
    page.screenshot(path=str(screenshots / "task.png"), full_page=True)
    page.get_by_role("button", name="同意").click()
    leader.expect_message("已办理“单位集体研究”")
    leader.close()

    # 3. Discipline inspection (纪检监察) gives the integrity opinion.
    discipline = Session(browser, live_server.url, "ls_jw")
    page = discipline.open_task(business_key, "廉政意见")
    expect(page.locator(".alert.ok")).to_contain_text("符合条件")
    page.get_by_label("无不同意见").check()
    page.get_by_role("button", name="提交").click()
    discipline.expect_message("已办理“廉政意见”")
    discipline.close()

    # 4. The organisation department reviews and sends it to the notice.
    reviewer = Session(browser, live_server.url, "ls_sh")
    page = reviewer.open_task(business_key, "审核")
    expect(page.locator(".timeline")).to_contain_text("经党工委会议集体研究，同意推荐。")
    page.get_by_label("事迹概述").fill("该同志在2026年汛期防汛抢险中连续奋战七昼夜，组织转移群众三百余人，表现突出")
    page.get_by_label("意见", exact=True).fill("材料齐全，符合条件，同意公示。")
    page.get_by_role("button", name="同意公示").click()
    reviewer.expect_message("已办理“审核”")
    reviewer.close()

    # 5. The publicity officer publishes the notice on the notice desk.
    officer = Session(browser, live_server.url, "ls_gs")
    page = officer.page
    page.get_by_role("link", name="公示管理").click()
    page.get_by_label(business_key).check()
    page.get_by_label("公示开始日期").fill(notice_start.isoformat())
    page.get_by_label("公示期（工作日）").fill("5")
    page.get_by_label("受理异议的方式").fill("鲁山县委组织部干部股，电话0375-5012345")
    page.screenshot(path=str(screenshots / "notices.png"), full_page=True)
    page.get_by_role("button", name="发布公示").click()
    officer.expect_message("已发布")
    expect(page.locator("article.notice").first).to_contain_text(business_key)
    officer.close()

    # The notice period passes: what `run_worker --once --now …` does in the demo.
    case.refresh_from_db()
    assert case.status == InstanceStatus.WAITING and case.next_timer_due is not None
    fire_at = datetime.datetime.combine(notice_end + datetime.timedelta(days=1), datetime.time(0, 1), tzinfo=SHANGHAI)
    assert fire_due_timers(now=fire_at) == 1

    # 6. The approving authority approves; the decision is issued.
    approver = Session(browser, live_server.url, "ls_sp")
    page = approver.open_task(business_key, "审批")
    page.get_by_label("意见", exact=True).fill("同意给予嘉奖。")
    page.get_by_role("button", name="同意", exact=True).click()
    approver.expect_message("已办理“审批”")
    approver.close()
    case.refresh_from_db()
    assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_awarded"
    decision = IssuedDocument.objects.get(instance=case, kind="award_decision")

    # 7. The starter follows the case and downloads the decision.
    page = nominator.page
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator(".status.big")).to_contain_text("已办结")
    expect(page.locator("svg.bpmn [data-node='End_awarded']")).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("svg.bpmn [data-flow='Flow_issued']")).to_have_class(re.compile(r"\btaken\b"))
    page.screenshot(path=str(screenshots / "case.png"), full_page=True)
    link = page.locator(".docs li", has_text=decision.number).get_by_role("link", name=re.compile("下载 PDF"))
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert decision.number in text and "嘉奖" in text
    nominator.close()


def test_a_user_of_another_county_cannot_open_the_case_by_url(browser, live_server, world):
    from tests.merit_helpers import QT_CLEAN, cadre, start_and_nominate, task_of

    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[1]))
    task = task_of(case, "Task_unit_decision")
    stranger = Session(browser, live_server.url, "bf_sh")  # reviewer of 宝丰县, not 鲁山县
    for path in (f"/cases/{case.pk}/", f"/cases/{case.pk}/tasks/{task.pk}/"):
        response = stranger.page.goto(live_server.url + path)
        assert response.status == 404
        expect(stranger.page.get_by_role("heading", name="页面不存在")).to_be_visible()
        expect(stranger.page.locator("main")).not_to_contain_text(case.business_key)
        expect(stranger.page.locator("main")).not_to_contain_text(case.subject_cadre.name)
    stranger.close()
    # The same URL opens for the unit's own leader.
    leader = Session(browser, live_server.url, "ls_qt_ld")
    assert leader.page.goto(f"{live_server.url}/cases/{case.pk}/").status == 200
    expect(leader.page.locator("h1")).to_contain_text(case.business_key)
    leader.close()
