"""The task page (act on a step) and the case page (follow a case), with their POST actions.

Every POST goes through ``workflows.services`` and ends in a redirect (POST-redirect-GET),
except an invalid form, which is shown again with the messages next to the fields.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents.permissions import downloadable_ids
from notices.desk import PUBLISH_STEP
from permissions import policy
from permissions.roles import Role
from workflows import handover, presenting, process_types, services
from workflows import names as bpmn_names
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction, OutOfScope, TaskConflict
from workflows.models import OPEN_STATUSES, HistoryAction, InstanceStatus, RuleCheck

from .. import diagram as diagrams
from .. import queries
from ..forms import CaseActionForm, TerminateForm
from .common import action_buttons, build_task_form, hidden_fields, submitted_fields, visible_fields


def _step_names(case):
    try:
        return {node_id: node.name for node_id, node in diagrams.diagram_for(case.definition).nodes.items()}
    except Exception:  # noqa: BLE001 - names are a nicety
        return {}


def _conflict_message(user, case):
    """Why a submitted task is gone: the user's own earlier submit (a double click), or someone else."""
    from datetime import timedelta

    from django.utils import timezone

    mine = (
        case.history.filter(
            actor=user, action__in=[HistoryAction.COMPLETE, HistoryAction.RETURN], at__gte=timezone.now() - timedelta(minutes=10)
        )
        .order_by("-at", "-id")
        .first()
    )
    if mine is not None:
        return _("您已办理过“%(step)s”，本次重复提交未作处理。") % {"step": mine.task_name}
    return str(TaskConflict.default_message)


def _task_or_redirect(request, case, task_id, *, posting):
    task = case.tasks.select_related("unit", "claimed_by").filter(pk=task_id).first()
    if task is None:
        if posting:
            messages.warning(request, _conflict_message(request.user, case))
        else:
            messages.info(request, _("该任务已办理完毕或已不在此环节，以下是案件的当前情况。"))
    return task


@login_required
def task_page(request, case_id, task_id):
    user = request.user
    case = queries.case_or_404(user, case_id)
    posting = request.method == "POST"
    task = _task_or_redirect(request, case, task_id, posting=posting)
    if task is None:
        return redirect("case", case.pk)
    # Whether the page offers the form (or lets the POST through to the service, which decides
    # under the lock): the person's grants and relatives as the case's visibility query just read them.
    principal, refusal = policy.acting_for(user, task, case, facts=policy.facts_seen(user))
    data = queries.task_data(case, task)
    process_id = case.definition.process_id
    on_notice_desk = task.bpmn_id == PUBLISH_STEP and queries.has_notice_desk(process_id)
    errors = None
    form_data = None
    status = 200
    if posting:
        if refusal:
            raise PermissionDenied(refusal)
        if on_notice_desk:
            messages.info(request, _("“发布公示”在公示管理页办理：可一次选择多个案件发布一份公示。"))
            return redirect("notices")
        action = request.POST.get("action") or None
        probe = build_task_form(process_id, task.bpmn_id, instance=case, task=task, user=user, task_data=data, action=action)
        form_data = submitted_fields(probe, request.POST)
        opinion = request.POST.get("opinion", "")
        if "attachments" in probe.fields:
            # The step lists the case's files (uploaded above the form) as its attachments.
            form_data["attachments"] = list(case.attachments.order_by("id").values_list("pk", flat=True))
        chosen = probe.get_action()
        try:
            if chosen is not None and chosen.kind == "return":
                # 退回 sends the case back as it is: the step's own fields are not asked for.
                if not opinion.strip():
                    raise FormInvalid({"opinion": [_("“%(action)s”必须填写意见") % {"action": chosen.label}]})
                targets = task.return_targets()
                acted = services.return_task(user, task.pk, to=targets[0] if targets else None, opinion=opinion)
            else:
                acted = services.complete_task(user, task.pk, data=form_data, opinion=opinion, action=action)
        except FormInvalid as exc:
            errors = exc.errors
            status = 200
        except TaskConflict:
            messages.warning(request, _conflict_message(user, case))
            return redirect("case", case.pk)
        except ActionNotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except OutOfScope as exc:
            raise Http404(str(exc.message)) from exc
        except InvalidAction as exc:
            errors = {"__all__": [str(exc.message)]}
        else:
            # The case and its open steps as the action left them (``services.TaskProjection``).
            if acted.projection.held:
                messages.success(request, _("已提交“%(step)s”，待加签人签署后生效。") % {"step": bpmn_names.step_name(task.name)})
                return redirect("home")
            where = queries.case_where(acted, acted.projection.open_steps())
            said = {"step": bpmn_names.step_name(task.name), "key": acted.business_key, "where": where}
            messages.success(request, _("已办理“%(step)s”。%(key)s 当前：%(where)s") % said)
            return redirect("home")
        form_data = {**form_data, "opinion": opinion}
    names = _step_names(case)
    form = build_task_form(
        process_id,
        task.bpmn_id,
        data=form_data,
        instance=case,
        task=task,
        user=user,
        task_data=data,
        action=request.POST.get("action") if posting else None,
        errors=errors,
    )
    holders = policy.holders_of(task.role, task.unit) if not refusal else []
    latest_check = RuleCheck.objects.latest_for(case)
    context = {
        "case": case,
        "task": task,
        "refusal": refusal,
        "form": form,
        "data": data,
        # One query: the latest check either refused (the refusal box) or passed (the ok line).
        "rule_refusal": latest_check if latest_check is not None and not latest_check.passed else None,
        "rule_passed": latest_check if latest_check is not None and latest_check.passed else None,
        "fields": visible_fields(form),
        "hidden": hidden_fields(form),
        "buttons": action_buttons(form, task, names),
        "on_notice_desk": on_notice_desk,
        "timeline": queries.timeline(case, user),
        "summary": queries.cadre_summary(case.subject_cadre) if case.subject_cadre_id else None,
        "cadre_visible": case.subject_cadre_id and queries.visible_cadres(user).filter(pk=case.subject_cadre_id).exists(),
        "can_claim": not refusal and task.claimed_by_id is None and len(holders) > 1,
        "can_release": task.claimed_by_id == user.pk,
        "nomination": _nomination(case, task, data),
        "returned_from": data.get("returned_from_name") or names.get(data.get("returned_from"), ""),
        "extras": _step_extras(case, task),
        "attachments": _attachments(case),
        "can_attach": not refusal,
        "handover": queries.handover_context(user, case, task, refusal, principal, holders),
    }
    return render(request, "webapp/task.html", context, status=status)


