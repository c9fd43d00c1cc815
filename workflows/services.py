"""The one door for state changes.

Every function here runs in one transaction, locks the instance row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite writers are serialised and the version check below catches a stale
writer), changes the engine state, re-projects the human-task table and appends history.
The web pages, the API, the worker and the tests all call these functions.
"""

import dataclasses
import datetime
import logging

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from permissions import policy
from permissions.models import Unit
from permissions.roles import Role

from . import chain, clock, engine, forms, notify, prepared, process_types
from .contracts import ENGINE_KEYS
from .errors import ActionNotAllowed, DefinitionNotFound, FormInvalid, InvalidAction, TaskConflict
from .models import (
    BusinessKeySequence,
    CaseUnit,
    CaseUserObjectPermission,
    HistoryAction,
    HistoryEvent,
    HumanTask,
    InstanceStatus,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    TaskCloseReason,
    TaskUserObjectPermission,
)

logger = logging.getLogger(__name__)

# Keys the engine keeps in task data for itself; forms may not overwrite them.
RESERVED_KEYS = ENGINE_KEYS
DEFAULT_UNIT_VARIABLE = "nominating_unit_id"
# A starter may nudge the holders of a step at most this often.
REMIND_INTERVAL = datetime.timedelta(hours=1)


# --------------------------------------------------------------------------- start


def start_process(user, process_id, *, unit, subject_cadre=None, data=None):
    """Start a case of the latest version of ``process_id`` for ``unit``."""
    definition = ProcessDefinition.latest(process_id)
    if definition is None:
        raise DefinitionNotFound(_("流程“%(process)s”尚未部署") % {"process": process_id})
    if not may_start(user, definition, unit):
        raise ActionNotAllowed(
            _("您不具有“%(unit)s”的“%(role)s”角色，不能发起此流程") % {"unit": unit.name, "role": Role(definition.start_role).label}
        )
    if subject_cadre is not None and not subject_cadre.unit.is_within(unit):
        raise InvalidAction(_("只能为本单位的干部发起"))
    if subject_cadre is not None and subject_cadre.pk in policy.related_cadre_ids(user):
        # DOMAIN.md §9: nobody acts on a case about themselves or a listed relative.
        raise ActionNotAllowed(_("不能为本人或亲属发起，请由其他经办人办理"))
    data = _clean_form_data(data)
    with transaction.atomic():
        key = _next_business_key(definition.key_prefix)
        instance = ProcessInstance(
            definition=definition,
            business_key=key,
            nominating_unit=unit,
            subject_cadre=subject_cadre,
            started_by=user,
            state="{}",
        )
        instance.save()
        _involve(instance, {(unit.pk, unit.path)})
        _case_record(instance).started(instance, data, user=user)
        start_data = {
            **data,
            "business_key": key,
            "process_instance_id": instance.pk,
            "nominating_unit_id": unit.pk,
            "subject_cadre_id": subject_cadre.pk if subject_cadre else None,
            "started_by_id": user.pk,
        }
        workflow, error = _advance(
            instance, engine.new_workflow(definition, start_data), rebuild=lambda: engine.new_workflow(definition, start_data)
        )
        _record(instance, user, HistoryAction.START, changed_fields=data)
        _save(instance, workflow, error=error, new=True)
    return instance


def start_and_submit(user, process_id, *, unit, subject_cadre=None, data=None, opinion="", action=None):
    """发起并提交: start a case and complete its first step with ``data`` in one transaction.

    Either both happen or neither: a refused or invalid first step leaves no case behind.
    """
    with transaction.atomic():
        instance = start_process(user, process_id, unit=unit, subject_cadre=subject_cadre)
        first = instance.tasks.order_by("id").first()
        if first is None or first.role not in start_roles(instance.definition, unit):
            raise InvalidAction(_("此流程发起后没有由发起人填写的环节"))
        complete_task(user, first.pk, data=data, opinion=opinion, action=action)
    instance.refresh_from_db()
    return instance


def may_start(user, definition, unit):
    """The start lane's role on ``unit``, or a role the process type adds on another unit for it."""
    if policy.holds_role(user, definition.start_role, unit):
        return True
    process_type = process_types.get(definition.process_id)
    extra = process_type.starters(unit) if process_type else []
    return any(policy.holds_role(user, role, other) for role, other in extra)


def start_roles(definition, unit):
    """The start lane's role and the roles a process type lets start a case for ``unit`` besides it."""
    process_type = process_types.get(definition.process_id)
    return {definition.start_role} | {role for role, _other in (process_type.starters(unit) if process_type else [])}


def _next_business_key(prefix):
    year = timezone.localdate().year
    BusinessKeySequence.objects.get_or_create(prefix=prefix, year=year)
    seq = BusinessKeySequence.objects.select_for_update().get(prefix=prefix, year=year)
    BusinessKeySequence.objects.filter(pk=seq.pk).update(last_value=F("last_value") + 1)
    return f"{prefix}-{year}-{seq.last_value + 1:06d}"


