"""委托, 转办, 委派, 加签 and 抄送 (issue 15 items 1–3) through the one door: who may, what the
inbox shows, what the history records, and that refusals change nothing. DOMAIN.md §9 (recusal,
separation of duties) applies to everyone a task is handed to."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from permissions import policy
from permissions.models import Delegation, Grant
from permissions.roles import Role
from records.models import FamilyMember
from tests.merit_helpers import QT_CLEAN, cadre, load_world, person, refresh, review_data, start_and_nominate, task_of, unit, unit_decides
from workflows import handover, services
from workflows.errors import ActionNotAllowed, InvalidAction
from workflows.models import (
    CaseCopy,
    CaseUserObjectPermission,
    HistoryAction,
    HistoryEvent,
    HumanTask,
    Notification,
    ProcessInstance,
    TaskUserObjectPermission,
)
from workspace import delegations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def world():
    load_world()


def at_review(index=0):
    """A merit case of 琴台街道 waiting at 审核 for 鲁山县委组织部 (ls_sh)."""
    case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[index])))
    services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    return refresh(case)


def second_reviewer():
    """A second reviewer of 鲁山县委组织部, as the demo has for the city (pds_sh2)."""
    user = get_user_model().objects.create_user("ls_sh2", password="x", first_name="第二审核人")
    Grant.objects.create(user=user, unit=unit("HA-PDS-LS-ZZB"), role=Role.REVIEWER)
    Grant.objects.create(user=user, unit=unit("HA-PDS-LS"), role=Role.REVIEWER)
    return user


def inbox_ids(username):
    return set(HumanTask.objects.inbox_for(person(username)).values_list("pk", flat=True))


def review(user, task, **kwargs):
    return services.complete_task(user, task.pk, action="approve", data=review_data(), opinion=kwargs.pop("opinion", "同意公示"), **kwargs)


def events(case, action):
    return list(HistoryEvent.objects.filter(instance=case, action=action).order_by("at", "id"))


# --------------------------------------------------------------------------- 委托


def delegate_review(delegate, **kwargs):
    today = timezone.localdate()
    return delegations.create_delegation(
        person("ls_sh"),
        delegate=delegate.pk,
        starts_on=kwargs.pop("starts_on", today),
        ends_on=today + datetime.timedelta(days=7),
        **kwargs,
    )


def test_a_delegate_sees_the_delegators_tasks_and_acts_for_them_the_history_names_both():
    case = at_review()
    task = task_of(case, "Task_review")
    colleague = person("ls_gs")  # 鲁山县委组织部's publicity officer: no reviewer role of their own
    assert task.pk not in inbox_ids("ls_gs")
    with pytest.raises(ActionNotAllowed):
        review(colleague, task)

    delegate_review(colleague, process_ids=["merit_citation"], reason="外出学习")
    assert task.pk in inbox_ids("ls_gs")
    assert Notification.objects.filter(user=colleague, text__contains="委托您").exists()
    review(person("ls_gs"), task)

    closed = HumanTask.all_objects.get(pk=task.pk)
    assert closed.completed_by == colleague and closed.completed_for == person("ls_sh")
    done = events(case, HistoryAction.COMPLETE)[-1]
    assert done.actor == colleague and done.on_behalf_of == person("ls_sh")
    assert task_of(refresh(case), "Task_publish")  # the case moved on


def test_a_delegation_covers_only_its_processes_and_its_dates_and_ends_early():
    case = at_review()
    task = task_of(case, "Task_review")
    colleague = person("ls_gs")
    other_process = delegate_review(colleague, process_ids=["exceptional_promotion"])
    assert task.pk not in inbox_ids("ls_gs")
    delegations.end_delegation(person("ls_sh"), other_process.pk)
    tomorrow = delegate_review(colleague, starts_on=timezone.localdate() + datetime.timedelta(days=1))
    assert task.pk not in inbox_ids("ls_gs")
    delegations.end_delegation(person("ls_sh"), tomorrow.pk)

    today = delegate_review(colleague)
    assert task.pk in inbox_ids("ls_gs")
    delegations.end_delegation(person("ls_sh"), today.pk)  # back early
    assert task.pk not in inbox_ids("ls_gs")
    with pytest.raises(ActionNotAllowed):
        review(person("ls_gs"), task)
    with pytest.raises(InvalidAction):
        delegations.end_delegation(person("ls_sh"), today.pk)  # already ended


def test_separation_of_duties_and_recusal_apply_to_the_delegate_and_the_delegator():
    case = at_review()
    task = task_of(case, "Task_review")
    # The case's own nominator may not review it, not even for someone else (DOMAIN.md §9).
    delegate_review(person("ls_qt_jbr"))
    assert task.pk not in inbox_ids("ls_qt_jbr")
    with pytest.raises(ActionNotAllowed):
        review(person("ls_qt_jbr"), task)

    # A delegator who must stay out of the case gives the delegate no right to act on it.
    colleague = person("ls_gs")
    delegate_review(colleague)
    reviewer_cadre = person("ls_sh").cadre
    FamilyMember.objects.create(cadre=reviewer_cadre, relation="表弟", name=case.subject_cadre.name, relative_cadre=case.subject_cadre)
    for user in (colleague, person("ls_sh")):
        user.__dict__.pop("_delegations_in_force", None)
    assert task.pk not in inbox_ids("ls_gs")
    with pytest.raises(ActionNotAllowed, match="委托人"):
        review(person("ls_gs"), task)


def test_an_inbox_reads_what_it_needs_of_the_person_in_one_statement(django_assert_num_queries):
    """Grants, 委托 in force, individual task grants and relatives come in one UNION ALL, so the
    delegation features cost a person's inbox no extra round trip (issue 15: inbox p95 not worse)."""
    case = at_review()
    task = task_of(case, "Task_review")
    reviewer = person("ls_sh")
    relative = cadre(QT_CLEAN[1])
    FamilyMember.objects.create(cadre=reviewer.cadre, relation="表弟", name=relative.name, relative_cadre=relative)
    handover.delegate_task(reviewer, task.pk, to=person("ls_gs").pk, note="请核实事迹材料")

    facts = policy.person_facts(person("ls_gs"), TaskUserObjectPermission)
    assert facts.task_ids == [task.pk] and facts.delegation_ids == []
    assert {role for role, *_ in facts.grants} == set(Grant.objects.filter(user=person("ls_gs")).values_list("role", flat=True))
    assert policy.person_facts(person("ls_sh")).relatives == {reviewer.cadre.pk, relative.pk}
    colleague = person("ls_gs")
    with django_assert_num_queries(2):  # the person's facts, then the inbox itself
        assert HumanTask.objects.inbox_for(colleague).filter(pk=task.pk).count() == 1

    delegate_review(person("ls_gs"))
    delegate = person("ls_gs")
    assert policy.person_facts(delegate).delegation_ids == [Delegation.objects.get(delegate=delegate).pk]
    assert delegate.__dict__["_delegations_in_force"][0].delegator == reviewer  # the acting checks ask no more


