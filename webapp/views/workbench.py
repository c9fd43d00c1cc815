"""工作台: 待办 / 已办 / 我发起的, with counts, filters, search and pagination."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from permissions import policy
from permissions.models import Unit
from workflows import names
from workflows.models import HistoryAction, HistoryEvent, HumanTask, ProcessInstance, case_search_q
from workspace import batch, inbox

from .. import links, queries
from ..forms import WorkbenchFilterForm

PAGE_SIZE = 20
TABS = [("todo", _("待办")), ("done", _("已办")), ("started", _("我发起的"))]
DONE_ACTIONS = [HistoryAction.COMPLETE, HistoryAction.RETURN]


def _bases(user):
    return {
        "todo": queries.inbox(user),
        "done": HistoryEvent.objects.filter(actor=user, action__in=DONE_ACTIONS),
        "started": ProcessInstance.objects.filter(started_by=user),
    }


def _filter(tab, qs, data):
    """Apply the cleaned filter values to one tab's queryset."""
    case = "" if tab == "started" else "instance__"
    if data.get("process"):
        qs = qs.filter(**{f"{case}definition__process_id": data["process"]})
    if data.get("unit"):
        unit = Unit.objects.filter(pk=data["unit"]).only("path").first()
        if unit is not None:
            q = Q(**{f"{case}nominating_unit__path__startswith": unit.path})
            if tab == "todo":
                q |= Q(unit_path__startswith=unit.path)
            qs = qs.filter(q)
    if data.get("step"):
        qs = qs.filter(**{{"todo": "name", "done": "task_name", "started": "tasks__name"}[tab]: data["step"]})
    stamp = {"todo": "created_at", "done": "at", "started": "created_at"}[tab]
    if data.get("date_from"):
        qs = qs.filter(**{f"{stamp}__date__gte": data["date_from"]})
    if data.get("date_to"):
        qs = qs.filter(**{f"{stamp}__date__lte": data["date_to"]})
    if data.get("q"):
        qs = qs.filter(case_search_q(data["q"], prefix=case))
    return qs.distinct() if tab == "started" and data.get("step") else qs


def _steps(tab, qs):
    field = {"todo": "name", "done": "task_name", "started": "tasks__name"}[tab]
    return sorted({name for name in qs.values_list(field, flat=True).distinct()[:200] if name})


def _display(tasks):
    """What the 待办 table prints of each row, prepared here once rather than by a dozen template
    filters and two URL reversals per row (the table was the larger part of the page's CPU)."""
    now = timezone.now()
    case_url, task_url = links.for_rows("case"), links.for_rows("task")
    for task in tasks:
        case = task.instance
        arrived = timezone.localtime(task.created_at)
        task.case_url = case_url(task.instance_id)
        task.task_url = task_url(task.instance_id, task.pk)
        task.process_label = names.process_name(case.definition.name)
        task.step_label = names.step_name(task.name)
        task.subject_label = (case.subject_cadre.name if case.subject_cadre_id else "") or case.subject_label or "—"
        task.arrived_iso = arrived.isoformat()
        task.arrived_label = formats.date_format(arrived, "DATETIME_FORMAT")
        task.due_label = formats.date_format(timezone.localtime(task.due_at), "DATE_FORMAT") if task.due_at else ""
        task.is_overdue = bool(task.due_at and task.due_at < now)
        task.has_marks = bool(task.draft or task.on_behalf or task.assignment or task.waiting)


