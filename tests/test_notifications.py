"""Notifications (issue 15 item 11): none for one's own action, one per person per event, a 待办
notice done when its task closes, a 撤回 told to the step's holders, e-mail as a per-user choice.

Uses the test diagram ``tests/bpmn/engine/three_steps_return.bpmn``: 填报 (township nominator) →
初审 → 审核 (county reviewer) → 审批 (county approver).
"""

import pytest
from django.core import mail
from django.urls import reverse

from permissions.roles import Role
from tests import factories as f
from workflows import notify, services
from workflows.models import HumanTask, Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    f.deploy_test_diagrams("engine/three_steps_return.bpmn")
    tree = f.small_tree()
    people = {
        "nominator": f.user("nominator", (Role.NOMINATOR, tree["township"]), (Role.ADMIN, tree["township"]), email="nominator@example.cn"),
        # Two grants that both make the reviewer a holder of the county's 初审 and 审核.
        "reviewer": f.user("reviewer", (Role.REVIEWER, tree["county"]), (Role.REVIEWER, tree["city"], True), email="reviewer@example.cn"),
        "approver": f.user("approver", (Role.APPROVER, tree["county"])),
        "approver2": f.user("approver2", (Role.APPROVER, tree["county"])),
    }
    return tree, people


def start(world):
    tree, people = world
    return services.start_process(
        people["nominator"], "test_three_steps", unit=tree["township"], data={"approving_unit_id": tree["county"].pk}
    )


def open_task(case, bpmn_id):
    return HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id)


def notes(user, case):
    return list(Notification.objects.filter(user=user, instance=case).order_by("id"))


def test_nobody_is_told_of_a_step_that_comes_back_to_themselves(world):
    """The reviewer completes 初审 and holds 审核 next: no 待办 notice for what they just did."""
    _tree, people = world
    case = start(world)
    services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    before = len(notes(people["reviewer"], case))
    services.complete_task(people["reviewer"], open_task(case, "Task_precheck").pk)
    assert open_task(case, "Task_check")  # the step is theirs, in the inbox
    assert len(notes(people["reviewer"], case)) == before


def test_the_starter_who_ends_a_case_is_not_told_it_ended(world):
    """The starter, an administrator of the unit too, terminates their own case: no 已办结 notice to them."""
    _tree, people = world
    case = start(world)
    services.terminate(people["nominator"], case.pk, reason="重复发起")
    assert not [n for n in notes(people["nominator"], case) if "已办结" in n.text]


def test_notices_sent_while_someone_acts_skip_them(world):
    """Service tasks (e.g. issuing the decision the approver just approved) notify through
    ``notify`` while the person acts: the person acting is left out, the others are told."""
    _tree, people = world
    with notify.acting(people["approver"]):
        notify.notify([people["approver"], people["nominator"]], "已印发")
    assert not Notification.objects.filter(user=people["approver"]).exists()
    assert Notification.objects.filter(user=people["nominator"], text="已印发").count() == 1


def test_one_notice_per_person_per_event(world):
    """A person reached through two grants, or listed twice, is told once; a 催办 of several
    steps held by one person is one notice."""
    _tree, people = world
    notify.notify([people["approver"], people["approver"], None], "同一事件")
    assert Notification.objects.filter(user=people["approver"], text="同一事件").count() == 1
    case = start(world)
    services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    todo = [n for n in notes(people["reviewer"], case) if "待办" in n.text]
    assert len(todo) == 1 and todo[0].task_id == open_task(case, "Task_precheck").pk


def test_a_todo_notice_is_done_when_its_task_closes_whoever_closes_it(world):
    """Both approvers are told of 审批; when one of them completes it, the other's notice is marked
    read too; a 退回 closes the notices of the returned step."""
    _tree, people = world
    case = start(world)
    services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    services.complete_task(people["reviewer"], open_task(case, "Task_precheck").pk)
    services.complete_task(people["reviewer"], open_task(case, "Task_check").pk)
    approve = open_task(case, "Task_approve")
    mine, theirs = (Notification.objects.get(user=people[name], task=approve) for name in ("approver", "approver2"))
    assert mine.read_at is None and theirs.read_at is None
    services.return_task(people["approver"], approve.pk, to="Task_check", opinion="请补充材料")
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is not None
    # The reviewer's notice of the step returned to them is open until they act on it.
    check = open_task(case, "Task_check")
    back = Notification.objects.get(user=people["reviewer"], task=check)
    assert back.read_at is None
    services.complete_task(people["reviewer"], check.pk)
    back.refresh_from_db()
    assert back.read_at is not None


def test_the_starters_first_step_notice_is_done_when_they_complete_it(world):
    _tree, people = world
    case = start(world)
    first = Notification.objects.get(user=people["nominator"], task=open_task(case, "Task_submit"))
    services.complete_task(people["nominator"], first.task_id)
    first.refresh_from_db()
    assert first.read_at is not None


def test_a_withdrawal_tells_the_holders_of_the_step_taken_back(world):
    """撤回: the reviewer, who held 初审, is told it was withdrawn and by whom; the 待办 notice is done."""
    _tree, people = world
    case = start(world)
    services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    todo = Notification.objects.get(user=people["reviewer"], task=open_task(case, "Task_precheck"))
    services.withdraw(people["nominator"], case.pk, opinion="材料有误")
    told = [n.text for n in notes(people["reviewer"], case) if "撤回" in n.text]
    assert len(told) == 1 and "nominator" in told[0] and "初审" in told[0] and "材料有误" in told[0]
    todo.refresh_from_db()
    assert todo.read_at is not None
    assert not [n for n in notes(people["nominator"], case) if "撤回" in n.text]  # not the one who withdrew


def test_email_only_for_those_who_chose_it_after_commit(world, django_capture_on_commit_callbacks):
    _tree, people = world
    case = start(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    assert mail.outbox == []  # the reviewer has an address but did not choose e-mail
    NotificationPreference.objects.create(user=people["reviewer"], email=True)
    services.withdraw(people["nominator"], case.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["reviewer@example.cn"]]
    assert "待办" in mail.outbox[0].body


def test_a_failing_mail_server_does_not_fail_the_action(world, django_capture_on_commit_callbacks, monkeypatch):
    _tree, people = world
    NotificationPreference.objects.create(user=people["reviewer"], email=True)
    case = start(world)

    def down(*args, **kwargs):
        raise OSError("connection refused")

    logged = []
    monkeypatch.setattr(notify, "send_mail", down)
    monkeypatch.setattr(notify.logger, "exception", lambda message, *args: logged.append(message % args))
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_task(people["nominator"], open_task(case, "Task_submit").pk)
    assert open_task(case, "Task_precheck")
    assert Notification.objects.filter(user=people["reviewer"], instance=case).exists()
    assert logged == ["notification e-mail to reviewer@example.cn failed"]


def test_the_notifications_page_toggles_email(world, client):
    _tree, people = world
    client.force_login(people["reviewer"])
    page = client.get(reverse("notifications"))
    assert page.status_code == 200 and "电子邮件" in page.content.decode()
    client.post(reverse("notifications"), {"email": "on"})
    assert notify.wants_email(people["reviewer"])
    client.post(reverse("notifications"), {})
    assert not notify.wants_email(people["reviewer"])