def _attachments(case):
    return list(case.attachments.defer("content").select_related("uploaded_by"))


def _nomination(case, task, data):
    """For later steps: the values the first step submitted (what is being judged), labelled."""
    first = queries.first_user_task(case.definition)
    if not first or first == task.bpmn_id:
        return []
    return queries.describe_fields(case.definition.process_id, first, data)


def _step_extras(case, task):
    """Side information the process type shows on some steps (e.g. the quota at a merit review)."""
    process_type = process_types.get(case.definition.process_id)
    extra = process_type.step_extras.get(task.bpmn_id) if process_type else None
    return extra(case, task, process_type.case_record.for_case(case)) if extra else {}


@login_required
@require_POST
def claim_task(request, case_id, task_id):
    return _claim(request, case_id, task_id, services.claim, _("已认领，其他人员暂不能办理此任务。"))


@login_required
@require_POST
def release_task(request, case_id, task_id):
    return _claim(request, case_id, task_id, services.unclaim, _("已释放，同角色的其他人员可以办理。"))


def _claim(request, case_id, task_id, operation, done):
    case = queries.case_or_404(request.user, case_id)
    task = _task_or_redirect(request, case, task_id, posting=True)
    if task is None:
        return redirect("case", case.pk)
    try:
        operation(request.user, task.pk)
    except TaskConflict as exc:
        messages.warning(request, str(exc.message))
        return redirect("case", case.pk)
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, done)
    return redirect("task", case.pk, task.pk)


# --------------------------------------------------------------------------- case page


def can_withdraw(user, case):
    """Mirrors the checks of services.withdraw, to offer the button only when it can work."""
    if case.started_by_id != user.pk or case.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
        return False
    last = (
        case.history.filter(action__in=[HistoryAction.COMPLETE, HistoryAction.RETURN, HistoryAction.WITHDRAW, HistoryAction.TIMER])
        .order_by("-at", "-id")
        .first()
    )
    if last is None or last.action != HistoryAction.COMPLETE or last.actor_id != user.pk:
        return False
    return not case.tasks.filter(claimed_by__isnull=False).exclude(claimed_by=user).exists()


def can_terminate(user, case):
    return case.status in OPEN_STATUSES and (user.is_superuser or policy.holds_role(user, Role.ADMIN, case.nominating_unit))


