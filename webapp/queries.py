"""Read-only helpers for the pages: what a person may see, task data, summaries.

Every object a page shows is looked up through the policy's filters
(``permissions.policy``); an object outside them is a 404, never a leak.
State changes never happen here: they go through ``workflows.services``.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from permissions import policy
from permissions.models import Grant, Unit
from permissions.roles import Role
from records.models import Cadre
from workflows import clock, engine, names, presenting, process_types
from workflows.models import (
    CountersignPosition,
    HistoryAction,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskUserObjectPermission,
)

# Roles whose holders keep the cadre records of their units (the Excel import page).
RECORDS_IMPORT_ROLES = (Role.NOMINATOR, Role.REVIEWER, Role.ADMIN)
# Roles that work the public-notice desk (publish; record objections: awards.notices).
NOTICE_ROLES = (Role.PUBLICITY_OFFICER, Role.REVIEWER)


# --------------------------------------------------------------------------- visibility


def visible_cases(user):
    return ProcessInstance.objects.visible_to(user)


def visible_cadres(user):
    return Cadre.objects.visible_to(user)


def case_or_404(user, pk):
    case = visible_cases(user).select_related("definition", "subject_cadre__unit", "nominating_unit", "started_by").filter(pk=pk).first()
    if case is None:
        raise Http404(_("没有找到该案件，或您无权查看"))
    return case


def cadre_or_404(user, pk):
    cadre = visible_cadres(user).select_related("unit").filter(pk=pk).first()
    if cadre is None:
        raise Http404(_("没有找到该干部，或您无权查看"))
    return cadre


def inbox(user, facts=None):
    return HumanTask.objects.inbox_for(user, facts=facts)


def has_any_role(user, roles):
    return user.is_authenticated and Grant.objects.filter(user=user, role__in=list(roles)).exists()


def units_with_any_role(user, roles):
    """Units where the user holds any of ``roles`` (directly or through a grant covering
    subordinates), as ``policy.units_with_role`` for each role, after one query for the grants."""
    grants = list(Grant.objects.filter(user=user, role__in=sorted(roles)).values_list("unit_id", "include_subordinates", "unit__path"))
    if not grants:
        return Unit.objects.none()
    q = Q(pk__in=sorted({unit_id for unit_id, _subs, _path in grants}))
    for path in sorted({path for _unit, subs, path in grants if subs}):
        q |= Q(path__startswith=path)
    return Unit.objects.filter(q)


def latest_definitions(request=None):
    """The latest version of each deployed process, by process id; read once per ``request`` (the
    workbench's process filter and the top bar's 发起 both ask)."""
    cached = getattr(request, "_latest_definitions", None)
    if cached is not None:
        return cached
    latest = {}
    for definition in ProcessDefinition.objects.order_by("process_id", "-version"):
        latest.setdefault(definition.process_id, definition)
    if request is not None:
        request._latest_definitions = latest
    return latest


def startable_definitions(user, roles=None, definitions=None):
    """The latest version of each process whose start role the user holds somewhere, or a role
    its process type also lets start (the organisation department's 动议, an authority's 撤销).
    ``roles``: the roles the user holds, when the caller has read them already; ``definitions``:
    ``latest_definitions()``, when read."""
    roles = set(Grant.objects.filter(user=user).values_list("role", flat=True)) if roles is None else set(roles)
    latest = latest_definitions() if definitions is None else definitions
    return [d for d in latest.values() if d.start_role in roles or _extra_start_roles(d) & roles]


def _extra_start_roles(definition):
    process_type = process_types.get(definition.process_id)
    return set(process_type.extra_start_roles) if process_type else set()


# The start page looks for the units an extra starter may start for among at most this many.
EXTRA_START_UNITS_SCANNED = 1000


def start_units(user, definition):
    """Units the user may start ``definition`` for: those where they hold its start role, and those
    its process type lets them start for (found within the areas of their grants of such a role)."""
    from permissions.routing import area_of
    from workflows.services import may_start

    own = policy.units_with_role(user, definition.start_role)
    extra_roles = _extra_start_roles(definition)
    grants = list(Grant.objects.filter(user=user, role__in=extra_roles).select_related("unit")) if extra_roles else []
    if not grants:
        return own.order_by("path")
    areas = Q()
    for grant in grants:
        areas |= Q(path__startswith=area_of(grant.unit).path)
    own_ids = set(own.values_list("pk", flat=True))
    candidates = Unit.objects.filter(areas).exclude(pk__in=own_ids).order_by("path")[:EXTRA_START_UNITS_SCANNED]
    extra = [unit.pk for unit in candidates if may_start(user, definition, unit)]
    return Unit.objects.filter(pk__in=own_ids | set(extra)).order_by("path")


def process_choices(definitions=None):
    """(process id, name) of every deployed process, by name; ``definitions``: ``latest_definitions()``, when read."""
    latest = latest_definitions() if definitions is None else definitions
    return sorted(((process_id, names.process_name(d.name)) for process_id, d in latest.items()), key=lambda item: item[1])


# --------------------------------------------------------------------------- engine data


def task_data(case, task):
    """The data the engine holds for this ready task (what its form is pre-filled from)."""
    try:
        workflow = engine.load_workflow(case.definition, case.state)
    except Exception:  # noqa: BLE001 - show the page without pre-filled data rather than fail
        return {}
    spiff_task = workflow.get_task_from_id(task.task_uuid)
    return dict(spiff_task.data) if spiff_task is not None else {}


start_event_id = presenting.start_event_id
start_form_class = presenting.start_form_class
first_user_task = presenting.first_user_task


# --------------------------------------------------------------------------- presenting fields
# One presenter for the pages and the API (workflows.presenting).
describe_event = presenting.describe_event
field_rows = presenting.field_rows


def describe_fields(process_id, bpmn_id, values, *, instance=None):
    """[(label, value)] of a step's submitted fields, in the form's order, labelled as on the form."""
    return [(row["label"], row["display"]) for row in presenting.field_rows(process_id, bpmn_id, values, instance=instance)]


def readable_events(case, user):
    """The case's history events ``user`` may read (``presenting.readable_history``), oldest first:
    read once for a page's timeline and progress."""
    return presenting.readable_history(case.history.select_related("actor", "on_behalf_of").order_by("at", "id"), user, case)