# --------------------------------------------------------------------------- act on tasks


def complete_task(user, task_id, *, data=None, opinion="", action=None, check=None):
    """Complete a ready human task: validate with the step's form, then run the engine.

    ``action`` is one of the step's actions (同意/退回/不同意 …; default: its primary one).
    A 退回 action sends the case back to the first step the diagram names in ``return_to``.
    A delegate (委托) acts for their delegator: the task and the history name both. With
    countersigners to sign after the holder (后加签), the decision is held until they have
    (``workflows.handover``).

    ``check(task, instance)``: the caller's own checks of the request (e.g. the API's field
    types), run under the lock once the policy has let the user act — the caller needs no read of
    the task and the person's grants of its own before this one.
    """
    data = _clean_form_data(data)
    with notify.acting(user), transaction.atomic():
        instance, task = _lock_task(task_id)
        principal = _require_can_act(user, task, instance)
        if check is not None:
            check(task, instance)
        _require_task_free(task)
        _complete_locked(instance, task, user, principal, data=data, opinion=opinion, action=action)
    return instance


def _complete_locked(instance, task, user, principal, *, data, opinion, action, release=False):
    """The completion itself, under the case's lock; ``release``: a held decision (后加签) is
    carried out now that its countersigners have signed."""
    from . import handover

    workflow = engine.load_workflow(instance.definition, instance.state)
    spiff_task = _ready_spiff_task(workflow, task)
    form = forms.form_class_for(instance.definition.process_id, task.bpmn_id)(
        {**data, "opinion": opinion},
        instance=instance,
        task=task,
        user=user,
        task_data=spiff_task.data,
        action=action,
    )
    undeclared = forms.undeclared_fields(form, data)
    if undeclared:
        raise FormInvalid({name: [_("此环节没有该字段")] for name in undeclared})
    if not form.is_valid():
        raise FormInvalid({field: [str(m) for m in messages] for field, messages in form.errors.items()})
    chosen = form.get_action()
    opinion = form.cleaned_data.get("opinion", "")
    behalf = principal if principal is not None and principal.pk != user.pk else None
    if behalf is not None:
        handover.keep_reading(user, instance)  # the delegate may read what they did after the delegation ends
    if chosen.kind == "return":
        back = _return_step(workflow, task, task.return_targets()[0] if task.return_targets() else None, opinion)
        workflow, error = _advance(instance, workflow, back)
        _record(
            instance,
            user,
            HistoryAction.RETURN,
            task=task,
            opinion=opinion,
            changed_fields={"to": task.return_targets()[:1]},
            on_behalf_of=behalf,
        )
        _save(instance, workflow, error=error, acted=(task, user, TaskCloseReason.RETURNED, behalf))
        return
    if not release and handover.hold_for_countersigners(instance, task, user, behalf, data=data, opinion=opinion, action=chosen.code):
        instance.projection = TaskProjection.held_for_countersigners(instance)
        return
    # The case's typed facts first (it may refuse, e.g. a full quota), so that the
    # service tasks after this step read them.
    _case_record(instance).step_submitted(instance, task, form, user=user)
    payload = {**form.task_payload(), "decision": chosen.code, "last_opinion": opinion}

    def step(workflow):
        ready = workflow.get_task_from_id(task.task_uuid)
        ready.data.update(payload)
        ready.run()

    _record(
        instance,
        user,
        HistoryAction.COMPLETE,
        task=task,
        opinion=opinion,
        changed_fields={k: v for k, v in payload.items() if k != "last_opinion"},
        on_behalf_of=behalf,
    )
    workflow, error = _advance(instance, workflow, step)
    _save(instance, workflow, error=error, acted=(task, user, TaskCloseReason.COMPLETED, behalf))


def save_draft(user, task_id, *, data=None, opinion=""):
    """暂存: keep what was typed into an open step without completing it. Fields are checked
    for their type and format only; required ones may still be empty."""
    data = _clean_form_data(data)
    with transaction.atomic():
        instance, task = _lock_task(task_id)
        _require_can_act(user, task, instance)
        workflow = engine.load_workflow(instance.definition, instance.state)
        spiff_task = _ready_spiff_task(workflow, task)
        form = forms.form_class_for(instance.definition.process_id, task.bpmn_id)(
            {**data, "opinion": opinion}, instance=instance, task=task, user=user, task_data=spiff_task.data
        )
        for field in form.fields.values():
            field.required = False
        if not form.is_valid():
            raise FormInvalid({field: [str(m) for m in messages] for field, messages in form.errors.items()})
        # What was typed: an unticked box that was not sent is not something typed.
        draft = {k: v for k, v in form.task_payload().items() if v not in (None, "", []) and not (v is False and k not in data)}
        spiff_task.data.update(draft)
        spiff_task.data["draft_opinion"] = form.cleaned_data.get("opinion", "")
        _record(instance, user, HistoryAction.DRAFT, task=task, changed_fields=draft)
        _save(instance, workflow)
    return instance


