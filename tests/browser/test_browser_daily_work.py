"""Daily work in a real browser (issue 15 acceptance): 批量审批 on the workbench, 打印审批单 (the
print stylesheet of the case page and the sign-off PDF) and the progress view of a case in the
middle of its flow, at the office PC's 1366×768.

Same browser, demo world and login helper as test_browser_workspace.py. The live server runs in
another thread, so the engine clock cannot be frozen for it: the cases are prepared in the test's
thread through the service layer — the ones at 审批 with the frozen dates of test_batch_approval
(notice 29 September – 9 October 2026, all before today) — and what the browser does happens at
real time, after them. Screenshots: test-artifacts/screenshots/batch-*.png, case-*.png.
"""

import datetime
import io
import re
from urllib.parse import unquote

import pytest

from tests.browser.test_browser_workspace import Session, browser, screenshots, world  # noqa: F401 (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPINION = "经审核，同意给予嘉奖（批量）"
INTEGRITY = "经查阅信访举报和案件线索，未发现该同志有违纪违法问题"


def _cn_datetime(moment):
    """DATETIME_FORMAT of zh-hans ("2026年9月28日 09:00"), in Asia/Shanghai."""
    from django.utils import timezone

    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _nominated(subject_index, *, integrity=True):
    """A case of 琴台街道 nominated and decided by the unit (now: nothing here depends on the date):
    it waits at 廉政意见 (ls_jw) or, with ``integrity``, given that opinion in writing, at 审核 (ls_sh)."""
    from tests.merit_helpers import QT_CLEAN, cadre, person, refresh, start_and_nominate, task_of, unit_decides
    from workflows import services

    case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[subject_index])))
    if integrity:
        services.complete_task(
            person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"}, opinion=INTEGRITY
        )
    return refresh(case)


def _revocation_at_approval():
    """An 撤销奖励 case waiting at its own 审批 (ls_sp): batchable too, but another step."""
    from records.models import Award
    from tests.merit_helpers import QT_CLEAN, at, cadre, person, refresh, task_of, unit
    from workflows import clock, services

    subject = cadre(QT_CLEAN[3])
    award = Award.objects.create(
        cadre=subject,
        kind="merit_3",
        awarded_on=datetime.date(2026, 3, 1),
        decision_number="鲁组〔2026〕3号",
        approving_unit=unit("HA-PDS-LS"),
    )
    with clock.frozen_at(at("2026-10-12 09:00")):
        case = services.start_process(person("ls_qt_jbr"), "award_revocation", unit=unit("HA-PDS-LS-QT"), subject_cadre=subject)
        services.complete_task(
            person("ls_qt_jbr"),
            task_of(case, "Task_apply").pk,
            data={"award_id": award.pk, "ground": "fraud", "facts": "经查，其申报材料中的救援人数系虚报。"},
        )
        services.complete_task(person("ls_sh"), task_of(case, "Task_review").pk, action="approve", opinion="情况属实，建议撤销")
    return refresh(case)


def test_batch_approval_of_two_tasks_of_one_step_from_the_workbench(browser, live_server, world, screenshots):  # noqa: F811
    from tests.merit_helpers import refresh, task_of
    from tests.test_api_helpers import MONDAY
    from tests.test_batch_approval import at_approval
    from workflows import clock
    from workflows.models import HistoryAction, HistoryEvent, HumanTask, InstanceStatus
    from workspace.batch import batchable

    with clock.frozen_at(MONDAY):  # notice 29 Sep – 9 Oct 2026, timer fired on 11 Oct: all before today
        cases = at_approval(3)
    revocation = _revocation_at_approval()
    approvals = [task_of(c, "Task_approve") for c in cases]
    other = task_of(revocation, "Task_approve")
    assert batchable("merit_citation", "Task_approve") and batchable("award_revocation", "Task_approve")
    ticked, left = approvals[:2], approvals[2]

    approver = Session(browser, live_server.url, "ls_sp")
    page = approver.page
    box = {t.pk: page.locator(f"#batch-form input[name=tasks][value='{t.pk}']") for t in [*approvals, other]}
    for locator in box.values():
        expect(locator).to_be_enabled()
    # Ticking one 奖励审批 task leaves the other 奖励审批 tasks tickable, not the 撤销奖励 one.
    box[ticked[0].pk].check()
    expect(box[other.pk]).to_be_disabled()
    expect(box[ticked[1].pk]).to_be_enabled()
    expect(box[left.pk]).to_be_enabled()
    box[ticked[1].pk].check()
    expect(box[other.pk]).to_be_disabled()
    page.get_by_label("意见", exact=True).fill(OPINION)
    page.screenshot(path=str(screenshots / "batch-ticked.png"), full_page=True)
    page.get_by_role("button", name="批量同意").click()

    keys = [t.instance.business_key for t in ticked]
    approver.expect_message(f"已批量办理 2 件：{keys[0]}、{keys[1]}")
    page.screenshot(path=str(screenshots / "batch-done.png"), full_page=True)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(2)  # the third 奖励审批 and the 撤销奖励
    for key in keys:
        expect(page.locator("#results")).not_to_contain_text(key)
    # Once nothing is ticked, every step is tickable again.
    box[left.pk].check()
    expect(box[other.pk]).to_be_disabled()
    box[left.pk].uncheck()
    expect(box[other.pk]).to_be_enabled()
    approver.close()

    for task in ticked:
        case = refresh(task.instance)
        assert not HumanTask.objects.filter(pk=task.pk).exists()
        assert case.status == InstanceStatus.COMPLETED and case.outcome == "End_awarded", case.error_message
        event = HistoryEvent.objects.get(instance=case, task_bpmn_id="Task_approve", action=HistoryAction.COMPLETE)
        assert event.actor.username == "ls_sp" and event.opinion == OPINION
    for task, case in ((left, cases[2]), (other, revocation)):
        assert HumanTask.objects.filter(pk=task.pk, closed_at__isnull=True).exists()
        assert refresh(case).status != InstanceStatus.COMPLETED


