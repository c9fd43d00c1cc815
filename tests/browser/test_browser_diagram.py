"""The case page's diagram in the bpmn.io viewer (issue 15 item 7): opened from its <details>,
drawn by the vendored bpmn-js (served from the app's static files: no other host is asked),
done and current steps marked on the right elements, the lanes named, zoom by the buttons;
without JavaScript the static SVG is shown instead.

Same browser and demo world as test_browser_workspace.py; the opened diagram is saved to
test-artifacts/screenshots/diagram-viewer.png.
"""

import re

import pytest

from tests.browser.test_browser_workspace import PASSWORD, Session, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCALE = "() => document.querySelector('#bpmn-viewer .djs-container svg .viewport').transform.baseVal.consolidate().matrix.a"

# The lanes' names a person can read in the viewer now: a lane's own label inside the viewer's
# box, or its name in the strip kept on the left while the labels are scrolled away.
VISIBLE_LANE_NAMES = """() => {
  const host = document.getElementById("bpmn-viewer").getBoundingClientRect();
  const inside = (r) => r.width > 0 && r.height > 0 && r.left >= host.left - 1 && r.right <= host.right + 1
                        && r.top < host.bottom && r.bottom > host.top;
  const names = new Set();
  for (const g of document.querySelectorAll('#bpmn-viewer .djs-shape[data-element-id^="Lane_"]')) {
    const text = g.querySelector(".djs-visual text");
    if (text && text.textContent.trim() && inside(text.getBoundingClientRect())) names.add(text.textContent.trim());
  }
  const strip = document.querySelector("#bpmn-viewer .bpmn-lane-strip");
  if (strip && !strip.hidden) {
    for (const label of strip.querySelectorAll(".bpmn-lane-name")) {
      const r = label.getBoundingClientRect();
      if (inside(r) && r.height >= 40 && parseFloat(getComputedStyle(label).fontSize) >= 12) names.add(label.textContent.trim());
    }
  }
  return [...names];
}"""


@pytest.fixture
def case(world):  # noqa: F811
    from tests.merit_helpers import QT_CLEAN, cadre, start_and_nominate, unit_decides

    # 填报推荐材料 and 单位集体研究 done, 廉政意见 open.
    return unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))


def test_the_diagram_opens_in_the_bpmn_viewer_with_marks_lanes_and_zoom(browser, live_server, case, screenshots):  # noqa: F811
    from permissions.roles import Role

    session = Session(browser, live_server.url, "ls_qt_jbr")
    page = session.page
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((live_server.url, "data:", "blob:")) else None)
    assert page.goto(f"{live_server.url}/cases/{case.pk}/").status == 200
    # One click away: closed, the static SVG inside, the viewer not loaded yet.
    card = page.locator("#diagram-card")
    expect(card).not_to_have_attribute("open", "")
    assert page.locator(".djs-container").count() == 0
    card.locator("summary").click()
    expect(page.locator("#bpmn-viewer .djs-container")).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bbpmn-ready\b"))
    # The viewer replaced the static SVG; the zoom buttons replaced "适应宽度".
    expect(page.locator("#diagram")).to_be_hidden()
    expect(page.get_by_role("button", name="适应宽度")).to_be_hidden()
    for name in ("放大", "缩小", "适应"):
        expect(card.get_by_role("button", name=name, exact=False).first).to_be_visible()

    # The marks on the right elements.
    for step in ("Task_nominate", "Task_unit_decision"):
        expect(page.locator(f'#bpmn-viewer .djs-shape[data-element-id="{step}"]')).to_have_class(re.compile(r"\bdone\b"))
    integrity = page.locator('#bpmn-viewer .djs-shape[data-element-id="Task_integrity"]')
    expect(integrity).to_have_class(re.compile(r"\bcurrent\b"))
    expect(integrity).not_to_have_class(re.compile(r"\bdone\b"))
    for step in ("Task_review", "Task_approve"):
        cls = page.locator(f'#bpmn-viewer .djs-shape[data-element-id="{step}"]').get_attribute("class")
        assert "done" not in cls.split() and "current" not in cls.split(), (step, cls)
    assert page.locator("#bpmn-viewer .djs-connection.taken").count() >= 2
    assert page.locator("#bpmn-viewer .bpmn-badge.done").count() >= 2  # the ✓ (not colour alone)
    # The current step is in view, at a readable scale.
    scale = page.evaluate(SCALE)
    assert scale >= 0.75, scale
    host, box = page.locator("#bpmn-viewer").bounding_box(), integrity.bounding_box()
    assert host["x"] <= box["x"] and box["x"] + box["width"] <= host["x"] + host["width"], (host, box)
    assert host["y"] <= box["y"] and box["y"] + box["height"] <= host["y"] + host["height"], (host, box)
    # The lanes are named by role, and the current step's lane name is readable.
    names = page.evaluate(VISIBLE_LANE_NAMES)
    assert str(Role.DISCIPLINE.label) in names and len(names) >= 2, names
    assert "discipline" not in names
    page.screenshot(path=str(screenshots / "diagram-viewer.png"))
    card.screenshot(path="/tmp/diagram.png")

    # Zoom in, out, fit.
    card.get_by_role("button", name="放大").click()
    zoomed = page.evaluate(SCALE)
    assert zoomed > scale * 1.2, (scale, zoomed)
    card.get_by_role("button", name="缩小").click()
    card.get_by_role("button", name="缩小").click()
    assert page.evaluate(SCALE) < zoomed
    card.get_by_role("button", name="适应", exact=True).click()
    assert page.evaluate(SCALE) < scale  # the whole diagram is wider than the box
    card.get_by_role("button", name="当前环节").click()
    assert page.evaluate(SCALE) == pytest.approx(scale, abs=0.01)

    assert foreign == [], f"requests to other hosts (no CDN): {foreign}"
    session.close()


def test_without_javascript_the_static_svg_is_shown(browser, live_server, case):  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("ls_qt_jbr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    assert page.goto(f"{live_server.url}/cases/{case.pk}/").status == 200
    page.locator("#diagram-card summary").click()
    expect(page.locator("#diagram svg.bpmn")).to_be_visible()
    expect(page.locator('#diagram svg.bpmn [class~="current"]').first).to_be_attached()
    expect(page.locator("#bpmn-viewer")).to_be_hidden()
    expect(page.locator(".bpmn-tools")).to_be_hidden()
    assert page.locator(".djs-container").count() == 0
    context.close()
