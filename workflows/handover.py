"""Handing a task or a case to someone else (issue 15 item 2): 转办, 委派, 加签 and 抄送.

The same door as ``workflows.services``: each function runs in one transaction under the case's
row lock, checks the policy, changes the rows, appends the history event and notifies — the
web pages and the API call these functions. What one person may do on one task or case beyond
their roles is a django-guardian object permission (``TaskUserObjectPermission`` /
``CaseUserObjectPermission``), which the inbox and the case visibility query read:

* 转办 (transfer): the task is claimed for another holder of its role on its unit. They hold the
  role already, so no individual grant is needed; they act as themselves.
* 委派 (delegate a task): a colleague of the task's unit gets ``handle_task`` on it, writes their
  handling opinion and gives it back (委派交回); the holder then completes the step. Meanwhile
  the task waits for them and stays claimed by its holder.
* 加签 (countersign): a person gets ``countersign_task`` and must sign (agree or not, with an
  opinion) before the holder may complete (在我之前), or after the holder's decision, which is
  held until they have signed and carried out only if all agreed (在我之后).
* 抄送 (cc): named people get ``read_case`` on the case — read-only access — and a notice; the
  case page records when each first read it (read receipts).
"""

import contextlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from permissions import policy

from . import notify
from .errors import ActionNotAllowed, InvalidAction
from .models import (
    CaseCopy,
    CaseUserObjectPermission,
    Countersign,
    CountersignPosition,
    HistoryAction,
    HumanTask,
    Notification,
    ProcessInstance,
    TaskUserObjectPermission,
)

HANDLE = "workflows.handle_task"
COUNTERSIGN = "workflows.countersign_task"
READ_CASE = "workflows.read_case"
MAX_RECIPIENTS = 50


def _services():
    from . import services  # the one door's internals (lock, record, version); imported late: it imports us

    return services


def _name(user):
    return user.get_full_name() or user.get_username()


def _person(value, field="to"):
    """The active user named by ``value`` (a user, an id or a user name), or a field error."""
    User = get_user_model()
    if isinstance(value, User):
        person = value
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        person = User.objects.filter(pk=int(value)).first()
    elif isinstance(value, str) and value.strip():
        person = User.objects.filter(username=value.strip()).first()
    else:
        person = None
    if person is None or not person.is_active:
        raise InvalidAction(_("找不到该人员或其账号已停用"), field=field)
    return person


@contextlib.contextmanager
def _handing_on(user, task_id, *, allow_before=False):
    """The part every hand-over by the task's holder shares: under the case's lock, the person may
    act on the task (themselves or for a delegator) and it is not waiting for someone else;
    yields (case, task, the person acted for or None), then bumps the case's version."""
    services = _services()
    with notify.acting(user), transaction.atomic():
        instance, task = services._lock_task(task_id)
        principal = services._require_can_act(user, task, instance)
        services._require_task_free(task, allow_before=allow_before)
        yield instance, task, (principal if principal.pk != user.pk else None)
        services._bump_version(instance)


def _not_oneself(target, user, behalf, message, field):
    if target.pk == user.pk or (behalf is not None and target.pk == behalf.pk):
        raise InvalidAction(message, field=field)


# --------------------------------------------------------------------------- 转办


def transfer_task(user, task_id, *, to, opinion=""):
    """转办: give the task to another holder of its role on its unit; it is claimed for them."""
    target = _person(to)
    with _handing_on(user, task_id) as (instance, task, behalf):
        _not_oneself(target, user, behalf, _("不能转办给自己"), "to")
        refusal = policy.holder_refusal(target, task, instance)
        if refusal:
            raise InvalidAction(refusal, field="to")
        HumanTask.objects.filter(pk=task.pk).update(claimed_by=target)
        # The 待办 notices the others had for it are settled: it is the target's now.
        Notification.objects.filter(task_id=task.pk, read_at__isnull=True).update(read_at=timezone.now())
        _services()._record(
            instance,
            user,
            HistoryAction.TRANSFER,
            task=task,
            opinion=opinion,
            changed_fields={"to": _name(target), "to_id": target.pk},
            on_behalf_of=behalf,
        )
        text = _("%(key)s 转办给您：%(step)s（%(who)s转办）") % {"key": instance.business_key, "step": task.name, "who": _name(user)}
        notify.send([(target, text, task)], instance)
    return task