def return_task(user, task_id, *, to, opinion):
    """退回: send the case back to an earlier step that the diagram names in ``return_to``."""
    if not (opinion or "").strip():
        raise InvalidAction(_("退回必须填写理由"))
    with notify.acting(user), transaction.atomic():
        instance, task = _lock_task(task_id)
        principal = _require_can_act(user, task, instance)
        _require_task_free(task)
        behalf = principal if principal.pk != user.pk else None
        workflow = engine.load_workflow(instance.definition, instance.state)
        _ready_spiff_task(workflow, task)
        step = _return_step(workflow, task, to, opinion)
        workflow, error = _advance(instance, workflow, step)
        _record(instance, user, HistoryAction.RETURN, task=task, opinion=opinion, changed_fields={"to": to}, on_behalf_of=behalf)
        _save(instance, workflow, error=error, acted=(task, user, TaskCloseReason.RETURNED, behalf))
    return instance


def _return_step(workflow, task, to, opinion):
    """Check a 退回 to ``to`` and return the engine step that performs it."""
    if not to or to not in task.return_targets():
        raise InvalidAction(_("此环节不能退回到“%(step)s”") % {"step": to or "—"})
    target = _latest_completed(workflow, to)
    if target is None:
        raise InvalidAction(_("环节“%(step)s”尚未办理过，不能退回") % {"step": to})
    data = {**target.data, "return_reason": opinion, "returned_from": task.bpmn_id, "returned_from_name": task.name}
    return lambda workflow: engine.reset_to(workflow, target.id, data=data)


def withdraw(user, instance_id, *, opinion=""):
    """撤回: the starter takes back their last step while the next step has not acted on it; the
    holders of the step taken back (its claimant, if claimed) are told."""
    with notify.acting(user), transaction.atomic():
        instance = _lock_instance(instance_id)
        if instance.started_by_id != user.pk:
            raise ActionNotAllowed(_("只有发起人可以撤回"))
        if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
            raise InvalidAction(_("流程已结束，不能撤回"))
        last = (
            instance.history.filter(action__in=[HistoryAction.COMPLETE, HistoryAction.RETURN, HistoryAction.WITHDRAW, HistoryAction.TIMER])
            .order_by("-at", "-id")
            .first()
        )
        if last is None or last.action != HistoryAction.COMPLETE or last.actor_id != user.pk:
            raise InvalidAction(_("下一环节已经办理，不能撤回"))
        if instance.tasks.filter(claimed_by__isnull=False).exclude(claimed_by=user).exists():
            raise InvalidAction(_("下一环节已被认领办理，不能撤回"))
        workflow = engine.load_workflow(instance.definition, instance.state)
        target = _latest_completed(workflow, last.task_bpmn_id)
        if target is None:
            raise InvalidAction(_("下一环节已经办理，不能撤回"))
        taken_back = list(instance.tasks.select_related("unit", "claimed_by"))
        workflow, error = _advance(instance, workflow, lambda workflow: engine.reset_to(workflow, target.id))
        _record(instance, user, HistoryAction.WITHDRAW, opinion=opinion, task_name=last.task_name, task_bpmn_id=last.task_bpmn_id)
        _save(instance, workflow, error=error)
        notify.send(
            [
                (
                    person,
                    _("%(key)s 已由%(who)s撤回，“%(step)s”无需再办理")
                    % {"key": instance.business_key, "who": _person_name(user), "step": t.name}
                    + (_("。撤回理由：%(opinion)s") % {"opinion": opinion} if opinion else ""),
                    None,
                )
                for t in taken_back
                for person in ([t.claimed_by] if t.claimed_by_id else policy.holders_of(t.role, t.unit))
            ],
            instance,
        )
    return instance


