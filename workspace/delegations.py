"""委托 (issue 15 item 1): setting up and ending a delegation — the one door the 委托 page and the
API call. The delegation itself is a ``permissions.models.Delegation`` row, which the policy
reads (``permissions.policy.acting_for`` / ``inbox_filter``); its row is its own record: who,
to whom, which processes, from when to when, and when it was ended early."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.models import Delegation
from workflows import notify
from workflows.errors import ActionNotAllowed, InvalidAction
from workflows.forms import UNSTORABLE_TEXT
from workflows.models import ProcessDefinition

# A delegation covers an absence (leave, training, a mission), not a standing transfer of duties.
MAX_DAYS = 92


def _name(user):
    return user.get_full_name() or user.get_username()


def create_delegation(user, *, delegate, starts_on, ends_on, process_ids=(), reason=""):
    """Let ``delegate`` act on ``user``'s tasks (of ``process_ids``; all when empty) from
    ``starts_on`` to ``ends_on`` inclusive."""
    User = get_user_model()
    person = delegate if isinstance(delegate, User) else User.objects.filter(pk=delegate).first() if str(delegate).isdigit() else None
    if person is None or not person.is_active:
        raise InvalidAction(_("找不到受托人或其账号已停用"), field="delegate")
    if person.pk == user.pk:
        raise InvalidAction(_("不能委托给自己"), field="delegate")
    if not person.grants.exists():
        raise InvalidAction(_("受托人须担任单位角色"), field="delegate")
    if not isinstance(starts_on, datetime.date) or not isinstance(ends_on, datetime.date):
        raise InvalidAction(_("请填写开始和结束日期"), field="starts_on")
    if ends_on < starts_on:
        raise InvalidAction(_("结束日期不能早于开始日期"), field="ends_on")
    if ends_on < timezone.localdate():
        raise InvalidAction(_("结束日期已过"), field="ends_on")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise InvalidAction(_("一次委托最长%(n)s天") % {"n": MAX_DAYS}, field="ends_on")
    process_ids = sorted(set(process_ids or ()))
    known = set(ProcessDefinition.objects.filter(process_id__in=process_ids).values_list("process_id", flat=True))
    if set(process_ids) - known:
        raise InvalidAction(_("没有这个流程：%(ids)s") % {"ids": "、".join(sorted(set(process_ids) - known))}, field="process_ids")
    reason = " ".join(str(reason or "").split())
    if UNSTORABLE_TEXT.search(reason) or len(reason) > 200:
        raise InvalidAction(_("事由不能超过200个字，且不能含有无法保存的字符"), field="reason")
    with notify.acting(user), transaction.atomic():
        delegation = Delegation.objects.create(
            delegator=user, delegate=person, starts_on=starts_on, ends_on=ends_on, process_ids=process_ids, reason=reason
        )
        notify.notify(
            [person],
            _("%(who)s委托您自%(start)s至%(end)s代为办理其待办")
            % {"who": _name(user), "start": starts_on.isoformat(), "end": ends_on.isoformat()},
        )
    return delegation


def end_delegation(user, delegation_id):
    """End a delegation early (its delegator, or the delegate giving it back)."""
    with notify.acting(user), transaction.atomic():
        delegation = Delegation.objects.select_for_update().select_related("delegator", "delegate").filter(pk=delegation_id).first()
        if delegation is None or user.pk not in (delegation.delegator_id, delegation.delegate_id):
            raise ActionNotAllowed(_("这不是您的委托"))
        if delegation.ended_at is not None or delegation.ends_on < timezone.localdate():
            raise InvalidAction(_("该委托已经结束"))
        delegation.ended_at = timezone.now()
        delegation.save(update_fields=["ended_at"])
        other = delegation.delegate if user.pk == delegation.delegator_id else delegation.delegator
        notify.notify(
            [other],
            _("%(who)s已结束委托（%(start)s至%(end)s）")
            % {"who": _name(user), "start": delegation.starts_on.isoformat(), "end": delegation.ends_on.isoformat()},
        )
    return delegation


def delegations_of(user):
    """The delegations a person gave and received, newest first (the 委托 page and the API)."""
    return Delegation.objects.filter(Q(delegator=user) | Q(delegate=user)).select_related("delegator", "delegate")