def test_bad_delegations_are_refused_and_nothing_is_stored():
    today = timezone.localdate()
    sh = person("ls_sh")
    cases = [
        ({"delegate": sh.pk}, "不能委托给自己"),
        ({"delegate": 999999}, "找不到受托人"),
        ({"ends_on": today - datetime.timedelta(days=1), "starts_on": today - datetime.timedelta(days=3)}, "结束日期已过"),
        ({"ends_on": today, "starts_on": today + datetime.timedelta(days=2)}, "结束日期不能早于开始日期"),
        ({"ends_on": today + datetime.timedelta(days=200)}, "最长"),
        ({"process_ids": ["no_such_process"]}, "没有这个流程"),
    ]
    for changes, message in cases:
        values = {"delegate": person("ls_gs").pk, "starts_on": today, "ends_on": today, **changes}
        with pytest.raises(InvalidAction, match=message):
            delegations.create_delegation(sh, **values)
    assert not Delegation.objects.exists()
    someone_else = delegations.create_delegation(person("ls_sp"), delegate=person("ls_gs").pk, starts_on=today, ends_on=today)
    with pytest.raises(ActionNotAllowed):
        delegations.end_delegation(sh, someone_else.pk)


# --------------------------------------------------------------------------- 转办


def test_transfer_gives_the_task_to_another_holder_of_the_role_who_completes_it():
    case = at_review()
    task = task_of(case, "Task_review")
    sh2 = second_reviewer()
    handover.transfer_task(person("ls_sh"), task.pk, to=sh2.username, opinion="本周出差，请代为审核")

    assert HumanTask.objects.get(pk=task.pk).claimed_by == sh2
    assert task.pk not in inbox_ids("ls_sh") and task.pk in inbox_ids("ls_sh2")
    transfer = events(case, HistoryAction.TRANSFER)[-1]
    assert transfer.actor == person("ls_sh") and transfer.changed_fields["to_id"] == sh2.pk
    assert Notification.objects.filter(user=sh2, task_id=task.pk, text__contains="转办给您").exists()
    with pytest.raises(ActionNotAllowed):
        review(person("ls_sh"), task)
    review(sh2, task)
    assert HumanTask.all_objects.get(pk=task.pk).completed_by == sh2