def remind(user, instance_id, *, text=""):
    """催办: the starter nudges whoever holds the open steps now (one notice per person)."""
    with notify.acting(user), transaction.atomic():
        instance = _lock_instance(instance_id)
        if instance.started_by_id != user.pk:
            raise ActionNotAllowed(_("只有发起人可以催办"))
        tasks = list(instance.tasks.select_related("unit", "claimed_by"))
        if not tasks:
            raise InvalidAction(_("当前没有待办环节可以催办"))
        last = instance.history.filter(action=HistoryAction.REMIND, actor=user).order_by("-at").first()
        if last is not None and timezone.now() - last.at < REMIND_INTERVAL:
            raise InvalidAction(_("刚刚已催办过，请%(minutes)s分钟后再催办") % {"minutes": int(REMIND_INTERVAL.total_seconds() // 60)})
        steps_of: dict[int, tuple] = {}  # person → (person, the steps they hold), one notice each
        for task in tasks:
            for person in [task.claimed_by] if task.claimed_by_id else policy.holders_of(task.role, task.unit):
                steps_of.setdefault(person.pk, (person, []))[1].append(task.name)
        notify.send(
            [
                (
                    person,
                    _("%(key)s 催办：请尽快办理“%(step)s”。%(text)s")
                    % {"key": instance.business_key, "step": "”“".join(dict.fromkeys(steps)), "text": text},
                    None,
                )
                for person, steps in steps_of.values()
            ],
            instance,
        )
        _record(instance, user, HistoryAction.REMIND, opinion=text, task_name="、".join(t.name for t in tasks)[:200])
        _bump_version(instance)
    return instance


def terminate(user, instance_id, *, reason):
    """Stop a case for good (administrators)."""
    if not (reason or "").strip():
        raise InvalidAction(_("终止流程必须填写理由"))
    with notify.acting(user), transaction.atomic():
        instance = _lock_instance(instance_id)
        if not (user.is_superuser or policy.holds_role(user, Role.ADMIN, instance.nominating_unit)):
            raise ActionNotAllowed(_("只有系统管理员可以终止流程"))
        if instance.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
            raise InvalidAction(_("流程已结束"))
        workflow = engine.load_workflow(instance.definition, instance.state)
        workflow.cancel()
        _record(instance, user, HistoryAction.TERMINATE, opinion=reason)
        _save(instance, workflow, status=InstanceStatus.TERMINATED)
    return instance


def claim(user, task_id):
    with transaction.atomic():
        instance, task = _lock_task(task_id)
        if task.claimed_by_id == user.pk:
            return task
        _require_can_act(user, task, instance)
        HumanTask.objects.filter(pk=task.pk).update(claimed_by=user)
        _record(instance, user, HistoryAction.CLAIM, task=task)
        _bump_version(instance)
    task.claimed_by = user
    return task


def unclaim(user, task_id):
    with transaction.atomic():
        instance, task = _lock_task(task_id)
        if task.claimed_by_id is None:
            return task
        if task.claimed_by_id != user.pk and not user.is_superuser:
            raise ActionNotAllowed(_("只有认领人可以释放任务"))
        HumanTask.objects.filter(pk=task.pk).update(claimed_by=None)
        _record(instance, user, HistoryAction.UNCLAIM, task=task)
        _bump_version(instance)
    task.claimed_by = None
    return task


def deliver_message(user, instance_id, message_name, *, payload=None, note=""):
    """Deliver a BPMN message (e.g. an objection during a notice) if the case is waiting for it.

    Returns True when a waiting message event caught it, False when the case is not waiting for
    that message right now (the caller keeps its own record, e.g. a queued objection)."""
    with transaction.atomic():
        instance = _lock_instance(instance_id)
        if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
            return False
        workflow = engine.load_workflow(instance.definition, instance.state)
        if engine.waiting_message_definition(workflow, message_name) is None:
            return False
        workflow, error = _advance(
            instance,
            workflow,
            lambda workflow: workflow.catch(BpmnEvent(engine.waiting_message_definition(workflow, message_name), payload or {})),
        )
        _record(instance, user, HistoryAction.MESSAGE, task_name=note or message_name, changed_fields=payload or {})
        _save(instance, workflow, error=error)
    return True


# --------------------------------------------------------------------------- timers and errors


def fire_due_timers(now=None, limit=100):
    """Fire the timers due at ``now``; return the number of instances advanced.

    Each instance is handled in its own transaction. On PostgreSQL, rows another worker
    holds are skipped (SKIP LOCKED), so several workers can run side by side.
    """
    now = now or timezone.now()
    fired = 0
    with clock.frozen_at(now if now is not None else None):
        due_ids = list(
            ProcessInstance.objects.filter(next_timer_due__lte=now, status__in=[InstanceStatus.RUNNING, InstanceStatus.WAITING])
            .order_by("next_timer_due")
            .values_list("pk", flat=True)[:limit]
        )
        for instance_id in due_ids:
            with transaction.atomic():
                instance = _lock_instance(instance_id, skip_locked=True)
                if instance is None or instance.next_timer_due is None or instance.next_timer_due > now:
                    continue  # another worker has it, or already fired it
                workflow = engine.load_workflow(instance.definition, instance.state)
                before = engine.waiting_timer_task_ids(workflow)
                workflow, error = _advance(instance, workflow)
                fired_names = [
                    workflow.get_task_from_id(tid).task_spec.bpmn_name or workflow.get_task_from_id(tid).task_spec.bpmn_id
                    for tid in before - engine.waiting_timer_task_ids(workflow)
                ]
                _record(
                    instance, None, HistoryAction.TIMER, task_name="、".join(fired_names)[:200], changed_fields={"now": now.isoformat()}
                )
                _save(instance, workflow, error=error)
                fired += 1
    return fired


def resume_errored(now=None, limit=100, *, force=False):
    """Retry instances in the error state (e.g. after a missing calendar year was added).

    The longest-due first, only those whose ``next_retry_at`` has come (``force``: every errored
    case, as an administrator's explicit retry does). A retry that fails again backs off
    exponentially (``retry_delay``); one that succeeds resets the counters (``_save``). Each
    case is retried in its own transaction.
    """
    resumed = 0
    with clock.frozen_at(now):
        moment = clock.now()
        due = ProcessInstance.objects.filter(status=InstanceStatus.ERROR)
        if not force:
            due = due.filter(Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=moment))
        ids = list(due.order_by(F("next_retry_at").asc(nulls_first=True), "created_at", "pk").values_list("pk", flat=True)[:limit])
        for instance_id in ids:
            with transaction.atomic():
                instance = _lock_instance(instance_id, skip_locked=True)
                if instance is None or instance.status != InstanceStatus.ERROR:
                    continue
                if not force and instance.next_retry_at is not None and instance.next_retry_at > moment:
                    continue  # another worker retried it meanwhile
                workflow = engine.load_workflow(instance.definition, instance.state)
                workflow, error = _advance(instance, workflow, engine.retry_failed_steps)
                if error:
                    # Still failing: the engine's writes were rolled back; only the backoff moves.
                    count = instance.retry_count + 1
                    ProcessInstance.objects.filter(pk=instance.pk).update(retry_count=count, next_retry_at=moment + retry_delay(count))
                    continue
                _record(instance, None, HistoryAction.RESUME)
                _save(instance, workflow)
                resumed += 1
    return resumed


# The first retry of a parked case comes after RETRY_BASE; each failed one doubles the wait, up to RETRY_CAP.
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_CAP = datetime.timedelta(hours=6)


def retry_delay(failed_retries):
    """Wait before the next retry after ``failed_retries`` failed ones: 1 min × 2^n, at most 6 h."""
    return min(RETRY_BASE * (2 ** min(failed_retries, 20)), RETRY_CAP)


# --------------------------------------------------------------------------- internals


def _clean_form_data(data):
    data = dict(data or {})
    clash = RESERVED_KEYS.intersection(data)
    if clash:
        raise InvalidAction(_("表单字段名与系统字段冲突：%(fields)s") % {"fields": "、".join(sorted(clash))})
    return data


def _lock_instance(instance_id, skip_locked=False):
    # The definition row is small (its spec and sources live apart, read by engine.specs_for only
    # when its per-version cache misses).
    qs = ProcessInstance.objects.select_related("definition", "subject_cadre")
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(skip_locked=skip_locked and connection.features.has_select_for_update_skip_locked, of=("self",))
    return qs.filter(pk=instance_id).first() if skip_locked else qs.get(pk=instance_id)


def _lock_task(task_id):
    """Lock the task's case and read the open task with it, in one statement; a task completed
    meanwhile is gone (TaskConflict).

    PostgreSQL locks the case row first, then the task row (the order of ``of``, the order every
    other writer takes them: case, then its tasks), and after waiting for a lock it re-reads both
    rows as committed and re-checks that the task is still open. The statement also says whether
    the task has a 委派 or an unsigned 加签 (``handover.waiting_reason``, ``hold_for_countersigners``
    ask only then); those columns are read as of the statement's start, so when the case changed
    while we waited (its version moved past the one seen at the start: every writer bumps it under
    the lock) the statement is read once more, now holding the locks.
    """
    task = _task_row_locked(task_id)
    if task is not None and task.version_seen != task.instance.version:
        task = _task_row_locked(task_id)
    if task is None:
        raise TaskConflict()
    instance = task.instance
    if task.chain_length is not None:
        instance._chain_head = (task.chain_last_hash, task.chain_length)
    if task.open_in_case == 1:
        # The projection's diff starts from here (``_project_tasks``): the task is the case's only open one.
        instance._open_tasks = {task.task_uuid: task.pk}
    return instance, task


def _task_under_lock(task_id):
    from .models import ChainHead, Countersign, TaskUserObjectPermission

    chain_head = ChainHead.objects.filter(key=Concat(Value(f"{chain.CASE}:"), Cast(OuterRef("instance_id"), CharField())))
    open_tasks = HumanTask.objects.filter(instance_id=OuterRef("instance_id")).order_by().values("instance_id").annotate(n=Count("pk"))
    # The case's unit and starter come along for the action's answer (``TaskProjection``).
    qs = HumanTask.objects.select_related(
        "instance__definition", "instance__subject_cadre", "instance__nominating_unit", "instance__started_by", "unit", "claimed_by"
    ).annotate(
        version_seen=Subquery(ProcessInstance.objects.filter(pk=OuterRef("instance_id")).values("version")),
        delegated_out=Exists(TaskUserObjectPermission.objects.filter(content_object_id=OuterRef("pk"), permission__codename="handle_task")),
        countersigns_unsigned=Exists(Countersign.objects.filter(task_id=OuterRef("pk"), signed_at__isnull=True)),
        open_in_case=Subquery(open_tasks.values("n")),
        chain_last_hash=Subquery(chain_head.values("last_hash")),
        chain_length=Subquery(chain_head.values("length")),
    )
    if connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("instance", "self"))
    return qs.filter(pk=task_id)


# Compiled once per connection: building this queryset cost ~3.5 ms a call, running it ~0.1 ms.
_task_row_locked = prepared.Prepared(_task_under_lock).first


def _require_can_act(user, task, instance):
    """Refuse unless ``user`` may act on the task; return the person they act for (themselves,
    or a delegator of a 委托 in force)."""
    # With the individual task and case grants: the answer to the action shows the case through
    # the same facts (``ProcessInstance.objects.visible_to(facts=)``) instead of reading them again.
    facts = policy.person_facts(user, TaskUserObjectPermission, CaseUserObjectPermission)
    principal, refusal = policy.acting_for(user, task, instance, facts=facts)
    if refusal:
        raise ActionNotAllowed(refusal)
    return principal


def _require_task_free(task, *, allow_before=False):
    """Refuse to complete or return a task that waits for someone else first: a colleague it was
    委派 to, a countersigner before its holder, or the countersigners of a held decision."""
    from . import handover

    reason = handover.waiting_reason(task, allow_before=allow_before)
    if reason:
        raise InvalidAction(reason)


def _ready_spiff_task(workflow, task):
    try:
        spiff_task = workflow.get_task_from_id(task.task_uuid)
    except TaskNotFoundException:  # SpiffWorkflow 3 raises for an id the workflow no longer has
        spiff_task = None
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskConflict()
    return spiff_task


def _latest_completed(workflow, bpmn_id):
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == bpmn_id]
    return max(done, key=lambda t: t.last_state_change) if done else None


