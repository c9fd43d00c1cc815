"""The service door's guards and records at the start of a case (issue 12 "Tests that bite" on
``workflows/services.py``; DOMAIN.md §9 and PRODUCT.md "One door for state changes").

Uses the two-lane test diagram (填报 on the nominating unit, 审批 on ``approving_unit_id``).
"""

import pytest

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.errors import ActionNotAllowed, DefinitionNotFound, InvalidAction
from workflows.models import CaseUnit, HistoryAction, HumanTask, Notification, ProcessInstance

pytestmark = pytest.mark.django_db
DATA = {"approve_deadline": "2030-01-01T00:00:00+08:00"}


@pytest.fixture
def world():
    f.deploy_test_diagrams("engine/two_lanes_timer.bpmn")
    tree = f.small_tree()
    nominator = f.user("nominator", (Role.NOMINATOR, tree["township"]))
    return tree, nominator


def start(world, **kwargs):
    tree, nominator = world
    return services.start_process(
        nominator, "test_two_lanes", unit=tree["township"], data={**DATA, "approving_unit_id": tree["county"].pk}, **kwargs
    )


def test_an_undeployed_process_is_refused_as_not_found(world):
    """PRODUCT.md "One door": starting a process that is not deployed answers 'not deployed', and leaves nothing."""
    tree, nominator = world
    with pytest.raises(DefinitionNotFound, match="尚未部署"):
        services.start_process(nominator, "no_such_process", unit=tree["township"])
    assert not ProcessInstance.objects.exists()


def test_a_case_only_for_a_cadre_of_the_unit(world):
    """DOMAIN.md §1.3 step 1 "The nominating unit proposes": a unit nominates its own cadres (and
    those of units below it), not another unit's."""
    tree, _nominator = world
    with pytest.raises(InvalidAction, match="只能为本单位的干部发起"):
        start(world, subject_cadre=f.cadre("外单位干部", tree["other_township"]))
    with pytest.raises(InvalidAction, match="只能为本单位的干部发起"):
        start(world, subject_cadre=f.cadre("上级干部", tree["county"]))
    assert not ProcessInstance.objects.exists()
    assert start(world, subject_cadre=f.cadre("本单位干部", tree["township"])).subject_cadre.name == "本单位干部"


def test_a_case_without_a_subject(world):
    """DOMAIN.md §9 recusal applies only when the case is about someone: a case with no subject
    starts for anyone holding the start role, and its notices name no one."""
    tree, nominator = world
    me = f.cadre("钱某", tree["township"], user=nominator)
    f.relative(me, f.cadre("孙某", tree["township"]))
    case = start(world)
    assert case.subject_cadre is None
    texts = list(Notification.objects.filter(user=nominator, instance=case).values_list("text", flat=True))
    assert texts and all("（" not in text for text in texts)


def test_the_start_is_recorded_and_the_nominating_unit_involved(world):
    """DOMAIN.md §9 "Every action is attributed to a named person": the start is in the history with
    who and the data given; the case is listed at once to the nominating unit's other holders."""
    tree, nominator = world
    case = start(world, subject_cadre=f.cadre("张喆", tree["township"]))
    event = case.history.get()
    assert (event.action, event.actor, event.changed_fields) == (
        HistoryAction.START,
        nominator,
        {**DATA, "approving_unit_id": tree["county"].pk},
    )
    assert list(CaseUnit.objects.filter(instance=case).values_list("unit", flat=True)) == [tree["township"].pk]
    colleague = f.user("colleague", (Role.UNIT_LEADER, tree["township"]))
    assert ProcessInstance.objects.visible_to(colleague).filter(pk=case.pk).exists()
    assert HumanTask.objects.get(instance=case).unit == tree["township"]


def test_nobody_starts_for_a_relative_listed_on_either_record(world):
    """DOMAIN.md §9: nobody acts on a case about a listed relative, from the first step."""
    tree, nominator = world
    me = f.cadre("钱某", tree["township"], user=nominator)
    cousin = f.cadre("钱表亲", tree["township"])
    f.relative(cousin, me, relation="表兄弟")
    with pytest.raises(ActionNotAllowed, match="本人或亲属"):
        start(world, subject_cadre=cousin)
    assert not ProcessInstance.objects.exists()