def test_transfer_to_someone_without_the_role_or_to_oneself_changes_nothing():
    case = at_review()
    task = task_of(case, "Task_review")
    version = case.version
    for target, message in ((person("ls_gs"), "不具有"), (person("ls_sh"), "自己"), ("nobody", "找不到")):
        with pytest.raises(InvalidAction, match=message):
            handover.transfer_task(person("ls_sh"), task.pk, to=getattr(target, "username", target))
    assert HumanTask.objects.get(pk=task.pk).claimed_by is None
    assert refresh(case).version == version and not events(case, HistoryAction.TRANSFER)
    with pytest.raises(ActionNotAllowed):  # only someone who may act on it may transfer it
        handover.transfer_task(person("ls_gs"), task.pk, to="ls_sh")


# --------------------------------------------------------------------------- 委派


def test_a_delegated_task_goes_to_the_colleague_and_comes_back_with_their_opinion():
    case = at_review()
    task = task_of(case, "Task_review")
    colleague = person("ls_gs")  # works in 鲁山县委组织部, holds no reviewer role
    handover.delegate_task(person("ls_sh"), task.pk, to=colleague.pk, note="请核实事迹材料")
    assert TaskUserObjectPermission.objects.filter(user=colleague, content_object=task, permission__codename="handle_task").exists()
    assert task.pk in inbox_ids("ls_gs")
    with pytest.raises(InvalidAction, match="已委派给"):
        review(person("ls_sh"), task)
    with pytest.raises(ActionNotAllowed):  # the colleague handles it, they do not decide the step
        review(colleague, task)
    with pytest.raises(InvalidAction):
        handover.return_delegated_task(colleague, task.pk, opinion="  ")

    handover.return_delegated_task(colleague, task.pk, opinion="事迹材料已核实无误")
    assert task.pk not in inbox_ids("ls_gs")
    assert events(case, HistoryAction.DELEGATE_RETURN)[-1].opinion == "事迹材料已核实无误"
    assert Notification.objects.filter(user=person("ls_sh"), text__contains="已交回").exists()
    review(person("ls_sh"), task)
    assert task_of(refresh(case), "Task_publish")


def test_delegating_to_someone_outside_the_unit_or_barred_from_the_case_is_refused():
    case = at_review()
    task = task_of(case, "Task_review")
    with pytest.raises(InvalidAction, match="工作人员"):
        handover.delegate_task(person("ls_sh"), task.pk, to="pds_sh")  # another unit
    Grant.objects.create(user=person("ls_qt_jbr"), unit=unit("HA-PDS-LS-ZZB"), role=Role.PUBLICITY_OFFICER)
    with pytest.raises(InvalidAction, match="推荐"):
        handover.delegate_task(person("ls_sh"), task.pk, to="ls_qt_jbr")  # the case's nominator
    assert not TaskUserObjectPermission.objects.exists()
    with pytest.raises(ActionNotAllowed):
        handover.return_delegated_task(person("ls_gs"), task.pk, opinion="没有委派给我")


# --------------------------------------------------------------------------- 加签


def test_a_countersigner_before_the_holder_must_sign_first():
    case = at_review()
    task = task_of(case, "Task_review")
    handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="before", note="请县委书记先阅")
    assert task.pk in inbox_ids("ls_sp")
    with pytest.raises(InvalidAction, match="加签人"):
        review(person("ls_sh"), task)
    handover.countersign(person("ls_sp"), task.pk, opinion="同意", agree=True)
    assert task.pk not in inbox_ids("ls_sp")
    assert events(case, HistoryAction.COUNTERSIGN)[-1].changed_fields == {"agree": True, "position": "before"}
    review(person("ls_sh"), task)
    assert task_of(refresh(case), "Task_publish")


def test_a_countersigner_after_the_holder_holds_the_decision_until_they_agree():
    case = at_review()
    task = task_of(case, "Task_review")
    handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="after")
    assert task.pk not in inbox_ids("ls_sp")  # not their turn yet
    with pytest.raises(ActionNotAllowed):
        handover.countersign(person("ls_sp"), task.pk, opinion="同意")

    review(person("ls_sh"), task, opinion="同意公示，报县委书记加签")
    held = HumanTask.objects.get(pk=task.pk)
    assert held.held_completion["by"] == person("ls_sh").pk and held.closed_at is None
    assert events(case, HistoryAction.HOLD) and events(case, HistoryAction.COMPLETE)[-1].task_bpmn_id != "Task_review"
    assert task.pk in inbox_ids("ls_sp")
    with pytest.raises(InvalidAction, match="等待加签人"):
        review(person("ls_sh"), task)

    handover.countersign(person("ls_sp"), task.pk, opinion="同意", agree=True)
    closed = HumanTask.all_objects.get(pk=task.pk)
    assert closed.closed_at is not None and closed.completed_by == person("ls_sh")
    done = events(case, HistoryAction.COMPLETE)[-1]
    assert done.task_bpmn_id == "Task_review" and done.actor == person("ls_sh") and done.opinion == "同意公示，报县委书记加签"
    assert task_of(refresh(case), "Task_publish")