def _advance(instance, workflow, step=None, *, rebuild=None):
    """Apply ``step`` (the action's own change: run the user's task, a 退回, a caught message …)
    and run the engine after it; return (workflow, error).

    Failure-safe: the engine runs in a savepoint. When any engine step fails (a script, a DMN,
    a service, a timer expression such as a missing calendar year), both sides go back: the
    savepoint rolls back what the services wrote (a document, its number), and the workflow is
    rebuilt from the committed state (``rebuild``, default: the instance's saved state) with
    ``step`` applied again — so the saved state never marks a service as done whose writes
    were undone. The case is parked in the error state; resuming runs the engine from there.
    The action itself (the user's completion and the case record it wrote) is kept. Nothing is
    copied on the way: the rebuild costs only when a step fails.
    """
    try:
        # No savepoint: the action's own step changes only the in-memory workflow.
        if step is not None:
            step(workflow)
    except Exception as exc:  # noqa: BLE001 - the action's own step failed in the diagram: park, keep it
        logger.warning("engine step failed: %s", exc, exc_info=True)
        return workflow, _error_text(exc)
    savepoint = _SavepointAtFirstStatement()
    try:
        with connection.execute_wrapper(savepoint):
            workflow.refresh_timers()
            workflow.do_engine_steps()
    except Exception as exc:  # noqa: BLE001 - any engine failure must park the case, not lose it
        savepoint.close(exc)
        logger.warning("engine step failed: %s", exc, exc_info=True)
        workflow = rebuild() if rebuild is not None else engine.load_workflow(instance.definition, instance.state)
        if step is not None:
            step(workflow)
        return workflow, _error_text(exc)
    savepoint.close(None)
    return workflow, None


