"""公示管理 (the public-notice desk): publish reviewed cases in one notice, follow running
notices, record objections and follow their verification (DOMAIN.md §1.3, §4.3, §6).

Generic over processes: every process that registered a notice profile (``notices.profiles``)
and has a ``Task_publish`` step is published here, one notice per process type and issuer.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from documents.permissions import downloadable_ids
from notices import desk
from notices.models import Notice, Objection
from workflows import clock
from workflows.errors import ActionNotAllowed, InvalidAction, TaskConflict
from workflows.models import HumanTask, ProcessInstance

from .. import links, queries
from ..forms import NoticeForm, ObjectionForm


def _require_desk(user):
    if not (user.is_superuser or queries.has_any_role(user, queries.NOTICE_ROLES)):
        raise PermissionDenied(_("只有公示经办人或审核人可以使用公示管理"))


def _inbox(user):
    """The user's inbox, its filter built once per request (reading the person's facts is a query)."""
    if "_desk_inbox" not in user.__dict__:
        user.__dict__["_desk_inbox"] = queries.inbox(user)
    return user.__dict__["_desk_inbox"]


def _publish_groups(user, bound=None):
    """The 发布公示 steps in the user's inbox, one group (and one form) per process type."""
    tasks = (
        _inbox(user)
        .filter(bpmn_id=desk.PUBLISH_STEP)
        .select_related("instance__definition", "instance__subject_cadre__unit", "instance__nominating_unit", "unit")
        .defer("instance__state")  # the engine's; the groups show the cases' typed facts
        .order_by("unit__path", "created_at")
    )
    groups = {}
    for task in tasks:
        process_id = task.instance.definition.process_id
        if not queries.has_notice_desk(process_id):
            continue
        group = groups.setdefault(process_id, {"process_id": process_id, "name": task.instance.definition.name, "tasks": []})
        group["tasks"].append(task)
    for process_id, group in groups.items():
        data = bound.get(process_id) if bound else None
        group["form"] = (
            data if isinstance(data, NoticeForm) else NoticeForm(data, tasks=group["tasks"], process_id=process_id, prefix=process_id)
        )
    return list(groups.values())


class _BlankObjectionFields:
    """The 登记异议 fields of a running notice's rows: the blank form is the same for every case
    but for its prefix (c<case id>), so it is rendered once a page with a placeholder prefix and
    each row gets a copy with its own — not a form built and rendered for each of 100 cases."""

    PLACEHOLDER = "c0objection0"  # no field, id or text of the form contains it

    def __init__(self):
        self._html = None

    def for_case(self, case_id):
        if self._html is None:
            self._html = render_to_string("webapp/_objection_fields.html", {"form": ObjectionForm(prefix=self.PLACEHOLDER)})
        # The replacement is the prefix ObjectionForm(prefix=f"c{case_id}") would give: names and ids.
        return mark_safe(self._html.replace(self.PLACEHOLDER, f"c{int(case_id)}"))  # safe: our own rendered HTML and an integer