def test_a_field_the_step_does_not_declare_is_refused(world):
    """PRODUCT.md "Typed facts … form fields declared once": a step accepts only its declared
    fields; an unknown one is refused by name and the step stays open."""
    from workflows.errors import FormInvalid

    _tree, nominator = world
    case = start(world)
    submit = HumanTask.objects.get(instance=case, bpmn_id="Task_submit")
    with pytest.raises(FormInvalid) as refused:
        services.complete_task(nominator, submit.pk, data={"deeds": "抗洪", "award_kind": "merit_1"})
    assert refused.value.errors == {"award_kind": ["此环节没有该字段"]}
    assert HumanTask.objects.get(pk=submit.pk).closed_at is None
    services.complete_task(nominator, submit.pk, data={"deeds": "抗洪"})
    assert HumanTask.objects.get(instance=case, bpmn_id="Task_approve")


def test_the_nominating_unit_is_involved_even_when_the_first_step_is_elsewhere(world):
    """PRODUCT.md "Per-unit roles" (a case is listed to the units it involved): the nominating unit
    is involved by the start itself, also when the diagram's first step is bound to another unit."""
    tree, nominator = world
    f.deploy_test_diagrams("engine/first_step_elsewhere.bpmn")
    case = services.start_process(nominator, "test_first_elsewhere", unit=tree["township"], data={"approving_unit_id": tree["county"].pk})
    assert set(CaseUnit.objects.filter(instance=case).values_list("unit", flat=True)) == {tree["township"].pk, tree["county"].pk}
    colleague = f.user("colleague", (Role.UNIT_LEADER, tree["township"]))
    assert ProcessInstance.objects.visible_to(colleague).filter(pk=case.pk).exists()


def test_a_case_that_ends_at_its_start_is_completed_without_an_end_notice(world):
    """PRODUCT.md "see where it stands at any moment": a case that ends during its own start is
    completed at once with its end event; its starter, who is looking at it, gets no 已办结 notice."""
    tree, nominator = world
    f.deploy_test_diagrams("engine/ends_at_start.bpmn")
    case = services.start_process(nominator, "test_ends_at_start", unit=tree["township"])
    assert (case.status, case.outcome) == ("completed", "End_done") and case.completed_at is not None
    assert not Notification.objects.filter(user=nominator, instance=case).exists()


def test_a_completion_is_recorded_without_the_opinion_copy_and_returns_the_case(world):
    """DOMAIN.md §9 "Every action is attributed to a named person, with time and opinion": the
    history keeps the opinion once (as the opinion) and the submitted fields with the decision."""
    _tree, nominator = world
    case = start(world)
    submit = HumanTask.objects.get(instance=case, bpmn_id="Task_submit")
    returned = services.complete_task(nominator, submit.pk, data={"deeds": "抗洪"}, opinion="请审批")
    assert returned.pk == case.pk and returned.tasks.get().bpmn_id == "Task_approve"
    event = case.history.get(action=HistoryAction.COMPLETE)
    assert (event.actor, event.opinion, event.task_bpmn_id) == (nominator, "请审批", "Task_submit")
    assert event.changed_fields == {"deeds": "抗洪", "decision": "submit"}


