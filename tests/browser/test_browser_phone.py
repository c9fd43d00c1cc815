"""Phones (issue 15 item 8): the workbench, the start page, a task page, the case page and the
notice desk fit a 390×844 screen without horizontal scrolling of the page; wide tables scroll
inside their own ``.table-scroll`` box and the diagram inside its own box.

Same browser and demo world as test_browser_workspace.py; each page is saved to
test-artifacts/screenshots/phone-*.png.
"""

import re

import pytest

from tests.browser.test_browser_workspace import PASSWORD, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# The page's width and, when it overflows, the elements that stick out (for the failure message).
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > width + 1) {
      // Inside a scroll box, unless absolutely positioned (it escapes a box that is not positioned).
      let inside = false;
      for (let p = el.parentElement; p && !/(absolute|fixed)/.test(getComputedStyle(el).position); p = p.parentElement) {
        const s = getComputedStyle(p);
        if (p !== document.body && p !== document.documentElement && /(auto|scroll|hidden)/.test(s.overflowX)) { inside = true; break; }
      }
      const cls = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().replace(/\\s+/g, ".") : "";
      if (!inside) out.push(el.tagName.toLowerCase() + cls + " → " + Math.round(r.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, sticking: out.slice(0, 12)};
}"""

# The smallest computed font size of visible text in <main> (body text: not .sr-only).
SMALLEST_FONT = """() => {
  let min = 99, where = "";
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest(".sr-only, svg")) continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min) { min = size; where = el.tagName.toLowerCase() + "." + el.className; }
  }
  return {min, where};
}"""


class Phone:
    """One demo user on a 390×844 phone (own cookies)."""

    def __init__(self, chromium, base_url, username, folder):
        self.context = chromium.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1, is_mobile=True, has_touch=True)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.screenshots = folder
        self.page.goto(f"{base_url}/accounts/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()

    def open(self, path):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, path
        return self.page

    def check(self, name, heading, buttons):
        """No horizontal scrolling of the page, readable text, the heading and the buttons visible
        and at least 32 px tall (tappable)."""
        page = self.page
        page.evaluate("window.scrollTo(0, 0)")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
        page.screenshot(path=str(self.screenshots / f"phone-{name}.png"), full_page=True)
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= PHONE["width"], f"{name}: the page scrolls sideways: {measured}"
        font = page.evaluate(SMALLEST_FONT)
        assert font["min"] >= 12, f"{name}: text smaller than 12 px: {font}"
        for button in buttons:
            expect(button).to_be_visible()
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{name}: {button} is off the screen: {box}"
            assert box["height"] >= 32, f"{name}: {button} is too small to tap: {box}"

    def close(self):
        self.context.close()


def test_the_main_pages_fit_a_390_px_phone_without_sideways_scrolling(browser, live_server, world, screenshots):  # noqa: F811
    from tests.merit_helpers import QT_CLEAN, cadre, person, start_and_nominate, task_of, to_publish, unit_decides
    from workflows import services

    # A case at 审核 (ls_sh's task), one at 发布公示 (the notice desk's table).
    case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    review = task_of(case, "Task_review")
    to_publish(cadre(QT_CLEAN[1]))

    nominator = Phone(browser, live_server.url, "ls_qt_jbr", screenshots)
    page = nominator.page
    nominator.check("workbench", "工作台", [page.get_by_role("link", name="发起新流程")])
    page.get_by_role("link", name=re.compile("^我发起的")).click()
    expect(page.locator("#results tbody tr").first).to_be_visible()
    nominator.check("workbench-started", "工作台", [page.get_by_role("link", name="发起新流程")])
    page = nominator.open("/start/merit_citation/")
    expect(page.locator("#cadre-results tbody tr").first).to_be_visible()
    nominator.check("start", "发起", [page.get_by_role("button", name="查找")])
    page.locator("#cadre-results").get_by_role("link", name=re.compile("^选择")).first.click()
    nominator.check("start-form", "发起", [page.get_by_role("button", name="提交", exact=True), page.get_by_role("button", name="暂存")])
    page = nominator.open(f"/cases/{case.pk}/")
    nominator.check("case", case.business_key, [page.get_by_role("link", name="打印审批单")])
    page.locator("#diagram-card > summary").click()
    expect(page.locator("#bpmn-viewer .djs-container")).to_be_visible()  # the bpmn-js viewer, once loaded
    nominator.check("case-diagram", case.business_key, [page.get_by_role("link", name="打印审批单")])
    nominator.close()

    reviewer = Phone(browser, live_server.url, "ls_sh", screenshots)
    page = reviewer.page
    expect(page.locator("#results tbody tr", has_text=case.business_key)).to_have_count(1)
    nominator_row_button = page.locator("#results tbody tr", has_text=case.business_key).get_by_role("link", name=re.compile("^办理"))
    reviewer.check("workbench-todo", "工作台", [nominator_row_button])
    page = reviewer.open(f"/cases/{case.pk}/tasks/{review.pk}/")
    reviewer.check("task", "审核", [page.get_by_role("button", name="同意公示")])
    reviewer.close()

    officer = Phone(browser, live_server.url, "ls_gs", screenshots)
    page = officer.open("/notices/")
    expect(page.locator("form.publish tbody tr").first).to_be_visible()
    officer.check("notices", "公示管理", [page.get_by_role("button", name="发布公示")])
    officer.close()