@login_required
def home(request):
    """The workbench is the home page: what is waiting for me first."""
    user = request.user
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "todo"
    bases = _bases(user)
    if tab == "todo":
        # The inbox's count and its step names from one grouped statement: the inbox query is the
        # costliest of the page to build and plan, and the step filter needs no more than this.
        by_step = dict(bases["todo"].order_by().values_list("name").annotate(n=Count("id")))
        counts = {"todo": sum(by_step.values())} | {name: bases[name].count() for name in ("done", "started")}
        steps = sorted(name for name in by_step if name)
    else:
        counts = {name: qs.count() for name, qs in bases.items()}
        steps = _steps(tab, bases[tab])
    # The units to filter by: those of the person's grants, as the inbox query above read them.
    seen = policy.facts_seen(user)
    units = (
        seen.granted_units()
        if seen is not None
        else list(Unit.objects.filter(grants__user=user).distinct().order_by("path").values_list("pk", "name"))
    )
    form = WorkbenchFilterForm(
        request.GET or None, processes=queries.process_choices(queries.latest_definitions(request)), units=units, steps=steps
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = _filter(tab, bases[tab], data)
    # A list never needs the engine state (tens of kB a row).
    heavy = ("state",)
    if tab == "todo":
        qs = (
            qs.select_related("instance__definition", "instance__subject_cadre", "instance__started_by", "unit", "claimed_by")
            .defer(*(f"instance__{f}" for f in heavy))
            .order_by("created_at", "id")
        )
    elif tab == "done":
        qs = (
            qs.select_related("instance__definition", "instance__subject_cadre")
            .defer(*(f"instance__{f}" for f in heavy))
            .prefetch_related(Prefetch("instance__tasks", queryset=HumanTask.objects.select_related("unit")))
            .order_by("-at", "-id")
        )
    else:
        qs = (
            qs.select_related("definition", "subject_cadre", "nominating_unit")
            .defer(*heavy)
            .prefetch_related(Prefetch("tasks", queryset=HumanTask.objects.select_related("unit")))
            .order_by("-created_at", "-id")
        )
    filtered = any(data.get(k) for k in ("q", "process", "unit", "step", "date_from", "date_to"))
    paginator = Paginator(qs, PAGE_SIZE)
    if not filtered:
        paginator.count = counts[tab]  # the same rows as the tab's count above: not counted twice
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if tab == "done":
        for event in rows:
            event.where = queries.case_where(event.instance, list(event.instance.tasks.all()))
    elif tab == "started":
        for case in rows:
            case.where = queries.case_where(case, list(case.tasks.all()))
    if tab == "todo":
        steps = {}
        for task in rows:
            key = (task.instance.definition.process_id, task.bpmn_id)
            if key not in steps:
                steps[key] = batch.batchable(*key)
            task.batchable = steps[key]
            task.step_key = f"{key[0]}:{key[1]}"
        inbox.mark(user, rows)
        _display(rows)
    return render(
        request,
        "webapp/workbench.html",
        {
            "tab": tab,
            "tabs": TABS,
            "counts": counts,
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": filtered,
            "batch_possible": tab == "todo" and any(getattr(t, "batchable", False) for t in rows),
            "batch_limit": batch.MAX_BATCH,
        },
    )


@login_required
@require_POST
def batch_approve(request):
    """批量审批: the selected tasks of one step, approved with one opinion, each on its own."""
    raw = request.POST.getlist("tasks")
    ids = [int(v) for v in raw if v.isascii() and v.isdigit() and 0 < int(v) < 2**63]
    opinion = request.POST.get("opinion", "")
    try:
        results = batch.complete_batch(request.user, ids, opinion=opinion)
    except batch.BatchRefused as exc:
        messages.error(request, str(exc.message))
        return redirect("home")
    done = [r for r in results if r["ok"]]
    if done:
        messages.success(
            request,
            gettext("已批量办理 %(count)d 件：%(keys)s") % {"count": len(done), "keys": "、".join(r["business_key"] for r in done)},
        )
    failed = HumanTask.all_objects.visible_to(request.user).filter(pk__in=[r["task"] for r in results if not r["ok"]])
    keys = dict(failed.values_list("pk", "instance__business_key"))
    for r in results:
        if not r["ok"]:
            messages.warning(
                request,
                gettext("%(key)s 未办理：%(reason)s")
                % {"key": keys.get(r["task"]) or gettext("任务 %(id)d") % {"id": r["task"]}, "reason": r["message"]},
            )
    return redirect("home")
