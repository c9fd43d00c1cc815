"""The workspace pages of issue 4 — workbench, start, task and case pages — through the Django
test client with the demo data: permissions (another unit's object is a 404, the wrong role
gets no buttons and a 403 on POST), invalid submits (errors next to the fields, nothing
changed), double submits (the second gets the conflict message, never a second step)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from permissions.roles import Role
from records.models import Cadre, Sanction
from tests import factories as f
from tests.merit_helpers import (
    QT_CLEAN,
    at,
    cadre,
    load_world,
    nomination,
    person,
    refresh,
    start_and_nominate,
    task_of,
    unit,
    unit_decides,
)
from workflows import clock, services
from workflows.models import HistoryAction, HistoryEvent, HumanTask, InstanceStatus, Notification, ProcessInstance

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")


@pytest.fixture
def world():
    load_world()


def login(client, username):
    client.force_login(person(username))
    return client


def page(response):
    return response.content.decode()


def task_url(task):
    return reverse("task", args=[task.instance_id, task.pk])


def case_url(case):
    return reverse("case", args=[case.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context else []


# --------------------------------------------------------------------------- workbench


def test_workbench_lists_my_tasks_with_counts_and_other_counties_see_nothing(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    body = page(login(client, "ls_qt_ld").get("/"))
    assert case.business_key in body and task_url(task) in body and "单位集体研究" in body
    assert re.search(r'data-count="todo">1<', body)
    other = page(login(client, "bf_tl_ld").get("/"))  # the same role in another county
    assert case.business_key not in other and re.search(r'data-count="todo">0<', other)


def test_a_todo_row_prints_its_case_step_times_and_lateness(client, world):
    """The 待办 row's cells, prepared in the view (webapp.views.workbench._display)."""
    cases = [start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(id_number)) for id_number in QT_CLEAN[:2]]
    late, on_time = (task_of(case, "Task_unit_decision") for case in cases)
    HumanTask.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    HumanTask.objects.filter(pk=on_time.pk).update(due_at=timezone.now() + datetime.timedelta(days=2))
    body = page(login(client, "ls_qt_ld").get("/"))
    rows = {case.business_key: row for case in cases for row in re.findall(r"<tr>.*?</tr>", body, re.S) if case.business_key in row}
    late_row, on_time_row = rows[cases[0].business_key], rows[cases[1].business_key]
    arrived = timezone.localtime(HumanTask.objects.get(pk=late.pk).created_at)
    assert f'<time datetime="{arrived.isoformat()}">{arrived.year}年{arrived.month}月{arrived.day}日' in late_row
    assert 'class="overdue"' in late_row and "已超期" in late_row
    assert 'class="overdue"' not in on_time_row and "已超期" not in on_time_row
    for case, task in zip(cases, (late, on_time), strict=True):
        row = rows[case.business_key]
        assert task_url(task) in row and f'href="/cases/{case.pk}/"' in row
        assert "单位集体研究" in row and "奖励审批（嘉奖、记功）" in row and case.subject_cadre.name in row


