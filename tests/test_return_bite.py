"""退回 only to the steps the diagram names in ``return_to``, and what the service door records on
the way (issue 12 "Tests that bite": "a case can be sent back to any step"; DOMAIN.md §9 "Every
action is attributed to a named person, with time and opinion (审批意见), and kept").

The test diagram ``tests/bpmn/engine/three_steps_return.bpmn`` runs 填报 → 初审 → 审核 → 审批; 审核
may return to 填报, 审批 to 审核 or 填报 (in that order) — so at 审批 the completed step 初审 exists
but is not named.
"""

import pytest

from permissions.roles import Role
from tests import factories as f
from workflows import engine, services
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.models import HistoryAction, HumanTask, InstanceStatus, Notification, ProcessInstance, TaskCloseReason

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    f.deploy_test_diagrams("engine/three_steps_return.bpmn")
    tree = f.small_tree()
    people = {
        "nominator": f.user("nominator", (Role.NOMINATOR, tree["township"])),
        "reviewer": f.user("reviewer", (Role.REVIEWER, tree["county"])),
        "approver": f.user("approver", (Role.APPROVER, tree["county"])),
        "other_approver": f.user("other_approver", (Role.APPROVER, tree["other_county"])),
    }
    subject = f.cadre("张喆", tree["township"])
    return tree, people, subject


def open_task(case, bpmn_id):
    return HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id)


def data_of(case, bpmn_id):
    case = ProcessInstance.objects.get(pk=case.pk)
    return engine.load_workflow(case.definition, case.state).get_task_from_id(open_task(case, bpmn_id).task_uuid).data


def at_approval(world):
    tree, people, subject = world
    case = services.start_process(
        people["nominator"], "test_three_steps", unit=tree["township"], subject_cadre=subject, data={"approving_unit_id": tree["county"].pk}
    )
    services.complete_task(people["nominator"], open_task(case, "Task_submit").pk, opinion="请审核")
    services.complete_task(people["reviewer"], open_task(case, "Task_precheck").pk, opinion="初审通过")
    services.complete_task(people["reviewer"], open_task(case, "Task_check").pk, opinion="审核通过")
    return case


def test_return_to_a_step_the_diagram_does_not_name_is_refused(world):
    """Issue 12 "return_to enforced": 初审 is done but 审批's return_to does not name it — a 退回
    to it is refused and the case stays where it was, with nothing recorded."""
    _tree, people, _subject = world
    case = at_approval(world)
    approve = open_task(case, "Task_approve")
    for target in ("Task_precheck", "Task_approve", "Task_nowhere", "Task_check, Task_submit", "", None):
        with pytest.raises(InvalidAction, match="不能退回到"):
            services.return_task(people["approver"], approve.pk, to=target, opinion="材料不全")
    assert list(ProcessInstance.objects.get(pk=case.pk).tasks.values_list("bpmn_id", flat=True)) == ["Task_approve"]
    assert not case.history.filter(action=HistoryAction.RETURN).exists()


def test_return_to_the_named_step_sends_the_case_back_with_its_reason(world):
    """DOMAIN.md §9 (who, when, opinion): a 退回 to the named step reopens it on its own unit, with
    the reason and where it came from in its data, and closes the returning task as returned."""
    tree, people, _subject = world
    case = at_approval(world)
    approve = open_task(case, "Task_approve")
    with pytest.raises(InvalidAction, match="理由"):
        services.return_task(people["approver"], approve.pk, to="Task_check", opinion="  ")
    with pytest.raises(ActionNotAllowed):
        services.return_task(people["other_approver"], approve.pk, to="Task_check", opinion="x")
    services.return_task(people["approver"], approve.pk, to="Task_check", opinion="请补充考察材料")

    case = ProcessInstance.objects.get(pk=case.pk)
    check = open_task(case, "Task_check")
    assert list(case.tasks.values_list("bpmn_id", flat=True)) == ["Task_check"] and check.unit == tree["county"]
    data = data_of(case, "Task_check")
    assert (data["return_reason"], data["returned_from"], data["returned_from_name"]) == ("请补充考察材料", "Task_approve", "审批")
    closed = HumanTask.all_objects.get(pk=approve.pk)
    assert (closed.close_reason, closed.completed_by) == (TaskCloseReason.RETURNED, people["approver"])
    event = case.history.get(action=HistoryAction.RETURN)
    assert (event.actor, event.opinion, event.changed_fields, event.task_bpmn_id) == (
        people["approver"],
        "请补充考察材料",
        {"to": "Task_check"},
        "Task_approve",
    )