def test_a_task_row_the_engine_does_not_hold_ready_is_a_conflict(world):
    """PRODUCT.md "The engine state is the truth; the task list is a projection": acting on a task
    row that the engine does not hold ready (a stale row) is a conflict, and changes nothing."""
    from django.utils import timezone

    from workflows.errors import TaskConflict

    tree, nominator = world
    approver = f.user("approver", (Role.APPROVER, tree["county"]))
    case = start(world)
    submitted = HumanTask.objects.get(instance=case, bpmn_id="Task_submit")
    services.complete_task(nominator, submitted.pk)
    stale = HumanTask.objects.create(  # a row for an engine task that is done, not ready
        instance=case,
        definition=case.definition,
        task_uuid=submitted.task_uuid,
        bpmn_id="Task_approve",
        name="审批",
        lane="approver",
        role=Role.APPROVER,
        unit=tree["county"],
        unit_path=tree["county"].path,
        created_at=timezone.now(),
        return_to="Task_submit",
    )
    for act in (
        lambda: services.return_task(approver, stale.pk, to="Task_submit", opinion="退回"),
        lambda: services.complete_task(approver, stale.pk),
    ):
        with pytest.raises(TaskConflict):
            act()
    assert set(ProcessInstance.objects.get(pk=case.pk).tasks.values_list("bpmn_id", flat=True)) == {"Task_approve"}
    assert not case.history.filter(action__in=[HistoryAction.RETURN, HistoryAction.COMPLETE]).exclude(task_bpmn_id="Task_submit").exists()


def test_a_finished_case_cannot_be_withdrawn(world):
    """PRODUCT.md "see where it stands" (撤回 only while the next step has not acted): a terminated
    case stays terminated — its starter cannot take back the last step."""
    from workflows.models import InstanceStatus

    tree, nominator = world
    case = start(world)
    services.complete_task(nominator, HumanTask.objects.get(instance=case, bpmn_id="Task_submit").pk)
    services.terminate(f.user("admin", (Role.ADMIN, tree["township"])), case.pk, reason="撤销推荐")
    with pytest.raises(InvalidAction, match="流程已结束，不能撤回"):
        services.withdraw(nominator, case.pk)
    case = ProcessInstance.objects.get(pk=case.pk)
    assert case.status == InstanceStatus.TERMINATED and not case.tasks.exists()


def test_withdraw_only_the_starters_own_last_step(world):
    """撤回 (PRODUCT.md: OA users expect it): the starter takes back only their own last step — not
    before submitting anything, and not once the next step has acted."""
    tree, nominator = world
    approver = f.user("approver", (Role.APPROVER, tree["county"]))
    case = start(world, subject_cadre=f.cadre("张喆", tree["township"]))
    with pytest.raises(InvalidAction, match="下一环节已经办理"):
        services.withdraw(nominator, case.pk)  # nothing submitted yet
    services.complete_task(nominator, HumanTask.objects.get(instance=case, bpmn_id="Task_submit").pk)
    services.complete_task(approver, HumanTask.objects.get(instance=case, bpmn_id="Task_approve").pk)
    with pytest.raises(InvalidAction, match="下一环节已经办理"):
        services.withdraw(nominator, case.pk)  # the approver acted last
    case = ProcessInstance.objects.get(pk=case.pk)
    assert case.status == "waiting" and not case.tasks.exists()


# --- the rest of the service door: withdraw, remind, terminate, claim, release -----------------
# (PRODUCT.md: every action through one function, audited; the mutation run of workflows/services.py
# found these results and records unchecked.)


def submitted(world):
    tree, nominator = world
    case = start(world)
    services.complete_task(nominator, HumanTask.objects.get(instance=case, bpmn_id="Task_submit").pk)
    return ProcessInstance.objects.get(pk=case.pk)


def test_withdraw_returns_the_case_and_records_it(world):
    """撤回: the starter's last step comes back to them; the history says so."""
    tree, nominator = world
    case = submitted(world)
    returned = services.withdraw(nominator, case.pk, opinion="补充材料")
    assert returned.pk == case.pk and HumanTask.objects.filter(instance=case, bpmn_id="Task_submit").exists()
    event = case.history.get(action=HistoryAction.WITHDRAW)
    assert (event.actor, event.opinion, event.task_bpmn_id) == (nominator, "补充材料", "Task_submit")


def test_withdraw_refuses_a_step_the_engine_no_longer_holds(world, monkeypatch):
    """A history whose last step the engine has no completed task for (e.g. dropped by a 退回
    meanwhile) is refused, and nothing changes."""
    tree, nominator = world
    case = submitted(world)
    monkeypatch.setattr(services, "_latest_completed", lambda workflow, bpmn_id: None)
    before = ProcessInstance.objects.get(pk=case.pk).version
    with pytest.raises(InvalidAction, match="下一环节已经办理"):
        services.withdraw(nominator, case.pk)
    assert ProcessInstance.objects.get(pk=case.pk).version == before
    assert not case.history.filter(action=HistoryAction.WITHDRAW).exists()