def test_the_case_prints_without_navigation_and_the_approval_sheet_pdf_lists_the_sign_offs(browser, live_server, world, screenshots):  # noqa: F811
    import pdfplumber
    from django.urls import reverse

    from tests.merit_helpers import task_of
    from workflows.models import HistoryAction, HumanTask

    case = _nominated(0)
    reader = Session(browser, live_server.url, "ls_sh")
    page = reader.page
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    progress = page.locator("section.progress-card")
    on_screen = [
        page.locator(".topbar"),
        page.locator("nav.crumbs"),
        page.get_by_role("link", name="打印审批单"),
        page.locator(".diagram-card"),
    ]
    for locator in on_screen:
        expect(locator).to_be_visible()
    controls = page.locator("main").locator("button, form, .button").filter(visible=True)
    expect(controls.first).to_be_visible()  # 办理 (ls_sh may act), 上传附件, 抄送…
    expect(page.locator(".timeline")).to_be_visible()

    page.emulate_media(media="print")
    page.screenshot(path=str(screenshots / "case-print.png"), full_page=True)
    for locator in on_screen:
        expect(locator).to_be_hidden()
    expect(controls).to_have_count(0)
    expect(page.locator("h1")).to_contain_text(case.business_key)
    expect(progress).to_be_visible()
    expect(progress.locator(".step.done")).to_have_count(4)  # 发起, 填报推荐材料, 单位集体研究, 廉政意见
    expect(progress).to_contain_text(INTEGRITY)
    expect(progress.locator(".step.current")).to_contain_text("审核")
    page.emulate_media(media="screen")
    expect(page.get_by_role("link", name="打印审批单")).to_be_visible()

    # 打印审批单: the link opens the sheet, an inline PDF, in a new tab (chromium's PDF viewer).
    link = page.get_by_role("link", name="打印审批单")
    href = link.get_attribute("href")
    assert href == reverse("approval_sheet", args=[case.pk]) and link.get_attribute("target") == "_blank"
    sheet_url = live_server.url + href
    with reader.context.expect_event("response", lambda r: r.url == sheet_url) as answer, page.expect_popup() as popup:
        link.click()
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/pdf"
    assert popup.value.url == sheet_url
    popup.value.close()
    # The viewer wraps the bytes; fetch them again with the same session's cookies.
    response = reader.context.request.get(sheet_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert f"审批单-{case.business_key}.pdf" in unquote(response.headers["content-disposition"])
    data = response.body()
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
        rows = [[re.sub(r"\s+", "", cell or "") for cell in row] for p in pdf.pages for t in p.extract_tables() for row in t]
    assert case.business_key in words and "审批单" in words
    assert ["案件编号", case.business_key, "审批事项", case.definition.name] in rows
    signed = rows[rows.index(["序号", "环节", "办理人", "角色", "单位", "意见及决定", "时间"]) + 1 :]
    # One row a sign-off, in order, as in the database: step, who, role, unit, opinion, time.
    closed = {t.bpmn_id: t for t in HumanTask.all_objects.filter(instance=case, completed_by__isnull=False).select_related("unit")}
    events = list(
        case.history.filter(action__in=[HistoryAction.START, HistoryAction.COMPLETE]).select_related("actor").order_by("at", "id")
    )
    assert [e.task_bpmn_id for e in events[1:]] == ["Task_nominate", "Task_unit_decision", "Task_integrity"]
    assert len(signed) == len(events) + 1, signed  # and the open 审核
    for number, (event, row) in enumerate(zip(events, signed, strict=False), start=1):
        if event.action == HistoryAction.START:
            role, unit = case.definition.get_start_role_display(), case.nominating_unit.name
        else:
            role, unit = closed[event.task_bpmn_id].get_role_display(), closed[event.task_bpmn_id].unit.name
        expected = [str(number), event.task_name or event.get_action_display(), event.actor.get_full_name(), role, unit]
        assert row[:5] == [re.sub(r"\s+", "", v) for v in expected], row
        assert event.opinion.replace(" ", "") in row[5] and row[6] == _cn_datetime(event.at).replace(" ", ""), row
    assert "经集体研究，同意推荐" in signed[2][5] and INTEGRITY in signed[3][5]
    review = task_of(case, "Task_review")
    assert signed[-1][1:3] == [review.name, "待办理"] and person_name("ls_sh") in signed[-1][5], signed[-1]
    reader.close()


def test_the_progress_view_shows_done_current_and_next_steps_as_in_the_database(browser, live_server, world, screenshots):  # noqa: F811
    from permissions.policy import holders_of
    from tests.merit_helpers import task_of
    from webapp.queries import HOLDERS_SHOWN
    from workflows.models import HistoryAction, HumanTask

    case = _nominated(1, integrity=False)
    integrity = task_of(case, "Task_integrity")
    reader = Session(browser, live_server.url, "ls_jw")
    page = reader.page
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    progress = page.locator("section.progress-card")
    expect(progress).to_be_in_viewport()
    page.screenshot(path=str(screenshots / "case-progress.png"), full_page=False)

    events = list(
        case.history.filter(action__in=[HistoryAction.START, HistoryAction.COMPLETE]).select_related("actor").order_by("at", "id")
    )
    closed = {t.bpmn_id: t for t in HumanTask.all_objects.filter(instance=case, completed_by__isnull=False).select_related("unit")}
    done = progress.locator("li.step.done")
    expect(done).to_have_count(len(events))
    for index, event in enumerate(events):
        step = done.nth(index)
        expect(step.locator(".step-name")).to_have_text(event.task_name or event.get_action_display())
        expect(step.locator(".actor")).to_have_text(event.actor.get_full_name())
        expect(step.locator("time")).to_have_text(_cn_datetime(event.at))
        if event.task_bpmn_id in closed:
            task = closed[event.task_bpmn_id]
            expect(step.locator(".step-who")).to_contain_text(f"{task.get_role_display()} · {task.unit.name}")
        if event.opinion:
            expect(step.locator(".opinion")).to_have_text(event.opinion)
    expect(done.nth(len(events) - 1).locator(".opinion")).to_have_text("经集体研究，同意推荐")

    current = progress.locator("li.step.current")
    expect(current).to_have_count(1)
    expect(current.locator(".step-name")).to_have_text(integrity.name)
    expect(current.locator(".current-tag")).to_have_text("办理中")
    expect(current.locator(".step-who")).to_have_text(f"{integrity.unit.name} · {integrity.get_role_display()}")
    holders = {u.get_full_name() or u.username for u in holders_of(integrity.role, integrity.unit)}
    assert person_name("ls_jw") in holders
    shown = current.locator(".step-holders").inner_text().split("：", 1)[1].split(" 等")[0].split("、")
    assert set(shown) <= holders and len(shown) == min(len(holders), HOLDERS_SHOWN), (shown, holders)
    expect(current.get_by_role("link", name="办理")).to_have_attribute("href", f"/cases/{case.pk}/tasks/{integrity.pk}/")

    following = progress.locator("li.step.next")
    expect(following).to_have_count(1)
    expect(following.locator(".step-name")).to_have_text("审核")
    expect(following).to_contain_text("下一环节")
    # In this order on the page: done, current, next.
    names = progress.locator("li.step .step-name").all_inner_texts()
    assert names == [*(e.task_name or e.get_action_display() for e in events), integrity.name, "审核"], names
    reader.close()


def person_name(username):
    from tests.merit_helpers import person

    user = person(username)
    return user.get_full_name() or user.username