def timeline(case, user, events=None):
    """The history of a case as ``user`` may read it, with each step's submitted fields labelled;
    ``events``: ``readable_events(case, user)``, when read."""
    events = readable_events(case, user) if events is None else events
    rows = []
    for event in events:
        fields, decision = describe_event(case, event)
        fields = [(f["label"], f["display"]) for f in fields]
        if event.action == HistoryAction.RETURN:
            decision = ""  # the event itself reads 退回
        elif event.action in HANDOVER_ACTIONS:
            fields, decision = handover_fields(event)
        rows.append({"event": event, "fields": fields, "decision": decision, "actor": actor_label(event)})
    return rows


def actor_label(event):
    """Who acted: the person, "（代 X 办理）" when they acted for a delegator, or 系统."""
    if event.actor is None:
        return _("系统")
    name = _name_of(event.actor)
    if event.on_behalf_of_id:
        return _("%(name)s（代%(principal)s办理）") % {"name": name, "principal": _name_of(event.on_behalf_of)}
    return name


HANDOVER_ACTIONS = {
    HistoryAction.TRANSFER,
    HistoryAction.DELEGATE,
    HistoryAction.COUNTERSIGN_ADD,
    HistoryAction.COUNTERSIGN,
    HistoryAction.COPY,
    HistoryAction.HOLD,
}


def handover_fields(event):
    """(field rows, decision label) of a 转办 / 委派 / 加签 / 抄送 event, from what it recorded."""
    fields = event.changed_fields if isinstance(event.changed_fields, dict) else {}
    if event.action == HistoryAction.TRANSFER:
        return [(_("转办给"), fields.get("to", ""))], ""
    if event.action == HistoryAction.DELEGATE:
        return [(_("委派给"), fields.get("to", ""))], ""
    if event.action == HistoryAction.COUNTERSIGN_ADD:
        position = CountersignPosition(fields["position"]).label if fields.get("position") in CountersignPosition.values else ""
        return [(_("加签人"), f"{fields.get('signer', '')}（{position}）")], ""
    if event.action == HistoryAction.COUNTERSIGN:
        return [], _("同意") if fields.get("agree") else _("不同意")
    if event.action == HistoryAction.COPY:
        return [(_("抄送给"), "、".join(fields.get("to", [])))], ""
    return [], _("待加签人签署后生效")


# --------------------------------------------------------------------------- cadre summary


def cadre_summary(cadre, on=None):
    """What an approver needs to see about the subject cadre (DOMAIN.md §1.4, §2, §3)."""
    on = on or clock.today()
    sanctions = list(cadre.sanctions.all())
    return {
        "cadre": cadre,
        "age": cadre.age_on(on),
        "assessments": list(cadre.assessments.order_by("-year")[:5]),
        "sanctions": [{"sanction": s, "in_effect": s.in_effect_on(on)} for s in sanctions],
        "investigations": list(cadre.investigations.all()),
        "awards": list(cadre.awards.select_related("approving_unit").all()),
    }