def test_a_countersigner_after_who_disagrees_gives_the_decision_back():
    case = at_review()
    task = task_of(case, "Task_review")
    handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="after")
    review(person("ls_sh"), task)
    with pytest.raises(InvalidAction, match="意见"):
        handover.countersign(person("ls_sp"), task.pk, opinion="", agree=False)
    handover.countersign(person("ls_sp"), task.pk, opinion="事迹不够突出，请重新研究", agree=False)
    again = HumanTask.objects.get(pk=task.pk)
    assert again.closed_at is None and again.held_completion is None
    assert Notification.objects.filter(user=person("ls_sh"), text__contains="加签不同意").exists()
    review(person("ls_sh"), task, opinion="已补充事迹，同意公示")  # the holder decides again
    assert task_of(refresh(case), "Task_publish")


def test_countersigners_are_checked_like_anyone_acting_on_the_case():
    case = at_review()
    task = task_of(case, "Task_review")
    for signer, message in (("ls_qt_jbr", "推荐"), ("ls_sh", "自己")):
        with pytest.raises(InvalidAction, match=message):
            handover.add_countersigner(person("ls_sh"), task.pk, signer=signer, position="before")
    with pytest.raises(InvalidAction, match="加签位置"):
        handover.add_countersigner(person("ls_sh"), task.pk, signer="ls_sp", position="sideways")
    assert not task.countersigns.exists() and not events(case, HistoryAction.COUNTERSIGN_ADD)


# --------------------------------------------------------------------------- 抄送


def test_cc_gives_read_only_access_a_notice_and_a_read_receipt():
    case = at_review()
    reader = person("pds_sh")  # the city's reviewer: no role on this county case
    assert not ProcessInstance.objects.visible_to(reader).filter(pk=case.pk).exists()
    handover.copy_case(person("ls_sh"), case.pk, recipients=[reader.pk], note="供参阅")

    assert ProcessInstance.objects.visible_to(reader).filter(pk=case.pk).exists()
    assert CaseUserObjectPermission.objects.filter(user=reader, content_object=case, permission__codename="read_case").exists()
    assert Notification.objects.filter(user=reader, instance=case, text__contains="抄送给您").exists()
    assert not set(HumanTask.objects.inbox_for(reader).values_list("pk", flat=True)) & set(case.tasks.values_list("pk", flat=True))
    assert CaseCopy.objects.get(recipient=reader).read_at is None
    assert handover.mark_copy_read(reader, case) == 1 and CaseCopy.objects.get(recipient=reader).read_at is not None
    assert handover.mark_copy_read(reader, case) == 0  # the first reading is the receipt
    with pytest.raises(InvalidAction, match="已抄送"):
        handover.copy_case(person("ls_sh"), case.pk, recipients=[reader.pk])


def test_cc_to_someone_who_must_stay_out_of_the_case_is_refused():
    case = at_review()
    relative = person("pds_sh")
    FamilyMember.objects.create(cadre=relative.cadre, relation="表弟", name=case.subject_cadre.name, relative_cadre=case.subject_cadre)
    with pytest.raises(InvalidAction, match="回避"):
        handover.copy_case(person("ls_sh"), case.pk, recipients=[relative.pk, person("ha_sh").pk])
    assert not CaseCopy.objects.exists() and not CaseUserObjectPermission.objects.exists()
    with pytest.raises(ActionNotAllowed):  # only someone who sees the case may send it on
        handover.copy_case(person("bf_sh"), case.pk, recipients=[person("ha_sh").pk])


# --------------------------------------------------------------------------- records scope (item 10)


def test_a_reviewer_reads_the_records_of_the_units_whose_cases_they_handle():
    from records.models import Cadre

    subject = cadre(QT_CLEAN[0])
    assert not Cadre.objects.visible_to(person("ls_sh")).filter(pk=subject.pk).exists()
    case = at_review()
    assert Cadre.objects.visible_to(person("ls_sh")).filter(pk=subject.pk).exists()
    assert Cadre.objects.visible_to(person("ls_sh")).filter(unit=case.nominating_unit).count() > 1  # the unit's cadres
    assert not Cadre.objects.visible_to(person("bf_sh")).filter(pk=subject.pk).exists()  # another county
    assert not Cadre.objects.visible_to(person("ls_gs")).filter(pk=subject.pk).exists()  # not a judging role
