"""批量审批 (issue 15 item 4): several tasks of one step approved with one opinion, each through
``services.complete_task`` on its own; refusals are reported task by task, the others go through."""

import pytest
from django.test import Client

from notices import desk
from tests.merit_helpers import QT_CLEAN, cadre, person, refresh, review_data, start_and_nominate, task_of, unit_decides
from tests.test_api_helpers import (
    AFTER_NOTICE,
    APPROVAL_DAY,
    PUBLISH_DAY,
    client_for,
    ok,
    world,  # noqa: F401  (the fixture)
)
from workflows import clock, services
from workflows.models import HistoryAction, HistoryEvent, HumanTask
from workspace.batch import MAX_BATCH, batchable

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]
OPINION = "经审核，同意给予嘉奖"


def _nominated(count, *, reviewed=True):
    cases = []
    for index in range(count):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[index])))
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
        if reviewed:
            services.complete_task(
                person("ls_sh"), task_of(case, "Task_review").pk, action="approve", data=review_data(), opinion="同意公示"
            )
        cases.append(refresh(case))
    return cases


def at_approval(count=3):
    """``count`` cases of 琴台街道 waiting at 审批 for the county approver (ls_sp)."""
    cases = _nominated(count)
    with clock.frozen_at(PUBLISH_DAY):
        desk.publish_notice(person("ls_gs"), [task_of(c, "Task_publish").pk for c in cases], contact="鲁山县委组织部")
    services.fire_due_timers(now=AFTER_NOTICE)
    return [refresh(c) for c in cases]


def web(username):
    client = Client()
    client.force_login(person(username))
    return client


def approvals(case):
    return HistoryEvent.objects.filter(instance=case, task_name__isnull=False, action=HistoryAction.COMPLETE, opinion=OPINION)


def test_only_steps_that_need_nothing_but_an_opinion_are_batchable():
    assert batchable("merit_citation", "Task_approve")  # 同意 / 不同意, an opinion only
    assert not batchable("merit_citation", "Task_review")  # the deed summary
    assert not batchable("merit_citation", "Task_integrity")  # the integrity opinion
    assert not batchable("merit_citation", "Task_nominate")