# --------------------------------------------------------------------------- 委派


def delegate_task(user, task_id, *, to, note=""):
    """委派: ask a colleague of the task's unit to handle the task and give it back."""
    target = _person(to)
    with _handing_on(user, task_id) as (instance, task, behalf):
        _not_oneself(target, user, behalf, _("不能委派给自己"), "to")
        if not policy.works_on(target, task.unit):
            raise InvalidAction(_("委派对象须为“%(unit)s”的工作人员") % {"unit": task.unit.name}, field="to")
        refusal = policy.personal_refusal(target, task, instance)
        if refusal:
            raise InvalidAction(refusal, field="to")
        HumanTask.objects.filter(pk=task.pk).update(claimed_by=user)  # it comes back to the one who sent it
        assign_perm(HANDLE, target, task)
        _services()._record(
            instance,
            user,
            HistoryAction.DELEGATE,
            task=task,
            opinion=note,
            changed_fields={"to": _name(target), "to_id": target.pk},
            on_behalf_of=behalf,
        )
        text = _("%(key)s %(who)s委派您办理：%(step)s") % {"key": instance.business_key, "who": _name(user), "step": task.name}
        notify.send([(target, text, task)], instance)
    return task


def return_delegated_task(user, task_id, *, opinion):
    """委派交回: the colleague gives the task back with their handling opinion."""
    services = _services()
    if not (opinion or "").strip():
        raise InvalidAction(_("请填写处理意见"), field="opinion")
    with notify.acting(user), transaction.atomic():
        instance, task = services._lock_task(task_id)
        if not _has(user, "handle_task", task):
            raise ActionNotAllowed(_("此任务没有委派给您"))
        remove_perm(HANDLE, user, task)
        keep_reading(user, instance)
        services._record(instance, user, HistoryAction.DELEGATE_RETURN, task=task, opinion=opinion)
        if task.claimed_by_id:
            notify.send(
                [
                    (
                        task.claimed_by,
                        _("%(key)s %(who)s已交回委派的“%(step)s”，请办理")
                        % {"key": instance.business_key, "who": _name(user), "step": task.name},
                        task,
                    )
                ],
                instance,
            )
        services._bump_version(instance)
    return task


# --------------------------------------------------------------------------- 加签


def add_countersigner(user, task_id, *, signer, position, note=""):
    """加签: ask ``signer`` to sign this step before (``before``) or after (``after``) its holder."""
    person = _person(signer, "signer")
    if position not in CountersignPosition.values:
        raise InvalidAction(_("加签位置应为“在我之前”或“在我之后”"), field="position")
    with _handing_on(user, task_id, allow_before=True) as (instance, task, behalf):
        _not_oneself(person, user, behalf, _("不能给自己加签"), "signer")
        if not person.grants.exists():
            raise InvalidAction(_("%(name)s不担任任何单位的角色，不能加签") % {"name": _name(person)}, field="signer")
        if task.countersigns.filter(signer=person, signed_at__isnull=True).exists():
            raise InvalidAction(_("已给%(name)s加签，尚未签署") % {"name": _name(person)}, field="signer")
        refusal = policy.personal_refusal(person, task, instance)
        if refusal:
            raise InvalidAction(refusal, field="signer")
        Countersign.objects.create(task=task, signer=person, added_by=user, position=position, note=note[:200])
        HumanTask.objects.filter(pk=task.pk).update(claimed_by=user)  # the step waits for its holder
        if position == CountersignPosition.BEFORE:
            # An "after" countersigner is given the task when the holder has decided.
            assign_perm(COUNTERSIGN, person, task)
            _tell_countersigner(person, user, instance, task)
        _services()._record(
            instance,
            user,
            HistoryAction.COUNTERSIGN_ADD,
            task=task,
            opinion=note,
            changed_fields={"signer": _name(person), "signer_id": person.pk, "position": position},
            on_behalf_of=behalf,
        )
    return task


def _tell_countersigner(person, holder, instance, task):
    notify.send(
        [(person, _("%(key)s %(who)s请您加签：%(step)s") % {"key": instance.business_key, "who": _name(holder), "step": task.name}, task)],
        instance,
    )