def case_where(case, tasks=None):
    """Where a case stands, in words: its open steps, or its outcome."""
    if case.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        return names.step_name(case.outcome_label) if case.outcome_label else case.get_status_display()
    if case.status == InstanceStatus.ERROR:
        return _("异常，待管理员处理")
    tasks = tasks if tasks is not None else list(case.tasks.all())
    if tasks:
        return "、".join(f"{names.step_name(t.name)}（{t.unit.short_name or t.unit.name}）" for t in tasks)
    if case.next_timer_due:
        return _("等待至%(when)s") % {"when": date_format(timezone.localtime(case.next_timer_due), "DATETIME_FORMAT")}
    return case.get_status_display()


def has_notice_desk(process_id):
    """Whether a process publishes its cases on the notice desk (it registered a notice profile)."""
    from notices.profiles import profile_for

    try:
        profile_for(process_id)
    except LookupError:
        return False
    return True


def notice_units(user):
    return units_with_any_role(user, NOTICE_ROLES)


# --------------------------------------------------------------------------- progress (issue 15 item 6)

# History events that are steps of the sign-off list: what someone decided, or what ended a step.
PROGRESS_ACTIONS = (
    HistoryAction.START,
    HistoryAction.COMPLETE,
    HistoryAction.RETURN,
    HistoryAction.WITHDRAW,
    HistoryAction.TERMINATE,
    # Opinions given on a step by others than its holder are sign-offs too.
    HistoryAction.DELEGATE_RETURN,
    HistoryAction.COUNTERSIGN,
)
# A submitted field short enough to stand for an opinion on the sign-off list (when no opinion was written).
SHORT_FIELD = 40
HOLDERS_SHOWN = 8


def _name_of(user):
    return (user.get_full_name() or user.get_username()) if user is not None else _("系统")


def _next_steps(case, bpmn_ids):
    """The user task each open step leads to when the diagram makes it knowable: followed along
    single outgoing flows; a split (a gateway deciding, or parallel branches) ends the search."""
    from . import diagram as diagrams

    try:
        diagram = diagrams.diagram_for(case.definition)
    except Exception:  # noqa: BLE001 - the next step is a nicety
        return []
    outgoing = {}
    for edge in diagram.edges:
        outgoing.setdefault(edge.source, []).append(edge.target)
    found = []
    for start in bpmn_ids:
        node, seen = start, {start}
        while True:
            targets = outgoing.get(node, [])
            if len(targets) != 1 or targets[0] in seen or targets[0] not in diagram.nodes:
                break
            node = targets[0]
            seen.add(node)
            shape = diagram.nodes[node]
            if shape.kind == "userTask":
                if node not in bpmn_ids and all(step["id"] != node for step in found):
                    found.append({"id": node, "name": shape.name, "role": _lane_of(diagram, shape)})
                break
            if shape.kind == "endEvent":
                break
    return found


def _lane_of(diagram, shape):
    from .diagram import lane_label

    cx, cy = shape.x + shape.w / 2, shape.y + shape.h / 2
    for lane in diagram.lanes:
        if lane.x <= cx <= lane.x + lane.w and lane.y <= cy <= lane.y + lane.h:
            return lane_label(lane.name)
    return ""


def _short_fields(fields):
    return "；".join(f"{f['label']}：{f['display']}" for f in fields if f["display"] != "—" and len(str(f["display"])) <= SHORT_FIELD)