class _SavepointAtFirstStatement:
    """An execute wrapper around the engine steps that opens a savepoint (a nested
    ``transaction.atomic()``) right before their first SQL statement, if they send one.

    The savepoint undoes what the service tasks wrote when a later step fails, and keeps
    PostgreSQL from refusing every later statement of the transaction. Engine steps that touch no
    database (the gateways and events after a plain human step) need none: SAVEPOINT and RELEASE
    were two of a plain step's statements. Savepoints the services open themselves nest inside
    this one: theirs is sent through the wrapper, after ours.
    """

    def __init__(self):
        self.block = None

    def __call__(self, execute, sql, params, many, context):
        if self.block is None:
            self.block = transaction.atomic()
            self.block.__enter__()  # its own SAVEPOINT comes through here again, with the block set
        return execute(sql, params, many, context)

    def close(self, exc):
        """Release the savepoint, or roll back to it when the steps raised ``exc``."""
        if self.block is not None:
            self.block.__exit__(type(exc) if exc is not None else None, exc, exc.__traceback__ if exc is not None else None)


def _error_text(exc):
    text = str(getattr(exc, "message", None) or exc)
    notes = getattr(exc, "__notes__", None)
    cause = getattr(exc, "exception", None) or exc.__cause__
    if cause is not None and str(cause) not in text:
        text = f"{text}: {cause}"
    if notes:
        text += "\n" + "\n".join(notes)
    return text