def test_workbench_done_and_started_tabs_say_where_each_case_stands(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    unit_decides("ls_qt_ld", case)
    started = page(login(client, "ls_qt_jbr").get("/?tab=started"))
    assert case.business_key in started and "廉政意见" in started  # the step it waits at now
    done = page(login(client, "ls_qt_ld").get("/?tab=done"))
    assert case.business_key in done and "经集体研究，同意推荐" in done
    assert re.search(r'data-count="done">1<', done)


def test_workbench_search_filters_and_pagination(client, world, monkeypatch):
    cases = [start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(id_number)) for id_number in QT_CLEAN[:3]]
    login(client, "ls_qt_ld")
    by_key = page(client.get("/", {"q": cases[1].business_key}))
    assert cases[1].business_key in by_key and cases[0].business_key not in by_key
    by_name = page(client.get("/", {"q": cases[2].subject_cadre.name}))
    assert cases[2].business_key in by_name and cases[1].business_key not in by_name
    assert "没有符合条件的待办" in page(client.get("/", {"process": "award_revocation"}))
    assert cases[0].business_key in page(client.get("/", {"process": "merit_citation", "step": "单位集体研究"}))
    assert "没有符合条件的待办" in page(client.get("/", {"date_from": "2030-01-01"}))
    bad = client.get("/", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert "截止日期不能早于起始日期" in page(bad)

    monkeypatch.setattr("webapp.views.workbench.PAGE_SIZE", 2)
    first, second = page(client.get("/")), page(client.get("/", {"page": 2}))
    assert "第 1/2 页，共 3 条" in first and 'rel="next"' in first
    keys = {c.business_key for c in cases}
    assert sum(k in first for k in keys) == 2 and sum(k in second for k in keys) == 1


def test_workbench_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --------------------------------------------------------------------------- start


def test_start_offers_only_processes_of_my_roles(client, world):
    body = page(login(client, "ls_qt_jbr").get(reverse("start")))
    assert reverse("start_process", args=["merit_citation"]) in body
    assert "发起“奖励审批（嘉奖、记功）”" in body
    reviewer = login(client, "ls_sh")
    assert reverse("start_process", args=["merit_citation"]) not in page(reviewer.get(reverse("start")))
    assert reviewer.get(reverse("start_process", args=["merit_citation"])).status_code == 403
    assert (
        reviewer.post(
            reverse("start_process", args=["merit_citation"]), {"unit": unit("HA-PDS-LS-QT").pk, "cadre": cadre(QT_CLEAN[0]).pk}
        ).status_code
        == 403
    )
    assert not ProcessInstance.objects.exists()


def test_start_lists_cadres_of_my_unit_only_and_never_myself(client, world):
    login(client, "ls_qt_jbr")
    url = reverse("start_process", args=["merit_citation"])
    body = page(client.get(url, {"unit": unit("HA-PDS-LS-QT").pk}))
    assert cadre(QT_CLEAN[0]).name in body
    me = person("ls_qt_jbr").cadre
    assert f'cadre={me.pk}"' not in body  # recusal: one does not nominate oneself (DOMAIN.md §9)
    assert client.get(url, {"unit": unit("HA-PDS-LS-QT").pk, "cadre": me.pk}).status_code == 404
    stranger = f.cadre("外县干部", unit("HA-PDS-BF-TL"))
    assert client.get(url, {"unit": unit("HA-PDS-LS-QT").pk, "cadre": stranger.pk}).status_code == 404
    # A unit the user holds no nominator role on is not a valid choice: the form falls back to their own.
    body = page(client.get(url, {"unit": unit("HA-PDS-BF-TL").pk}))
    assert "外县干部" not in body


def test_start_and_submit_creates_the_case_at_the_next_step(client, world):
    login(client, "ls_qt_jbr")
    subject = cadre(QT_CLEAN[0])
    response = client.post(
        reverse("start_process", args=["merit_citation"]),
        {"unit": unit("HA-PDS-LS-QT").pk, "cadre": subject.pk, "action": "submit", **nomination()},
    )
    case = ProcessInstance.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert case.subject_cadre == subject and case.started_by.username == "ls_qt_jbr"
    assert list(case.tasks.values_list("bpmn_id", flat=True)) == ["Task_unit_decision"]
    followed = client.get(response["Location"])
    assert any("已发起" in m for m in messages_of(followed))


def test_start_with_invalid_data_shows_errors_next_to_fields_and_saves_nothing(client, world):
    login(client, "ls_qt_jbr")
    history = HistoryEvent.objects.count()
    response = client.post(
        reverse("start_process", args=["merit_citation"]),
        {
            "unit": unit("HA-PDS-LS-QT").pk,
            "cadre": cadre(QT_CLEAN[0]).pk,
            "action": "submit",
            **nomination(deeds="太短", period_from="2026-09-01", period_to="2026-08-01"),
        },
    )
    assert response.status_code == 200
    body = page(response)
    assert "请具体填写主要事迹（至少20字）" in body and "截止日期不能早于起始日期" in body
    assert 'id="id_deeds_errors"' in body and 'aria-invalid="true"' in body
    assert "太短" in body  # what was typed is kept
    assert not ProcessInstance.objects.exists() and HistoryEvent.objects.count() == history


def test_save_as_draft_then_finish_on_the_task_page(client, world):
    login(client, "ls_qt_jbr")
    response = client.post(
        reverse("start_process", args=["merit_citation"]),
        {
            "unit": unit("HA-PDS-LS-QT").pk,
            "cadre": cadre(QT_CLEAN[0]).pk,
            "action": "__draft__",
            "award_kind": "merit_3",
            "deeds": "草稿：事迹待补充",
            "period_from": "",
            "period_to": "",
        },
    )
    case = ProcessInstance.objects.get()
    draft = task_of(case, "Task_nominate")
    assert response.status_code == 302 and response["Location"] == task_url(draft)
    body = page(client.get(task_url(draft)))
    assert "草稿：事迹待补充" in body and re.search(r'value="merit_3"[^>]*checked', body)
    client.post(task_url(draft), {"action": "submit", **nomination(award_kind="merit_3")})
    assert task_of(case, "Task_unit_decision")


# --------------------------------------------------------------------------- task page


def test_task_of_another_county_is_a_404_for_get_and_post(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    login(client, "bf_tl_ld")
    assert client.get(task_url(task)).status_code == 404
    assert client.post(task_url(task), {"action": "approve", "meeting_date": "2026-09-01", "attendees": "x"}).status_code == 404
    assert client.get(case_url(case)).status_code == 404
    assert HumanTask.objects.filter(pk=task.pk).exists()


def test_the_wrong_role_sees_the_task_without_buttons_and_a_post_is_refused(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    before = refresh(case).version
    login(client, "ls_qt_jbr")  # the starter may follow the case, not confirm for the leadership
    body = page(client.get(task_url(task)))
    assert "不能办理此任务" in body and 'name="action"' not in body
    response = client.post(task_url(task), {"action": "approve", "meeting_date": "2026-09-01", "attendees": "班子成员"})
    assert response.status_code == 403 and "不能办理此任务" in page(response)
    assert refresh(case).version == before and HumanTask.objects.filter(pk=task.pk).exists()


def test_task_page_shows_cadre_summary_timeline_and_the_step_actions(client, world):
    subject = cadre(QT_CLEAN[0])
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject)
        unit_decides("ls_qt_ld", case)
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    review = task_of(case, "Task_review")
    body = page(login(client, "ls_sh").get(task_url(review)))
    assert subject.name in body and subject.current_post in body and "近五年年度考核" in body
    assert "经集体研究，同意推荐" in body  # an earlier opinion in the timeline
    assert "拟奖励等次" in body and "嘉奖" in body  # the nomination being judged
    assert "资格审查：符合条件" in body
    # … and the classified-case action of DOMAIN.md §1.3 item 4 (issue 12).
    for label in ("同意公示", "涉密，报请免予公示", "退回至“填报推荐材料”", "不同意"):
        assert label in body
    assert body.count('name="action"') == 4


def test_invalid_submit_shows_errors_and_changes_nothing(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    before = refresh(case)
    response = login(client, "ls_qt_ld").post(task_url(task), {"action": "approve", "meeting_date": "2099-01-01", "attendees": ""})
    body = page(response)
    assert response.status_code == 200 and "会议日期不能晚于今天" in body and 'id="id_attendees_errors"' in body
    assert 'value="2099-01-01"' in body
    after = refresh(case)
    assert (after.version, after.state) == (before.version, before.state)
    assert HumanTask.objects.filter(pk=task.pk).exists()


def test_return_needs_an_opinion_and_the_nominator_sees_the_reason_with_the_form_prefilled(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    login(client, "ls_qt_ld")
    response = client.post(task_url(task), {"action": "return", "opinion": ""})
    assert response.status_code == 200 and "“退回”必须填写意见" in page(response)
    assert HumanTask.objects.filter(pk=task.pk).exists()
    response = client.post(task_url(task), {"action": "return", "opinion": "请补充防汛指挥部的证明材料"})
    assert response.status_code == 302
    nominate = task_of(case, "Task_nominate")
    body = page(login(client, "ls_qt_jbr").get(task_url(nominate)))
    assert "被“单位集体研究”退回" in body and "请补充防汛指挥部的证明材料" in body
    assert "在2026年汛期防汛抢险中连续奋战七昼夜" in body and 'value="2026-08-31"' in body


def test_a_double_submit_gets_the_conflict_message_and_never_a_second_step(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    login(client, "ls_qt_ld")
    form = {"action": "approve", "meeting_date": "2026-09-01", "attendees": "班子成员7人", "opinion": "同意推荐"}
    first = client.post(task_url(task), form)
    assert first.status_code == 302 and first["Location"] == reverse("home")
    second = client.post(task_url(task), form, follow=True)
    assert second.redirect_chain[0][0] == case_url(case)
    assert any("您已办理过“单位集体研究”，本次重复提交未作处理" in m for m in messages_of(second))
    assert HistoryEvent.objects.filter(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_unit_decision").count() == 1
    assert HumanTask.objects.filter(instance=case, bpmn_id="Task_integrity").count() == 1


def test_eligibility_failures_are_shown_to_the_nominator(client, world):
    subject = cadre(QT_CLEAN[1])
    Sanction.objects.create(cadre=subject, kind="demerit", decision_date=datetime.date(2026, 3, 1), description="违规报销")
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", subject)
        unit_decides("ls_qt_ld", case)
    nominate = task_of(case, "Task_nominate")  # the diagram sends an ineligible case back
    body = page(login(client, "ls_qt_jbr").get(task_url(nominate)))
    assert "资格审查未通过" in body and "记过" in body
    assert "撤销推荐" in body  # the step's other action


def test_claim_and_release_a_task_shared_by_two_reviewers(client, world):
    f.user("ls_sh_b", (Role.REVIEWER, unit("HA-PDS-LS-ZZB")), (Role.REVIEWER, unit("HA-PDS-LS")))
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        unit_decides("ls_qt_ld", case)
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    review = task_of(case, "Task_review")
    login(client, "ls_sh")
    assert "认领" in page(client.get(task_url(review)))
    response = client.post(reverse("task_claim", args=[case.pk, review.pk]))
    assert response.status_code == 302 and HumanTask.objects.get(pk=review.pk).claimed_by.username == "ls_sh"
    other = client.__class__()
    other.force_login(person("ls_sh_b"))
    assert case.business_key not in page(other.get("/"))
    assert "已由" in page(other.get(task_url(review)))
    assert other.post(task_url(review), {"action": "approve"}).status_code == 403
    assert other.post(reverse("task_release", args=[case.pk, review.pk])).status_code == 403
    client.post(reverse("task_release", args=[case.pk, review.pk]))
    assert HumanTask.objects.get(pk=review.pk).claimed_by is None
    assert case.business_key in page(other.get("/"))


def test_a_task_someone_else_completed_meanwhile_gets_the_conflict_message(client, world):
    f.user("ls_qt_ld2", (Role.UNIT_LEADER, unit("HA-PDS-LS-QT")))
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    login(client, "ls_qt_ld2")
    assert client.get(task_url(task)).status_code == 200  # the page is open in one office …
    unit_decides("ls_qt_ld", case)  # … while the colleague completes the step
    response = client.post(task_url(task), {"action": "approve", "meeting_date": "2026-09-01", "attendees": "x"}, follow=True)
    assert response.redirect_chain[0][0] == case_url(case)
    assert any("该任务已被他人处理或流程已变化" in m for m in messages_of(response))
    assert HistoryEvent.objects.filter(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_unit_decision").count() == 1


def test_a_task_already_done_sends_the_visitor_to_the_case(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    unit_decides("ls_qt_ld", case)
    response = login(client, "ls_qt_ld").get(task_url(task), follow=True)
    assert response.redirect_chain[0][0] == case_url(case)
    assert any("已办理完毕" in m for m in messages_of(response))


# --------------------------------------------------------------------------- case page


def test_case_page_shows_the_diagram_with_progress_and_the_timeline(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    body = page(login(client, "ls_qt_jbr").get(case_url(case)))
    svg = body[body.index("<svg xmlns") :]
    svg = svg[: svg.index("</svg>")]
    assert re.search(r'class="node userTask done" data-node="Task_nominate"', svg)
    assert re.search(r'class="node userTask current" data-node="Task_unit_decision" aria-current="step"', svg)
    assert re.search(r'class="flow taken" data-flow="Flow_start"', svg)
    assert 'class="flow" data-flow="Flow_review_approve"' in svg
    assert "推荐单位经办人" in svg and "单位党组织" in svg  # lanes by role label
    assert "当前环节：单位集体研究" in body
    assert "填报推荐材料" in body and case.business_key in body


def test_case_visibility_follows_the_units_the_case_involved(client, world):
    with clock.frozen_at(MONDAY):
        case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
        unit_decides("ls_qt_ld", case)
    for username in ("ls_qt_jbr", "ls_qt_ld", "ls_jw"):
        assert login(client, username).get(case_url(case)).status_code == 200, username
    for username in ("bf_jw", "bf_tl_jbr", "pds_yjj_jbr"):
        response = login(client, username).get(case_url(case))
        assert response.status_code == 404 and case.business_key not in page(response), username


def test_starter_withdraws_and_reminds_others_may_not(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    login(client, "ls_qt_ld")
    assert client.post(reverse("case_withdraw", args=[case.pk])).status_code == 403
    assert client.post(reverse("case_remind", args=[case.pk])).status_code == 403
    login(client, "ls_qt_jbr")
    body = page(client.get(case_url(case)))
    assert reverse("case_withdraw", args=[case.pk]) in body and reverse("case_remind", args=[case.pk]) in body
    before = Notification.objects.filter(user=person("ls_qt_ld")).count()
    client.post(reverse("case_remind", args=[case.pk]), {"text": "本周内请办理"})
    assert Notification.objects.filter(user=person("ls_qt_ld")).count() == before + 1
    response = client.post(reverse("case_withdraw", args=[case.pk]), {"text": "补充附件"}, follow=True)
    assert any("已撤回" in m for m in messages_of(response))
    assert list(refresh(case).tasks.values_list("bpmn_id", flat=True)) == ["Task_nominate"]
    # Nothing left to withdraw: a second click gets the reason, not a second withdrawal.
    again = client.post(reverse("case_withdraw", args=[case.pk]), follow=True)
    assert any("不能撤回" in m for m in messages_of(again))
    assert HistoryEvent.objects.filter(instance=case, action=HistoryAction.WITHDRAW).count() == 1


def test_administrator_terminates_with_a_reason(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    assert login(client, "ls_qt_jbr").post(reverse("case_terminate", args=[case.pk]), {"reason": "x"}).status_code == 403
    login(client, "admin")
    response = client.post(reverse("case_terminate", args=[case.pk]), {"reason": ""}, follow=True)
    assert refresh(case).status == InstanceStatus.RUNNING and any(
        "必填" in m or "终止理由" in m or "这个字段" in m for m in messages_of(response)
    )
    client.post(reverse("case_terminate", args=[case.pk]), {"reason": "重复推荐"})
    assert refresh(case).status == InstanceStatus.TERMINATED


def test_attachments_uploaded_on_the_task_page_go_with_the_nomination(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
    nominate = task_of(case, "Task_nominate")
    login(client, "ls_qt_jbr")
    upload = reverse("attachment_upload", args=[case.pk])
    refused = client.post(upload, {"file": SimpleUploadedFile("deeds.txt", b"plain text"), "next": task_url(nominate)}, follow=True)
    assert any("只能上传 PDF、JPEG 或 PNG" in m for m in messages_of(refused))
    response = client.post(
        upload, {"file": SimpleUploadedFile("防汛证明.pdf", b"%PDF-1.4 evidence"), "next": task_url(nominate), "step": "Task_nominate"}
    )
    assert response["Location"] == task_url(nominate)
    attachment = case.attachments.get()
    body = page(client.get(task_url(nominate)))
    assert "防汛证明.pdf" in body and reverse("attachment", args=[case.pk, attachment.pk]) in body
    client.post(task_url(nominate), {"action": "submit", **nomination()})
    event = HistoryEvent.objects.get(instance=case, action=HistoryAction.COMPLETE, task_bpmn_id="Task_nominate")
    assert event.changed_fields["attachments"] == [attachment.pk]
    download = login(client, "ls_qt_ld").get(reverse("attachment", args=[case.pk, attachment.pk]))
    assert download.status_code == 200 and download.content == b"%PDF-1.4 evidence"
    stranger = login(client, "bf_tl_ld")
    assert stranger.get(reverse("attachment", args=[case.pk, attachment.pk])).status_code == 404
    assert stranger.post(upload, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4")}).status_code == 404


def test_pages_render_in_english_when_the_user_switches(client, world):
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    login(client, "ls_qt_ld")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    for url in ("/", case_url(case), task_url(task_of(case, "Task_unit_decision")), reverse("records")):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Language"] == "en", url
    assert 'lang="en"' in page(client.get("/"))


def test_every_deployed_process_can_be_started_followed_and_drawn(client, world):
    """Generic pages: a new diagram appears in 发起, its first step on a task page and its
    diagram on the case page, with no page code of its own."""
    from permissions.models import Grant
    from workflows.models import ProcessDefinition

    definitions = {d.process_id: d for d in ProcessDefinition.objects.order_by("process_id", "version")}
    assert {"merit_citation", "award_revocation"} <= set(definitions)
    from webapp import queries

    for process_id, definition in definitions.items():
        grant = Grant.objects.filter(role=definition.start_role, unit__cadres__isnull=False).select_related("user", "unit").first()
        assert grant is not None, process_id
        client.force_login(grant.user)
        assert reverse("start_process", args=[process_id]) in page(client.get(reverse("start")))
        start_url = reverse("start_process", args=[process_id])
        if queries.start_form_class(definition) is not None:
            # Started from a form on its start event (a plan), without a subject cadre.
            form_page = client.get(start_url, {"unit": grant.unit.pk})
            assert form_page.status_code == 200 and 'name="once"' in page(form_page), process_id
            continue
        subject = Cadre.objects.filter(unit=grant.unit).exclude(user=grant.user).first()
        form_page = client.get(start_url, {"unit": grant.unit.pk, "cadre": subject.pk})
        assert form_page.status_code == 200 and 'value="__draft__"' in page(form_page), process_id
        response = client.post(start_url, {"unit": grant.unit.pk, "cadre": subject.pk, "action": "__draft__"})
        assert response.status_code == 302, process_id
        case = ProcessInstance.objects.filter(definition__process_id=process_id).latest("id")
        task = case.tasks.get()
        assert client.get(task_url(task)).status_code == 200, process_id
        body = page(client.get(case_url(case)))
        svg = body[body.index("<svg xmlns") :]
        assert f'class="node userTask current" data-node="{task.bpmn_id}"' in svg, process_id


def test_a_start_form_sent_twice_starts_one_case(client, world):
    login(client, "ls_qt_jbr")
    url = reverse("start_process", args=["merit_citation"])
    form_page = page(client.get(url, {"unit": unit("HA-PDS-LS-QT").pk, "cadre": cadre(QT_CLEAN[0]).pk}))
    once = re.search(r'name="once" value="([0-9a-f]+)"', form_page).group(1)
    data = {"unit": unit("HA-PDS-LS-QT").pk, "cadre": cadre(QT_CLEAN[0]).pk, "action": "submit", "once": once, **nomination()}
    client.post(url, data)
    second = client.post(url, data, follow=True)
    case = ProcessInstance.objects.get()
    assert second.redirect_chain[0][0] == case_url(case)
    assert any("请勿重复提交" in m for m in messages_of(second))


def test_an_invalid_nomination_on_the_task_page_keeps_what_was_typed(client, world):
    case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit("HA-PDS-LS-QT"), subject_cadre=cadre(QT_CLEAN[0]))
    nominate = task_of(case, "Task_nominate")
    before = refresh(case).version
    response = login(client, "ls_qt_jbr").post(task_url(nominate), {"action": "submit", **nomination(deeds="太短了")})
    body = page(response)
    assert response.status_code == 200 and "请具体填写主要事迹（至少20字）" in body and "太短了" in body
    assert refresh(case).version == before and HumanTask.objects.filter(pk=nominate.pk).exists()


def test_a_process_started_from_its_start_event_form_validates_it_and_saves_nothing_when_invalid(client, world):
    """E.g. a secondment round: the plan is the start data, there is no subject cadre."""
    from webapp import queries
    from workflows.models import ProcessDefinition

    planned = [d for d in ProcessDefinition.objects.all() if queries.start_form_class(d) is not None]
    if not planned:
        pytest.skip("no deployed process starts from a start-event form")
    definition = planned[0]
    from permissions.models import Grant, UnitKind

    grant = Grant.objects.filter(role=definition.start_role, unit__kind=UnitKind.ORGANISATION_DEPT).select_related("user", "unit").first()
    client.force_login(grant.user)
    url = reverse("start_process", args=[definition.process_id])
    body = page(client.get(url, {"unit": grant.unit.pk}))
    assert "查找干部" not in body and 'name="once"' in body
    response = client.post(url, {"unit": grant.unit.pk, "once": "a1", "action": "submit"})
    assert response.status_code == 200 and "提交的内容有误" in page(response) and 'class="errorlist"' in page(response)
    assert not ProcessInstance.objects.filter(definition__process_id=definition.process_id).exists()