@login_required
def case_page(request, case_id):
    user = request.user
    case = queries.case_or_404(user, case_id)
    tasks = list(case.tasks.select_related("unit", "claimed_by"))
    # Which of its steps are the reader's: with the facts the case's visibility query just read.
    mine = set(queries.inbox(user, policy.facts_seen(user)).filter(instance=case).values_list("pk", flat=True))
    copies = list(case.copies.select_related("recipient", "copied_by"))
    if any(c.recipient_id == user.pk and c.read_at is None for c in copies):
        handover.mark_copy_read(user, case)  # the read receipt of a cc reader's first visit
        copies = list(case.copies.select_related("recipient", "copied_by"))
    svg, diagram_text = diagrams.case_diagram(case)
    documents = list(case.documents.select_related("issuer").order_by("created_at", "id"))
    downloadable = downloadable_ids(user, documents, visible_cases=[case.pk])  # case_or_404: the user sees the case
    for document in documents:
        document.downloadable = document.pk in downloadable
    notices = list(case.notices.select_related("document").all()) if hasattr(case, "notices") else []
    objections = list(case.objections.select_related("clarification").all()) if hasattr(case, "objections") else []
    if objections and presenting.restricted_for(user, case):
        objections = []  # not for the case's subject or their relatives (issue 13 item 5)
    process_type = process_types.get(case.definition.process_id)
    events = queries.readable_events(case, user)  # the timeline and the progress both show them
    return render(
        request,
        "webapp/case.html",
        {
            "panels": process_type.panels if process_type else (),
            "record": process_type.case_record.for_case(case) if process_type else None,
            "case": case,
            "tasks": tasks,
            "mine": mine,
            "svg": svg,
            "diagram_text": diagram_text,
            "timeline": queries.timeline(case, user, events),
            "progress": queries.progress(case, user, tasks, events),
            "rule_checks": list(case.rule_checks.all()),
            "documents": documents,
            "notices": notices,
            "objections": objections,
            "where": queries.case_where(case, tasks),
            "summary": queries.cadre_summary(case.subject_cadre) if case.subject_cadre_id else None,
            "cadre_visible": case.subject_cadre_id and queries.visible_cadres(user).filter(pk=case.subject_cadre_id).exists(),
            "can_withdraw": can_withdraw(user, case),
            "can_remind": case.started_by_id == user.pk and bool(tasks),
            "can_terminate": can_terminate(user, case),
            "action_form": CaseActionForm(),
            "terminate_form": TerminateForm(),
            "attachments": _attachments(case),
            "can_attach": case.status in (InstanceStatus.RUNNING, InstanceStatus.WAITING) and (case.started_by_id == user.pk or bool(mine)),
            "copies": copies,
            "can_copy": not presenting.restricted_for(user, case),
            "copy_people": queries.colleagues(case.nominating_unit, exclude=user, levels_up=2)
            if not presenting.restricted_for(user, case)
            else [],
        },
    )


@login_required
def approval_sheet(request, case_id):
    """打印审批单: the case's whole sign-off history as a PDF, as the user may read it — a printout
    of the current state, not numbered and not stored as an issued document."""
    from django.http import HttpResponse
    from django.utils import timezone
    from django.utils.http import content_disposition_header

    from documents.rendering import render as render_document

    user = request.user
    case = queries.case_or_404(user, case_id)
    tasks = list(case.tasks.select_related("unit", "claimed_by"))
    documents = list(case.documents.order_by("created_at", "id"))
    context = {
        "title": _("%(process)s审批单") % {"process": case.definition.name},
        "case": case,
        "subject": case.subject_cadre.name if case.subject_cadre_id else case.subject_label,
        "progress": queries.progress(case, user, tasks),
        "where": queries.case_where(case, tasks),
        "documents": documents,
        "printed_at": timezone.localtime(),
        "printed_by": user.get_full_name() or user.get_username(),
    }
    rendered = render_document("documents/approval_sheet.html", context)
    response = HttpResponse(rendered.pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"审批单-{case.business_key}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


def _case_post(request, case_id, operation, done, form_class=CaseActionForm, field="text"):
    case = queries.case_or_404(request.user, case_id)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("case", case.pk)
    try:
        operation(request.user, case.pk, form.cleaned_data[field])
    except TaskConflict as exc:
        messages.warning(request, str(exc.message))
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except InvalidAction as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect(reverse("case", args=[case.pk]))


@login_required
@require_POST
def withdraw_case(request, case_id):
    return _case_post(request, case_id, lambda user, pk, text: services.withdraw(user, pk, opinion=text), _("已撤回，可修改后重新提交。"))


@login_required
@require_POST
def remind_case(request, case_id):
    return _case_post(request, case_id, lambda user, pk, text: services.remind(user, pk, text=text), _("已催办，当前办理人会收到提醒。"))


@login_required
@require_POST
def terminate_case(request, case_id):
    return _case_post(
        request,
        case_id,
        lambda user, pk, text: services.terminate(user, pk, reason=text),
        _("流程已终止。"),
        form_class=TerminateForm,
        field="reason",
    )


# --------------------------------------------------------------------------- attachments


@login_required
@require_POST
def upload_attachment(request, case_id):
    """附件: PDF/JPEG/PNG evidence, by the starter or someone who may act on an open step."""
    from workflows.attachments import add_attachment

    case = queries.case_or_404(request.user, case_id)
    back = request.POST.get("next", "")
    target = back if back.startswith(f"/cases/{case.pk}/") else reverse("case", args=[case.pk])
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件"))
        return redirect(target)
    try:
        attachment = add_attachment(request.user, case.pk, upload, step=request.POST.get("step", "")[:100])
    except ActionNotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except InvalidAction as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已上传附件“%(name)s”。") % {"name": attachment.file_name})
    return redirect(target)


@login_required
def download_attachment(request, case_id, attachment_id):
    from django.http import Http404, HttpResponse
    from django.utils.http import content_disposition_header

    case = queries.case_or_404(request.user, case_id)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