def _status_of(workflow, error):
    if error:
        return InstanceStatus.ERROR
    if workflow.is_completed():
        return InstanceStatus.COMPLETED
    return InstanceStatus.RUNNING if engine.ready_user_tasks(workflow) else InstanceStatus.WAITING


def _case_record(instance):
    process_type = process_types.get(instance.definition.process_id)
    return process_type.case_record if process_type else process_types.CaseRecord()


def _save(instance, workflow, *, error=None, status=None, new=False, acted=None):
    """Persist the engine state and re-project the tasks. ``acted``: (task, user, how, on whose
    behalf or None) of the human task this action closed, so its row records who acted."""
    status = status or _status_of(workflow, error)
    was_open = instance.status in (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)
    fields = {
        "state": engine.dump_state(workflow),
        "status": status,
        "next_timer_due": engine.next_timer_due(workflow) if status in (InstanceStatus.RUNNING, InstanceStatus.WAITING) else None,
        "error_message": error or "",
        "completed_at": timezone.now() if status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED) else None,
        "updated_at": timezone.now(),
        "version": instance.version + 1,
        # Parked: the first retry after RETRY_BASE; otherwise (a successful retry included) reset.
        "retry_count": 0,
        "next_retry_at": clock.now() + RETRY_BASE if status == InstanceStatus.ERROR else None,
    }
    if status == InstanceStatus.COMPLETED:
        fields["outcome"], fields["outcome_label"] = engine.reached_end_event(workflow) or ("", "")
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=instance.version).update(**fields)
    if not updated:
        raise TaskConflict()
    for name, value in fields.items():
        setattr(instance, name, value)
    if error:
        _record(instance, None, HistoryAction.ERROR, opinion=error)
    ended = status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
    if ended and (was_open or new):
        _case_record(instance).closed(instance)
    if ended and not new:
        notify.notify(
            [instance.started_by],
            _("%(key)s 已办结：%(outcome)s")
            % {"key": instance.business_key, "outcome": fields.get("outcome_label") or InstanceStatus(status).label},
            instance,
        )
    _project_tasks(instance, workflow if not ended else None, acted=acted)


def _person_name(user):
    return user.get_full_name() or user.get_username()


def _bump_version(instance):
    now = timezone.now()
    updated = ProcessInstance.objects.filter(pk=instance.pk, version=instance.version).update(version=F("version") + 1, updated_at=now)
    if not updated:
        raise TaskConflict()
    instance.version += 1
    instance.updated_at = now


@dataclasses.dataclass(frozen=True)
class TaskProjection:
    """What an action did to a case's open steps, as ``_project_tasks`` left it on the case
    (``instance.projection``): the rows it opened (saved, with their unit), the ids of the steps
    open before that are still open, and the ids it closed; ``held``: the decision waits for its
    countersigners (后加签), so nothing opened or closed. An answer to the action is built from
    this rather than by reading the case's steps back."""

    opened: list
    kept: list
    closed: list
    held: bool = False

    @classmethod
    def held_for_countersigners(cls, instance):
        return cls(opened=[], kept=list(HumanTask.objects.filter(instance=instance).values_list("pk", flat=True)), closed=[], held=True)

    def open_steps(self):
        """The case's open steps after the action, oldest first: those it opened as they are in
        memory (bulk_create gave them their ids); those it kept (a parallel branch) read, when
        there are any."""
        kept = list(HumanTask.objects.filter(pk__in=self.kept).select_related("unit", "claimed_by")) if self.kept else []
        return sorted([*kept, *self.opened], key=lambda task: (task.created_at, task.pk))


