"""Engine runtime acceptance (issue 2): lanes → roles per unit, recusal, timers via the worker,
return, withdraw, conflicts, and the task projection. Every step reloads the instance from the
database: the service functions never keep engine objects between calls."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.errors import ActionNotAllowed, InvalidAction, TaskConflict
from workflows.models import HistoryAction, HistoryEvent, HumanTask, InstanceStatus, ProcessInstance

pytestmark = pytest.mark.django_db

FAR_FUTURE = "2030-01-01T00:00:00+08:00"


@pytest.fixture
def world():
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    people = {
        "nominator": f.user("nominator", (Role.NOMINATOR, tree["township"])),
        "approver": f.user("approver", (Role.APPROVER, tree["county"])),
        "other_approver": f.user("other_approver", (Role.APPROVER, tree["other_county"])),
        "reviewer": f.user("reviewer", (Role.REVIEWER, tree["county"])),
        # holds the role at the city with subordinates: covers the county
        "city_approver": f.user("city_approver", (Role.APPROVER, tree["city"], True)),
        "relative_approver": f.user("relative_approver", (Role.APPROVER, tree["county"])),
    }
    subject = f.cadre("张喆", tree["township"])
    f.relative(subject, f.cadre("李堃", tree["county"], user=people["relative_approver"]))
    return tree, people, subject


def start(world, deadline=FAR_FUTURE):
    tree, people, subject = world
    return services.start_process(
        people["nominator"],
        "test_two_lanes",
        unit=tree["township"],
        subject_cadre=subject,
        data={"approving_unit_id": tree["county"].pk, "approve_deadline": deadline},
    )


def open_task(instance, bpmn_id):
    return HumanTask.objects.get(instance_id=instance.pk, bpmn_id=bpmn_id)


def test_case_runs_start_to_end_with_right_roles_units_and_timer(world):
    tree, people, subject = world
    instance = start(world)
    assert instance.business_key.startswith(f"TTL-{timezone.localdate().year}-")
    assert '"spec"' not in instance.state  # instance-only state; the spec lives on the definition

    submit = open_task(instance, "Task_submit")
    assert (submit.role, submit.unit) == (Role.NOMINATOR, tree["township"])
    with pytest.raises(ActionNotAllowed):
        services.complete_task(people["approver"], submit.pk, data={"deeds": "x"})  # wrong role
    services.complete_task(people["nominator"], submit.pk, data={"deeds": "抗洪抢险"}, opinion="请审批")

    approve = open_task(ProcessInstance.objects.get(pk=instance.pk), "Task_approve")
    assert (approve.role, approve.unit) == (Role.APPROVER, tree["county"])
    assert not HumanTask.objects.filter(instance=instance, bpmn_id="Task_submit").exists()
    with pytest.raises(ActionNotAllowed):
        services.complete_task(people["reviewer"], approve.pk)  # right unit, wrong role
    with pytest.raises(ActionNotAllowed):
        services.complete_task(people["other_approver"], approve.pk)  # right role, wrong unit
    with pytest.raises(ActionNotAllowed, match="回避"):
        services.complete_task(people["relative_approver"], approve.pk)  # DOMAIN.md §9 recusal
    services.complete_task(people["approver"], approve.pk, action="approve", opinion="同意")

    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.WAITING
    assert not instance.tasks.exists()  # the boundary timer branch was cancelled with the task
    assert instance.next_timer_due is not None
    assert timezone.now() + datetime.timedelta(hours=23) < instance.next_timer_due < timezone.now() + datetime.timedelta(hours=25)

    call_command("run_worker", "--once")  # not due yet
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.WAITING
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    call_command("run_worker", "--once", "--now", later)

    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.next_timer_due is None and instance.completed_at is not None
    actions = list(instance.history.values_list("action", flat=True))
    assert actions == [HistoryAction.START, HistoryAction.COMPLETE, HistoryAction.COMPLETE, HistoryAction.TIMER]
    opinions = list(instance.history.filter(action=HistoryAction.COMPLETE).values_list("actor__username", "opinion"))
    assert opinions == [("nominator", "请审批"), ("approver", "同意")]


def test_grant_covering_subordinates_reaches_the_county_task_and_the_inbox(world):
    tree, people, subject = world
    instance = start(world)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    approve = open_task(instance, "Task_approve")
    inbox = lambda who: set(services_inbox(who).values_list("pk", flat=True))  # noqa: E731
    assert approve.pk in inbox(people["city_approver"])
    assert approve.pk in inbox(people["approver"])
    assert approve.pk not in inbox(people["other_approver"])
    assert approve.pk not in inbox(people["relative_approver"])  # recused cases are not offered
    assert approve.pk not in inbox(people["reviewer"])
    services.complete_task(people["city_approver"], approve.pk)
    assert ProcessInstance.objects.get(pk=instance.pk).status == InstanceStatus.WAITING


def services_inbox(user):
    return HumanTask.objects.inbox_for(user)


def test_nominator_may_not_approve_their_own_case(world):
    tree, people, subject = world
    from permissions.models import Grant

    Grant.objects.create(user=people["nominator"], role=Role.APPROVER, unit=tree["county"])
    instance = start(world)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    with pytest.raises(ActionNotAllowed, match="推荐人"):  # DOMAIN.md §9 separation of duties
        services.complete_task(people["nominator"], open_task(instance, "Task_approve").pk)


def test_start_refused_for_wrong_role_or_unit(world):
    tree, people, subject = world
    with pytest.raises(ActionNotAllowed):
        services.start_process(people["approver"], "test_two_lanes", unit=tree["township"], subject_cadre=subject)
    with pytest.raises(ActionNotAllowed):
        services.start_process(people["nominator"], "test_two_lanes", unit=tree["other_township"])
    assert not ProcessInstance.objects.exists()


def test_boundary_timer_removes_the_interrupted_task(world):
    tree, people, subject = world
    deadline = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    instance = start(world, deadline=deadline)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    assert open_task(instance, "Task_approve")
    assert ProcessInstance.objects.get(pk=instance.pk).next_timer_due is not None

    fired = services.fire_due_timers(now=timezone.now() + datetime.timedelta(hours=2))
    assert fired == 1
    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.COMPLETED
    assert not instance.tasks.exists()


def test_second_completion_of_the_same_task_is_a_conflict(world):
    tree, people, subject = world
    instance = start(world)
    submit = open_task(instance, "Task_submit")
    services.complete_task(people["nominator"], submit.pk)
    with pytest.raises(TaskConflict):
        services.complete_task(people["nominator"], submit.pk)
    assert HistoryEvent.objects.filter(instance=instance, action=HistoryAction.COMPLETE).count() == 1


def test_return_sends_the_case_back_with_its_reason(world):
    tree, people, subject = world
    instance = start(world)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk, data={"deeds": "第一稿"})
    approve = open_task(instance, "Task_approve")
    with pytest.raises(InvalidAction):
        services.return_task(people["approver"], approve.pk, to="Task_submit", opinion="")  # reason required
    with pytest.raises(InvalidAction):
        services.return_task(people["approver"], approve.pk, to="Task_approve", opinion="x")  # not a named target
    services.return_task(people["approver"], approve.pk, to="Task_submit", opinion="事迹不具体")

    instance = ProcessInstance.objects.get(pk=instance.pk)
    # Returned past a step with a boundary timer, the case runs on (it used to park in error:
    # SpiffWorkflow kept the dropped timer waiting).
    assert instance.status == InstanceStatus.RUNNING and not instance.error_message
    resubmit = open_task(instance, "Task_submit")
    assert resubmit.unit == tree["township"]
    assert not instance.tasks.filter(bpmn_id="Task_approve").exists()
    from workflows import engine

    data = engine.load_workflow(instance.definition, instance.state).get_task_from_id(resubmit.task_uuid).data
    assert data["return_reason"] == "事迹不具体" and data["deeds"] == "第一稿"
    services.complete_task(people["nominator"], resubmit.pk, data={"deeds": "第二稿"})
    assert open_task(instance, "Task_approve")
    assert instance.history.filter(action=HistoryAction.RETURN, opinion="事迹不具体").count() == 1


def test_withdraw_only_before_the_next_step_acts(world):
    tree, people, subject = world
    instance = start(world)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    with pytest.raises(ActionNotAllowed):
        services.withdraw(people["approver"], instance.pk)  # only the starter
    services.withdraw(people["nominator"], instance.pk, opinion="补充材料")
    assert open_task(instance, "Task_submit")
    assert not HumanTask.objects.filter(instance=instance, bpmn_id="Task_approve").exists()

    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    services.claim(people["approver"], open_task(instance, "Task_approve").pk)
    with pytest.raises(InvalidAction):
        services.withdraw(people["nominator"], instance.pk)
    assert open_task(instance, "Task_approve").claimed_by == people["approver"]


def test_claimed_task_is_reserved_for_its_claimant(world):
    tree, people, subject = world
    instance = start(world)
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    approve = open_task(instance, "Task_approve")
    services.claim(people["approver"], approve.pk)
    with pytest.raises(ActionNotAllowed, match="认领"):
        services.complete_task(people["city_approver"], approve.pk)
    with pytest.raises(ActionNotAllowed):
        services.unclaim(people["city_approver"], approve.pk)
    services.unclaim(people["approver"], approve.pk)
    services.complete_task(people["city_approver"], approve.pk)


def test_terminate_is_for_administrators(world):
    tree, people, subject = world
    instance = start(world)
    with pytest.raises(ActionNotAllowed):
        services.terminate(people["nominator"], instance.pk, reason="不再推荐")
    admin = f.user("admin", (Role.ADMIN, tree["city"], True))
    services.terminate(admin, instance.pk, reason="推荐单位申请撤销")
    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert instance.status == InstanceStatus.TERMINATED and not instance.tasks.exists()


def test_history_is_append_only(world):
    instance = start(world)
    event = instance.history.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        instance.history.update(opinion="x")
    with pytest.raises(PermissionError):
        event.delete()


def test_case_visibility_follows_the_units_it_involved(world):
    """Pages and API show a case only to people holding a role on a unit it involved."""
    tree, people, subject = world
    instance = start(world)
    visible = lambda who: ProcessInstance.objects.visible_to(who).filter(pk=instance.pk).exists()  # noqa: E731
    assert visible(people["nominator"]) and not visible(people["approver"])
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    assert visible(people["approver"])  # the county now holds a task of it
    assert visible(people["city_approver"])  # grant on the city with its subordinates
    assert not visible(people["other_approver"])


def test_people_are_notified_when_a_task_reaches_them_and_the_starter_can_remind(world):
    from workflows.models import Notification

    tree, people, subject = world
    instance = start(world)
    assert Notification.objects.filter(user=people["nominator"], instance=instance).exists()
    services.complete_task(people["nominator"], open_task(instance, "Task_submit").pk)
    for name in ("approver", "city_approver", "relative_approver"):
        assert Notification.objects.filter(user=people[name], instance=instance, text__contains="审批").exists()
    assert not Notification.objects.filter(user=people["other_approver"]).exists()
    with pytest.raises(ActionNotAllowed):
        services.remind(people["approver"], instance.pk)
    services.remind(people["nominator"], instance.pk, text="请于本周内办理")
    assert Notification.objects.filter(user=people["approver"], text__contains="催办").exists()


def test_draft_keeps_the_data_without_completing(world):
    from workflows import engine
    from workflows.models import HistoryAction as H

    tree, people, subject = world
    instance = start(world)
    submit = open_task(instance, "Task_submit")
    services.save_draft(people["nominator"], submit.pk, data={"deeds": "草稿"}, opinion="待补充")
    instance = ProcessInstance.objects.get(pk=instance.pk)
    assert open_task(instance, "Task_submit").pk == submit.pk  # still open
    data = engine.load_workflow(instance.definition, instance.state).get_task_from_id(submit.task_uuid).data
    assert data["deeds"] == "草稿" and data["draft_opinion"] == "待补充"
    assert instance.history.filter(action=H.DRAFT).count() == 1
    with pytest.raises(ActionNotAllowed):
        services.save_draft(people["approver"], submit.pk, data={"deeds": "x"})


def test_nobody_starts_a_case_about_themselves_or_a_relative(world):
    """DOMAIN.md §9 recusal applies from the first step."""
    tree, people, subject = world
    me = f.cadre("钱某", tree["township"], user=people["nominator"])
    relative = f.cadre("赵某", tree["township"])
    f.relative(me, relative)
    for who in (me, relative):
        with pytest.raises(ActionNotAllowed, match="本人或亲属"):
            services.start_process(people["nominator"], "test_two_lanes", unit=tree["township"], subject_cadre=who)
    assert not ProcessInstance.objects.exists()


def test_remind_is_limited_to_once_an_hour(world):
    tree, people, subject = world
    instance = start(world)
    services.remind(people["nominator"], instance.pk)
    with pytest.raises(InvalidAction, match="催办"):
        services.remind(people["nominator"], instance.pk)


def test_separation_of_duties_does_not_bind_a_starter_who_judges(world):
    """DOMAIN.md §9 [default] is about the person who nominated: when a judging role starts the
    process (an organisation department opening a round), it may act in its own lanes."""
    from permissions.policy import duty_refusal

    tree, people, subject = world
    instance = start(world)
    assert duty_refusal(people["nominator"], Role.APPROVER, instance)
    instance.definition.start_role = Role.REVIEWER
    assert duty_refusal(people["nominator"], Role.APPROVER, instance) is None