def test_web_three_tasks_of_one_step_one_taken_meanwhile_is_reported_the_others_approved():
    cases = at_approval(3)
    tasks = [task_of(c, "Task_approve") for c in cases]
    client = web("ls_sp")
    with clock.frozen_at(APPROVAL_DAY):
        page = client.get("/").content.decode()
        for task in tasks:
            assert f'name="tasks" value="{task.pk}"' in page
        assert "批量同意" in page
        # Someone completes the second one before the batch arrives.
        services.complete_task(person("ls_sp"), tasks[1].pk, action="approve", opinion="同意")
        response = client.post("/workbench/batch/", {"tasks": [t.pk for t in tasks], "opinion": OPINION}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert "已批量办理 2 件" in text
    assert f"{cases[1].business_key} 未办理：该任务已被他人处理或流程已变化" in text
    for index in (0, 2):
        assert not HumanTask.objects.filter(pk=tasks[index].pk).exists()
        assert approvals(cases[index]).count() == 1
        assert refresh(cases[index]).outcome == "End_awarded"
    assert not approvals(cases[1]).exists()


def test_web_steps_that_need_more_than_an_opinion_are_not_selectable():
    cases = _nominated(1, reviewed=False)
    page = web("ls_sh").get("/").content.decode()
    assert task_of(cases[0], "Task_review").name in page
    assert 'name="tasks"' not in page
    response = web("ls_sh").post("/workbench/batch/", {"tasks": [task_of(cases[0], "Task_review").pk], "opinion": "同意"}, follow=True)
    assert "此环节须逐件办理" in response.content.decode()
    assert HumanTask.objects.filter(pk=task_of(cases[0], "Task_review").pk).exists()


def test_web_mixed_steps_and_too_many_tasks_are_refused_as_a_whole():
    cases = at_approval(2)
    review_case = _nominated(3, reviewed=False)[2]
    approve = task_of(cases[0], "Task_approve").pk
    with clock.frozen_at(APPROVAL_DAY):
        # The county reviewer sees both cases (reviewed one, has the other in the inbox).
        mixed_ids = [approve, task_of(review_case, "Task_review").pk]
        mixed = web("ls_sh").post("/workbench/batch/", {"tasks": mixed_ids, "opinion": OPINION}, follow=True)
        assert "只能批量办理同一流程同一环节的任务" in mixed.content.decode()
        many = web("ls_sp").post(
            "/workbench/batch/", {"tasks": [approve, *range(10**6, 10**6 + MAX_BATCH)], "opinion": OPINION}, follow=True
        )
        assert f"一次最多批量办理 {MAX_BATCH} 个任务" in many.content.decode()
    assert HumanTask.objects.filter(pk=approve).exists()
    assert not approvals(cases[0]).exists()


def test_api_batch_complete_reports_each_task():
    cases = at_approval(3)
    tasks = [task_of(c, "Task_approve").pk for c in cases]
    api = client_for("ls_sp")
    with clock.frozen_at(APPROVAL_DAY):
        services.complete_task(person("ls_sp"), tasks[0], action="approve", opinion="同意")
        body = ok(api.post("/api/v1/tasks/batch-complete/", {"tasks": tasks, "action": "approve", "opinion": OPINION}, format="json"))
    assert [r["task"] for r in body] == tasks
    assert body[0]["ok"] is False and body[0]["code"] == "conflict" and body[0]["message"]
    assert body[1] == {"task": tasks[1], "ok": True, "case": cases[1].pk, "business_key": cases[1].business_key}
    assert body[2]["ok"] is True and body[2]["case"] == cases[2].pk
    assert approvals(cases[1]).count() == 1 and approvals(cases[2]).count() == 1
    # A task of a case the caller may not see refuses the whole batch, naming no case.
    with clock.frozen_at(APPROVAL_DAY):
        unseen = client_for("ls_sp").post("/api/v1/tasks/batch-complete/", {"tasks": [tasks[2], 10**9], "opinion": OPINION}, format="json")
    assert unseen.status_code == 400 and "不存在或您无权查看" in unseen.json()["errors"]["tasks"][0]


def test_api_batch_complete_refuses_mixed_steps_unbatchable_steps_and_too_many():
    cases = at_approval(1)
    review_case = _nominated(2, reviewed=False)[1]
    approve, review = task_of(cases[0], "Task_approve").pk, task_of(review_case, "Task_review").pk
    api = client_for("ls_sp")
    with clock.frozen_at(APPROVAL_DAY):
        mixed = client_for("ls_sh").post("/api/v1/tasks/batch-complete/", {"tasks": [approve, review], "opinion": OPINION}, format="json")
        assert mixed.status_code == 400 and mixed.json()["code"] == "validation_error", mixed.json()
        assert "同一环节" in mixed.json()["errors"]["tasks"][0]
        many = api.post("/api/v1/tasks/batch-complete/", {"tasks": list(range(1, MAX_BATCH + 2)), "opinion": OPINION}, format="json")
        assert many.status_code == 400 and f"一次最多批量办理 {MAX_BATCH} 个任务" in many.json()["errors"]["tasks"][0]
        other_action = api.post("/api/v1/tasks/batch-complete/", {"tasks": [approve], "action": "reject"}, format="json")
        assert other_action.status_code == 400 and "action" in other_action.json()["errors"]
    unbatchable = client_for("ls_sh").post("/api/v1/tasks/batch-complete/", {"tasks": [review], "opinion": "同意"}, format="json")
    assert unbatchable.status_code == 400 and "逐件办理" in unbatchable.json()["errors"]["tasks"][0]
    assert HumanTask.objects.filter(pk__in=[approve, review]).count() == 2