def _desk(request, *, groups=None, objection_forms=None, status=200):
    user = request.user
    groups = groups if groups is not None else _publish_groups(user)
    units = queries.notice_units(user)
    today = clock.today()
    notices = list(
        Notice.objects.filter(issuer__in=units)
        .select_related("issuer", "document")
        .defer("document__pdf")  # the desk links to the PDF; it never reads the bytes
        # The cases without their engine state (~10 kB each, 100 cases on a full desk): the desk
        # shows their subject and open steps only; the steps as plain lists (to_attr), not a
        # queryset built for each of the hundred cases.
        .prefetch_related(
            Prefetch("cases", ProcessInstance.objects.defer("state").select_related("subject_cadre")),
            Prefetch("cases__tasks", HumanTask.objects.all(), to_attr="open_tasks"),
        )
        .order_by("-start_date", "-id")[:50]
    )
    objection_forms = objection_forms or {}
    objections = {}
    for objection in Objection.objects.filter(notice__in=notices).select_related("recorded_by", "clarification"):
        objections.setdefault(objection.instance_id, []).append(objection)
    inbox_ids = set(_inbox(user).filter(instance__notices__in=notices).values_list("pk", flat=True))
    downloadable = downloadable_ids(user, [notice.document for notice in notices])
    blank = _BlankObjectionFields()
    case_url, task_url, document_url = links.for_rows("case"), links.for_rows("task"), links.for_rows("documents:download")
    for notice in notices:
        notice.running = notice.start_date <= today <= notice.end_date
        notice.upcoming = today < notice.start_date
        notice.document_url = document_url(notice.document_id) if notice.document_id in downloadable else ""
        notice.rows = []
        for case in notice.cases.all():
            form = objection_forms.get(case.pk)  # posted and refused: shown with its errors
            notice.rows.append(
                {
                    "case": case,
                    "case_url": case_url(case.pk),
                    "objections": objections.get(case.pk, []),
                    "tasks": [{"task": t, "url": task_url(case.pk, t.pk) if t.pk in inbox_ids else ""} for t in case.open_tasks],
                    "form": form,
                    "blank_fields": blank.for_case(case.pk) if form is None and notice.running else "",
                }
            )
    return render(
        request,
        "webapp/notices.html",
        {
            "groups": groups,
            "waiting": sum(len(g["tasks"]) for g in groups),
            "notices": notices,
            "today": today,
        },
        status=status,
    )


@login_required
def notices_page(request):
    _require_desk(request.user)
    if request.method != "POST":
        return _desk(request)
    process_id = request.POST.get("process", "")
    groups = _publish_groups(request.user)
    group = next((g for g in groups if g["process_id"] == process_id), None)
    posted = set(request.POST.getlist(f"{process_id}-tasks"))
    if group is None or posted - {str(t.pk) for t in group["tasks"]}:
        # Published meanwhile (a second click, or a colleague): say so instead of a bare form error.
        messages.warning(request, _("所选案件中有的已发布公示或已被他人处理，请核对后重新选择。"))
        return redirect("notices")
    form = NoticeForm(request.POST, tasks=group["tasks"], process_id=process_id, prefix=process_id)
    if form.is_valid():
        try:
            notice = desk.publish_notice(
                request.user,
                [int(pk) for pk in form.cleaned_data["tasks"]],
                start_date=form.cleaned_data["start_date"],
                working_days=form.cleaned_data["working_days"],
                contact=form.cleaned_data["contact"],
                title=form.cleaned_data["title"],
            )
        except ActionNotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except (InvalidAction, TaskConflict) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("已发布“%(title)s”：%(start)s 至 %(end)s，共%(n)s个案件。")
                % {
                    "title": notice.title,
                    "start": date_format(notice.start_date, "DATE_FORMAT"),
                    "end": date_format(notice.end_date, "DATE_FORMAT"),
                    "n": notice.cases.count(),
                },
            )
            return redirect("notices")
    group["form"] = form
    return _desk(request, groups=groups)


@login_required
@require_POST
def record_objection(request):
    _require_desk(request.user)
    case_id = request.POST.get("case", "")
    case = queries.case_or_404(request.user, case_id) if case_id.isdigit() else None
    if case is None:
        messages.error(request, _("请选择案件"))
        return redirect("notices")
    form = ObjectionForm(request.POST, prefix=f"c{case.pk}")
    if form.is_valid():
        try:
            desk.record_objection(request.user, case.pk, content=form.cleaned_data["content"], contact=form.cleaned_data["contact"])
        except ActionNotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except (InvalidAction, TaskConflict) as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("已登记对 %(key)s 的异议，已转入异议核查。") % {"key": case.business_key})
            return redirect("notices")
    return _desk(request, objection_forms={case.pk: form})
