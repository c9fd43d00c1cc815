"""The pages of 委托, 转办, 委派, 加签 and 抄送 (issue 15 items 1–2) and the marks of 待办 rows
(草稿, 代 X 办理, 委派, 加签): thin callers of the services, refusals shown, nothing changed."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from permissions.models import Delegation
from tests.merit_helpers import QT_CLEAN, cadre, person, refresh, review_data, task_of
from tests.test_handover import at_review, second_reviewer, world  # noqa: F401  (the fixture)
from workflows import handover, services
from workflows.models import CaseCopy, HistoryAction, HumanTask

pytestmark = pytest.mark.django_db


def web(username):
    client = Client()
    client.force_login(person(username))
    return client


def test_the_delegation_page_sets_one_up_and_the_delegate_sees_and_does_the_task_for_the_delegator():
    case = at_review()
    task = task_of(case, "Task_review")
    today = timezone.localdate()
    sh = web("ls_sh")
    page = sh.get("/delegations/").content.decode()
    assert "新建委托" in page and 'value="ls_gs"' in page  # a colleague of the same county
    bad = sh.post("/delegations/", {"delegate": "ls_gs", "starts_on": today.isoformat(), "ends_on": "2000-01-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    assert not Delegation.objects.exists()
    ends = (today + datetime.timedelta(days=5)).isoformat()
    response = sh.post(
        "/delegations/",
        {"delegate": "ls_gs", "starts_on": today.isoformat(), "ends_on": ends, "process_ids": ["merit_citation"], "reason": "外出学习"},
    )
    assert response.status_code == 302

    gs = web("ls_gs")
    inbox = gs.get("/").content.decode()
    assert case.business_key in inbox and "代" in inbox and "办理</span>" in inbox
    page = gs.get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    assert "您正在代" in page
    assert "委托给我的" in gs.get("/delegations/").content.decode()

    delegation = Delegation.objects.get()
    assert sh.post(f"/delegations/{delegation.pk}/end/").status_code == 302
    assert refresh(case).business_key not in web("ls_gs").get("/").content.decode()
    assert web("ls_sp").post(f"/delegations/{delegation.pk}/end/").status_code == 403


def test_transfer_from_the_task_page():
    case = at_review()
    task = task_of(case, "Task_review")
    second_reviewer()
    page = web("ls_sh").get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    assert 'id="transfer"' in page and 'value="ls_sh2"' in page
    refused = web("ls_sh").post(f"/cases/{case.pk}/tasks/{task.pk}/transfer/", {"to": "ls_gs"}, follow=True)
    assert "不具有" in refused.content.decode() and HumanTask.objects.get(pk=task.pk).claimed_by is None
    web("ls_sh").post(f"/cases/{case.pk}/tasks/{task.pk}/transfer/", {"to": "ls_sh2", "opinion": "出差"})
    assert HumanTask.objects.get(pk=task.pk).claimed_by.username == "ls_sh2"
    timeline = web("ls_sh2").get(f"/cases/{case.pk}/").content.decode()
    assert "转办给" in timeline


def test_delegate_and_return_from_the_pages_and_the_marks_in_the_inbox():
    case = at_review()
    task = task_of(case, "Task_review")
    web("ls_sh").post(f"/cases/{case.pk}/tasks/{task.pk}/delegate/", {"to": "ls_gs", "note": "请核实事迹"})
    assert "已委派" in web("ls_sh").get("/").content.decode()
    gs = web("ls_gs")
    assert ">委派</span>" in gs.get("/").content.decode()
    page = gs.get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    assert "交回委派人" in page and "请核实事迹" in page
    empty = gs.post(f"/cases/{case.pk}/tasks/{task.pk}/delegate-return/", {"opinion": ""}, follow=True)
    assert "请填写处理意见" in empty.content.decode()
    gs.post(f"/cases/{case.pk}/tasks/{task.pk}/delegate-return/", {"opinion": "已核实"})
    assert case.history.filter(action=HistoryAction.DELEGATE_RETURN, opinion="已核实").exists()


def test_countersign_from_the_pages():
    case = at_review()
    task = task_of(case, "Task_review")
    response = web("ls_sh").post(f"/cases/{case.pk}/tasks/{task.pk}/countersigners/", {"signer": "ls_sp", "position": "before"})
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/tasks/{task.pk}/"
    assert "须待加签人" in web("ls_sh").get(response.url).content.decode()
    sp = web("ls_sp")
    assert ">加签</span>" in sp.get("/").content.decode()
    assert "请您加签" in sp.get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    refused = sp.post(f"/cases/{case.pk}/tasks/{task.pk}/countersign/", {"agree": "no", "opinion": ""}, follow=True)
    assert "不同意时须填写意见" in refused.content.decode()
    sp.post(f"/cases/{case.pk}/tasks/{task.pk}/countersign/", {"agree": "yes", "opinion": "同意"})
    assert task.countersigns.get().agreed is True
    assert "须待加签人" not in web("ls_sh").get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()


def test_cc_from_the_case_page_with_read_receipts():
    case = at_review()
    sh = web("ls_sh")
    assert web("pds_sh").get(f"/cases/{case.pk}/").status_code == 404
    sh.post(f"/cases/{case.pk}/copies/", {"recipients_text": "pds_sh", "note": "供参阅"})
    page = sh.get(f"/cases/{case.pk}/").content.decode()
    assert "未读" in page and "供参阅" in page
    reader = web("pds_sh")
    assert reader.get(f"/cases/{case.pk}/").status_code == 200
    assert CaseCopy.objects.get().read_at is not None
    assert "已读" in sh.get(f"/cases/{case.pk}/").content.decode()
    again = sh.post(f"/cases/{case.pk}/copies/", {"recipients_text": "pds_sh"}, follow=True)
    assert "已抄送给所选人员" in again.content.decode()


def test_a_draft_is_marked_in_the_inbox():
    case = at_review()
    task = task_of(case, "Task_review")
    services.save_draft(person("ls_sh"), task.pk, data=review_data(), opinion="")
    assert "草稿</span>" in web("ls_sh").get("/").content.decode()
    # A case saved from the start page (暂存) waits at its first step as a draft; one started
    # without anything typed does not.
    unit = case.nominating_unit
    drafted = services.start_process(
        person("ls_qt_jbr"), "merit_citation", unit=unit, subject_cadre=cadre(QT_CLEAN[1]), data={"deeds": "初稿"}
    )
    blank = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit, subject_cadre=cadre(QT_CLEAN[2]))
    page = web("ls_qt_jbr").get("/").content.decode()
    row = page[page.index(drafted.business_key) :][:2000]
    assert "草稿</span>" in row[: row.index("</tr>")]
    row = page[page.index(blank.business_key) :][:2000]
    assert "草稿</span>" not in row[: row.index("</tr>")]


def test_the_inbox_marks_cost_the_same_queries_for_one_row_and_for_many():
    from workspace import inbox

    first = at_review(0)
    user = person("ls_sh")
    handover.delegate_task(user, task_of(first, "Task_review").pk, to="ls_gs")

    def count(username):
        viewer = person(username)
        rows = list(HumanTask.objects.inbox_for(viewer).select_related("instance__definition"))
        with CaptureQueriesContext(connection) as queries_run:
            inbox.mark(viewer, rows)
        return len(rows), len(queries_run)

    one = count("ls_gs")
    for index in (1, 2, 3):
        at_review(index)
    today = timezone.localdate()
    Delegation.objects.create(delegator=person("ls_sh"), delegate=person("ls_gs"), starts_on=today, ends_on=today)
    many = count("ls_gs")
    assert many[0] > one[0] and many[1] <= one[1] + 2  # + the delegation and the delegator's grants


def test_the_progress_view_and_approval_sheet_carry_countersign_opinions_and_who_acted_for_whom():
    from webapp import queries

    case = at_review()
    task = task_of(case, "Task_review")
    handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="before")
    handover.countersign(person("ls_sp"), task.pk, opinion="同意，请抓紧公示", agree=True)
    today = timezone.localdate()
    Delegation.objects.create(delegator=person("ls_sh"), delegate=person("ls_gs"), starts_on=today, ends_on=today)
    services.complete_task(person("ls_gs"), task.pk, action="approve", data=review_data(), opinion="同意公示")

    steps = queries.progress(refresh(case), person("ls_sh"))["done"]
    signed = [s for s in steps if s["action"] == HistoryAction.COUNTERSIGN]
    assert [(s["opinion"], s["decision"], s["role"]) for s in signed] == [("同意，请抓紧公示", "同意", "加签意见")]
    reviewed = [s for s in steps if s["action"] == HistoryAction.COMPLETE and s["event"].task_bpmn_id == "Task_review"]
    assert reviewed[0]["actor"].startswith(person("ls_gs").get_full_name()) and "代" in reviewed[0]["actor"]
    sheet = web("ls_sh").get(f"/cases/{case.pk}/approval-sheet.pdf")
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"


def test_english_pages_show_process_and_step_names_in_english():
    """Issue 15 item 12: English mode translates process and step names (workflows.names)."""
    case = at_review()
    client = web("ls_sh")
    client.cookies["django_language"] = "en"
    inbox = client.get("/").content.decode()
    row = inbox[inbox.index(case.business_key) :]
    row = row[: row.index("</tr>")]
    assert "Award approval (commendations and merits)" in row and "<td>Review" in row, row
    assert "奖励审批" not in row and "审核" not in row
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Fill in the nomination" in page and "Integrity opinion" in page


def test_a_decision_held_for_countersigners_after_says_so():
    case = at_review()
    task = task_of(case, "Task_review")
    handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="after")
    response = web("ls_sh").post(
        f"/cases/{case.pk}/tasks/{task.pk}/", {"action": "approve", "opinion": "同意公示", **review_data()}, follow=True
    )
    assert "待加签人签署后生效" in response.content.decode()
    assert HumanTask.objects.get(pk=task.pk).held_completion is not None
