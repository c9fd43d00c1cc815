"""What a list of 待办 rows says about each row beyond its step (issue 15 items 1, 2 and 12):
the delegator it is done for (委托), a 委派 or 加签 to the reader, why its holder waits, and a
draft kept by 暂存 — for the workbench page and the API inbox alike."""

from django.utils.translation import gettext as _

from permissions import policy
from workflows.models import Countersign, CountersignPosition, HistoryAction, HistoryEvent, TaskUserObjectPermission


def mark(user, tasks):
    """Mark a page of 待办 rows with what a list must say about them, in three queries whatever
    the page's size: ``on_behalf`` (the delegator a row is done for), ``assignment`` (委派 /
    加签 to this user), ``waiting`` (why its holder must wait), ``draft`` (暂存 since it arrived)."""
    if not tasks:
        return tasks
    delegators = policy.delegators_of(user, tasks)
    ids = [t.pk for t in tasks]
    grants: dict[int, list] = {}
    for task_id, holder_id, codename in TaskUserObjectPermission.objects.filter(content_object_id__in=ids).values_list(
        "content_object_id", "user_id", "permission__codename"
    ):
        grants.setdefault(task_id, []).append((holder_id, codename))
    pending_before = set(
        Countersign.objects.filter(task_id__in=ids, position=CountersignPosition.BEFORE, signed_at__isnull=True).values_list(
            "task_id", flat=True
        )
    )
    drafts = _draft_marks(tasks)
    for task in tasks:
        task.on_behalf = delegators.get(task.pk)
        mine = [codename for holder, codename in grants.get(task.pk, []) if holder == user.pk]
        task.assignment_code = {"handle_task": "handle", "countersign_task": "countersign"}.get(mine[0], "") if mine else ""
        task.assignment = {"handle": _("委派"), "countersign": _("加签")}.get(task.assignment_code, "")
        others = [codename for holder, codename in grants.get(task.pk, []) if holder != user.pk]
        if task.held_completion:
            task.waiting = _("待加签")
        elif "handle_task" in others:
            task.waiting = _("已委派")
        elif task.pk in pending_before:
            task.waiting = _("待加签")
        else:
            task.waiting = ""
        task.draft = task.pk in drafts
        if task.assignment:
            task.batchable = False
    return tasks


def _draft_marks(tasks):
    """Ids of the tasks with something kept by 暂存 since they arrived: a 暂存 on the step, or the
    first step of a case saved as a draft from the start page (its start event carries data)."""
    events = HistoryEvent.objects.filter(
        instance_id__in={t.instance_id for t in tasks}, action__in=[HistoryAction.DRAFT, HistoryAction.START]
    ).values_list("instance_id", "action", "task_bpmn_id", "at", "changed_fields")
    found = set()
    for task in tasks:
        for instance_id, action, bpmn_id, at, fields in events:
            if instance_id != task.instance_id:
                continue
            if action == HistoryAction.DRAFT and bpmn_id == task.bpmn_id and at >= task.created_at:
                found.add(task.pk)
            elif action == HistoryAction.START and fields and abs((at - task.created_at).total_seconds()) < 60:
                found.add(task.pk)  # made in the start's own transaction: the case's first step
    return found