def _project_tasks(instance, workflow, acted=None):
    """Re-derive the open human-task rows from the engine state: open new ready tasks, close
    vanished ones (the row stays, with when, by whom and how it closed)."""
    ready = {t.id: t for t in engine.ready_user_tasks(workflow)} if workflow is not None else {}
    existing = instance.__dict__.pop("_open_tasks", None)  # known from the lock (once), or read
    if existing is None:
        existing = dict(HumanTask.objects.filter(instance=instance).values_list("task_uuid", "pk"))
    gone = [pk for uuid, pk in existing.items() if uuid not in ready]
    acted_task, actor, how, behalf = acted or (None, None, "", None)
    acted_pk = acted_task.pk if acted_task is not None else None
    if gone:
        now = timezone.now()
        if acted_pk in gone:
            HumanTask.objects.filter(pk=acted_pk).update(closed_at=now, completed_by=actor, close_reason=how, completed_for=behalf)
        HumanTask.objects.filter(pk__in=[pk for pk in gone if pk != acted_pk]).update(closed_at=now, close_reason=TaskCloseReason.CANCELLED)
        # The 待办 notices of the closed tasks are done, whoever closed them: one UPDATE.
        Notification.objects.filter(task_id__in=gone, read_at__isnull=True).update(read_at=now)
    # The acted step's unit (read with it under the lock) is most often the next step's too.
    known_units = {acted_task.unit_id: acted_task.unit} if acted_task is not None else {}
    new_rows = [_human_task_row(instance, t, known_units) for uuid, t in ready.items() if uuid not in existing]
    instance.projection = TaskProjection(opened=new_rows, kept=[pk for uuid, pk in existing.items() if uuid in ready], closed=gone)
    if new_rows:
        HumanTask.objects.bulk_create(new_rows)
        _involve(instance, {(row.unit_id, row.unit_path) for row in new_rows})
        # One notice per person (not the person acting), however many roles, grants or new
        # steps reach them; it names the (first) task it announces.
        rows_of: dict[int, tuple] = {}
        for row in new_rows:
            for person in policy.holders_of(row.role, row.unit):
                rows_of.setdefault(person.pk, (person, []))[1].append(row)
        entries = []
        for person, rows in rows_of.values():
            text = _("%(key)s 待办：%(step)s") % {"key": instance.business_key, "step": "、".join(dict.fromkeys(r.name for r in rows))}
            if instance.subject_cadre_id:
                text += _("（%(subject)s）") % {"subject": instance.subject_cadre.name}
            entries.append((person, text, rows[0]))
        notify.send(entries, instance)


def _involve(instance, units):
    CaseUnit.objects.bulk_create(
        [
            CaseUnit(
                instance=instance,
                unit_id=unit_id,
                unit_path=path,
                nominating_unit_id=instance.nominating_unit_id,
                case_created_at=instance.created_at,
            )
            for unit_id, path in units
        ],
        ignore_conflicts=True,
    )


def _unit_row(unit_id, known_units):
    """The unit (its id and path) of a new task: from ``known_units`` (id → unit this transaction
    has read), else one query; None for no or an unknown id."""
    if not unit_id:
        return None
    unit = known_units.get(unit_id)
    if unit is None:
        unit = known_units[unit_id] = Unit.objects.filter(pk=unit_id).only("pk", "path", "name", "short_name", "code").first()
    return unit


def _human_task_row(instance, spiff_task, known_units):
    from permissions.roles import role_for_lane

    spec = spiff_task.task_spec
    props = engine.task_properties(spec)
    unit_expression = props.get("unit", DEFAULT_UNIT_VARIABLE)
    unit_id = engine.SCRIPT_ENGINE.evaluate(spiff_task, unit_expression)
    unit = _unit_row(unit_id, known_units)
    if unit is None:
        raise InvalidAction(
            _("环节“%(step)s”找不到办理单位（%(expr)s）") % {"step": spec.bpmn_name or spec.bpmn_id, "expr": unit_expression}
        )
    role = role_for_lane(spec.lane)
    process_type = process_types.get(instance.definition.process_id)
    if process_type and process_type.task_binding:
        role, bound = process_type.task_binding(instance, spec.bpmn_id, role, unit.pk)
        if bound != unit.pk:
            unit = _unit_row(bound, known_units) or unit
    created = timezone.now()
    return HumanTask(
        instance=instance,
        definition_id=instance.definition_id,
        task_uuid=spiff_task.id,
        bpmn_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane or "",
        role=role,
        unit=unit,
        unit_path=unit.path,
        created_at=created,
        due_at=_due_at(props, created),
        return_to=props.get("return_to", ""),
    )


def _due_at(props, created):
    days = props.get("due_working_days")
    if not days:
        return None
    from workdays.calendar import CalendarYearMissing, deadline_at

    try:
        return deadline_at(timezone.localdate(created), int(days))
    except CalendarYearMissing:
        return None  # no due date rather than a wrong one; the calendar page says which year is missing


def _record(instance, actor, action, *, task=None, opinion="", changed_fields=None, task_name="", task_bpmn_id="", on_behalf_of=None):
    """Append a history event to the case's hash chain (``workflows.chain``); the caller holds the
    case's row lock, so the chain's head is only ever contended by the case's own writers."""
    event = HistoryEvent(
        instance=instance,
        actor=actor,
        action=action,
        task_bpmn_id=task.bpmn_id if task else task_bpmn_id,
        task_name=task.name if task else task_name,
        opinion=opinion or "",
        changed_fields=_jsonable(changed_fields or {}),
        on_behalf_of=on_behalf_of,
        # Read the clock now (not the field default bound at import), as auto_now_add did: the time
        # is part of the hashed content, and a frozen or patched clock must reach it.
        at=timezone.now(),
    )
    # The head seen with the task under the lock (or left by this transaction's previous event)
    # saves reading it again; ``chain.append`` checks it is still the head as it moves it.
    instance._chain_head = chain.append(
        event, chain.case_key(instance.pk), chain.history_content, head=instance.__dict__.get("_chain_head")
    )
    event.save(force_insert=True)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