def hold_for_countersigners(instance, task, user, behalf, *, data, opinion, action):
    """Called by the completion under the case lock: with countersigners after the holder, keep
    the decision and hand the task to them; True when held (the step does not complete now)."""
    if not _may_have(task, "countersigns_unsigned"):
        return False
    after = list(task.countersigns.filter(position=CountersignPosition.AFTER, signed_at__isnull=True).select_related("signer"))
    if not after:
        return False
    services = _services()
    held = {"by": user.pk, "for": behalf.pk if behalf else None, "data": data, "opinion": opinion, "action": action}
    HumanTask.objects.filter(pk=task.pk).update(held_completion=services._jsonable(held))
    services._record(
        instance, user, HistoryAction.HOLD, task=task, opinion=opinion, changed_fields={"action": action, **data}, on_behalf_of=behalf
    )
    for row in after:
        assign_perm(COUNTERSIGN, row.signer, task)
        _tell_countersigner(row.signer, user, instance, task)
    services._bump_version(instance)
    return True


def countersign(user, task_id, *, opinion="", agree=True):
    """加签意见: the countersigner signs, agreeing or not. The last signature after a held decision
    carries it out when everyone agreed; a disagreement gives the decision back to the holder."""
    services = _services()
    if not agree and not (opinion or "").strip():
        raise InvalidAction(_("不同意时须填写意见"), field="opinion")
    with notify.acting(user), transaction.atomic():
        instance, task = services._lock_task(task_id)
        row = task.countersigns.filter(signer=user, signed_at__isnull=True).first()
        if row is None or not _has(user, "countersign_task", task):
            raise ActionNotAllowed(_("此任务没有请您加签，或尚未轮到您签署"))
        refusal = policy.personal_refusal(user, task, instance)
        if refusal:
            raise ActionNotAllowed(refusal)
        Countersign.objects.filter(pk=row.pk).update(signed_at=timezone.now(), agreed=bool(agree), opinion=opinion)
        remove_perm(COUNTERSIGN, user, task)
        keep_reading(user, instance)
        services._record(
            instance,
            user,
            HistoryAction.COUNTERSIGN,
            task=task,
            opinion=opinion,
            changed_fields={"agree": bool(agree), "position": row.position},
        )
        holder = task.claimed_by or row.added_by
        notify.send(
            [
                (
                    holder,
                    (_("%(key)s %(who)s已加签同意：%(step)s") if agree else _("%(key)s %(who)s加签不同意：%(step)s"))
                    % {"key": instance.business_key, "who": _name(user), "step": task.name},
                    task,
                )
            ],
            instance,
        )
        if row.position == CountersignPosition.AFTER and task.held_completion:
            _settle_held(instance, task)
        else:
            services._bump_version(instance)
    return task


def _settle_held(instance, task):
    """After a countersigner of a held decision signed: carry it out when all after them agreed,
    give it back when one did not, wait while some have not signed."""
    services = _services()
    after = task.countersigns.filter(position=CountersignPosition.AFTER)
    if after.filter(signed_at__isnull=True).exists():
        services._bump_version(instance)
        return
    held = task.held_completion
    if after.filter(agreed=False, signed_at__gte=_held_since(task)).exists():
        HumanTask.objects.filter(pk=task.pk).update(held_completion=None)
        services._bump_version(instance)
        return
    User = get_user_model()
    actor = User.objects.get(pk=held["by"])
    principal = User.objects.get(pk=held["for"]) if held.get("for") else actor
    HumanTask.objects.filter(pk=task.pk).update(held_completion=None)
    task.held_completion = None
    services._complete_locked(
        instance, task, actor, principal, data=held["data"], opinion=held["opinion"], action=held["action"], release=True
    )


def _held_since(task):
    event = task.instance.history.filter(action=HistoryAction.HOLD, task_bpmn_id=task.bpmn_id).order_by("-at", "-id").first()
    return event.at if event else task.created_at