def test_the_return_action_goes_to_the_first_named_step(world):
    """The 退回 action of a step form (``complete_task(action="return")``) goes to the first step
    ``return_to`` names — for 审批 that is 审核, not 填报; 填报, named second, is reached with
    ``return_task``."""
    _tree, people, _subject = world
    case = at_approval(world)
    services.complete_task(people["approver"], open_task(case, "Task_approve").pk, action="return", opinion="退回审核")
    case = ProcessInstance.objects.get(pk=case.pk)
    assert list(case.tasks.values_list("bpmn_id", flat=True)) == ["Task_check"]
    event = case.history.get(action=HistoryAction.RETURN)
    assert event.changed_fields == {"to": ["Task_check"]} and event.actor == people["approver"]
    assert data_of(case, "Task_check")["return_reason"] == "退回审核"
    # 审核 in turn sends it to 填报, which its return_to names
    services.complete_task(people["reviewer"], open_task(case, "Task_check").pk, action="return", opinion="退回填报")
    assert list(ProcessInstance.objects.get(pk=case.pk).tasks.values_list("bpmn_id", flat=True)) == ["Task_submit"]
    other = at_approval(world)
    services.return_task(people["approver"], open_task(other, "Task_approve").pk, to="Task_submit", opinion="重新填报")
    assert list(ProcessInstance.objects.get(pk=other.pk).tasks.values_list("bpmn_id", flat=True)) == ["Task_submit"]


def test_a_step_without_return_to_has_no_return_action(world):
    """A step the diagram gives no ``return_to`` (填报) cannot be returned anywhere."""
    tree, people, subject = world
    case = services.start_process(
        people["nominator"], "test_three_steps", unit=tree["township"], subject_cadre=subject, data={"approving_unit_id": tree["county"].pk}
    )
    submit = open_task(case, "Task_submit")
    with pytest.raises(FormInvalid):
        services.complete_task(people["nominator"], submit.pk, action="return", opinion="x")
    with pytest.raises(InvalidAction, match="不能退回到"):
        services.return_task(people["nominator"], submit.pk, to="Task_submit", opinion="x")
    assert list(ProcessInstance.objects.get(pk=case.pk).tasks.values_list("bpmn_id", flat=True)) == ["Task_submit"]


def test_who_acted_is_kept_on_the_closed_tasks_and_the_next_holders_are_notified(world):
    """DOMAIN.md §9 "Every action is attributed to a named person … and kept": each closed task
    keeps who completed it; the holders of the next step are told, naming the case's subject."""
    _tree, people, _subject = world
    case = at_approval(world)
    closed = {t.bpmn_id: (t.completed_by, t.close_reason) for t in HumanTask.all_objects.filter(instance=case, closed_at__isnull=False)}
    assert closed == {
        "Task_submit": (people["nominator"], TaskCloseReason.COMPLETED),
        "Task_precheck": (people["reviewer"], TaskCloseReason.COMPLETED),
        "Task_check": (people["reviewer"], TaskCloseReason.COMPLETED),
    }
    told = Notification.objects.filter(user=people["approver"], instance=case).values_list("text", flat=True)
    assert any("审批" in text and "（张喆）" in text for text in told)
    assert not Notification.objects.filter(user=people["other_approver"]).exists()
    services.complete_task(people["approver"], open_task(case, "Task_approve").pk)
    case = ProcessInstance.objects.get(pk=case.pk)
    assert case.status == InstanceStatus.COMPLETED and not case.tasks.exists()
    assert HumanTask.all_objects.get(instance=case, bpmn_id="Task_approve").completed_by == people["approver"]


def test_terminating_closes_open_tasks_as_cancelled(world):
    """DOMAIN.md §9 (kept): a terminated case's open task is closed as cancelled, by nobody."""
    tree, people, _subject = world
    case = at_approval(world)
    admin = f.user("admin", (Role.ADMIN, tree["township"]))
    with pytest.raises(InvalidAction, match="理由"):
        services.terminate(admin, case.pk, reason=" ")
    services.terminate(admin, case.pk, reason="申请撤销")
    task = HumanTask.all_objects.get(instance=case, bpmn_id="Task_approve")
    assert (task.close_reason, task.completed_by) == (TaskCloseReason.CANCELLED, None)
    with pytest.raises(InvalidAction, match="已结束"):
        services.terminate(admin, case.pk, reason="再次终止")


def test_return_answers_and_names_what_it_refuses(world):
    """Issue 12 "return_to enforced": a 退回 returns the case; one to no step names "—"; one to a
    named step the case has not reached (e.g. on a branch not taken) is refused as not yet done."""
    _tree, people, _subject = world
    case = at_approval(world)
    approve = open_task(case, "Task_approve")
    with pytest.raises(InvalidAction, match="不能退回到“—”"):
        services.return_task(people["approver"], approve.pk, to=None, opinion="x")
    HumanTask.objects.filter(pk=approve.pk).update(return_to="Task_check, Task_branch")  # a named step never reached
    with pytest.raises(InvalidAction, match="环节“Task_branch”尚未办理过"):
        services.return_task(people["approver"], approve.pk, to="Task_branch", opinion="x")
    returned = services.return_task(people["approver"], approve.pk, to="Task_check", opinion="补充")
    assert returned.pk == case.pk and list(returned.tasks.values_list("bpmn_id", flat=True)) == ["Task_check"]
