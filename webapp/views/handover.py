"""转办, 委派, 加签, 抄送 and 委托 pages (issue 15 items 1–2): thin callers of
``workflows.handover`` and ``workspace.delegations``; a refusal comes back as a message on the page
it came from and changes nothing."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from permissions.models import Delegation
from workflows import handover
from workflows.errors import ActionNotAllowed, InvalidAction, TaskConflict
from workspace import delegations

from .. import queries


def _on_task(request, case_id, task_id, operation, done, *, back_to_task=False):
    case = queries.case_or_404(request.user, case_id)
    task = case.tasks.filter(pk=task_id).first()
    if task is None:
        messages.warning(request, _("该任务已办理完毕或已不在此环节，以下是案件的当前情况。"))
        return redirect("case", case.pk)
    try:
        operation(task)
    except TaskConflict as exc:
        messages.warning(request, str(exc.message))
        return redirect("case", case.pk)
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except InvalidAction as exc:
        messages.error(request, str(exc.message))
        return redirect("task", case.pk, task.pk)
    messages.success(request, done)
    # After a 加签 its holder goes on with the task (or waits for a countersigner before them).
    return redirect("task", case.pk, task.pk) if back_to_task else redirect("home")


@login_required
@require_POST
def transfer(request, case_id, task_id):
    def operation(task):
        handover.transfer_task(request.user, task.pk, to=request.POST.get("to", ""), opinion=request.POST.get("opinion", ""))

    return _on_task(request, case_id, task_id, operation, _("已转办。"))


@login_required
@require_POST
def delegate(request, case_id, task_id):
    def operation(task):
        handover.delegate_task(request.user, task.pk, to=request.POST.get("to", ""), note=request.POST.get("note", ""))

    return _on_task(request, case_id, task_id, operation, _("已委派，对方交回后请继续办理。"))


@login_required
@require_POST
def delegate_return(request, case_id, task_id):
    def operation(task):
        handover.return_delegated_task(request.user, task.pk, opinion=request.POST.get("opinion", ""))

    return _on_task(request, case_id, task_id, operation, _("已交回委派人。"))


@login_required
@require_POST
def add_countersigner(request, case_id, task_id):
    def operation(task):
        handover.add_countersigner(
            request.user,
            task.pk,
            signer=request.POST.get("signer", ""),
            position=request.POST.get("position", ""),
            note=request.POST.get("note", ""),
        )

    return _on_task(request, case_id, task_id, operation, _("已加签。"), back_to_task=True)


@login_required
@require_POST
def countersign(request, case_id, task_id):
    agree = request.POST.get("agree") != "no"

    def operation(task):
        handover.countersign(request.user, task.pk, opinion=request.POST.get("opinion", ""), agree=agree)

    return _on_task(request, case_id, task_id, operation, _("已签署加签意见。"))


@login_required
@require_POST
def copy_case(request, case_id):
    case = queries.case_or_404(request.user, case_id)
    recipients = [value for value in request.POST.getlist("recipients") if value.strip()]
    recipients += [name for name in request.POST.get("recipients_text", "").replace("，", ",").split(",") if name.strip()]
    try:
        sent = handover.copy_case(request.user, case.pk, recipients=recipients, note=request.POST.get("note", ""))
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except InvalidAction as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已抄送：%(names)s") % {"names": "、".join(p.get_full_name() or p.username for p in sent)})
    return redirect("case", case.pk)


# --------------------------------------------------------------------------- 委托


def _date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


@login_required
def delegations_page(request):
    """委托: the delegations a person gave and received; set one up; end one early."""
    user = request.user
    values = {}
    if request.method == "POST":
        values = {
            "delegate": request.POST.get("delegate", ""),
            "starts_on": request.POST.get("starts_on", ""),
            "ends_on": request.POST.get("ends_on", ""),
            "process_ids": request.POST.getlist("process_ids"),
            "reason": request.POST.get("reason", ""),
        }
        delegate = queries.person_named(values["delegate"])
        try:
            delegations.create_delegation(
                user,
                delegate=delegate.pk if delegate else "",
                starts_on=_date(values["starts_on"]),
                ends_on=_date(values["ends_on"]),
                process_ids=values["process_ids"],
                reason=values["reason"],
            )
        except InvalidAction as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已委托%(name)s代为办理。") % {"name": delegate.get_full_name() or delegate.username})
            return redirect("delegations")
    rows = list(delegations.delegations_of(user).order_by("-starts_on", "-id"))
    today = datetime.date.today()
    processes = dict(queries.process_choices())
    for row in rows:
        row.in_force = row.ended_at is None and row.starts_on <= today <= row.ends_on
        row.can_end = row.ended_at is None and row.ends_on >= today
        row.process_names = "、".join(processes.get(p, p) for p in row.process_ids) or _("全部流程")
    return render(
        request,
        "webapp/delegations.html",
        {
            "given": [r for r in rows if r.delegator_id == user.pk],
            "received": [r for r in rows if r.delegate_id == user.pk],
            "people": queries.delegation_candidates(user),
            "processes": sorted(processes.items(), key=lambda item: item[1]),
            "values": values,
            "today": today.isoformat(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def end_delegation(request, pk):
    if not Delegation.objects.filter(pk=pk).exists():
        raise PermissionDenied(_("这不是您的委托"))
    try:
        delegations.end_delegation(request.user, pk)
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except InvalidAction as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("委托已结束。"))
    return redirect("delegations")