def progress(case, user, tasks=None, events=None):
    """The case as a list of steps, as ``user`` may read it (``presenting.readable_history``;
    ``events``: ``readable_events(case, user)``, when read):

    - ``done``: each step taken, in order — name, who (name, role, unit), when, decision, opinion
      (or, without one, its short submitted fields);
    - ``current``: the open steps — name, unit, role, who may act (the role's holders on the unit);
    - ``next``: the user task the open steps lead to, where no gateway decides.
    """
    events = [event for event in (readable_events(case, user) if events is None else events) if event.action in PROGRESS_ACTIONS]
    # Which role and unit each step was done for: the closed task the actor completed, in order.
    closed = {}
    for task in HumanTask.all_objects.filter(instance=case, completed_by__isnull=False).select_related("unit").order_by("closed_at", "id"):
        closed.setdefault((task.bpmn_id, task.completed_by_id), []).append(task)
    done = []
    for event in events:
        fields, decision = describe_event(case, event)
        role = unit = ""
        if event.action == HistoryAction.START:
            role, unit = case.definition.get_start_role_display(), case.nominating_unit.name
        elif event.task_bpmn_id:
            queue = closed.get((event.task_bpmn_id, event.actor_id))
            if queue:
                task = queue.pop(0)
                role, unit = task.get_role_display(), task.unit.name
        if event.action in (HistoryAction.RETURN, HistoryAction.WITHDRAW, HistoryAction.TERMINATE):
            decision = event.get_action_display()
        elif event.action in (HistoryAction.COUNTERSIGN, HistoryAction.DELEGATE_RETURN):
            role = event.get_action_display()  # 加签意见 / 委派交回: not the step's role
            decision = handover_fields(event)[1] if event.action == HistoryAction.COUNTERSIGN else ""
        elif event.action == HistoryAction.START:
            decision = ""  # the step's name says it
        done.append(
            {
                "event": event,
                "name": event.task_name or event.get_action_display(),
                "action": event.action,
                "actor": actor_label(event),
                "role": role,
                "unit": unit,
                "at": timezone.localtime(event.at),
                "decision": decision,
                "opinion": event.opinion,
                "fields": "" if event.opinion else _short_fields(fields),
            }
        )
    tasks = tasks if tasks is not None else list(case.tasks.select_related("unit", "claimed_by"))
    current = []
    for task in tasks:
        holders = policy.holders_of(task.role, task.unit)
        names = [_name_of(h) for h in holders]
        current.append(
            {
                "task": task,
                "name": task.name,
                "role": task.get_role_display(),
                "unit": task.unit.name,
                "holders": names[:HOLDERS_SHOWN],
                "more_holders": max(len(names) - HOLDERS_SHOWN, 0),
                "claimed_by": _name_of(task.claimed_by) if task.claimed_by_id else "",
            }
        )
    open_case = case.status in (InstanceStatus.RUNNING, InstanceStatus.WAITING)
    return {
        "done": done,
        "current": current,
        "next": _next_steps(case, [t.bpmn_id for t in tasks]) if open_case and tasks else [],
        "ended": case.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED),
    }


# --------------------------------------------------------------------------- handover (issue 15 items 1–2)


def colleagues(unit, *, exclude=None, levels_up=1):
    """Active people holding a role in the area ``levels_up`` above ``unit`` (its parent: the
    county of a township or of a county department) — whom a task of that unit may be 委派 to
    or countersigned by, or a case copied to — by user name."""
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    top = ancestors[: max(len(ancestors) - levels_up, 1)][-1]
    area = Unit.objects.filter(pk=top).values_list("path", flat=True).first() or unit.path
    people = (
        get_user_model()
        .objects.filter(is_active=True, grants__unit__path__startswith=area)
        .exclude(pk=getattr(exclude, "pk", None))
        .distinct()
        .order_by("username")
    )
    return list(people[:300])


def handover_context(user, case, task, refusal, principal, holders):
    """What the task page offers around the step: the person's own 委派 or 加签 on it, why its
    holder must wait, and the people it may be handed to. ``principal``: whom the user acts for
    (``policy.acting_for``, already asked by the page); ``holders``: the step's role holders
    (``policy.holders_of``, read by the page when the user may act)."""
    from workflows import handover

    grants = set(
        TaskUserObjectPermission.objects.filter(user=user, content_object_id=task.pk).values_list("permission__codename", flat=True)
    )
    countersigns = list(task.countersigns.select_related("signer", "added_by"))
    # What waiting_reason would otherwise ask the database (as the lock statement tells it).
    task.countersigns_unsigned = any(c.signed_at is None for c in countersigns)
    context = {
        "handling": "handle_task" in grants,
        "countersigning": "countersign_task" in grants,
        "countersign_row": task.countersigns.filter(signer=user, signed_at__isnull=True).first() if "countersign_task" in grants else None,
        "waiting": handover.waiting_reason(task) if not refusal else "",
        "acting_for": principal if principal is not None and principal.pk != user.pk else None,
        "countersigns": countersigns,
        "delegation_note": "",
    }
    if context["handling"]:
        event = (
            case.history.filter(action=HistoryAction.DELEGATE, task_bpmn_id=task.bpmn_id)
            .select_related("actor")
            .order_by("-at", "-id")
            .first()
        )
        context["delegation_note"] = event.opinion if event else ""
        context["delegated_by"] = _name_of(event.actor) if event and event.actor else ""
    if not refusal:
        context["transfer_to"] = [p for p in holders if p.pk != user.pk]
        context["people"] = colleagues(task.unit, exclude=user)
    return context


def person_named(username):
    """The active user with this user name, or None."""
    username = (username or "").strip()
    return get_user_model().objects.filter(username=username, is_active=True).first() if username else None


def delegation_candidates(user):
    """Colleagues a person may delegate to: the people of the areas of their own units."""
    units = Unit.objects.filter(grants__user=user).distinct()
    people = {}
    for unit in units[:10]:
        for person in colleagues(unit, exclude=user):
            people.setdefault(person.pk, person)
    return sorted(people.values(), key=lambda p: p.username)