def test_remind_needs_an_open_step(world):
    tree, nominator = world
    case = start(world)
    services.terminate(f.user("admin", (Role.ADMIN, tree["township"])), case.pk, reason="撤销推荐")
    with pytest.raises(InvalidAction, match="当前没有待办环节"):
        services.remind(nominator, case.pk)


def test_remind_once_an_interval_and_say_how_long_to_wait(world, monkeypatch):
    """催办 at most once per REMIND_INTERVAL: refused inside it, with the minutes left to wait in
    the message; allowed again exactly when it has passed. Each reminder is a new version."""
    import datetime

    from django.utils import timezone

    tree, nominator = world
    case = submitted(world)
    first = timezone.now()
    moments = iter([first, first + services.REMIND_INTERVAL - datetime.timedelta(seconds=1), first + services.REMIND_INTERVAL])

    def at_next_moment():
        moment = next(moments)
        monkeypatch.setattr(timezone, "now", lambda: moment)  # the history's time stamp too

    at_next_moment()
    assert services.remind(nominator, case.pk, text="请尽快").pk == case.pk
    version = ProcessInstance.objects.get(pk=case.pk).version
    minutes = int(services.REMIND_INTERVAL.total_seconds() // 60)
    at_next_moment()
    with pytest.raises(InvalidAction) as caught:
        services.remind(nominator, case.pk)
    assert f"请{minutes}分钟后再催办" in str(caught.value.message) and minutes == 60
    at_next_moment()
    services.remind(nominator, case.pk)
    assert ProcessInstance.objects.get(pk=case.pk).version == version + 1
    assert case.history.filter(action=HistoryAction.REMIND).count() == 2


def test_terminate_cancels_the_engine_and_records_who_and_why(world):
    from workflows import engine
    from workflows.models import InstanceStatus

    tree, nominator = world
    admin = f.user("admin", (Role.ADMIN, tree["township"]))
    case = submitted(world)
    returned = services.terminate(admin, case.pk, reason="重复推荐")
    assert returned.pk == case.pk
    case = ProcessInstance.objects.get(pk=case.pk)
    assert case.status == InstanceStatus.TERMINATED
    assert engine.load_workflow(case.definition, case.state).is_completed()  # the engine stopped too
    event = case.history.get(action=HistoryAction.TERMINATE)
    assert (event.actor, event.opinion) == (admin, "重复推荐")


def test_claim_and_release_are_checked_recorded_and_versioned(world):
    """认领/释放: only someone who may act claims; each is recorded and bumps the version; both
    return the task as it now stands, and claiming twice is a no-op that returns it."""
    tree, nominator = world
    approver = f.user("approver", (Role.APPROVER, tree["county"]))
    other = f.user("other", (Role.APPROVER, tree["other_county"]))
    case = submitted(world)
    task = HumanTask.objects.get(instance=case, bpmn_id="Task_approve")
    with pytest.raises(ActionNotAllowed):
        services.claim(other, task.pk)
    version = ProcessInstance.objects.get(pk=case.pk).version
    claimed = services.claim(approver, task.pk)
    assert claimed.pk == task.pk and claimed.claimed_by == approver
    assert ProcessInstance.objects.get(pk=case.pk).version == version + 1
    assert services.claim(approver, task.pk).claimed_by == approver  # again: unchanged
    assert case.history.filter(action=HistoryAction.CLAIM, actor=approver).count() == 1
    released = services.unclaim(approver, task.pk)
    assert released.pk == task.pk and released.claimed_by is None
    assert ProcessInstance.objects.get(pk=case.pk).version == version + 2
    assert case.history.filter(action=HistoryAction.UNCLAIM, actor=approver).count() == 1
    assert services.unclaim(approver, task.pk).pk == task.pk  # nobody holds it: unchanged