def waiting_reason(task, *, allow_before=False):
    """Why the holder may not complete or return the task now, or None."""
    if task.held_completion:
        return _("已提交，等待加签人签署")
    out = (
        TaskUserObjectPermission.objects.filter(content_object_id=task.pk, permission__codename="handle_task")
        .select_related("user")
        .first()
        if _may_have(task, "delegated_out")
        else None
    )
    if out is not None:
        return _("已委派给%(name)s，待其交回后办理") % {"name": _name(out.user)}
    if not allow_before and _may_have(task, "countersigns_unsigned"):
        before = task.countersigns.filter(position=CountersignPosition.BEFORE, signed_at__isnull=True).select_related("signer").first()
        if before is not None:
            return _("须待加签人%(name)s签署后办理") % {"name": _name(before.signer)}
    return None


def _may_have(task, flag):
    """False when the task was read by ``services._lock_task``, which says in the same statement
    that it has no open 委派 (``delegated_out``) or unsigned 加签 (``countersigns_unsigned``);
    True (ask the database) for a task read anywhere else."""
    return getattr(task, flag, True)


def _has(user, codename, task):
    return TaskUserObjectPermission.objects.filter(user=user, content_object_id=task.pk, permission__codename=codename).exists()


# --------------------------------------------------------------------------- 抄送


def copy_case(user, instance_id, *, recipients, note=""):
    """抄送: send the case to named people for their information (read-only access, a notice each,
    read receipts). Someone it was sent to before is not sent it again."""
    services = _services()
    people = [_person(r, "recipients") for r in dict.fromkeys(recipients or [])]
    if not people:
        raise InvalidAction(_("请选择抄送对象"), field="recipients")
    if len(people) > MAX_RECIPIENTS:
        raise InvalidAction(_("一次最多抄送%(n)s人") % {"n": MAX_RECIPIENTS}, field="recipients")
    with notify.acting(user), transaction.atomic():
        instance = services._lock_instance(instance_id)
        if not ProcessInstance.objects.visible_to(user).filter(pk=instance.pk).exists():
            raise ActionNotAllowed(_("您无权查看此案件"))
        if policy.recusal_reason(user, instance):
            raise ActionNotAllowed(policy.recusal_reason(user, instance))
        for person in people:
            if person.pk == user.pk:
                raise InvalidAction(_("不能抄送给自己"), field="recipients")
            if policy.recusal_reason(person, instance):
                raise InvalidAction(_("%(name)s须回避本案（本人或亲属为当事人），不能抄送") % {"name": _name(person)}, field="recipients")
        already = set(instance.copies.values_list("recipient_id", flat=True))
        new = [p for p in people if p.pk not in already]
        if not new:
            raise InvalidAction(_("已抄送给所选人员"), field="recipients")
        CaseCopy.objects.bulk_create([CaseCopy(instance=instance, recipient=p, copied_by=user, note=note[:200]) for p in new])
        assign_perm(READ_CASE, get_user_model().objects.filter(pk__in=[p.pk for p in new]), instance)
        services._record(
            instance, user, HistoryAction.COPY, opinion=note, changed_fields={"to": [_name(p) for p in new], "to_ids": [p.pk for p in new]}
        )
        subject = instance.subject_cadre.name if instance.subject_cadre_id else instance.subject_label
        text = _("%(key)s %(who)s抄送给您：%(process)s") % {
            "key": instance.business_key,
            "who": _name(user),
            "process": instance.definition.name,
        }
        if subject:
            text += _("（%(subject)s）") % {"subject": subject}
        notify.send([(p, text, None) for p in new], instance)
        services._bump_version(instance)
    return new


def keep_reading(user, instance):
    """Whoever took part in a case by an individual grant (a 委派 colleague, a countersigner, a
    delegate acting for someone) may read it afterwards: ``read_case`` on it, as a cc reader."""
    if not CaseUserObjectPermission.objects.filter(user=user, content_object_id=instance.pk, permission__codename="read_case").exists():
        assign_perm(READ_CASE, user, instance)
        policy.forget_facts(user)  # the answer to the action reads the new grant


def mark_copy_read(user, instance):
    """The read receipt: the first time a cc reader opens the case. One UPDATE, nothing when
    there is nothing to mark."""
    return CaseCopy.objects.filter(instance_id=instance.pk, recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def copied_to(user, instance):
    """True when the case was sent to ``user`` (their access is the guardian permission)."""
    return CaseUserObjectPermission.objects.filter(user=user, content_object_id=instance.pk, permission__codename="read_case").exists()
